use crate::domain::account::AccountRule;
use crate::domain::error::ErrorCode;

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
