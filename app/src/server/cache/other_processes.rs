//! On SQLite, one server process serves the database, and its own changes reach its memory
//! directly. The command line is another process: what it changes (a certificate revoked, say)
//! is written to a small log table, which the server reads every second.
use std::time::Duration;

use sqlx::{AnyPool, Row};

use super::Caches;

const POLL_EVERY: Duration = Duration::from_secs(1);
/// Rows older than this are gone: every server has read them long before.
const KEEP_SECONDS: i64 = 3600;

/// Writes `topics` (encoded, comma-separated) for the running server to hear.
pub(super) async fn log(pool: &AnyPool, instance: &str, topics: &str, now: i64) {
    let logged =
        sqlx::query("INSERT INTO cache_changes (instance, topics, at) VALUES ($1, $2, $3)")
            .bind(instance)
            .bind(topics)
            .bind(now)
            .execute(pool)
            .await;
    if let Err(err) = logged {
        // The server's copies then last until their backstop expires them.
        tracing::error!(error = %err, "could not tell the running server about a change");
    }
}

/// Where the log ends now: the server hears what is logged after it starts.
pub async fn end_of_log(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM cache_changes")
        .fetch_one(pool)
        .await
}

/// Applies what was logged after `last`; returns the new end.
pub async fn apply_logged(caches: &Caches, pool: &AnyPool, last: i64) -> Result<i64, sqlx::Error> {
    let rows =
        sqlx::query("SELECT id, instance, topics FROM cache_changes WHERE id > $1 ORDER BY id")
            .bind(last)
            .fetch_all(pool)
            .await?;
    let mut end = last;
    for row in &rows {
        let (instance, topics): (String, String) =
            (row.try_get("instance")?, row.try_get("topics")?);
        caches.heard(&format!("{instance} {topics}"));
        end = end.max(row.try_get("id")?);
    }
    Ok(end)
}

/// Runs for the life of a server on SQLite.
pub async fn follow(caches: Caches, pool: AnyPool) {
    let mut last = loop {
        match end_of_log(&pool).await {
            Ok(end) => break end,
            Err(err) => tracing::warn!(error = %err, "cannot read the change log"),
        }
        tokio::time::sleep(POLL_EVERY).await;
    };
    let mut polls: u32 = 0;
    loop {
        tokio::time::sleep(POLL_EVERY).await;
        match apply_logged(&caches, &pool, last).await {
            Ok(end) => last = end,
            Err(err) => tracing::warn!(error = %err, "cannot read the change log"),
        }
        polls = polls.wrapping_add(1);
        if polls % 600 == 0 {
            let cutoff = crate::server::db::now() - KEEP_SECONDS;
            let _ = sqlx::query("DELETE FROM cache_changes WHERE at < $1")
                .bind(cutoff)
                .execute(&pool)
                .await;
        }
    }
}
