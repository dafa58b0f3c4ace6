use leptos::prelude::*;

use super::ApiError;

/// Members: accept the current version of the code of conduct (needed before posting).
#[server(endpoint = "forum/accept_code", prefix = "/api")]
pub async fn accept_code(version: i64, next: Option<String>) -> Result<(), ApiError> {
    use crate::domain::error::ErrorCode;
    use crate::server::db::now;
    use crate::server::{forum::store, request};
    let result = async {
        let user = request::require_user()?;
        let state = request::state()?;
        let current = state
            .content
            .get()
            .code_of_conduct()
            .map(|c| i64::from(c.version));
        // Accepting is for the version the member read: an older page cannot accept a newer code.
        if current != Some(version) {
            return Err(ErrorCode::ConductNotAccepted.into());
        }
        store::accept(&state.pool, user.id, version, now()).await?;
        Ok(())
    }
    .await;
    let next = next
        .filter(|n| crate::domain::link::is_local_path(n))
        .unwrap_or_else(|| "/code-of-conduct?accepted=1".into());
    super::finish_form(result, "accept", &[], &next).await
}

/// Members who accepted the code: open a discussion or a best practice in a category.
/// With `preview` set nothing is saved: the form comes back showing the rendered text.
#[server(endpoint = "forum/create_thread", prefix = "/api")]
#[allow(clippy::too_many_arguments)]
pub async fn create_thread(
    category: String,
    kind: String,
    title: String,
    body: String,
    situation: Option<String>,
    practice: Option<String>,
    result: Option<String>,
    modules: Option<Vec<String>>,
    preview: Option<String>,
) -> Result<i64, ApiError> {
    use crate::domain::error::ErrorCode;
    use crate::server::db::now;
    use crate::server::forum::{self, Kind, service, store};
    use crate::server::request;
    let (situation, practice, result) = (
        situation.unwrap_or_default(),
        practice.unwrap_or_default(),
        result.unwrap_or_default(),
    );
    let modules = modules.unwrap_or_default();
    let back = format!(
        "/forum/new?category={}&kind={}",
        slug_only(&category),
        slug_only(&kind)
    );
    let mut keep = vec![
        ("category", category.as_str()),
        ("kind", kind.as_str()),
        ("title", title.as_str()),
        ("body", body.as_str()),
        ("situation", situation.as_str()),
        ("practice", practice.as_str()),
        ("result", result.as_str()),
    ];
    let joined = modules.join(",");
    keep.push(("modules", joined.as_str()));
    if preview.is_some() {
        request::keep_form_input("thread", &keep).await;
        leptos_axum::redirect(&format!("{back}&preview=1#preview"));
        return Ok(0);
    }
    let mut next = back.clone();
    let outcome = async {
        let user = request::require_user()?;
        let state = request::state()?;
        let catalogue = state.content.get();
        catalogue
            .category(&category)
            .ok_or(ErrorCode::CategoryInvalid)?;
        let kind = service::kind(&kind);
        let title = service::title(&title)?;
        let practice = match kind {
            Kind::Practice => Some(service::practice(&situation, &practice, &result)?),
            Kind::Discussion => None,
        };
        // A best practice's fields carry it; its notes are optional.
        let (body, body_html) = service::text(&body, service::BODY_MAX, practice.is_none())?;
        // Each module once, however often the form names it.
        let modules: Vec<String> = modules
            .into_iter()
            .filter(|m| catalogue.module(m).is_some())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        service::may_post(&state, &user).await?;
        let thread = store::NewThread {
            category: &category,
            kind,
            title: &title,
            modules: &modules,
            opening: store::Writing {
                body: &body,
                body_html: &body_html,
                practice: practice.as_ref(),
            },
        };
        let id = store::create_thread(&state.pool, state.backend, user.id, thread, now()).await?;
        next = forum::thread_url(id, 1);
        Ok(id)
    }
    .await;
    super::finish_form(outcome, "thread", &keep, &next).await
}

/// Members who accepted the code: reply in a thread that is not locked.
#[server(endpoint = "forum/reply", prefix = "/api")]
pub async fn reply(thread: i64, body: String, preview: Option<String>) -> Result<i64, ApiError> {
    use crate::server::db::now;
    use crate::server::forum::{self, service, store};
    use crate::server::request;
    let keep = [("body", body.as_str())];
    let last_page = async {
        let pool = request::pool().ok()?;
        let last = store::last_number(&pool, thread).await.ok()?;
        Some(forum::page_of(last.max(1)))
    }
    .await
    .unwrap_or(1);
    let back = forum::thread_url(thread, last_page);
    if preview.is_some() {
        request::keep_form_input("reply", &keep).await;
        let sep = if back.contains('?') { '&' } else { '?' };
        leptos_axum::redirect(&format!("{back}{sep}preview=1#reply"));
        return Ok(0);
    }
    let mut next = format!("{back}#reply");
    let outcome = async {
        let user = request::require_user()?;
        let state = request::state()?;
        let (body, body_html) = service::text(&body, service::BODY_MAX, true)?;
        service::may_post(&state, &user).await?;
        let writing = store::Writing {
            body: &body,
            body_html: &body_html,
            practice: None,
        };
        let replied =
            store::reply(&state.pool, state.backend, thread, user.id, writing, now()).await?;
        service::notified(&state, replied.notified).await;
        next = forum::post_url(thread, replied.number, replied.id);
        Ok(replied.id)
    }
    .await;
    super::finish_form(outcome, "reply", &keep, &next).await
}

/// Members: a new address for their best-practices feed; the old one stops working.
#[server(endpoint = "forum/reset_feed", prefix = "/api")]
pub async fn reset_feed() -> Result<(), ApiError> {
    use crate::server::forum::feed;
    use crate::server::request;
    let result = async {
        let user = request::require_user()?;
        let state = request::state()?;
        feed::reset_token(&state.pool, user.id).await?;
        Ok(())
    }
    .await;
    super::finish_form(result, "feed", &[], "/forum/practices?feed=new#feed").await
}

/// Authors: change their own post; the earlier version stays in its history.
#[server(endpoint = "forum/edit_post", prefix = "/api")]
pub async fn edit_post(
    post: i64,
    title: Option<String>,
    body: String,
    situation: Option<String>,
    practice: Option<String>,
    result: Option<String>,
) -> Result<(), ApiError> {
    use crate::server::db::now;
    use crate::server::forum::{self, service, store};
    use crate::server::request;
    let (title, situation, practice, result) = (
        title.unwrap_or_default(),
        situation.unwrap_or_default(),
        practice.unwrap_or_default(),
        result.unwrap_or_default(),
    );
    let keep = [
        ("title", title.as_str()),
        ("body", body.as_str()),
        ("situation", situation.as_str()),
        ("practice", practice.as_str()),
        ("result", result.as_str()),
    ];
    let mut next = format!("/forum/p/{post}/edit");
    let outcome = async {
        let user = request::require_user()?;
        let state = request::state()?;
        let existing = store::post(&state.pool, post)
            .await?
            .ok_or(crate::domain::error::ErrorCode::NotFound)?;
        // An edit is a write like a post: same code, suspension and rate limit.
        service::may_post(&state, &user).await?;
        let fields = match existing.practice {
            Some(_) => Some(service::practice(&situation, &practice, &result)?),
            None => None,
        };
        let (body, body_html) = service::text(&body, service::BODY_MAX, fields.is_none())?;
        let title = if existing.number == 1 {
            Some(service::title(&title)?)
        } else {
            None
        };
        let writing = store::Writing {
            body: &body,
            body_html: &body_html,
            practice: fields.as_ref(),
        };
        let edited = store::edit(
            &state.pool,
            state.backend,
            post,
            user.id,
            title.as_deref(),
            writing,
            now(),
        )
        .await?;
        next = forum::post_url(edited.thread_id, edited.number, edited.id);
        Ok(())
    }
    .await;
    super::finish_form(outcome, "edit", &keep, &next).await
}

/// Authors: delete their own post (the opening post deletes the thread).
#[server(endpoint = "forum/delete_post", prefix = "/api")]
pub async fn delete_post(post: i64) -> Result<(), ApiError> {
    use crate::server::db::now;
    use crate::server::forum::{self, store};
    use crate::server::request;
    let mut next = "/forum".to_owned();
    let outcome = async {
        let user = request::require_user()?;
        let state = request::state()?;
        let deleted = store::delete(&state.pool, state.backend, post, user.id, now()).await?;
        if deleted.number > 1 {
            next = forum::post_url(deleted.thread_id, deleted.number, deleted.id);
        }
        Ok(())
    }
    .await;
    super::finish_form(outcome, "delete", &[], &next).await
}

/// Only a-z, 0-9 and `-` go back into an address.
#[cfg(feature = "ssr")]
fn slug_only(s: &str) -> &str {
    if s.chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        s
    } else {
        ""
    }
}

/// Members who accepted the code: endorse someone else's post, or take it back (`on` unset).
#[server(endpoint = "forum/endorse", prefix = "/api")]
pub async fn endorse(post: i64, on: Option<String>) -> Result<(), ApiError> {
    use crate::server::db::now;
    use crate::server::forum::{self, moderation, service, store};
    use crate::server::request;
    let mut next = "/forum".to_owned();
    let outcome = async {
        let user = request::require_user()?;
        let state = request::state()?;
        service::accepted(&state, &user).await?;
        let on = on.is_some_and(|v| v == "1" || v == "on" || v == "true");
        let notified = moderation::endorse(
            &state.pool,
            state.backend,
            post,
            user.id,
            &user.name,
            on,
            now(),
        )
        .await?;
        service::notified(&state, notified).await;
        if let Some(p) = store::post(&state.pool, post).await? {
            next = forum::post_url(p.thread_id, p.number, p.id);
        }
        Ok(())
    }
    .await;
    super::finish_form(outcome, "endorse", &[], &next).await
}

/// Members who accepted the code: flag someone else's post, citing the clause it breaks.
#[server(endpoint = "forum/flag", prefix = "/api")]
pub async fn flag_post(post: i64, clause: String, comment: Option<String>) -> Result<(), ApiError> {
    use crate::server::db::now;
    use crate::server::forum::{self, moderation, service, store};
    use crate::server::request;
    let comment = comment.unwrap_or_default();
    let keep = [("clause", clause.as_str()), ("comment", comment.as_str())];
    let mut next = format!("/forum/p/{post}/flag");
    let outcome = async {
        let user = request::require_user()?;
        let state = request::state()?;
        service::accepted(&state, &user).await?;
        let clause = service::clause(&state, &clause)?;
        let comment = comment.trim();
        if comment.chars().count() > service::FIELD_MAX {
            return Err(crate::domain::error::ErrorCode::BodyTooLong.into());
        }
        let comment = (!comment.is_empty()).then_some(comment);
        moderation::flag(
            &state.pool,
            state.backend,
            post,
            user.id,
            (&clause, comment),
            moderation::AutoHide {
                flags: state.settings.flags_to_hide,
                standing_seconds: state.settings.flag_standing.as_secs() as i64,
            },
            now(),
        )
        .await?;
        if let Some(p) = store::post(&state.pool, post).await? {
            let url = forum::post_url(p.thread_id, p.number, p.id);
            let (path, anchor) = url.split_once('#').unwrap_or((&url, ""));
            let sep = if path.contains('?') { '&' } else { '?' };
            next = format!("{path}{sep}flagged=1#{anchor}");
        }
        Ok(())
    }
    .await;
    super::finish_form(outcome, "flag", &keep, &next).await
}

/// Moderators and admins: act on a post from the queue, citing a clause and a reason.
#[server(endpoint = "forum/moderate", prefix = "/api")]
pub async fn moderate(
    post: i64,
    action: String,
    clause: String,
    reason: String,
    days: Option<i64>,
    next: Option<String>,
) -> Result<(), ApiError> {
    use crate::domain::error::ErrorCode;
    use crate::domain::role::Role;
    use crate::server::db::now;
    use crate::server::forum::moderation::{self, Action, Decision};
    use crate::server::forum::service;
    use crate::server::request;
    let keep = [
        ("action", action.as_str()),
        ("clause", clause.as_str()),
        ("reason", reason.as_str()),
    ];
    let outcome = async {
        let moderator = request::require_role(Role::Moderator)?;
        let state = request::state()?;
        let action = Action::parse(&action).ok_or(ErrorCode::ActionInvalid)?;
        let clause = service::clause(&state, &clause)?;
        let reason = crate::domain::form::reason(&reason)?;
        let decision = Decision {
            action,
            clause: &clause,
            reason,
            days: days.unwrap_or(7),
        };
        let notified = moderation::moderate(
            &state.pool,
            state.backend,
            post,
            moderator.id,
            decision,
            now(),
        )
        .await?;
        service::notified(&state, notified).await;
        tracing::info!(
            moderator = moderator.id,
            post,
            action = action.as_str(),
            clause,
            "moderated"
        );
        Ok(())
    }
    .await;
    let form = format!("moderate-{post}");
    let next = next
        .filter(|n| crate::domain::link::is_local_path(n))
        .unwrap_or_else(|| format!("/moderation?done={post}"));
    super::finish_form(outcome, &form, &keep, &next).await
}

/// Members: mark every notification read.
#[server(endpoint = "notifications/read", prefix = "/api")]
pub async fn mark_notifications_read() -> Result<(), ApiError> {
    use crate::server::db::now;
    use crate::server::request;
    let outcome = async {
        let user = request::require_user()?;
        crate::server::forum::notifications::mark_all_read(&request::pool()?, user.id, now())
            .await?;
        Ok(())
    }
    .await;
    super::finish_form(outcome, "notifications", &[], "/notifications").await
}

/// Moderators and admins: pin a thread to the top of its category, or unpin it.
#[server(endpoint = "forum/pin", prefix = "/api")]
pub async fn pin_thread(thread: i64, pinned: Option<String>) -> Result<(), ApiError> {
    use crate::domain::role::Role;
    use crate::server::forum::{self, store};
    use crate::server::request;
    let outcome = async {
        let moderator = request::require_role(Role::Moderator)?;
        let pinned = pinned.is_some_and(|v| v == "1" || v == "on" || v == "true");
        store::set_pinned(&request::pool()?, thread, pinned).await?;
        tracing::info!(moderator = moderator.id, thread, pinned, "thread pinned");
        Ok(())
    }
    .await;
    super::finish_form(outcome, "pin", &[], &forum::thread_url(thread, 1)).await
}
