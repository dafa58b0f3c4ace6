#[cfg(feature = "ssr")]
use leptos_i18n::Locale as _;

#[cfg(feature = "ssr")]
use crate::i18n::Locale;

/// The association's languages by code, each named in itself (a language switcher must be
/// readable by someone who does not read the current one). Plain strings, so that the
/// browser bundle needs none of the translation machinery.
pub const LANGUAGES: [(&str, &str); 5] = [
    ("cs", "Čeština"),
    ("en", "English"),
    ("lv", "Latviešu"),
    ("pl", "Polski"),
    ("sl", "Slovenščina"),
];

#[cfg(feature = "ssr")]
pub fn parse_locale(code: &str) -> Option<Locale> {
    Locale::get_all()
        .iter()
        .copied()
        .find(|l| l.as_str() == code.trim())
}

/// Puts values into a translated sentence at its `{key}` placeholders (each language places
/// them where its grammar wants).
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (key, value)| {
            text.replace(&format!("{{{key}}}"), value)
        })
}

/// Picks the best supported language from an `Accept-Language` header value.
#[cfg(feature = "ssr")]
pub fn from_accept_language(header: &str) -> Option<Locale> {
    let mut ranked: Vec<(f32, &str)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.parse::<f32>().ok())?;
            (!tag.is_empty() && q > 0.0).then_some((q, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.iter().find_map(|(_, tag)| {
        let primary = tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
        parse_locale(&primary)
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_every_placeholder() {
        assert_eq!(
            fill("{read} of {total} read", &[("read", "3"), ("total", "9")]),
            "3 of 9 read"
        );
        assert_eq!(
            fill("Lietotājs: {name}", &[("name", "Jānis")]),
            "Lietotājs: Jānis"
        );
    }

    #[test]
    fn accept_language_prefers_highest_quality_supported_tag() {
        assert_eq!(
            from_accept_language("de-DE, lv;q=0.8, en;q=0.9"),
            Some(Locale::en)
        );
        assert_eq!(from_accept_language("pl-PL,pl;q=0.9"), Some(Locale::pl));
        assert_eq!(from_accept_language("sl;q=0, cs;q=0.1"), Some(Locale::cs));
        assert_eq!(from_accept_language("de, fr"), None);
        assert_eq!(from_accept_language(""), None);
    }

    #[test]
    fn every_language_has_a_locale_and_back() {
        assert_eq!(LANGUAGES.len(), Locale::get_all().len());
        for (code, _) in LANGUAGES {
            assert_eq!(parse_locale(code).map(|l| l.as_str()), Some(code));
        }
    }

    #[test]
    fn parse_locale_accepts_only_supported_codes() {
        assert_eq!(parse_locale("lv"), Some(Locale::lv));
        assert_eq!(parse_locale(" sl "), Some(Locale::sl));
        assert_eq!(parse_locale("de"), None);
    }
}
