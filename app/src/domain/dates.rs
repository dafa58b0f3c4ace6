//! Times as members read them. Stored times are Unix seconds, shown in UTC and labelled so.

/// `2026-11-23 16:05 UTC`
pub fn utc_minute(unix_seconds: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix_seconds) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => String::new(),
    }
}

/// A day as a person writes it in `lang` (English if unknown), e.g. `23. listopadu 2026`.
pub fn long_date(unix_seconds: i64, lang: &str) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(unix_seconds) else {
        return String::new();
    };
    let (day, month, year) = (t.day(), usize::from(u8::from(t.month())) - 1, t.year());
    match lang {
        "cs" => format!("{day}. {} {year}", CS_MONTHS[month]),
        "lv" => format!("{year}. gada {day}. {}", LV_MONTHS[month]),
        "pl" => format!("{day} {} {year}", PL_MONTHS[month]),
        "sl" => format!("{day}. {} {year}", SL_MONTHS[month]),
        _ => format!("{day} {} {year}", EN_MONTHS[month]),
    }
}

/// `2026-11-23`
pub fn iso_date(unix_seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

// Month names in the form a date takes: genitive in Czech, Polish and Slovenian.
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const CS_MONTHS: [&str; 12] = [
    "ledna",
    "února",
    "března",
    "dubna",
    "května",
    "června",
    "července",
    "srpna",
    "září",
    "října",
    "listopadu",
    "prosince",
];
const LV_MONTHS: [&str; 12] = [
    "janvāris",
    "februāris",
    "marts",
    "aprīlis",
    "maijs",
    "jūnijs",
    "jūlijs",
    "augusts",
    "septembris",
    "oktobris",
    "novembris",
    "decembris",
];
const PL_MONTHS: [&str; 12] = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
];
const SL_MONTHS: [&str; 12] = [
    "januarja",
    "februarja",
    "marca",
    "aprila",
    "maja",
    "junija",
    "julija",
    "avgusta",
    "septembra",
    "oktobra",
    "novembra",
    "decembra",
];

#[cfg(test)]
mod tests {
    #[test]
    fn formats_in_utc() {
        assert_eq!(super::utc_minute(1_795_449_900), "2026-11-23 16:05 UTC");
    }

    #[test]
    fn long_dates_follow_the_language() {
        let day = 1_795_449_900;
        assert_eq!(super::long_date(day, "en"), "23 November 2026");
        assert_eq!(super::long_date(day, "cs"), "23. listopadu 2026");
        assert_eq!(super::long_date(day, "lv"), "2026. gada 23. novembris");
        assert_eq!(super::long_date(day, "pl"), "23 listopada 2026");
        assert_eq!(super::long_date(day, "sl"), "23. novembra 2026");
        assert_eq!(super::iso_date(day), "2026-11-23");
    }
}
