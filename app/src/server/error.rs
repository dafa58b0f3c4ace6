use leptos::prelude::*;

use crate::api::{ApiError, ErrorCode};
use crate::domain::account::AccountRule;

/// Errors inside the server. Refusals carry a code the user is told; everything else is
/// logged here and reported to the user only as "something went wrong".
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("refused: {0:?}")]
    Refused(ErrorCode),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Refused(code) => *code,
            _ => ErrorCode::Internal,
        }
    }
}

impl From<ErrorCode> for AppError {
    fn from(code: ErrorCode) -> Self {
        AppError::Refused(code)
    }
}

impl From<AccountRule> for AppError {
    fn from(rule: AccountRule) -> Self {
        AppError::Refused(rule.into())
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let code = err.code();
        if code == ErrorCode::Internal {
            tracing::error!(error = %err, "request failed");
        }
        // A plain form post is answered with a redirect back to the form; anything else
        // (the islands, API clients) gets the status that says what happened.
        if !super::request::is_plain_form_post()
            && let Some(res) = use_context::<leptos_axum::ResponseOptions>()
        {
            res.set_status(axum::http::StatusCode::from_u16(code.status()).unwrap_or_default());
        }
        ApiError::new(code, super::request::locale())
    }
}
