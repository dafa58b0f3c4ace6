//! Small helpers for server functions and pages: the state, the caller, the session.
use std::net::IpAddr;

use axum::http::request::Parts;
use leptos::prelude::*;
use sqlx::AnyPool;
use tower_sessions::Session;

use super::cache::template::SharedTemplate;
use super::identity::Identity;
use super::sessions::FORM_INPUT;
use super::{AppError, AppState};
use crate::context::UnreadNotes;
use crate::domain::error::ErrorCode;
use crate::domain::form::FormInput;
use crate::domain::member::UserView;
use crate::domain::role::Role;
use crate::i18n::Locale;

/// Called by the server for every page render and server-function call: puts the state and
/// what `identify` learnt about the caller into Leptos's context.
pub fn provide_request_context(state: AppState) {
    if let Some(parts) = use_context::<Parts>() {
        if let Some(identity) = parts.extensions.get::<Identity>().cloned() {
            provide_context(identity.locale);
            provide_context(identity.user.clone());
            provide_context(UnreadNotes(identity.unread_notes));
            provide_context(identity);
        }
        // The nonce the Content-Security-Policy header names; the page's scripts carry it.
        if let Some(nonce) = parts.extensions.get::<leptos::nonce::Nonce>().cloned() {
            provide_context(nonce);
        }
        if let Some(template) = parts.extensions.get::<SharedTemplate>().copied() {
            provide_context(template);
        }
    }
    provide_context(state);
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>()
        .ok_or_else(|| AppError::Internal("application state missing from context".into()))
}

pub fn pool() -> Result<AnyPool, AppError> {
    Ok(state()?.pool.clone())
}

fn identity() -> Option<Identity> {
    use_context::<Identity>()
}

pub fn locale() -> Locale {
    identity().map(|i| i.locale).unwrap_or_default()
}

pub fn client_ip() -> Option<IpAddr> {
    identity().and_then(|i| i.client_ip)
}

pub fn current_user() -> Option<UserView> {
    identity().and_then(|i| i.user)
}

/// The signed-in member, or "please sign in".
pub fn require_user() -> Result<UserView, AppError> {
    current_user().ok_or(AppError::Refused(ErrorCode::Unauthorized))
}

/// The signed-in member if their role is at least `role`.
pub fn require_role(role: Role) -> Result<UserView, AppError> {
    let user = require_user()?;
    if user.role >= role {
        Ok(user)
    } else {
        Err(ErrorCode::Forbidden.into())
    }
}

pub fn session() -> Result<Session, AppError> {
    use_context::<Parts>()
        .and_then(|p| p.extensions.get::<Session>().cloned())
        .ok_or_else(|| AppError::Internal("session layer missing".into()))
}

/// A browser's own form submission (no JavaScript): answered with a redirect, not data.
pub fn is_plain_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|p| {
            p.headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// Keeps what was typed into `form` for the page the browser goes to next (a refusal, or a
/// preview), once.
pub async fn keep_form_input(form: &str, keep: &[(&str, &str)]) {
    let input = FormInput::new(form, keep);
    if let Ok(session) = session()
        && let Err(e) = session.insert(FORM_INPUT, input).await
    {
        tracing::warn!(error = %e, "could not keep form input");
    }
}

/// What the member typed into `form` before it was refused, once. Never while rendering a
/// page shared by members: it would reach every member the page is served to.
pub async fn take_form_input(form: &str) -> FormInput {
    if super::cache::template::rendering_template() {
        return FormInput::default();
    }
    let Ok(session) = session() else {
        return FormInput::default();
    };
    match session.get::<FormInput>(FORM_INPUT).await {
        Ok(Some(input)) if input.form == form => {
            let _ = session.remove::<FormInput>(FORM_INPUT).await;
            input
        }
        _ => FormInput::default(),
    }
}

/// Set on the request when a file (a PDF, a CSV) was refused and the site answers with a
/// page instead: the status the file's handler gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefusedFile(pub u16);

/// Why this request's file was refused, when the page stands in for it.
pub fn refused_file() -> Option<u16> {
    use_context::<Parts>()
        .and_then(|p| p.extensions.get::<RefusedFile>().copied())
        .map(|r| r.0)
}
