//! The forum's reads: threads, their posts and revisions, listings and each member's standing.
use sqlx::{AnyPool, Row};

use super::{CERTIFIED, THREAD_COLUMNS, post_from_row, post_query, thread_from_row};
use crate::server::forum::{Kind, POSTS_PER_PAGE, Post, Revision, THREADS_PER_PAGE, ThreadSummary};

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
    let first = (page.clamp(1, i64::MAX / POSTS_PER_PAGE) - 1) * POSTS_PER_PAGE + 1;
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

/// One page of a post's earlier versions, newest first, and how many there are in all: a
/// post edited a thousand times must not make its history page render a thousand bodies.
pub async fn revisions(
    pool: &AnyPool,
    post: i64,
    page: i64,
) -> Result<(Vec<Revision>, i64), sqlx::Error> {
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM forum_post_revisions WHERE post_id = $1")
            .bind(post)
            .fetch_one(pool)
            .await?;
    let rows = sqlx::query(
        "SELECT title, body, situation, practice, result, replaced_at FROM forum_post_revisions \
         WHERE post_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
    )
    .bind(post)
    .bind(REVISIONS_PER_PAGE)
    .bind((page.clamp(1, i64::MAX / REVISIONS_PER_PAGE) - 1) * REVISIONS_PER_PAGE)
    .fetch_all(pool)
    .await?;
    let revisions = rows
        .iter()
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
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((revisions, total))
}

/// Earlier versions on one page of a post's history.
pub const REVISIONS_PER_PAGE: i64 = 10;

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
    // A best practice a moderator hid is not recommended anywhere (lists of practices,
    // module pages), whoever is reading.
    if listing.kind == Some(Kind::Practice) || listing.module.is_some() {
        filter += " AND NOT EXISTS (SELECT 1 FROM forum_posts op \
                   WHERE op.thread_id = t.id AND op.number = 1 AND op.hidden_at IS NOT NULL)";
    }
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
    // A page number from the address bar may be anything: past the last page is empty.
    .bind((listing.page.clamp(1, i64::MAX / THREADS_PER_PAGE) - 1) * THREADS_PER_PAGE)
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
