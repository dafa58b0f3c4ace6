//! Server-side sessions for tower-sessions, kept in our own database so that every app
//! instance behind a load balancer sees the same sessions.
use async_trait::async_trait;
use sqlx::{AnyPool, Row};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::db::now;

/// The session cookie's name; over https the `__Host-` prefix pins it to this host, Secure.
pub fn cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-guildhall_session"
    } else {
        "guildhall_session"
    }
}

/// Keys inside a session record.
pub const USER_ID: &str = "user_id";
/// When the member signed in (unix seconds): the absolute timeout counts from here.
pub const SIGNED_IN_AT: &str = "signed_in_at";
/// When the session was last extended (unix seconds).
pub const SEEN_AT: &str = "seen_at";
/// What a member typed into a form that was refused, kept for the page that shows it again.
pub const FORM_INPUT: &str = "form_input";

#[derive(Clone, Debug)]
pub struct SqlSessionStore {
    pool: AnyPool,
}

impl SqlSessionStore {
    pub fn new(pool: AnyPool) -> Self {
        SqlSessionStore { pool }
    }

    pub async fn delete_expired(&self) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// Ends every session of a member except `keep` (after a password change, say).
pub async fn end_other_sessions(
    pool: &AnyPool,
    user_id: i64,
    keep: Option<Id>,
) -> Result<(), sqlx::Error> {
    let keep = keep.map(|id| id.to_string()).unwrap_or_default();
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(pool)
        .await?;
    Ok(())
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn columns(record: &Record) -> Result<(String, Option<i64>, String, i64), session_store::Error> {
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let user_id = record.data.get(USER_ID).and_then(|v| v.as_i64());
    Ok((
        record.id.to_string(),
        user_id,
        data,
        record.expiry_date.unix_timestamp(),
    ))
}

#[async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let (id, user_id, data, expires_at) = columns(record)?;
            let inserted = sqlx::query(
                "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(user_id)
            .bind(data)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (id, user_id, data, expires_at) = columns(record)?;
        sqlx::query(
            "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, \
             expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(user_id)
        .bind(data)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row =
            sqlx::query("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id.to_string())
                .bind(now())
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data").map_err(backend)?;
        let expires_at: i64 = row.try_get("expires_at").map_err(backend)?;
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
            expiry_date: time::OffsetDateTime::from_unix_timestamp(expires_at).map_err(backend)?,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
