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

#[cfg(test)]
mod tests {
    #[test]
    fn formats_in_utc() {
        assert_eq!(super::utc_minute(1_795_449_900), "2026-11-23 16:05 UTC");
    }
}
