//! Who may be issued a certificate, from their quiz passes and their last certificate.
use std::collections::HashMap;

use super::{Certificate, DAY};
use crate::server::content::Programme;

/// Where a member stands with a programme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Eligibility {
    /// Required modules still to pass (or, for a renewal, to pass again), in teaching order.
    Missing { missing: Vec<String>, renewal: bool },
    /// Every required quiz passed; no current certificate.
    New,
    /// Passed again in the renewal window of current certificate `of`.
    Renewal { of: i64 },
    /// Holds a current certificate; renewal opens at `renewal_opens`.
    Held { renewal_opens: i64 },
}

impl Eligibility {
    /// The member's latest certificate that nothing replaced (revoked or not) decides what
    /// counts: after a revocation only passes since then, in the renewal window only passes
    /// since it opened.
    pub fn of(
        programme: &Programme,
        latest_passes: &HashMap<String, i64>,
        current: Option<&Certificate>,
        now: i64,
    ) -> Eligibility {
        let since = match current {
            None => None,
            // Passes from the very second of the revocation came before it.
            Some(c) if c.revoked_at.is_some() => c.revoked_at.map(|t| t + 1),
            Some(c) => {
                let opens = renewal_opens(programme, c);
                if now < opens {
                    return Eligibility::Held {
                        renewal_opens: opens,
                    };
                }
                Some(opens)
            }
        };
        let missing: Vec<String> = programme
            .modules
            .iter()
            .filter(|m| match (latest_passes.get(*m), since) {
                (None, _) => true,
                (Some(&passed), Some(since)) => passed < since,
                (Some(_), None) => false,
            })
            .cloned()
            .collect();
        let renewal = current.is_some_and(|c| c.revoked_at.is_none());
        match current {
            _ if !missing.is_empty() => Eligibility::Missing { missing, renewal },
            Some(c) if renewal => Eligibility::Renewal { of: c.id },
            _ => Eligibility::New,
        }
    }

    pub fn can_issue(&self) -> bool {
        matches!(self, Eligibility::New | Eligibility::Renewal { .. })
    }
}

pub fn renewal_opens(programme: &Programme, certificate: &Certificate) -> i64 {
    certificate.expires_at - i64::from(programme.renewal_window_days) * DAY
}

/// `months` calendar months after `from`, on the same day or the month's last.
pub fn add_months(from: i64, months: u32) -> i64 {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(from) else {
        return from;
    };
    let total = t.year() * 12 + i32::from(u8::from(t.month())) - 1 + months as i32;
    let (year, month) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
    let Ok(month) = time::Month::try_from(month) else {
        return from;
    };
    let day = t.day().min(month.length(year));
    time::Date::from_calendar_date(year, month, day)
        .map(|date| t.replace_date(date).unix_timestamp())
        .unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::server::certificates::Basis;
    use crate::server::content::Issuing;

    const NOW: i64 = 1_795_449_900; // 2026-11-23

    fn programme() -> Programme {
        Programme {
            slug: "p".into(),
            titles: BTreeMap::new(),
            descriptions: BTreeMap::new(),
            modules: vec!["a".into(), "b".into()],
            validity_months: 24,
            renewal_window_days: 90,
            issuing: Issuing::Approval,
        }
    }

    fn certificate(expires_at: i64, revoked_at: Option<i64>) -> Certificate {
        Certificate {
            id: 7,
            code: String::new(),
            user_id: 1,
            programme: "p".into(),
            holder_name: String::new(),
            programme_title: String::new(),
            language: "en".into(),
            issued_at: expires_at - 700 * DAY,
            expires_at,
            basis: Basis::Quizzes,
            revoked_at,
            superseded_at: None,
            superseded_by: None,
            sha256: String::new(),
        }
    }

    fn passes(a: i64, b: i64) -> HashMap<String, i64> {
        HashMap::from([("a".into(), a), ("b".into(), b)])
    }

    #[test]
    fn every_required_quiz_makes_a_member_eligible() {
        let only_a = HashMap::from([("a".to_owned(), NOW)]);
        assert_eq!(
            Eligibility::of(&programme(), &only_a, None, NOW),
            Eligibility::Missing {
                missing: vec!["b".into()],
                renewal: false
            }
        );
        assert_eq!(
            Eligibility::of(&programme(), &passes(1, 2), None, NOW),
            Eligibility::New
        );
    }

    #[test]
    fn a_current_certificate_is_held_until_the_renewal_window() {
        let c = certificate(NOW + 100 * DAY, None);
        assert_eq!(
            Eligibility::of(&programme(), &passes(1, 2), Some(&c), NOW),
            Eligibility::Held {
                renewal_opens: NOW + 10 * DAY
            }
        );
    }

    #[test]
    fn renewal_needs_every_quiz_passed_again_in_the_window() {
        let c = certificate(NOW + 30 * DAY, None);
        let opened = NOW - 60 * DAY;
        assert_eq!(
            Eligibility::of(&programme(), &passes(opened - 1, NOW), Some(&c), NOW),
            Eligibility::Missing {
                missing: vec!["a".into()],
                renewal: true
            }
        );
        assert_eq!(
            Eligibility::of(&programme(), &passes(opened, NOW), Some(&c), NOW),
            Eligibility::Renewal { of: 7 }
        );
        // After expiry, too.
        let expired = certificate(NOW - DAY, None);
        assert_eq!(
            Eligibility::of(&programme(), &passes(NOW, NOW), Some(&expired), NOW),
            Eligibility::Renewal { of: 7 }
        );
    }

    #[test]
    fn after_a_revocation_only_later_passes_count() {
        let c = certificate(NOW + 300 * DAY, Some(NOW - DAY));
        assert_eq!(
            Eligibility::of(&programme(), &passes(NOW - 2 * DAY, NOW), Some(&c), NOW),
            Eligibility::Missing {
                missing: vec!["a".into()],
                renewal: false
            }
        );
        assert_eq!(
            Eligibility::of(&programme(), &passes(NOW, NOW), Some(&c), NOW),
            Eligibility::New
        );
    }

    #[test]
    fn months_are_calendar_months() {
        let day = |y, m: u8, d| {
            time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d)
                .unwrap()
                .midnight()
                .assume_utc()
                .unix_timestamp()
        };
        assert_eq!(add_months(day(2026, 11, 23), 24), day(2028, 11, 23));
        assert_eq!(add_months(day(2026, 8, 31), 6), day(2027, 2, 28));
        assert_eq!(add_months(day(2027, 8, 31), 6), day(2028, 2, 29));
    }
}
