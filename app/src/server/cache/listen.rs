//! Hears the changes other instances announce on PostgreSQL and applies them here.
use std::time::Duration;

use sqlx::postgres::PgListener;

use super::{CHANNEL, Caches};

/// A silent connection is probed this often: a dead one must not pass for a quiet one.
const PROBE_EVERY: Duration = Duration::from_secs(10);
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Runs for the life of the server. Entries are served only while the channel is joined;
/// whenever it is lost or joined again everything read before goes stale.
pub async fn listen(caches: Caches, database_url: String) {
    loop {
        match PgListener::connect(&database_url).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => {
                    caches.set_in_sync(true);
                    tracing::info!("hearing changes from other instances");
                    let why = follow(&caches, &mut listener).await;
                    tracing::warn!(error = %why, "lost the change channel; serving without memory");
                }
                Err(err) => tracing::warn!(error = %err, "cannot join the change channel"),
            },
            Err(err) => tracing::warn!(error = %err, "cannot connect to hear changes"),
        }
        caches.set_in_sync(false);
        tokio::time::sleep(RETRY_AFTER).await;
    }
}

/// Applies what is heard until the connection fails; returns why.
async fn follow(caches: &Caches, listener: &mut PgListener) -> String {
    loop {
        match tokio::time::timeout(PROBE_EVERY, listener.try_recv()).await {
            Ok(Ok(Some(notification))) => caches.heard(notification.payload()),
            Ok(Ok(None)) => return "connection closed".into(),
            Ok(Err(err)) => return err.to_string(),
            Err(_quiet) => {
                if let Err(err) = sqlx::query("SELECT 1").execute(&mut *listener).await {
                    return err.to_string();
                }
            }
        }
    }
}
