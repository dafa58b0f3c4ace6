use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::AnyPool;

use super::cache::Caches;
use super::content::Content;
use super::db::Backend;

/// Run-time settings the application needs (the binary builds them from its configuration).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Absolute base URL, e.g. `https://members.example.org`.
    pub public_url: String,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute: Duration,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Failed-login budget per account and per address within `login_window`.
    pub login_attempts_per_account: i64,
    pub login_attempts_per_ip: i64,
    pub login_window: Duration,
    /// Accounts one client address may register in an hour.
    pub registrations_per_ip_hour: i64,
    /// Replaces every quiz's cooldown after a failed attempt (short waits in tests and demos).
    pub quiz_cooldown: Option<Duration>,
    /// Forum posts (threads and replies) one member may write in ten minutes.
    pub posts_per_ten_minutes: i64,
    /// Distinct members' flags that hide a post until a moderator reviews it.
    pub flags_to_hide: i64,
    /// How old an account must be for its flags to count towards hiding a post.
    pub flag_standing: Duration,
    /// Printed on certificates: the issuing association and who signs for it.
    pub association_name: String,
    pub signatory_name: String,
    pub signatory_title: String,
    /// `public_url` points at this machine while the portal serves others: every QR code
    /// printed now would send its reader to their own machine, so nothing is issued.
    pub public_url_wrong: bool,
    /// Best practices are also published in a feed anyone can read (else members' own feeds only).
    pub public_practices_feed: bool,
}

impl Settings {
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:3000".into(),
            session_idle: Duration::from_secs(24 * 3600),
            session_absolute: Duration::from_secs(14 * 24 * 3600),
            trust_forwarded_for: false,
            login_attempts_per_account: 10,
            login_attempts_per_ip: 50,
            login_window: Duration::from_secs(15 * 60),
            registrations_per_ip_hour: 20,
            quiz_cooldown: None,
            posts_per_ten_minutes: 20,
            flags_to_hide: 3,
            flag_standing: Duration::from_secs(7 * 86_400),
            association_name: "Guildhall Association".into(),
            signatory_name: "Certification Board".into(),
            signatory_title: "Chair".into(),
            public_url_wrong: false,
            public_practices_feed: false,
        }
    }
}

/// The one way in to the pool and settings, for the SSR handler and server functions alike.
/// Every middleware and route takes its own copy per request, so a copy is one reference
/// count: several counts touched by both cores per layer showed as a tenth of the CPU.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub leptos_options: Arc<LeptosOptions>,
    pub pool: AnyPool,
    pub backend: Backend,
    pub settings: Arc<Settings>,
    pub content: Content,
    /// Pages and lookups served from memory, and the changes that make them stale.
    pub caches: Caches,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// leptos_axum asks for the options themselves.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        LeptosOptions::clone(&state.leptos_options)
    }
}
