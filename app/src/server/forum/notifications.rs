//! What a member is told: replies to their threads, endorsements of their posts, and the
//! outcome of moderation, kept until read.
use sqlx::{Any, AnyPool, Row, Transaction};

/// What a notification reports: its kind, where, and the member who acted (a reply's author,
/// an endorser; none for a moderation outcome) with `detail` as shown.
pub struct Note<'a> {
    pub kind: &'a str,
    pub thread: i64,
    pub post: i64,
    pub actor: Option<i64>,
    pub detail: &'a str,
}

pub async fn notify(
    tx: &mut Transaction<'static, Any>,
    user: i64,
    note: Note<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (user_id, kind, thread_id, post_id, actor_id, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user)
    .bind(note.kind)
    .bind(note.thread)
    .bind(note.post)
    .bind(note.actor)
    .bind(note.detail)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub thread_id: Option<i64>,
    pub post_id: Option<i64>,
    pub detail: String,
    pub created_at: i64,
    pub read: bool,
    /// Where it points: the post on its page of the thread.
    pub link: Option<String>,
}

/// The member's latest notifications, newest first.
pub async fn notifications(pool: &AnyPool, member: i64) -> Result<Vec<Notification>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT n.id, n.kind, n.thread_id, n.post_id, n.detail, n.created_at, n.read_at, \
                p.thread_id AS post_thread, p.number AS post_number \
         FROM notifications n LEFT JOIN forum_posts p ON p.id = n.post_id \
         WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT 100",
    )
    .bind(member)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let post_id: Option<i64> = r.try_get("post_id")?;
            let thread: Option<i64> = r.try_get("post_thread")?;
            let number: Option<i64> = r.try_get("post_number")?;
            Ok(Notification {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                thread_id: r.try_get("thread_id")?,
                post_id,
                detail: r.try_get("detail")?,
                created_at: r.try_get("created_at")?,
                read: r.try_get::<Option<i64>, _>("read_at")?.is_some(),
                link: match (thread, number, post_id) {
                    (Some(thread), Some(number), Some(post)) => {
                        Some(super::post_url(thread, number, post))
                    }
                    _ => None,
                },
            })
        })
        .collect()
}

pub async fn unread_count(pool: &AnyPool, member: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(member)
        .fetch_one(pool)
        .await
}

pub async fn mark_all_read(pool: &AnyPool, member: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now)
        .bind(member)
        .execute(pool)
        .await?;
    Ok(())
}
