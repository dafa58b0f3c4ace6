//! Where the portal may send a browser after a form: only to its own pages.

/// Whether `next` (from a query string or a form) is a path on this site, safe to put in a
/// `Location` header. Browsers drop tabs and line breaks from a URL, strip leading control
/// characters and spaces, and read a backslash as `/`, so `/<tab>/evil.example` or
/// `/\evil.example` would leave the site: a path must start with one `/` not followed by
/// another, and hold no control character, no whitespace of any script and no backslash.
pub fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains(|c: char| c.is_control() || c.is_whitespace() || c == '\\')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::is_local_path;

    /// Where a browser goes with `next` as the `Location` of a page on `portal.example`.
    fn resolved_host(next: &str) -> Option<String> {
        let base = url::Url::parse("https://portal.example/forum/t/1").unwrap();
        base.join(next).ok()?.host_str().map(str::to_owned)
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert!(is_local_path("/account"));
        assert!(is_local_path(
            "/training/service-quality?lang=lv#why-it-matters"
        ));
        assert!(is_local_path("/forum/search?q=%C4%8D%20k"));
        for outside in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "account",
            "",
            "/x\r\nSet-Cookie: a=b",
        ] {
            assert!(!is_local_path(outside), "{outside:?}");
        }
    }

    #[test]
    fn no_control_character_or_whitespace_gets_through() {
        let controls = (0u32..0x20).chain([0x7f]).chain(0x80..0xa0);
        let spaces = [
            0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
            0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
        ];
        for c in controls.chain(spaces).filter_map(char::from_u32) {
            for next in [
                format!("/{c}/evil.example"),
                format!("{c}//evil.example"),
                format!("/a{c}b"),
            ] {
                assert!(!is_local_path(&next), "{next:?}");
            }
        }
    }

    proptest! {
        /// Whatever is accepted stays on the portal when a browser (the WHATWG URL parser)
        /// resolves it.
        #[test]
        fn an_accepted_path_never_leaves_the_site(next in "/[/\\\\a-z.:@?#%\\t\\n\\r \\u{0}-\\u{1f}\\u{a0}\\u{3000}]{0,15}") {
            if is_local_path(&next) {
                let host = resolved_host(&next);
                prop_assert_eq!(host.as_deref(), Some("portal.example"), "{:?}", next);
            }
        }

        #[test]
        fn any_string_is_checked_without_panicking(next in any::<String>()) {
            if is_local_path(&next) {
                let host = resolved_host(&next);
                prop_assert_eq!(host.as_deref(), Some("portal.example"), "{:?}", next);
            }
        }
    }
}
