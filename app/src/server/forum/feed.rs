//! The latest best practices as an Atom feed, so members can follow them in a feed reader.
//! It carries what a best practice says, not who wrote it.
//!
//! The forum is for members, and a feed reader cannot sign in: each member has a feed address
//! of their own (`/forum/feeds/<token>/practices.atom`) that they can replace at any time. The
//! address without a token answers only where the association chose a public feed
//! (`GUILDHALL_PUBLIC_PRACTICES_FEED`). Either way the feed is never kept by shared caches, so
//! a post a moderator hides leaves every reader's next fetch.
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use sqlx::{AnyPool, Row};

use crate::server::AppState;

/// A new random feed token for `member`, replacing any earlier one (which stops working).
pub async fn reset_token(pool: &AnyPool, member: i64) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query("UPDATE users SET feed_token = $1 WHERE id = $2")
        .bind(&token)
        .bind(member)
        .execute(pool)
        .await?;
    Ok(token)
}

/// The member's current feed token, if they made one.
pub async fn token_of(pool: &AnyPool, member: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT feed_token FROM users WHERE id = $1")
        .bind(member)
        .fetch_optional(pool)
        .await
        .map(Option::flatten)
}

/// Where a member's feed is read.
pub fn member_feed_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/forum/feeds/{token}/practices.atom")
}

/// `GET /forum/practices.atom`: the public feed, where the association publishes one.
pub async fn public_practices(State(state): State<AppState>) -> Response {
    if !state.settings.public_practices_feed {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    practices(&state).await
}

/// `GET /forum/feeds/<token>/practices.atom`: a member's own feed.
pub async fn member_practices(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Response {
    let valid = token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let member: Result<Option<i64>, _> = if valid {
        sqlx::query_scalar("SELECT id FROM users WHERE feed_token = $1")
            .bind(&token)
            .fetch_optional(&state.pool)
            .await
    } else {
        Ok(None)
    };
    match member {
        Ok(Some(_)) => practices(&state).await,
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "feed token lookup");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

const ENTRIES: i64 = 30;

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

async fn practices(state: &AppState) -> Response {
    let rows = sqlx::query(
        "SELECT t.id, t.title, t.created_at, p.edited_at, p.situation_html, p.practice_html, p.result_html \
         FROM forum_threads t JOIN forum_posts p ON p.thread_id = t.id AND p.number = 1 \
         WHERE t.kind = 'practice' AND t.deleted_at IS NULL AND p.deleted_at IS NULL AND p.hidden_at IS NULL \
         ORDER BY t.created_at DESC, t.id DESC LIMIT $1",
    )
    .bind(ENTRIES)
    .fetch_all(&state.pool)
    .await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            tracing::error!(error = %e, "practices feed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let base = &state.settings.public_url;
    let mut entries = String::new();
    let mut newest = 0;
    for row in &rows {
        let (id, title, created): (i64, String, i64) = (
            row.try_get("id").unwrap_or_default(),
            row.try_get("title").unwrap_or_default(),
            row.try_get("created_at").unwrap_or_default(),
        );
        let updated = row
            .try_get::<Option<i64>, _>("edited_at")
            .ok()
            .flatten()
            .unwrap_or(created);
        newest = newest.max(updated);
        let field = |name: &str| {
            row.try_get::<Option<String>, _>(name)
                .ok()
                .flatten()
                .unwrap_or_default()
        };
        // The fields are HTML sanitised when written; the feed escapes them once more as text.
        let content = format!(
            "{}{}{}",
            field("situation_html"),
            field("practice_html"),
            field("result_html")
        );
        entries.push_str(&format!(
            "<entry><title>{}</title><id>{base}/forum/t/{id}</id><link href=\"{base}/forum/t/{id}\"/>\
             <published>{}</published><updated>{}</updated><content type=\"html\">{}</content></entry>\n",
            xml(&title),
            rfc3339(created),
            rfc3339(updated),
            xml(&content),
        ));
    }
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>{}</title><id>{base}/forum/practices</id>\
         <link rel=\"self\" href=\"{base}/forum/practices.atom\"/><link href=\"{base}/forum/practices\"/>\
         <updated>{}</updated><author><name>{}</name></author>\n{entries}</feed>\n",
        xml(&format!(
            "Best practices · {}",
            state.settings.association_name
        )),
        rfc3339(newest),
        xml(&state.settings.association_name),
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/atom+xml; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=60"),
            ),
        ],
        body,
    )
        .into_response()
}
