use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Connection, Executor, Transaction};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database the one binary is talking to, chosen at run time from the URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got {0:?})")]
    UnsupportedUrl(String),
    #[error("cannot create the folder for the SQLite database {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to the database: {0}")]
    Connect(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Query(#[from] sqlx::Error),
    #[error(
        "online backup is for SQLite; for PostgreSQL use pg_dump, e.g. `pg_dump --format=custom \"$DATABASE_URL\" > guildhall.dump`"
    )]
    BackupUnsupported,
    #[error("there is no database at {0}; check DATABASE_URL (nothing was written)")]
    NoDatabase(String),
    #[error("{0} is not a Guildhall database (it has no members table); nothing was written")]
    NotGuildhall(String),
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::UnsupportedUrl(
                url.split('@').next_back().unwrap_or_default().to_owned(),
            ))
        }
    }
}

/// Opens the pool. For SQLite the file (and its folder) is created on first use, and every
/// connection gets WAL, a busy timeout and foreign keys.
pub async fn connect(url: &str) -> Result<(AnyPool, Backend), DbError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url)?;
    let mut url = url.to_owned();
    if backend == Backend::Sqlite {
        let path = sqlite_path(&url);
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
                path: path.to_owned(),
                source,
            })?;
        }
        if !url.contains("mode=") && !url.contains(":memory:") {
            url.push_str(if url.contains('?') {
                "&mode=rwc"
            } else {
                "?mode=rwc"
            });
        }
    }
    let options = AnyConnectOptions::from_str(&url).map_err(DbError::Connect)?;
    let pool = AnyPoolOptions::new()
        .max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(DbError::Connect)?;
    Ok((pool, backend))
}

pub async fn migrate(pool: &AnyPool, backend: Backend) -> Result<(), DbError> {
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator.run(pool).await?;
    Ok(())
}

/// A transaction for work that reads then writes. SQLite must take its write lock up front
/// (IMMEDIATE), or two such transactions deadlock into SQLITE_BUSY.
pub async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<Transaction<'static, Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// What a backup holds, for the operator to check it against what they expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copied {
    pub members: i64,
    pub certificates: i64,
    pub posts: i64,
}

/// A consistent copy of a live SQLite database (readers and writers carry on meanwhile).
/// The source is opened read-only and must already exist: a mistyped path must not become a
/// new, empty "backup", and backing up never migrates the database it copies.
pub async fn backup(url: &str, target: &Path) -> Result<Copied, DbError> {
    sqlx::any::install_default_drivers();
    if Backend::from_url(url)? != Backend::Sqlite {
        return Err(DbError::BackupUnsupported);
    }
    let source = sqlite_path(url);
    if !Path::new(source).is_file() {
        return Err(DbError::NoDatabase(source.to_owned()));
    }
    let read_only = |path: &str| format!("sqlite://{path}?mode=ro");
    let mut conn = sqlx::AnyConnection::connect(&read_only(source))
        .await
        .map_err(DbError::Connect)?;
    // Only a Guildhall database is worth copying; anything else is a mistaken path.
    if count(&mut conn, "users").await.is_err() {
        return Err(DbError::NotGuildhall(source.to_owned()));
    }
    sqlx::query("VACUUM INTO $1")
        .bind(target.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let mut copy = sqlx::AnyConnection::connect(&read_only(&target.to_string_lossy()))
        .await
        .map_err(DbError::Connect)?;
    let copied = Copied {
        members: count(&mut copy, "users").await?,
        certificates: count(&mut copy, "certificates").await?,
        posts: count(&mut copy, "forum_posts").await?,
    };
    copy.close().await?;
    Ok(copied)
}

async fn count(conn: &mut sqlx::AnyConnection, table: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(conn)
        .await
}

pub async fn ping(pool: &AnyPool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}

fn sqlite_path(url: &str) -> &str {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    rest.split('?').next().unwrap_or(rest)
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/guildhall.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://root:secret@h/db").is_err());
        // the error names no credentials
        let message = Backend::from_url("mysql://root:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("secret"), "{message}");
    }

    #[test]
    fn sqlite_path_strips_scheme_and_options() {
        assert_eq!(
            sqlite_path("sqlite://data/guildhall.db?mode=rwc"),
            "data/guildhall.db"
        );
        assert_eq!(sqlite_path("sqlite:data/x.db"), "data/x.db");
    }
}
