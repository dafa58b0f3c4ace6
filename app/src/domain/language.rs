use leptos_i18n::Locale as _;
use crate::i18n::Locale;

/// The association's languages, each named in itself (a language switcher must be readable
/// by someone who does not read the current one).
pub const LANGUAGES: [(Locale, &str); 5] = [
    (Locale::cs, "Čeština"),
    (Locale::en, "English"),
    (Locale::lv, "Latviešu"),
    (Locale::pl, "Polski"),
    (Locale::sl, "Slovenščina"),
];

pub fn parse_locale(code: &str) -> Option<Locale> {
    LANGUAGES.iter().map(|(l, _)| *l).find(|l| l.as_str() == code.trim())
}

/// Puts a person's name into a translated sentence at its `{name}` placeholder (each
/// language places it where its grammar wants).
pub fn fill_name(template: &str, name: &str) -> String {
    template.replace("{name}", name)
}

/// Picks the best supported language from an `Accept-Language` header value.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_highest_quality_supported_tag() {
        assert_eq!(from_accept_language("de-DE, lv;q=0.8, en;q=0.9"), Some(Locale::en));
        assert_eq!(from_accept_language("pl-PL,pl;q=0.9"), Some(Locale::pl));
        assert_eq!(from_accept_language("sl;q=0, cs;q=0.1"), Some(Locale::cs));
        assert_eq!(from_accept_language("de, fr"), None);
        assert_eq!(from_accept_language(""), None);
    }

    #[test]
    fn parse_locale_accepts_only_supported_codes() {
        assert_eq!(parse_locale("lv"), Some(Locale::lv));
        assert_eq!(parse_locale(" sl "), Some(Locale::sl));
        assert_eq!(parse_locale("de"), None);
    }
}
