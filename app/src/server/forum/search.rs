//! Full-text search over the forum: SQLite's FTS5 or PostgreSQL's text search, kept up to
//! date in the same transaction as every write, with matches marked in titles and excerpts.
use sqlx::{Any, AnyPool, Row, Transaction};

use super::Kind;
use crate::server::db::Backend;

// Markers the database puts around matches; the text is escaped before they become <mark>.
const START: &str = "\u{27e6}";
const END: &str = "\u{27e7}";

/// The column holding a post's id: FTS5's own rowid (its only indexed key), a primary key
/// on PostgreSQL.
fn key(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "rowid",
        Backend::Postgres => "post_id",
    }
}

/// Re-indexes a post as it now is (nothing for a deleted one).
pub async fn index(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    post: i64,
) -> Result<(), sqlx::Error> {
    let key = key(backend);
    sqlx::query(&format!("DELETE FROM forum_search WHERE {key} = $1"))
        .bind(post)
        .execute(&mut **tx)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO forum_search ({key}, title, body) \
         SELECT p.id, CASE WHEN p.number = 1 THEN t.title ELSE '' END, \
           p.body || ' ' || COALESCE(p.situation, '') || ' ' || COALESCE(p.practice, '') || ' ' || COALESCE(p.result, '') \
         FROM forum_posts p JOIN forum_threads t ON t.id = p.thread_id \
         WHERE p.id = $1 AND p.deleted_at IS NULL"
    ))
    .bind(post)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub category: Option<String>,
    pub module: Option<String>,
    pub kind: Option<Kind>,
}

/// One match: the post, and its title and excerpt as safe HTML with `<mark>`ed matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub post_id: i64,
    pub thread_id: i64,
    pub number: i64,
    pub thread_title: String,
    pub title_html: String,
    pub excerpt_html: String,
    pub category: String,
    pub kind: Kind,
}

pub const LIMIT: i64 = 50;

/// The words of `text` as an FTS5 query: each one quoted, all required.
fn fts5_query(text: &str) -> String {
    text.split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn marked(text: &str) -> String {
    crate::domain::html::escape_text(text)
        .replace(START, "<mark>")
        .replace(END, "</mark>")
}

/// Visible posts matching every word, newest first: ranking every match by relevance cost
/// hundreds of milliseconds for common words in a large forum.
pub async fn search(
    pool: &AnyPool,
    backend: Backend,
    query: &Query,
) -> Result<Vec<Hit>, sqlx::Error> {
    // Control characters (a NUL from a crafted address, say) are no part of any word; the
    // databases refuse some of them outright.
    let words: String = query
        .text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if words.split_whitespace().next().is_none() {
        return Ok(Vec::new());
    }
    let filters = "p.deleted_at IS NULL AND p.hidden_at IS NULL AND t.deleted_at IS NULL \
         AND ($2 = '' OR t.category = $2) AND ($3 = '' OR t.kind = $3) \
         AND ($4 = '' OR EXISTS (SELECT 1 FROM forum_thread_modules m WHERE m.thread_id = t.id AND m.module_slug = $4))";
    let sql = match backend {
        Backend::Sqlite => format!(
            "SELECT p.id AS post_id, p.thread_id, p.number, t.title AS thread_title, t.category, t.kind, \
               highlight(forum_search, 0, '{START}', '{END}') AS title_hl, \
               snippet(forum_search, 1, '{START}', '{END}', '…', 24) AS excerpt \
             FROM forum_search s JOIN forum_posts p ON p.id = s.rowid JOIN forum_threads t ON t.id = p.thread_id \
             WHERE forum_search MATCH $1 AND {filters} ORDER BY s.rowid DESC LIMIT {LIMIT}"
        ),
        Backend::Postgres => format!(
            "SELECT p.id AS post_id, p.thread_id, p.number, t.title AS thread_title, t.category, t.kind, \
               ts_headline('simple', s.title, q, 'StartSel={START}, StopSel={END}, HighlightAll=true') AS title_hl, \
               ts_headline('simple', s.body, q, 'StartSel={START}, StopSel={END}, MaxWords=30, MinWords=12, MaxFragments=2') AS excerpt \
             FROM forum_search s, plainto_tsquery('simple', $1) q, forum_posts p, forum_threads t \
             WHERE p.id = s.post_id AND t.id = p.thread_id AND s.document @@ q AND {filters} \
             ORDER BY s.post_id DESC LIMIT {LIMIT}"
        ),
    };
    let text = match backend {
        Backend::Sqlite => fts5_query(&words),
        Backend::Postgres => words,
    };
    let rows = sqlx::query(&sql)
        .bind(text)
        .bind(query.category.clone().unwrap_or_default())
        .bind(query.kind.map_or("", Kind::as_str))
        .bind(query.module.clone().unwrap_or_default())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            let title_hl: String = r.try_get("title_hl")?;
            let thread_title: String = r.try_get("thread_title")?;
            Ok(Hit {
                post_id: r.try_get("post_id")?,
                thread_id: r.try_get("thread_id")?,
                number: r.try_get("number")?,
                title_html: if title_hl.is_empty() {
                    marked(&thread_title)
                } else {
                    marked(&title_hl)
                },
                thread_title,
                excerpt_html: marked(&r.try_get::<String, _>("excerpt")?),
                category: r.try_get("category")?,
                kind: Kind::parse(&kind).unwrap_or(Kind::Discussion),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Query, search};
    use crate::server::db::{self, Backend};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Whatever a member types into the search box, FTS5 gets a query it can run.
        #[test]
        fn any_text_is_a_query_sqlite_can_run(
            text in prop_oneof![any::<String>(), "[\"*():^+ \u{0}-\u{1f}a-zNEARORAND-]{0,24}"]
        ) {
            let (runtime, pool, _dir) = &*DATABASE;
            let query = Query { text: text.clone(), ..Query::default() };
            let found = runtime.block_on(search(pool, Backend::Sqlite, &query));
            prop_assert!(found.is_ok(), "{:?}: {:?}", text, found.err());
        }
    }

    /// One migrated SQLite database for every case, with a post to match against.
    static DATABASE: std::sync::LazyLock<(
        tokio::runtime::Runtime,
        sqlx::AnyPool,
        tempfile::TempDir,
    )> = std::sync::LazyLock::new(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/search.db", dir.path().display());
        let pool = runtime.block_on(async {
                let (pool, backend) = db::connect(&url).await.unwrap();
                db::migrate(&pool, backend).await.unwrap();
                sqlx::query("INSERT INTO forum_search (rowid, title, body) VALUES (1, 'Queues', 'A callback within the hour')")
                    .execute(&pool)
                    .await
                    .unwrap();
                pool
            });
        (runtime, pool, dir)
    });

    #[test]
    fn words_are_quoted_for_fts5() {
        assert_eq!(
            super::fts5_query(" callback  \"hour\" OR"),
            "\"callback\" \"\"\"hour\"\"\" \"OR\""
        );
    }

    #[test]
    fn matches_are_marked_in_escaped_text() {
        let text = format!("<b>{}queue{}</b>", super::START, super::END);
        assert_eq!(
            super::marked(&text),
            "&lt;b&gt;<mark>queue</mark>&lt;/b&gt;"
        );
    }
}
