//! For admins: how a quiz is going (attempts, pass rate, share right per question) and every
//! graded attempt as CSV.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sqlx::{AnyPool, Row};

use crate::domain::dates::utc_minute;
use crate::domain::role::Role;
use crate::server::identity::Identity;
use crate::server::spreadsheet::{csv_download_of, spreadsheet_safe};
use crate::server::{AppError, AppState};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuizStats {
    pub graded: i64,
    pub passed: i64,
    pub members: i64,
    pub open: i64,
    /// Mean score of graded attempts, percent.
    pub mean_score: Option<i64>,
    pub questions: Vec<QuestionStats>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QuestionStats {
    pub question_id: String,
    /// Graded attempts that drew it.
    pub drawn: i64,
    pub right: i64,
}

impl QuestionStats {
    pub fn share_right(&self) -> Option<i64> {
        (self.drawn > 0).then(|| self.right * 100 / self.drawn)
    }
}

pub async fn stats(pool: &AnyPool, slug: &str) -> Result<QuizStats, AppError> {
    let row = sqlx::query(
        "SELECT COUNT(submitted_at) AS graded, \
                COALESCE(SUM(CASE WHEN passed = 1 THEN 1 ELSE 0 END), 0) AS passed, \
                COUNT(DISTINCT user_id) AS members, \
                COALESCE(SUM(CASE WHEN submitted_at IS NULL THEN 1 ELSE 0 END), 0) AS open, \
                CAST(AVG(score) AS DOUBLE PRECISION) AS mean_score \
         FROM quiz_attempts WHERE module_slug = $1",
    )
    .bind(slug)
    .fetch_one(pool)
    .await?;
    let questions = sqlx::query(
        "SELECT a.question_id, COUNT(*) AS drawn, COALESCE(SUM(CASE WHEN a.correct = 1 THEN 1 ELSE 0 END), 0) AS right_count \
         FROM quiz_answers a JOIN quiz_attempts t ON t.id = a.attempt_id \
         WHERE t.module_slug = $1 AND t.submitted_at IS NOT NULL \
         GROUP BY a.question_id ORDER BY a.question_id",
    )
    .bind(slug)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(QuestionStats {
            question_id: r.try_get("question_id")?,
            drawn: r.try_get("drawn")?,
            right: r.try_get("right_count")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(QuizStats {
        graded: row.try_get("graded")?,
        passed: row.try_get("passed")?,
        members: row.try_get("members")?,
        open: row.try_get("open")?,
        mean_score: row
            .try_get::<Option<f64>, _>("mean_score")?
            .map(|m| m.round() as i64),
        questions,
    })
}

/// Every graded attempt at the quiz, oldest first.
pub async fn attempts_csv(pool: &AnyPool, slug: &str) -> Result<String, AppError> {
    let rows = sqlx::query(
        "SELECT t.id, u.display_name, u.email, t.started_at, t.submitted_at, t.correct_count, \
                t.question_count, t.score, t.passed, t.quiz_version \
         FROM quiz_attempts t JOIN users u ON u.id = t.user_id \
         WHERE t.module_slug = $1 AND t.submitted_at IS NOT NULL ORDER BY t.submitted_at, t.id",
    )
    .bind(slug)
    .fetch_all(pool)
    .await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "attempt",
        "member",
        "email",
        "started",
        "submitted",
        "correct",
        "questions",
        "score",
        "passed",
        "quiz_version",
    ];
    let write_err = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    out.write_record(header).map_err(write_err)?;
    for r in rows {
        let passed: Option<i64> = r.try_get("passed")?;
        let record = [
            r.try_get::<i64, _>("id")?.to_string(),
            spreadsheet_safe(r.try_get("display_name")?),
            spreadsheet_safe(r.try_get("email")?),
            utc_minute(r.try_get("started_at")?),
            r.try_get::<Option<i64>, _>("submitted_at")?
                .map(utc_minute)
                .unwrap_or_default(),
            opt(r.try_get("correct_count")?),
            r.try_get::<i64, _>("question_count")?.to_string(),
            opt(r.try_get("score")?),
            if passed == Some(1) { "yes" } else { "no" }.to_owned(),
            r.try_get("quiz_version")?,
        ];
        out.write_record(&record).map_err(write_err)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("csv: {e}")))
}

fn opt(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// `GET /admin/quizzes/<slug>/attempts.csv`, admins only.
pub async fn csv_download(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    identity: Option<axum::Extension<Identity>>,
) -> Response {
    let role = identity.and_then(|i| i.0.user.map(|u| u.role));
    match role {
        None => return StatusCode::UNAUTHORIZED.into_response(),
        Some(role) if role < Role::Admin => return StatusCode::FORBIDDEN.into_response(),
        Some(_) => {}
    }
    let known = state
        .content
        .get()
        .module(&slug)
        .is_some_and(|m| m.quiz.is_some());
    if !known {
        return StatusCode::NOT_FOUND.into_response();
    }
    match attempts_csv(&state.pool, &slug).await {
        Ok(body) => csv_download_of(&format!("{slug}-attempts.csv"), body),
        Err(e) => {
            tracing::error!(error = %e, "quiz csv export");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_defused() {
        assert_eq!(
            super::spreadsheet_safe("=HYPERLINK(1)".into()),
            "'=HYPERLINK(1)"
        );
        assert_eq!(super::spreadsheet_safe("Ana".into()), "Ana");
    }
}
