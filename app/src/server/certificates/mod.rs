//! Certificates: who may have one, issuing it (PDF rendered once, stored with its hash),
//! revoking and reissuing it, and public verification.
pub mod batches;
pub mod code;
pub mod eligibility;
pub mod fonts;
pub mod http;
pub mod pdf;
pub mod service;
pub mod store;

/// Unknown codes one address may look up per window before every lookup is refused.
pub const LOOKUP_MISSES: i64 = 30;
pub const LOOKUP_WINDOW: std::time::Duration = std::time::Duration::from_secs(10 * 60);

pub use eligibility::Eligibility;

pub const DAY: i64 = 24 * 60 * 60;

/// A certificate as issued. What was printed (name, programme title, dates) is stored as
/// printed, so later profile or content edits never change what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub id: i64,
    /// Stored form, without dashes: see [`code::display`].
    pub code: String,
    pub user_id: i64,
    pub programme: String,
    pub holder_name: String,
    pub programme_title: String,
    pub language: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub basis: Basis,
    pub revoked_at: Option<i64>,
    pub superseded_at: Option<i64>,
    pub superseded_by: Option<i64>,
    pub sha256: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Valid,
    Expired,
    Revoked,
    Superseded,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Valid,
        Status::Expired,
        Status::Revoked,
        Status::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
            Status::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

/// Why a certificate was issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Every required quiz passed.
    Quizzes,
    /// Required quizzes passed again in the renewal window.
    Renewal,
    /// An admin's decision, with a reason (prior learning, an earlier system).
    Manual,
    /// A corrected copy of an earlier certificate, same dates.
    Reissue,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Quizzes => "quizzes",
            Basis::Renewal => "renewal",
            Basis::Manual => "manual",
            Basis::Reissue => "reissue",
        }
    }

    pub fn parse(s: &str) -> Option<Basis> {
        [
            Basis::Quizzes,
            Basis::Renewal,
            Basis::Manual,
            Basis::Reissue,
        ]
        .into_iter()
        .find(|basis| basis.as_str() == s)
    }
}

impl Certificate {
    pub fn status(&self, now: i64) -> Status {
        if self.revoked_at.is_some() {
            Status::Revoked
        } else if self.superseded_at.is_some() {
            Status::Superseded
        } else if now >= self.expires_at {
            Status::Expired
        } else {
            Status::Valid
        }
    }

    /// Printed on the certificate: the year of issue and the certificate's number.
    pub fn serial(&self) -> String {
        let year = time::OffsetDateTime::from_unix_timestamp(self.issued_at)
            .map(|t| t.year())
            .unwrap_or_default();
        format!("{year}-{:06}", self.id)
    }

    pub fn display_code(&self) -> String {
        code::display(&self.code)
    }
}

/// One entry in a certificate's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub action: String,
    pub actor: String,
    pub reason: Option<String>,
    pub at: i64,
}

/// Who acts on a certificate: an admin (by id, with their name and email at the time), the
/// command line, or automatic issuing.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Option<i64>,
    pub label: String,
}

impl Actor {
    pub fn admin(user: &crate::domain::member::UserView) -> Actor {
        Actor {
            id: Some(user.id),
            label: format!("{} <{}>", user.name, user.email),
        }
    }

    pub fn command_line() -> Actor {
        let who = std::env::var("USER").unwrap_or_default();
        Actor {
            id: None,
            label: format!("command line ({who})"),
        }
    }

    pub fn automatic() -> Actor {
        Actor {
            id: None,
            label: "automatic".into(),
        }
    }
}
