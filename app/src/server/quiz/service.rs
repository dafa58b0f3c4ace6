//! What the quiz server functions and pages share: the caller, their module's quiz, its rules.
use std::collections::HashSet;
use std::sync::Arc;

use super::attempts::{Outcome, Rules, Store};
use super::model::Quiz;
use crate::domain::error::ErrorCode;
use crate::domain::quiz::FormAnswers;
use crate::server::content::Module;
use crate::server::db::now;
use crate::server::{AppError, AppState, request};

/// A module that has a quiz, with the state to reach its attempts.
#[derive(Clone)]
pub struct QuizContext {
    pub state: AppState,
    pub module: Module,
    pub quiz: Arc<Quiz>,
}

impl QuizContext {
    pub fn find(slug: &str) -> Result<QuizContext, AppError> {
        let state = request::state()?;
        let module = state
            .content
            .get()
            .module(slug)
            .cloned()
            .ok_or(ErrorCode::NotFound)?;
        let quiz = module.quiz.clone().ok_or(ErrorCode::NotFound)?;
        Ok(QuizContext {
            state,
            module,
            quiz,
        })
    }

    pub fn store(&self) -> Store<'_> {
        Store {
            pool: &self.state.pool,
            backend: self.state.backend,
            module_slug: &self.module.slug,
            current: &self.quiz,
        }
    }

    pub fn rules(&self) -> Rules {
        Rules::of(
            &self.quiz,
            self.state
                .settings
                .quiz_cooldown
                .map(|d| d.as_secs() as i64),
        )
    }
}

pub async fn start(slug: &str) -> Result<i64, AppError> {
    let user = request::require_user()?;
    let quiz = QuizContext::find(slug)?;
    quiz.store().start(user.id, quiz.rules(), now()).await
}

pub async fn save(slug: &str, attempt: i64, answers: &FormAnswers) -> Result<(), AppError> {
    let user = request::require_user()?;
    let quiz = QuizContext::find(slug)?;
    quiz.store().save(user.id, attempt, answers, now()).await
}

pub async fn submit(slug: &str, attempt: i64, answers: &FormAnswers) -> Result<Outcome, AppError> {
    let user = request::require_user()?;
    let quiz = QuizContext::find(slug)?;
    let outcome = quiz
        .store()
        .submit(user.id, attempt, answers, now())
        .await?;
    if outcome.passed {
        crate::server::certificates::service::issue_automatic(&quiz.state, user.id).await;
    }
    Ok(outcome)
}

/// Modules whose quiz the signed-in member has passed (empty for visitors).
pub async fn passed_now() -> HashSet<String> {
    let (Some(user), Ok(pool)) = (request::current_user(), request::pool()) else {
        return HashSet::new();
    };
    super::attempts::passed_modules(&pool, user.id)
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not load passed quizzes");
            HashSet::new()
        })
}

/// A language code safe to put back into an address.
fn lang_query(lang: Option<&str>) -> &str {
    lang.filter(|l| {
        crate::domain::language::LANGUAGES
            .iter()
            .any(|(c, _)| c == l)
    })
    .unwrap_or("en")
}

pub fn quiz_page(slug: &str, lang: Option<&str>) -> String {
    format!(
        "/training/{}/quiz?lang={}",
        slug_only(slug),
        lang_query(lang)
    )
}

pub fn review_page(slug: &str, attempt: i64, lang: Option<&str>) -> String {
    format!(
        "/training/{}/quiz/attempts/{attempt}?lang={}",
        slug_only(slug),
        lang_query(lang)
    )
}

/// Slugs come from the caller: never let one turn a redirect into another path.
fn slug_only(slug: &str) -> &str {
    if slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        slug
    } else {
        ""
    }
}
