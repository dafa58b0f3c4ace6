use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::error::ErrorCode;
#[cfg(feature = "ssr")]
use crate::i18n::Locale;

/// What a server function sends back when it refuses: a code for programs, the field it
/// concerns, and a message already translated into the caller's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
// On the server an `ApiError` is only ever read back from a page address (a plain form's
// refusal), which anyone can craft: keep its code and rebuild the words from it.
#[cfg_attr(feature = "ssr", serde(from = "Received"))]
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

/// An `ApiError` as it arrives, before its code is trusted for anything but the code.
#[cfg(feature = "ssr")]
#[derive(Deserialize)]
struct Received {
    code: ErrorCode,
}

#[cfg(feature = "ssr")]
impl From<Received> for ApiError {
    fn from(received: Received) -> Self {
        ApiError::new(received.code, crate::server::request::locale())
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn an_error_read_back_says_only_what_its_code_says() {
        let crafted = r#"{"code":"Internal","field":"email","message":"Your account is closed: call +1 555 0100"}"#;
        let error: ApiError = serde_json::from_str(crafted).unwrap();
        assert_eq!(error, ApiError::new(ErrorCode::Internal, Locale::en));
        assert!(!error.message.contains("555"));
        let unknown = r#"{"code":"NoSuchCode","field":null,"message":"x"}"#;
        assert!(serde_json::from_str::<ApiError>(unknown).is_err());
    }
}
