//! Demonstration and load-test data: a forum filled with threads and posts written by the
//! demo members, through the same rendering and search index as real posts.
use sqlx::{AnyPool, Row};

use super::{Kind, markup, search};
use crate::server::AppError;
use crate::server::content::Catalogue;
use crate::server::db::{Backend, begin_write};

const PARAGRAPHS: [&str; 6] = [
    "We greet every guest within **sixty seconds** of arrival, even when the desk is busy: a nod and a word tell them they have been seen.",
    "Our standards are measurable: calls answered by the third ring, emails within one working day, complaints acknowledged the same day.",
    "When a customer is upset we *listen first*, repeat what we heard, and only then explain what we will do and by when.",
    "Front-line staff may refund up to a set amount without asking a manager; it shortened queues and nobody abused it.",
    "We review one lost customer a week as a team: what did they expect, what did we deliver, where was the gap?",
    "Small touches matter: remembering a regular's name and order did more for loyalty than any discount we tried.",
];

/// What was made.
pub struct Seeded {
    pub threads: u64,
    pub posts: u64,
}

/// Fills the forum with `threads` threads and `posts` posts in all (openings included),
/// written by the members whose email starts with `email_prefix`, who accept the code.
pub async fn seed(
    pool: &AnyPool,
    backend: Backend,
    catalogue: &Catalogue,
    email_prefix: &str,
    threads: u64,
    posts: u64,
    now: i64,
) -> Result<Seeded, AppError> {
    let authors: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email LIKE $1 ORDER BY id")
            .bind(format!("{email_prefix}%"))
            .fetch_all(pool)
            .await?;
    if authors.is_empty() {
        return Err(AppError::Internal(format!(
            "no members with emails starting {email_prefix:?}: create them with `guildhall demo members` first"
        )));
    }
    let categories: Vec<(String, Option<String>)> = catalogue
        .categories()
        .iter()
        .map(|c| (c.slug.clone(), c.module.clone()))
        .collect();
    if categories.is_empty() {
        return Err(AppError::Internal(
            "the content has no forum categories".into(),
        ));
    }
    if let Some(code) = catalogue.code_of_conduct() {
        for &author in &authors {
            super::store::accept(pool, author, i64::from(code.version), now).await?;
        }
    }
    let rendered: Vec<(String, String)> = PARAGRAPHS
        .iter()
        .map(|p| (p.to_string(), markup::render(p)))
        .collect();
    let threads = threads.max(1);
    let replies_each = posts.saturating_sub(threads) / threads;
    let mut extra = posts.saturating_sub(threads) % threads;
    let (mut made_threads, mut made_posts) = (0, 0);
    // One transaction per hundred threads: quick, and never one huge write.
    for batch in (0..threads).collect::<Vec<_>>().chunks(100) {
        let mut tx = begin_write(pool, backend).await?;
        for &n in batch {
            let (category, module) = &categories[n as usize % categories.len()];
            let kind = if n % 5 == 0 && module.is_some() {
                Kind::Practice
            } else {
                Kind::Discussion
            };
            let replies = replies_each + u64::from(extra > 0);
            extra = extra.saturating_sub(1);
            let started = now - (threads - n) as i64 * 60;
            let author = authors[n as usize % authors.len()];
            let title = format!(
                "{} #{n}",
                [
                    "Greeting guests",
                    "Queues at lunchtime",
                    "Handling complaints",
                    "Phone standards",
                    "Loyal customers"
                ][n as usize % 5]
            );
            let thread: i64 = sqlx::query_scalar(
                "INSERT INTO forum_threads (category, kind, title, author_id, created_at, last_post_at, post_count) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(category)
            .bind(kind.as_str())
            .bind(&title)
            .bind(author)
            .bind(started)
            .bind(started + replies as i64)
            .bind(1 + replies as i64)
            .fetch_one(&mut *tx)
            .await?;
            if let (Kind::Practice, Some(module)) = (kind, module) {
                sqlx::query(
                    "INSERT INTO forum_thread_modules (thread_id, module_slug) VALUES ($1, $2)",
                )
                .bind(thread)
                .bind(module)
                .execute(&mut *tx)
                .await?;
            }
            for number in 1..=1 + replies as i64 {
                let (body, html) = &rendered[(n as usize + number as usize) % rendered.len()];
                let practice = (kind == Kind::Practice && number == 1)
                    .then(|| &rendered[(n as usize + 3) % rendered.len()]);
                let row = sqlx::query(
                    "INSERT INTO forum_posts (thread_id, number, author_id, body, body_html, situation, situation_html, \
                       practice, practice_html, result, result_html, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7, $6, $7, $8) RETURNING id",
                )
                .bind(thread)
                .bind(number)
                .bind(authors[(n as usize + number as usize) % authors.len()])
                .bind(body)
                .bind(html)
                .bind(practice.map(|p| p.0.clone()))
                .bind(practice.map(|p| p.1.clone()))
                .bind(started + number)
                .fetch_one(&mut *tx)
                .await?;
                search::index(&mut tx, backend, row.try_get("id")?).await?;
                made_posts += 1;
            }
            made_threads += 1;
        }
        tx.commit().await?;
    }
    // After a bulk load PostgreSQL still plans for the empty tables until autovacuum gets
    // round to them: a search then joined all 100,000 posts (250 ms instead of 1 ms).
    if backend == Backend::Postgres {
        sqlx::query("ANALYZE").execute(pool).await?;
    }
    Ok(Seeded {
        threads: made_threads,
        posts: made_posts,
    })
}
