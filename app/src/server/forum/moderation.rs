//! Endorsements, flags that cite the code of conduct, the moderators' actions, and the
//! notifications they send. Every moderation action is recorded with its clause and reason.
use sqlx::{Any, AnyPool, Row, Transaction};

use super::Post;
use super::notifications::{self, Note};
use crate::domain::error::ErrorCode;
use crate::domain::role::Role;
use crate::server::AppError;
use crate::server::db::{Backend, begin_write};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Hide,
    Restore,
    Lock,
    Unlock,
    Delete,
    /// Close the flags without acting on the post.
    Dismiss,
    Warn,
    Suspend,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Hide,
        Action::Restore,
        Action::Lock,
        Action::Unlock,
        Action::Delete,
        Action::Dismiss,
        Action::Warn,
        Action::Suspend,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Hide => "hide",
            Action::Restore => "restore",
            Action::Lock => "lock",
            Action::Unlock => "unlock",
            Action::Delete => "delete",
            Action::Dismiss => "dismiss",
            Action::Warn => "warn",
            Action::Suspend => "suspend",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether the action goes against the post's author (and so needs a moderator who
    /// outranks them); restoring, unlocking and dismissing flags never do.
    fn against_author(self) -> bool {
        !matches!(self, Action::Restore | Action::Unlock | Action::Dismiss)
    }
}

/// Who a post belongs to and where it is, read inside a write transaction.
struct Target {
    thread: i64,
    number: i64,
    author: i64,
    deleted: bool,
    hidden: bool,
}

async fn role_of(tx: &mut Transaction<'static, Any>, member: i64) -> Result<Role, AppError> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(member)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(role
        .as_deref()
        .and_then(Role::parse)
        .unwrap_or(Role::Member))
}

async fn target(tx: &mut Transaction<'static, Any>, post: i64) -> Result<Target, AppError> {
    // Touch the thread first: writes to one thread are serialised.
    sqlx::query(
        "UPDATE forum_threads SET locked = locked WHERE id = (SELECT thread_id FROM forum_posts WHERE id = $1)",
    )
    .bind(post)
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query(
        "SELECT thread_id, number, author_id, deleted_at, hidden_at FROM forum_posts WHERE id = $1",
    )
    .bind(post)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ErrorCode::NotFound)?;
    Ok(Target {
        thread: row.try_get("thread_id")?,
        number: row.try_get("number")?,
        author: row.try_get("author_id")?,
        deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
        hidden: row.try_get::<Option<i64>, _>("hidden_at")?.is_some(),
    })
}

/// Endorses a post (or takes the endorsement back). Members cannot endorse their own.
/// Returns the author when they were notified.
pub async fn endorse(
    pool: &AnyPool,
    backend: Backend,
    post: i64,
    member: i64,
    member_name: &str,
    on: bool,
    now: i64,
) -> Result<Option<i64>, AppError> {
    let mut tx = begin_write(pool, backend).await?;
    let target = target(&mut tx, post).await?;
    // Members cannot reach a hidden post to endorse or flag it.
    if target.deleted || target.hidden {
        return Err(ErrorCode::NotFound.into());
    }
    if target.author == member {
        return Err(ErrorCode::OwnPost.into());
    }
    let mut notified = None;
    if on {
        let added = sqlx::query(
            "INSERT INTO forum_endorsements (post_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (post_id, user_id) DO NOTHING",
        )
        .bind(post)
        .bind(member)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Told once per endorser and post, however often it is taken back and given again.
        let told_before: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM notifications WHERE post_id = $1 AND kind = 'endorsement' AND actor_id = $2",
        )
        .bind(post)
        .bind(member)
        .fetch_optional(&mut *tx)
        .await?;
        if added.rows_affected() == 1 && told_before.is_none() {
            notified = Some(target.author);
            let note = Note {
                kind: "endorsement",
                thread: target.thread,
                post,
                actor: Some(member),
                detail: member_name,
            };
            notifications::notify(&mut tx, target.author, note, now).await?;
        }
    } else {
        sqlx::query("DELETE FROM forum_endorsements WHERE post_id = $1 AND user_id = $2")
            .bind(post)
            .bind(member)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(notified)
}

/// Flags a post citing `clause`. When `hide_at` distinct members have open flags on it, it
/// is hidden until a moderator reviews it. Returns whether it is hidden now.
/// When flags hide a post before a moderator sees it.
#[derive(Clone, Copy, Debug)]
pub struct AutoHide {
    /// Distinct members' flags that hide a post.
    pub flags: i64,
    /// A member's flag counts once their account is this old (staff's always count), so a
    /// handful of accounts made for the purpose cannot hide a post.
    pub standing_seconds: i64,
}

/// Records a member's flag; returns whether the post is now hidden for review. Every flag
/// reaches the moderators; only flags from members with standing count towards hiding, and
/// a member's flag on a post a moderator already reviewed after their earlier flag does not
/// count again.
pub async fn flag(
    pool: &AnyPool,
    backend: Backend,
    post: i64,
    member: i64,
    (clause, comment): (&str, Option<&str>),
    rule: AutoHide,
    now: i64,
) -> Result<bool, AppError> {
    let mut tx = begin_write(pool, backend).await?;
    let target = target(&mut tx, post).await?;
    // Members cannot reach a hidden post to endorse or flag it.
    if target.deleted || target.hidden {
        return Err(ErrorCode::NotFound.into());
    }
    if target.author == member {
        return Err(ErrorCode::OwnPost.into());
    }
    let inserted = sqlx::query(
        "INSERT INTO forum_flags (post_id, user_id, clause, comment, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(post)
    .bind(member)
    .bind(clause)
    .bind(comment)
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(ErrorCode::AlreadyFlagged.into());
        }
        Err(e) => return Err(e.into()),
    }
    let flaggers: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT f.user_id) FROM forum_flags f JOIN users u ON u.id = f.user_id \
         WHERE f.post_id = $1 AND f.resolved_at IS NULL \
           AND (u.created_at <= $2 OR u.role IN ('moderator', 'admin')) \
           AND NOT EXISTS (SELECT 1 FROM forum_flags r \
             WHERE r.post_id = f.post_id AND r.user_id = f.user_id AND r.resolved_at IS NOT NULL)",
    )
    .bind(post)
    .bind(now - rule.standing_seconds)
    .fetch_one(&mut *tx)
    .await?;
    let hidden = if flaggers >= rule.flags {
        sqlx::query("UPDATE forum_posts SET hidden_at = $1, hidden_clause = NULL WHERE id = $2 AND hidden_at IS NULL")
            .bind(now)
            .bind(post)
            .execute(&mut *tx)
            .await?;
        true
    } else {
        false
    };
    tx.commit().await?;
    Ok(hidden)
}

/// One open flag, as the queue shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub clause: String,
    pub comment: Option<String>,
    pub member_name: String,
    pub created_at: i64,
}

/// A post waiting for a moderator: flagged, or hidden by flags.
#[derive(Clone, Debug)]
pub struct Waiting {
    pub post: Post,
    pub thread_title: String,
    pub flags: Vec<Flag>,
}

/// Posts with open flags or hidden pending review, most flagged first.
pub async fn queue(pool: &AnyPool) -> Result<Vec<Waiting>, AppError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM forum_posts p WHERE p.deleted_at IS NULL AND (\
           EXISTS (SELECT 1 FROM forum_flags f WHERE f.post_id = p.id AND f.resolved_at IS NULL) \
           OR (p.hidden_at IS NOT NULL AND p.hidden_clause IS NULL)) \
         ORDER BY (SELECT COUNT(*) FROM forum_flags f WHERE f.post_id = p.id AND f.resolved_at IS NULL) DESC, p.id",
    )
    .fetch_all(pool)
    .await?;
    let mut waiting = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(post) = super::store::post(pool, id).await? else {
            continue;
        };
        let thread_title = super::store::thread(pool, post.thread_id)
            .await?
            .map(|t| t.title)
            .unwrap_or_default();
        let rows = sqlx::query(
            "SELECT f.clause, f.comment, f.created_at, u.display_name FROM forum_flags f \
             JOIN users u ON u.id = f.user_id WHERE f.post_id = $1 AND f.resolved_at IS NULL ORDER BY f.id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        let flags = rows
            .iter()
            .map(|r| {
                Ok(Flag {
                    clause: r.try_get("clause")?,
                    comment: r.try_get("comment")?,
                    member_name: r.try_get("display_name")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        waiting.push(Waiting {
            post,
            thread_title,
            flags,
        });
    }
    Ok(waiting)
}

/// What a moderator decided.
pub struct Decision<'a> {
    pub action: Action,
    pub clause: &'a str,
    pub reason: &'a str,
    /// For a suspension: how long.
    pub days: i64,
}

/// Acts on a post (and its author), closes its open flags, records the action and tells the
/// author which clause it cites. Moderators do not act on their own posts. Returns the
/// author when they were notified.
pub async fn moderate(
    pool: &AnyPool,
    backend: Backend,
    post: i64,
    moderator: i64,
    decision: Decision<'_>,
    now: i64,
) -> Result<Option<i64>, AppError> {
    let mut tx = begin_write(pool, backend).await?;
    let target = target(&mut tx, post).await?;
    if target.author == moderator {
        return Err(ErrorCode::OwnPost.into());
    }
    if target.deleted {
        return Err(ErrorCode::NotFound.into());
    }
    if decision.action.against_author()
        && role_of(&mut tx, target.author).await? >= role_of(&mut tx, moderator).await?
    {
        return Err(ErrorCode::OutranksModerator.into());
    }
    let mut until = None;
    match decision.action {
        Action::Hide => {
            sqlx::query("UPDATE forum_posts SET hidden_at = $1, hidden_clause = $2 WHERE id = $3")
                .bind(now)
                .bind(decision.clause)
                .bind(post)
                .execute(&mut *tx)
                .await?;
        }
        Action::Restore => {
            sqlx::query(
                "UPDATE forum_posts SET hidden_at = NULL, hidden_clause = NULL WHERE id = $1",
            )
            .bind(post)
            .execute(&mut *tx)
            .await?;
        }
        Action::Lock | Action::Unlock => {
            sqlx::query("UPDATE forum_threads SET locked = $1 WHERE id = $2")
                .bind(i64::from(decision.action == Action::Lock))
                .bind(target.thread)
                .execute(&mut *tx)
                .await?;
        }
        Action::Delete => {
            let deleted = (post, target.number, target.thread);
            super::store::mark_deleted(&mut tx, backend, deleted, now).await?;
        }
        Action::Suspend => {
            let end = now + decision.days.clamp(1, 365) * 24 * 3600;
            sqlx::query("UPDATE users SET suspended_until = $1 WHERE id = $2")
                .bind(end)
                .bind(target.author)
                .execute(&mut *tx)
                .await?;
            until = Some(end);
        }
        Action::Dismiss | Action::Warn => {}
    }
    sqlx::query(
        "UPDATE forum_flags SET resolved_at = $1 WHERE post_id = $2 AND resolved_at IS NULL",
    )
    .bind(now)
    .bind(post)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO moderation_actions (post_id, member_id, moderator_id, action, clause, reason, until, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(post)
    .bind(target.author)
    .bind(moderator)
    .bind(decision.action.as_str())
    .bind(decision.clause)
    .bind(decision.reason)
    .bind(until)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let notified = (decision.action != Action::Dismiss).then_some(target.author);
    if notified.is_some() {
        let detail = format!("{}:{}", decision.action.as_str(), decision.clause);
        let note = Note {
            kind: "moderation",
            thread: target.thread,
            post,
            actor: None,
            detail: &detail,
        };
        notifications::notify(&mut tx, target.author, note, now).await?;
    }
    tx.commit().await?;
    Ok(notified)
}

/// Until when the member is suspended, if they are now.
pub async fn suspended_until(
    pool: &AnyPool,
    member: i64,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let until: Option<i64> = sqlx::query_scalar("SELECT suspended_until FROM users WHERE id = $1")
        .bind(member)
        .fetch_optional(pool)
        .await?
        .flatten();
    Ok(until.filter(|&u| u > now))
}

/// A moderation action as the member it concerned sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub action: String,
    pub clause: String,
    pub reason: String,
    pub until: Option<i64>,
    pub created_at: i64,
    pub post_id: Option<i64>,
}

pub async fn actions_on(pool: &AnyPool, member: i64) -> Result<Vec<Record>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT action, clause, reason, until, created_at, post_id FROM moderation_actions \
         WHERE member_id = $1 AND action <> 'dismiss' ORDER BY id DESC",
    )
    .bind(member)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Record {
                action: r.try_get("action")?,
                clause: r.try_get("clause")?,
                reason: r.try_get("reason")?,
                until: r.try_get("until")?,
                created_at: r.try_get("created_at")?,
                post_id: r.try_get("post_id")?,
            })
        })
        .collect()
}
