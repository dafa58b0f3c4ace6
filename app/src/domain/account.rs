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
/// inside, no control characters.
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
        .any(|c| c.is_control() || matches!(c, '<' | '>'))
    {
        return Err(AccountRule::NameInvalid);
    }
    Ok(name)
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
        assert_eq!(normalise_name("<script>"), Err(AccountRule::NameInvalid));
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
}
