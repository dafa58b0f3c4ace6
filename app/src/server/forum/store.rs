//! The forum in the database. Every write that touches a thread updates its row first, so
//! replies, edits and deletions in one thread are serialised.
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};

use super::{Kind, POSTS_PER_PAGE, Post, Practice, Revision, THREADS_PER_PAGE, ThreadSummary};
use crate::domain::error::ErrorCode;
use crate::server::AppError;
use crate::server::db::{Backend, begin_write};

const THREAD_COLUMNS: &str = "t.id, t.category, t.kind, t.title, t.author_id, u.display_name AS author_name, \
     t.created_at, t.last_post_at, t.post_count, t.pinned, t.locked, t.deleted_at";
/// Holds a certificate valid at `$1`.
const CERTIFIED: &str = "EXISTS (SELECT 1 FROM certificates c WHERE c.user_id = {who} \
     AND c.revoked_at IS NULL AND c.superseded_at IS NULL AND c.expires_at > $1)";

/// Posts with their endorsements as `$2` sees them, certification counted at `$1`; `filter`
/// may use `$3` onwards.
fn post_query(filter: &str) -> String {
    let certified = |who: &str| CERTIFIED.replace("{who}", who);
    format!(
        "SELECT p.id, p.thread_id, p.number, p.author_id, u.display_name AS author_name, \
           p.body, p.body_html, p.situation, p.situation_html, p.practice, p.practice_html, p.result, \
           p.result_html, p.created_at, p.edited_at, p.deleted_at, p.hidden_at, p.hidden_clause, \
           (SELECT COUNT(*) FROM forum_endorsements e WHERE e.post_id = p.id) AS endorsements, \
           (SELECT COUNT(*) FROM forum_endorsements e WHERE e.post_id = p.id AND {}) AS certified_endorsements, \
           (SELECT COUNT(*) FROM forum_endorsements e WHERE e.post_id = p.id AND e.user_id = $2) AS mine, \
           CASE WHEN {} THEN 1 ELSE 0 END AS author_certified \
         FROM forum_posts p JOIN users u ON u.id = p.author_id WHERE {filter}",
        certified("e.user_id"),
        certified("p.author_id"),
    )
}

fn thread_from_row(row: &AnyRow) -> Result<ThreadSummary, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(ThreadSummary {
        id: row.try_get("id")?,
        category: row.try_get("category")?,
        kind: Kind::parse(&kind).unwrap_or(Kind::Discussion),
        title: row.try_get("title")?,
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("author_name")?,
        created_at: row.try_get("created_at")?,
        last_post_at: row.try_get("last_post_at")?,
        post_count: row.try_get("post_count")?,
        pinned: row.try_get::<i64, _>("pinned")? == 1,
        locked: row.try_get::<i64, _>("locked")? == 1,
        deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
        modules: Vec::new(),
    })
}

/// A best practice's fields, on the row of its opening post (`None` on other posts).
fn practice_from_row(row: &AnyRow) -> Result<Option<Practice>, sqlx::Error> {
    let Some(situation) = row.try_get::<Option<String>, _>("situation")? else {
        return Ok(None);
    };
    let field = |name: &str| -> Result<String, sqlx::Error> {
        Ok(row.try_get::<Option<String>, _>(name)?.unwrap_or_default())
    };
    Ok(Some(Practice {
        situation,
        practice: field("practice")?,
        result: field("result")?,
        situation_html: field("situation_html")?,
        practice_html: field("practice_html")?,
        result_html: field("result_html")?,
    }))
}

fn post_from_row(row: &AnyRow) -> Result<Post, sqlx::Error> {
    let practice = practice_from_row(row)?;
    Ok(Post {
        id: row.try_get("id")?,
        thread_id: row.try_get("thread_id")?,
        number: row.try_get("number")?,
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("author_name")?,
        body: row.try_get("body")?,
        body_html: row.try_get("body_html")?,
        practice,
        created_at: row.try_get("created_at")?,
        edited_at: row.try_get("edited_at")?,
        deleted_at: row.try_get("deleted_at")?,
        hidden_at: row.try_get("hidden_at")?,
        hidden_clause: row.try_get("hidden_clause")?,
        endorsements: row.try_get("endorsements")?,
        certified_endorsements: row.try_get("certified_endorsements")?,
        endorsed_by_viewer: row.try_get::<i64, _>("mine")? > 0,
        author_certified: row.try_get::<i64, _>("author_certified")? == 1,
    })
}

/// The latest version of the code of conduct the member accepted.
pub async fn accepted_version(pool: &AnyPool, user_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(version) FROM conduct_acceptances WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await
}

/// The posts the member endorses.
pub async fn endorsed_by(pool: &AnyPool, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT post_id FROM forum_endorsements WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(pool)
        .await
}

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
    super::search::index(&mut tx, backend, post).await?;
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
    super::search::index(&mut tx, backend, id).await?;
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
        let note = super::notifications::Note {
            kind: "reply",
            thread,
            post: id,
            actor: Some(author),
            detail: &replier,
        };
        super::notifications::notify(&mut tx, starter, note, now).await?;
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
    super::search::index(&mut tx, backend, post.id).await?;
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
    sqlx::query("UPDATE forum_posts SET deleted_at = $1 WHERE id = $2")
        .bind(now)
        .bind(post.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE forum_threads SET post_count = post_count - 1, \
           deleted_at = CASE WHEN $1 = 1 THEN $2 ELSE deleted_at END WHERE id = $3",
    )
    .bind(post.number)
    .bind(now)
    .bind(post.thread_id)
    .execute(&mut *tx)
    .await?;
    super::search::index(&mut tx, backend, post.id).await?;
    tx.commit().await?;
    Ok(post)
}

/// The post, if it is the caller's and not deleted; the thread row is touched first.
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

pub async fn thread(pool: &AnyPool, id: i64) -> Result<Option<ThreadSummary>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {THREAD_COLUMNS} FROM forum_threads t JOIN users u ON u.id = t.author_id WHERE t.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut thread = thread_from_row(&row)?;
    thread.modules = sqlx::query_scalar(
        "SELECT module_slug FROM forum_thread_modules WHERE thread_id = $1 ORDER BY module_slug",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(Some(thread))
}

/// One page of a thread's posts as `viewer` sees them, deleted ones included (shown as such).
pub async fn posts(
    pool: &AnyPool,
    thread: i64,
    page: i64,
    viewer: i64,
    now: i64,
) -> Result<Vec<Post>, sqlx::Error> {
    let first = (page.max(1) - 1) * POSTS_PER_PAGE + 1;
    let rows = sqlx::query(&format!(
        "{} ORDER BY p.number",
        post_query("p.thread_id = $3 AND p.number >= $4 AND p.number < $5")
    ))
    .bind(now)
    .bind(viewer)
    .bind(thread)
    .bind(first)
    .bind(first + POSTS_PER_PAGE)
    .fetch_all(pool)
    .await?;
    rows.iter().map(post_from_row).collect()
}

/// The id of the thread's opening post.
pub async fn opening_post(pool: &AnyPool, thread: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM forum_posts WHERE thread_id = $1 AND number = 1")
        .bind(thread)
        .fetch_one(pool)
        .await
}

/// How many posts the thread has ever had (its last post's number).
pub async fn last_number(pool: &AnyPool, thread: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) FROM forum_posts WHERE thread_id = $1")
        .bind(thread)
        .fetch_one(pool)
        .await
}

pub async fn post(pool: &AnyPool, id: i64) -> Result<Option<Post>, sqlx::Error> {
    let row = sqlx::query(&post_query("p.id = $3"))
        .bind(crate::server::db::now())
        .bind(0_i64)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(post_from_row).transpose()
}

pub async fn revisions(pool: &AnyPool, post: i64) -> Result<Vec<Revision>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT title, body, situation, practice, result, replaced_at FROM forum_post_revisions \
         WHERE post_id = $1 ORDER BY id DESC",
    )
    .bind(post)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Revision {
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                situation: r.try_get("situation")?,
                practice: r.try_get("practice")?,
                result: r.try_get("result")?,
                replaced_at: r.try_get("replaced_at")?,
            })
        })
        .collect()
}

/// Which threads a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub category: Option<String>,
    pub kind: Option<Kind>,
    pub module: Option<String>,
    pub page: i64,
    /// Most endorsed by certified members first (best practices), instead of by activity.
    pub by_certified_endorsements: bool,
}

/// Threads by activity, pinned first; with how many match in all.
pub async fn threads(
    pool: &AnyPool,
    listing: &Listing,
) -> Result<(Vec<ThreadSummary>, i64), sqlx::Error> {
    let mut filter = String::from(" WHERE t.deleted_at IS NULL");
    filter += if listing.category.is_some() {
        " AND t.category = $1"
    } else {
        " AND $1 = $1"
    };
    filter += if listing.kind.is_some() {
        " AND t.kind = $2"
    } else {
        " AND $2 = $2"
    };
    filter += if listing.module.is_some() {
        " AND EXISTS (SELECT 1 FROM forum_thread_modules m WHERE m.thread_id = t.id AND m.module_slug = $3)"
    } else {
        " AND $3 = $3"
    };
    let category = listing.category.clone().unwrap_or_default();
    let kind = listing.kind.map_or("", Kind::as_str);
    let module = listing.module.clone().unwrap_or_default();
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM forum_threads t{filter}"))
        .bind(&category)
        .bind(kind)
        .bind(&module)
        .fetch_one(pool)
        .await?;
    let order = if listing.by_certified_endorsements {
        format!(
            "(SELECT COUNT(*) FROM forum_endorsements e JOIN forum_posts p ON p.id = e.post_id \
               WHERE p.thread_id = t.id AND p.number = 1 AND {}) DESC, t.last_post_at DESC",
            CERTIFIED.replace("{who}", "e.user_id").replace("$1", "$6")
        )
    } else {
        "t.pinned DESC, t.last_post_at DESC, $6 = $6".to_owned()
    };
    let rows = sqlx::query(&format!(
        "SELECT {THREAD_COLUMNS} FROM forum_threads t JOIN users u ON u.id = t.author_id{filter} \
         ORDER BY {order}, t.id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(&category)
    .bind(kind)
    .bind(&module)
    .bind(THREADS_PER_PAGE)
    .bind((listing.page.max(1) - 1) * THREADS_PER_PAGE)
    .bind(crate::server::db::now())
    .fetch_all(pool)
    .await?;
    let mut threads = rows
        .iter()
        .map(thread_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    // The modules of the whole page in one query (ids are numbers from the database).
    if !threads.is_empty() {
        let ids: Vec<String> = threads.iter().map(|t| t.id.to_string()).collect();
        let rows = sqlx::query(&format!(
            "SELECT thread_id, module_slug FROM forum_thread_modules \
             WHERE thread_id IN ({}) ORDER BY module_slug",
            ids.join(", ")
        ))
        .fetch_all(pool)
        .await?;
        for row in &rows {
            let thread: i64 = row.try_get("thread_id")?;
            if let Some(t) = threads.iter_mut().find(|t| t.id == thread) {
                t.modules.push(row.try_get("module_slug")?);
            }
        }
    }
    Ok((threads, total))
}

/// Per category: threads and the time of the latest post.
pub async fn category_activity(
    pool: &AnyPool,
) -> Result<Vec<(String, i64, Option<i64>)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT category, COUNT(*) AS threads, MAX(last_post_at) AS latest FROM forum_threads \
         WHERE deleted_at IS NULL GROUP BY category",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("category")?,
                r.try_get("threads")?,
                r.try_get("latest")?,
            ))
        })
        .collect()
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
