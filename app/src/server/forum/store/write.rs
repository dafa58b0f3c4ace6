//! The forum's writes: accepting the code, opening threads, replying, editing, deleting, pinning.
use sqlx::{Any, AnyPool, Row, Transaction};

use super::{post_from_row, post_query};
use crate::domain::error::ErrorCode;
use crate::server::AppError;
use crate::server::db::{Backend, begin_write};
use crate::server::forum::{Kind, Post, Practice};
use crate::server::forum::{notifications, search};

/// Records that the member accepted `version` (once; accepting again changes nothing).
pub async fn accept(
    pool: &AnyPool,
    user_id: i64,
    version: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO conduct_acceptances (user_id, version, accepted_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, version) DO NOTHING",
    )
    .bind(user_id)
    .bind(version)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// What a member writes: the text, and for a best practice its three fields (already
/// rendered by the caller).
pub struct Writing<'a> {
    pub body: &'a str,
    pub body_html: &'a str,
    pub practice: Option<&'a Practice>,
}

pub struct NewThread<'a> {
    pub category: &'a str,
    pub kind: Kind,
    pub title: &'a str,
    pub modules: &'a [String],
    pub opening: Writing<'a>,
}

/// Opens a thread with its first post; returns the thread's id.
pub async fn create_thread(
    pool: &AnyPool,
    backend: Backend,
    author: i64,
    thread: NewThread<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = begin_write(pool, backend).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO forum_threads (category, kind, title, author_id, created_at, last_post_at, post_count) \
         VALUES ($1, $2, $3, $4, $5, $5, 1) RETURNING id",
    )
    .bind(thread.category)
    .bind(thread.kind.as_str())
    .bind(thread.title)
    .bind(author)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for module in thread.modules {
        sqlx::query("INSERT INTO forum_thread_modules (thread_id, module_slug) VALUES ($1, $2)")
            .bind(id)
            .bind(module)
            .execute(&mut *tx)
            .await?;
    }
    let post = insert_post(&mut tx, id, 1, author, &thread.opening, now).await?;
    search::index(&mut tx, backend, post).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_post(
    tx: &mut Transaction<'static, Any>,
    thread: i64,
    number: i64,
    author: i64,
    writing: &Writing<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let p = writing.practice;
    sqlx::query_scalar(
        "INSERT INTO forum_posts (thread_id, number, author_id, body, body_html, situation, situation_html, \
           practice, practice_html, result, result_html, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(thread)
    .bind(number)
    .bind(author)
    .bind(writing.body)
    .bind(writing.body_html)
    .bind(p.map(|p| p.situation.clone()))
    .bind(p.map(|p| p.situation_html.clone()))
    .bind(p.map(|p| p.practice.clone()))
    .bind(p.map(|p| p.practice_html.clone()))
    .bind(p.map(|p| p.result.clone()))
    .bind(p.map(|p| p.result_html.clone()))
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Adds a reply; refused in a locked or deleted thread. Returns (post id, post number).
/// Where a reply landed, and the member it notified (the thread's starter, unless they
/// replied themselves).
pub struct Replied {
    pub id: i64,
    pub number: i64,
    pub notified: Option<i64>,
}

pub async fn reply(
    pool: &AnyPool,
    backend: Backend,
    thread: i64,
    author: i64,
    writing: Writing<'_>,
    now: i64,
) -> Result<Replied, AppError> {
    let mut tx = begin_write(pool, backend).await?;
    // Touching the thread first serialises replies: numbers never collide.
    let touched = sqlx::query(
        "UPDATE forum_threads SET last_post_at = $1, post_count = post_count + 1 \
         WHERE id = $2 AND deleted_at IS NULL AND locked = 0",
    )
    .bind(now)
    .bind(thread)
    .execute(&mut *tx)
    .await?;
    if touched.rows_affected() != 1 {
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT locked FROM forum_threads WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(thread)
        .fetch_optional(&mut *tx)
        .await?;
        return Err(match exists {
            Some(_) => ErrorCode::ThreadLocked,
            None => ErrorCode::NotFound,
        }
        .into());
    }
    let number: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM forum_posts WHERE thread_id = $1",
    )
    .bind(thread)
    .fetch_one(&mut *tx)
    .await?;
    let id = insert_post(&mut tx, thread, number, author, &writing, now).await?;
    search::index(&mut tx, backend, id).await?;
    let (starter, replier): (i64, String) = {
        let row = sqlx::query(
            "SELECT t.author_id, u.display_name FROM forum_threads t, users u WHERE t.id = $1 AND u.id = $2",
        )
        .bind(thread)
        .bind(author)
        .fetch_one(&mut *tx)
        .await?;
        (row.try_get("author_id")?, row.try_get("display_name")?)
    };
    let notified = (starter != author).then_some(starter);
    if let Some(starter) = notified {
        let note = notifications::Note {
            kind: "reply",
            thread,
            post: id,
            actor: Some(author),
            detail: &replier,
        };
        notifications::notify(&mut tx, starter, note, now).await?;
    }
    tx.commit().await?;
    Ok(Replied {
        id,
        number,
        notified,
    })
}

/// Replaces the author's own post, keeping the old version as a revision; the opening
/// post may also retitle its thread.
pub async fn edit(
    pool: &AnyPool,
    backend: Backend,
    post_id: i64,
    author: i64,
    title: Option<&str>,
    writing: Writing<'_>,
    now: i64,
) -> Result<Post, AppError> {
    let mut tx = begin_write(pool, backend).await?;
    let post = own_live_post(&mut tx, post_id, author).await?;
    // A locked thread is closed to every change, as to replies.
    let locked: i64 = sqlx::query_scalar("SELECT locked FROM forum_threads WHERE id = $1")
        .bind(post.thread_id)
        .fetch_one(&mut *tx)
        .await?;
    if locked == 1 {
        return Err(ErrorCode::ThreadLocked.into());
    }
    let old_title: Option<String> = if post.number == 1 {
        sqlx::query_scalar("SELECT title FROM forum_threads WHERE id = $1")
            .bind(post.thread_id)
            .fetch_optional(&mut *tx)
            .await?
    } else {
        None
    };
    let old = post.practice.clone();
    sqlx::query(
        "INSERT INTO forum_post_revisions (post_id, title, body, situation, practice, result, replaced_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(post.id)
    .bind(old_title.clone())
    .bind(&post.body)
    .bind(old.as_ref().map(|p| p.situation.clone()))
    .bind(old.as_ref().map(|p| p.practice.clone()))
    .bind(old.as_ref().map(|p| p.result.clone()))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let p = writing.practice.filter(|_| post.practice.is_some());
    sqlx::query(
        "UPDATE forum_posts SET body = $1, body_html = $2, situation = $3, situation_html = $4, \
           practice = $5, practice_html = $6, result = $7, result_html = $8, edited_at = $9 WHERE id = $10",
    )
    .bind(writing.body)
    .bind(writing.body_html)
    .bind(p.map(|p| p.situation.clone()))
    .bind(p.map(|p| p.situation_html.clone()))
    .bind(p.map(|p| p.practice.clone()))
    .bind(p.map(|p| p.practice_html.clone()))
    .bind(p.map(|p| p.result.clone()))
    .bind(p.map(|p| p.result_html.clone()))
    .bind(now)
    .bind(post.id)
    .execute(&mut *tx)
    .await?;
    if let (Some(title), Some(_)) = (title, old_title) {
        sqlx::query("UPDATE forum_threads SET title = $1 WHERE id = $2")
            .bind(title)
            .bind(post.thread_id)
            .execute(&mut *tx)
            .await?;
    }
    search::index(&mut tx, backend, post.id).await?;
    tx.commit().await?;
    Ok(post)
}

/// Deletes the author's own post (softly: its place and history stay); deleting the opening
/// post deletes the thread.
pub async fn delete(
    pool: &AnyPool,
    backend: Backend,
    post_id: i64,
    author: i64,
    now: i64,
) -> Result<Post, AppError> {
    let mut tx = begin_write(pool, backend).await?;
    let post = own_live_post(&mut tx, post_id, author).await?;
    mark_deleted(
        &mut tx,
        backend,
        (post.id, post.number, post.thread_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(post)
}

/// The post, if it is the caller's and not deleted; the thread row is touched first.
/// Deletes a post softly, by its author or a moderator (its place and history stay);
/// the opening post takes its thread with it.
pub async fn mark_deleted(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    (post, number, thread): (i64, i64, i64),
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE forum_posts SET deleted_at = $1 WHERE id = $2")
        .bind(now)
        .bind(post)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE forum_threads SET post_count = post_count - 1, \
           deleted_at = CASE WHEN $1 = 1 THEN $2 ELSE deleted_at END WHERE id = $3",
    )
    .bind(number)
    .bind(now)
    .bind(thread)
    .execute(&mut **tx)
    .await?;
    search::index(tx, backend, post).await
}

async fn own_live_post(
    tx: &mut Transaction<'static, Any>,
    post_id: i64,
    author: i64,
) -> Result<Post, AppError> {
    sqlx::query(
        "UPDATE forum_threads SET locked = locked WHERE id = (SELECT thread_id FROM forum_posts WHERE id = $1)",
    )
    .bind(post_id)
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query(&post_query("p.id = $3"))
        .bind(0_i64)
        .bind(0_i64)
        .bind(post_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(ErrorCode::NotFound)?;
    let post = post_from_row(&row)?;
    if post.deleted_at.is_some() {
        return Err(ErrorCode::NotFound.into());
    }
    if post.author_id != author {
        return Err(ErrorCode::Forbidden.into());
    }
    Ok(post)
}

/// Pins a thread to the top of its category, or unpins it.
pub async fn set_pinned(pool: &AnyPool, thread: i64, pinned: bool) -> Result<(), AppError> {
    let done =
        sqlx::query("UPDATE forum_threads SET pinned = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(i64::from(pinned))
            .bind(thread)
            .execute(pool)
            .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(ErrorCode::NotFound.into())
    }
}
