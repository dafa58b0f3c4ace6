//! Works out, once per request, who is calling, from where, and in which language; the
//! answer travels in the request's extensions to pages and server functions alike.
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::accounts;
use super::cache::SessionOwner;
use super::db::now;
use super::forum::notifications;
use super::sessions;
use super::sessions::{SEEN_AT, SIGNED_IN_AT, USER_ID};
use super::{AppError, AppState, Settings};
use crate::domain::language::{from_accept_language, parse_locale};
use crate::domain::member::UserView;
use crate::i18n::Locale;

/// The cookie that keeps a visitor's explicit language choice.
pub const LANGUAGE_COOKIE: &str = "guildhall_lang";

/// How often an active session's idle timer is pushed back (a write to the session store).
const TOUCH_EVERY_SECS: i64 = 300;

#[derive(Clone, Debug)]
pub struct Identity {
    pub user: Option<UserView>,
    /// The member's unread notifications (0 for visitors).
    pub unread_notes: i64,
    pub locale: Locale,
    pub client_ip: Option<IpAddr>,
}

/// Where `identify` leaves the member's id for the layers outside it (the request deadline
/// names the member whose request it cut off).
#[derive(Clone, Default)]
pub struct CallerRecord(std::sync::Arc<std::sync::OnceLock<i64>>);

impl CallerRecord {
    pub fn member(&self) -> Option<i64> {
        self.0.get().copied()
    }
}

pub async fn identify(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let session_id = cookie(req.headers(), sessions::cookie_name(state.settings.https()));
    let owner = match signed_in_user(&state, &session, session_id).await {
        Ok(owner) => owner,
        Err(err) => {
            tracing::error!(error = %err, "could not load the signed-in member");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service temporarily unavailable",
            )
                .into_response();
        }
    };
    let unread_notes = owner.as_ref().map_or(0, |o| o.unread_notes);
    let user = owner.map(|o| o.user);
    let locale = locale_for(user.as_ref(), req.headers());
    let client_ip = client_ip(&req, &state.settings);
    if let (Some(record), Some(user)) = (req.extensions().get::<CallerRecord>(), &user) {
        let _ = record.0.set(user.id);
    }
    req.extensions_mut().insert(Identity {
        user,
        unread_notes,
        locale,
        client_ip,
    });
    next.run(req).await
}

/// Said to a caller whose request ran past the request deadline.
pub fn request_too_slow(locale: Locale) -> &'static str {
    leptos_i18n::td_string!(locale, request_too_slow)
}

/// The member's chosen language, or for someone not signed in, the visitor's.
pub fn locale_for(user: Option<&UserView>, headers: &HeaderMap) -> Locale {
    match user.and_then(|u| parse_locale(&u.language)) {
        Some(preferred) => preferred,
        None => visitor_locale(headers),
    }
}

/// The language for someone not signed in: their explicit choice (cookie), else their
/// browser's `Accept-Language`, else English.
pub fn visitor_locale(headers: &HeaderMap) -> Locale {
    cookie(headers, LANGUAGE_COOKIE)
        .and_then(parse_locale)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(from_accept_language)
        })
        .unwrap_or_default()
}

/// The session's member, from memory when a recent lookup still holds (see `cache`).
async fn signed_in_user(
    state: &AppState,
    session: &Session,
    session_id: Option<&str>,
) -> Result<Option<SessionOwner>, AppError> {
    if let Some(owner) = session_id.and_then(|id| remembered_member(state, id)) {
        return Ok(Some(owner));
    }
    let now = now();
    let absolute = state.settings.session_absolute.as_secs() as i64;
    let read_at = state.caches.tick();
    let Some(user_id) = session.get::<i64>(USER_ID).await? else {
        return Ok(None);
    };
    let signed_in_at = session.get::<i64>(SIGNED_IN_AT).await?.unwrap_or_default();
    if now - signed_in_at > absolute {
        session.flush().await?;
        return Ok(None);
    }
    let Some(user) = accounts::find_by_id(&state.pool, user_id).await? else {
        session.flush().await?;
        return Ok(None);
    };
    if now - session.get::<i64>(SEEN_AT).await?.unwrap_or_default() > TOUCH_EVERY_SECS {
        session.insert(SEEN_AT, now).await?;
    }
    let owner = SessionOwner {
        unread_notes: notifications::unread_count(&state.pool, user.id).await?,
        user,
        signed_in_at,
    };
    if let Some(id) = session_id {
        state.caches.keep_session_owner(id, owner.clone(), read_at);
    }
    Ok(Some(owner))
}

/// The session's owner when a recent lookup still holds and the session has not outlived
/// its absolute limit: no session store or database work at all.
pub fn remembered_member(state: &AppState, session_id: &str) -> Option<SessionOwner> {
    let owner = state.caches.session_owner(session_id)?;
    let absolute = state.settings.session_absolute.as_secs() as i64;
    (now() - owner.signed_in_at <= absolute).then_some(owner)
}

/// The caller's address: the proxy's word for it when configured to trust it.
pub fn client_ip(req: &Request, settings: &Settings) -> Option<IpAddr> {
    if settings.trust_forwarded_for {
        // The proxy appends the address it saw; the last entry is the one it vouches for.
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|ip| ip.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip())
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}
