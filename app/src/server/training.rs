//! Members' reading progress, per module and section, independent of the language read.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sqlx::{AnyPool, Row};

use super::cache::{Progress, Remembered};
use super::content::Module;
use super::db::now;
use super::quiz::attempts::passed_modules;
use super::{AppError, AppState};
use crate::domain::error::ErrorCode;
use crate::domain::training::ModuleProgress;

/// Every section each module's reader has marked read.
pub async fn read_sections(
    pool: &AnyPool,
    user_id: i64,
) -> Result<HashMap<String, HashSet<String>>, AppError> {
    let rows =
        sqlx::query("SELECT module_slug, section_id FROM section_progress WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(pool)
            .await?;
    let mut read: HashMap<String, HashSet<String>> = HashMap::new();
    for row in rows {
        read.entry(row.try_get("module_slug")?)
            .or_default()
            .insert(row.try_get("section_id")?);
    }
    Ok(read)
}

/// Marks a section read; marking it twice changes nothing.
pub async fn mark_read(
    pool: &AnyPool,
    user_id: i64,
    module: &Module,
    section_id: &str,
) -> Result<(), AppError> {
    if !module.section_ids.iter().any(|s| s == section_id) {
        return Err(ErrorCode::NotFound.into());
    }
    sqlx::query(
        "INSERT INTO section_progress (user_id, module_slug, section_id, read_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, module_slug, section_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(&module.slug)
    .bind(section_id)
    .bind(now())
    .execute(pool)
    .await?;
    Ok(())
}

/// Progress through `module` given the sections read (ids no longer in the module are ignored).
pub fn progress(module: &Module, read: Option<&HashSet<String>>) -> ModuleProgress {
    let is_read = |id: &String| read.is_some_and(|r| r.contains(id));
    ModuleProgress {
        read: module.section_ids.iter().filter(|id| is_read(id)).count(),
        total: module.section_ids.len(),
        resume_at: module.section_ids.iter().find(|id| !is_read(id)).cloned(),
    }
}

/// A member's reading progress and passed quizzes: from memory while nothing of theirs has
/// changed since it was read (see `cache`), else from the database.
pub async fn progress_of(
    state: &AppState,
    member: i64,
) -> Result<Arc<Remembered<Progress>>, AppError> {
    let read = async {
        Ok::<_, AppError>(Progress {
            read: read_sections(&state.pool, member).await?,
            passed: passed_modules(&state.pool, member).await?,
        })
    };
    state.caches.progress_or_read(member, read).await
}
