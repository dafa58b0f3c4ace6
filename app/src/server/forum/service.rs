//! What the forum's server functions share: who may write, the limits on what they write,
//! and rendering it safely.
use std::sync::Arc;
use std::time::Duration;

use super::{Kind, Practice, markup};
use crate::domain::account::is_invisible_format;
use crate::domain::error::ErrorCode;
use crate::domain::member::UserView;
use crate::server::cache::{ForumStanding, Remembered, Topic};
use crate::server::{AppError, AppState, rate_limit};

pub const TITLE_MAX: usize = 150;
pub const BODY_MAX: usize = 20_000;
pub const FIELD_MAX: usize = 5_000;
const POST_WINDOW: Duration = Duration::from_secs(10 * 60);

/// A new notification shows in its member's header at once: what every instance remembers
/// of that member is out of date. Call after the write commits.
pub async fn notified(state: &AppState, member: Option<i64>) {
    if let Some(member) = member {
        state
            .caches
            .announce(&state.pool, &[Topic::Member(member)])
            .await;
    }
}

/// The member may post: they accepted the current code of conduct, are not suspended, and
/// are within the posting rate.
pub async fn may_post(state: &AppState, user: &UserView) -> Result<(), AppError> {
    let catalogue = state.content.get();
    let code = catalogue
        .code_of_conduct()
        .ok_or(ErrorCode::ConductNotAccepted)?;
    let accepted = super::store::accepted_version(&state.pool, user.id).await?;
    if accepted != Some(i64::from(code.version)) {
        return Err(ErrorCode::ConductNotAccepted.into());
    }
    if super::moderation::suspended_until(&state.pool, user.id, crate::server::db::now())
        .await?
        .is_some()
    {
        return Err(ErrorCode::Suspended.into());
    }
    let bucket = format!("post:{}", user.id);
    if !rate_limit::allow(
        &state.pool,
        &bucket,
        state.settings.posts_per_ten_minutes,
        POST_WINDOW,
    )
    .await?
    {
        return Err(ErrorCode::RateLimited.into());
    }
    Ok(())
}

/// A thread's title as plain text, without invisible formatting characters (a direction
/// override would make it read differently in every list it appears in).
pub fn title(text: &str) -> Result<String, AppError> {
    let visible: String = text.chars().filter(|c| !is_invisible_format(*c)).collect();
    let title = markup::plain(&visible);
    if title.is_empty() {
        Err(ErrorCode::TitleRequired.into())
    } else if title.chars().count() > TITLE_MAX {
        Err(ErrorCode::TitleTooLong.into())
    } else {
        Ok(title)
    }
}

/// Markdown text within its limit, and its rendering; `required` refuses an empty one.
pub fn text(text: &str, max: usize, required: bool) -> Result<(String, String), AppError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(ErrorCode::BodyRequired.into());
    }
    if text.chars().count() > max {
        return Err(ErrorCode::BodyTooLong.into());
    }
    Ok((text.to_owned(), markup::render(text)))
}

/// A best practice's three fields, each required.
pub fn practice(situation: &str, practice: &str, result: &str) -> Result<Practice, AppError> {
    let (situation, situation_html) = text(situation, FIELD_MAX, true)
        .map_err(|_| AppError::from(ErrorCode::PracticeFieldsRequired))?;
    let (practice, practice_html) = text(practice, FIELD_MAX, true)
        .map_err(|_| AppError::from(ErrorCode::PracticeFieldsRequired))?;
    let (result, result_html) = text(result, FIELD_MAX, true)
        .map_err(|_| AppError::from(ErrorCode::PracticeFieldsRequired))?;
    Ok(Practice {
        situation,
        practice,
        result,
        situation_html,
        practice_html,
        result_html,
    })
}

pub fn kind(text: &str) -> Kind {
    Kind::parse(text).unwrap_or(Kind::Discussion)
}

/// A clause id of the current code of conduct.
pub fn clause(state: &AppState, id: &str) -> Result<String, AppError> {
    let catalogue = state.content.get();
    catalogue
        .code_of_conduct()
        .and_then(|code| code.clause("en", id))
        .map(|c| c.id.clone())
        .ok_or_else(|| ErrorCode::ClauseInvalid.into())
}

/// The member accepted the current code (for endorsing and flagging, which need no rate).
pub async fn accepted(state: &AppState, user: &UserView) -> Result<(), AppError> {
    let catalogue = state.content.get();
    let code = catalogue
        .code_of_conduct()
        .ok_or(ErrorCode::ConductNotAccepted)?;
    if super::store::accepted_version(&state.pool, user.id).await? != Some(i64::from(code.version))
    {
        return Err(ErrorCode::ConductNotAccepted.into());
    }
    Ok(())
}

/// The code version a member accepted and the posts they endorse: from memory while nothing
/// of theirs has changed since it was read (see `cache`), else from the database.
pub async fn standing_of(
    state: &AppState,
    member: i64,
) -> Result<Arc<Remembered<ForumStanding>>, AppError> {
    let read = async {
        Ok::<_, AppError>(ForumStanding {
            accepted_version: super::store::accepted_version(&state.pool, member).await?,
            endorsed: super::store::endorsed_by(&state.pool, member)
                .await?
                .into_iter()
                .collect(),
        })
    };
    state.caches.forum_standing_or_read(member, read).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_lose_invisible_formatting_characters() {
        assert_eq!(
            super::title("Refunds \u{202E}evig ew\u{202C} fast").unwrap(),
            "Refunds evig ew fast"
        );
        assert_eq!(super::title("Queue\u{200B} tips").unwrap(), "Queue tips");
        assert!(
            super::title("\u{200B}\u{2066}").is_err(),
            "nothing visible is left"
        );
    }
}
