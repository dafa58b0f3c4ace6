use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::error::ErrorCode;
#[cfg(feature = "ssr")]
use crate::i18n::Locale;

/// What a server function sends back when it refuses: a code for programs, the field it
/// concerns, and a message already translated into the caller's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub field: Option<String>,
    pub message: String,
}

impl ApiError {
    #[cfg(feature = "ssr")]
    pub fn new(code: ErrorCode, locale: Locale) -> Self {
        ApiError {
            code,
            field: code.field().map(str::to_owned),
            message: code.message(locale).to_owned(),
        }
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    /// Failures outside our own code: undecodable arguments, or (in the browser) no answer.
    fn from_server_fn_error(err: ServerFnErrorErr) -> Self {
        let code = match err {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => ErrorCode::Internal,
            _ => ErrorCode::BadRequest,
        };
        #[cfg(feature = "ssr")]
        return ApiError::new(code, crate::server::request::locale());
        // The browser bundle carries no translations: forms show their own translated
        // fallback for an error without a message.
        #[cfg(not(feature = "ssr"))]
        ApiError {
            code,
            field: None,
            message: String::new(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::server::AppError> for ApiError {
    fn from(err: crate::server::AppError) -> Self {
        let code = err.code();
        if code == ErrorCode::Internal {
            tracing::error!(error = %err, "request failed");
        }
        // A plain form post is answered with a redirect back to the form; anything else
        // (the islands, API clients) gets the status that says what happened.
        if !crate::server::request::is_plain_form_post()
            && let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        {
            res.set_status(axum::http::StatusCode::from_u16(code.status()).unwrap_or_default());
            if code == ErrorCode::Busy {
                res.insert_header(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static("5"),
                );
            }
        }
        ApiError::new(code, crate::server::request::locale())
    }
}
