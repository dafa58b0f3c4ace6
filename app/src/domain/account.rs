//! Rules for what a member may enter about themselves. The server enforces them; the
//! browser may use them to warn early.

pub const NAME_MAX_CHARS: usize = 120;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountRule {
    NameRequired,
    NameTooLong,
    NameInvalid,
    EmailInvalid,
    PasswordTooShort,
    PasswordTooLong,
}

/// The display name as it will be printed on certificates: any script, trimmed, single-spaced
/// inside, no control characters and no invisible formatting characters. `<`, `>` and `&`
/// are ordinary text, escaped wherever a name is shown.
pub fn normalise_name(raw: &str) -> Result<String, AccountRule> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(AccountRule::NameRequired);
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(AccountRule::NameTooLong);
    }
    if name
        .chars()
        .any(|c| c.is_control() || is_invisible_format(c))
    {
        return Err(AccountRule::NameInvalid);
    }
    Ok(name)
}

/// Invisible formatting characters (Unicode category Cf) that can disguise text on a
/// certificate or a public page: direction overrides and isolates, zero-width spaces, the
/// byte-order mark, tags, soft hyphens. ZWJ and ZWNJ are not among them: several scripts
/// need them to spell names.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B | 0x200E | 0x200F | 0x202A..=0x202E | 0x2060..=0x2064
        | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// Emails are compared case-insensitively, so they are stored lower-cased.
pub fn normalise_email(raw: &str) -> Result<String, AccountRule> {
    let email = raw.trim().to_lowercase();
    let valid = email.chars().count() <= EMAIL_MAX_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.rsplit_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(AccountRule::EmailInvalid)
    }
}

/// Length is the only composition rule (the common-password list is checked on the server).
pub fn check_password_length(password: &str) -> Result<(), AccountRule> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        Err(AccountRule::PasswordTooShort)
    } else if chars > PASSWORD_MAX_CHARS {
        Err(AccountRule::PasswordTooLong)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_every_script_and_collapse_spaces() {
        assert_eq!(normalise_name("  Jiří   Dvořák ").unwrap(), "Jiří Dvořák");
        assert_eq!(normalise_name("Łukasz Żółć").unwrap(), "Łukasz Żółć");
        assert_eq!(normalise_name("Jānis Bērziņš").unwrap(), "Jānis Bērziņš");
        assert_eq!(normalise_name("   "), Err(AccountRule::NameRequired));
        assert_eq!(
            normalise_name(&"ž".repeat(121)),
            Err(AccountRule::NameTooLong)
        );
        assert_eq!(normalise_name("a\u{0007}b"), Err(AccountRule::NameInvalid));
        assert_eq!(
            normalise_name("Ana <Co> & Sons").unwrap(),
            "Ana <Co> & Sons"
        );
    }

    #[test]
    fn names_cannot_hide_or_reorder_their_letters() {
        for disguised in [
            "Ana\u{202E}kavoN",
            "An\u{200B}a",
            "\u{2066}Ana\u{2069}",
            "Ana\u{200F}",
            "\u{FEFF}Ana",
            "An\u{00AD}a",
            "Ana\u{E0041}",
        ] {
            assert_eq!(
                normalise_name(disguised),
                Err(AccountRule::NameInvalid),
                "{disguised:?}"
            );
        }
        // Joiners that Indic and Persian names need are kept.
        for joined in ["क्\u{200D}ष", "می\u{200C}خواهم"] {
            assert_eq!(normalise_name(joined).as_deref(), Ok(joined));
        }
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_shaped() {
        assert_eq!(
            normalise_email(" Ana@Example.SI ").unwrap(),
            "ana@example.si"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "ana@.com",
        ] {
            assert_eq!(
                normalise_email(bad),
                Err(AccountRule::EmailInvalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert_eq!(check_password_length("šššššššš"), Ok(()));
        assert_eq!(
            check_password_length("ššššššš"),
            Err(AccountRule::PasswordTooShort)
        );
        assert_eq!(check_password_length(&"x".repeat(128)), Ok(()));
        assert_eq!(
            check_password_length(&"x".repeat(129)),
            Err(AccountRule::PasswordTooLong)
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            /// Whatever is typed, an accepted name is what a certificate can show as is:
            /// trimmed, single-spaced, within the limit, nothing invisible, and stable when
            /// checked again.
            #[test]
            fn an_accepted_name_is_clean_and_stable(raw in prop_oneof![
                any::<String>(),
                "[ \t\u{a0}a-zčšžłāņ<>&\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{feff}\u{0}-\u{1f}]{0,40}",
            ]) {
                if let Ok(name) = normalise_name(&raw) {
                    prop_assert!(!name.is_empty());
                    prop_assert!(name.chars().count() <= NAME_MAX_CHARS);
                    prop_assert_eq!(name.trim(), name.as_str());
                    prop_assert!(!name.contains("  "));
                    prop_assert!(!name.chars().any(|c| c.is_control() || is_invisible_format(c)));
                    prop_assert_eq!(normalise_name(&name), Ok(name.clone()));
                }
            }

            /// Letters of any of the association's languages, spaced any way, are a name.
            #[test]
            fn letters_and_spaces_are_always_a_name(raw in "[ \t]{0,3}[A-Za-zčšžřěłąęņāīūėąųĆŻ]{1,20}([ \t]{1,3}[a-zčšžłņā]{1,20}){0,3}[ ]{0,3}") {
                let name = normalise_name(&raw);
                prop_assert!(name.is_ok(), "{:?}: {:?}", raw, name);
            }
        }
    }
}
