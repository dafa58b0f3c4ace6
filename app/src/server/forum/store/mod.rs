//! The forum in the database. Every write that touches a thread updates its row first, so
//! replies, edits and deletions in one thread are serialised.
mod read;
mod write;

pub use read::{
    Listing, REVISIONS_PER_PAGE, accepted_version, category_activity, endorsed_by, last_number,
    opening_post, post, posts, revisions, thread, threads,
};
pub use write::{
    NewThread, Replied, Writing, accept, create_thread, delete, edit, mark_deleted, reply,
    set_pinned,
};

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Kind, Post, Practice, ThreadSummary};

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
