//! The boundary every form post to a server function (`POST /api/…`) crosses before it is
//! decoded: a body within the limit, text that a database can store, and an answer whose
//! status says what went wrong.
//!
//! Decoding a form replaces invalid UTF-8 with U+FFFD and lets NUL through (PostgreSQL then
//! fails on it, SQLite stores it), and the server-function layer answers every refusal it
//! makes itself (a repeated field, a number too large) with 500. Both are settled here,
//! once, for every form.
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use guildhall_app::api::ApiError;
use guildhall_app::domain::error::ErrorCode;
use guildhall_app::domain::link::is_local_path;
use guildhall_app::server::identity::{Identity, visitor_locale};
use leptos::server_fn::error::ServerFnUrlError;
use tower_sessions::Session;

/// Largest request body accepted, a form's or an upload's.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Largest error answer read back to find its code: server functions' errors are a few
/// hundred bytes.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The session key holding the one refusal a plain form may show next (see `shown_once`).
const FORM_ERROR: &str = "form_error";

/// Runs inside `identify`, so refusals are worded in the caller's language.
pub async fn boundary(req: Request, next: Next) -> Response {
    if req.method() == Method::GET && query_value(req.uri(), "__err").is_some() {
        let req = shown_once(req).await;
        return next.run(req).await;
    }
    if req.method() != Method::POST || !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let session = req.extensions().get::<Session>().cloned();
    let res = check_and_run(req, next).await;
    // A plain form's refusal travels in the address of the page it goes back to; the
    // session remembers it, so that page shows it once and a reload does not.
    if let (Some(session), Some(err)) = (session, location_error(&res)) {
        let _ = session.insert(FORM_ERROR, err).await;
    }
    res
}

/// Without JavaScript a refused form returns to its page with the refusal in the address
/// (`__err`). The page shows it only if the session says this is the refusal just made:
/// a reload, a bookmark or a crafted link shows the plain page.
async fn shown_once(req: Request) -> Request {
    let in_address = query_value(req.uri(), "__err")
        .unwrap_or_default()
        .to_owned();
    let fresh = match req.extensions().get::<Session>() {
        Some(session) => match session.get::<String>(FORM_ERROR).await {
            Ok(Some(expected)) if expected == in_address => {
                let _ = session.remove::<String>(FORM_ERROR).await;
                true
            }
            _ => false,
        },
        None => false,
    };
    if fresh {
        return req;
    }
    let (mut parts, body) = req.into_parts();
    let query: Vec<&str> = parts
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.starts_with("__err=") && !pair.starts_with("__path="))
        .collect();
    let path = parts.uri.path();
    let plain = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    };
    if let Ok(uri) = plain.parse() {
        parts.uri = uri;
    }
    Request::from_parts(parts, body)
}

fn query_value<'a>(uri: &'a axum::http::Uri, name: &str) -> Option<&'a str> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The `__err` of a redirect's `Location`, if it carries one.
fn location_error(res: &Response) -> Option<String> {
    let location = res.headers().get(header::LOCATION)?.to_str().ok()?;
    let uri: axum::http::Uri = location.parse().ok()?;
    query_value(&uri, "__err").map(str::to_owned)
}

async fn check_and_run(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return refuse(&parts, ErrorCode::TooLarge);
    }
    // Chunked bodies have no length to check up front: the limit applies as they arrive.
    let bytes = match to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(err) if is_length_limit(&err) => return refuse(&parts, ErrorCode::TooLarge),
        Err(_) => return refuse(&parts, ErrorCode::BadRequest),
    };
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form && !storable_form(&bytes) {
        return refuse(&parts, ErrorCode::TextInvalid);
    }
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    with_status_of_its_code(res).await
}

fn is_length_limit(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// Every name and value of a URL-encoded form, decoded, is UTF-8 without NUL.
pub fn storable_form(body: &[u8]) -> bool {
    body.split(|&b| b == b'&').all(|pair| {
        pair.split(|&b| b == b'=').all(|part| {
            let decoded: Vec<u8> = percent_encoding::percent_decode(part).collect();
            !decoded.contains(&0) && std::str::from_utf8(&decoded).is_ok()
        })
    })
}

/// A refusal before the server function runs, answered as the server function would: a plain
/// form goes back to its page with the error; a script gets the status and the error as JSON.
fn refuse(parts: &axum::http::request::Parts, code: ErrorCode) -> Response {
    let locale = parts
        .extensions
        .get::<Identity>()
        .map_or_else(|| visitor_locale(&parts.headers), |i| i.locale);
    let error = ApiError::new(code, locale);
    let plain_form = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if plain_form {
        let back = parts
            .headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|r| url_path(r))
            .filter(|p| is_local_path(p))
            .unwrap_or_else(|| "/".to_owned());
        let base = format!("http://portal{back}");
        let location = ServerFnUrlError::new(parts.uri.path(), error)
            .to_url(&base)
            .map(|url| match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            })
            .unwrap_or(back);
        return (
            StatusCode::FOUND,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
        )
            .into_response();
    }
    let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::to_string(&error).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// The path and query of a `Referer` (absolute or not).
fn url_path(referer: &str) -> Option<String> {
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = if referer.contains("://") {
        &after_scheme[after_scheme.find('/')?..]
    } else {
        after_scheme
    };
    Some(path.split('#').next().unwrap_or(path).to_owned())
}

/// The server-function layer answers its own refusals (arguments it cannot decode) with
/// 500 whatever their code; the code decides the status.
async fn with_status_of_its_code(res: Response) -> Response {
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, ERROR_BODY_LIMIT).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    let code = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| serde_json::from_value::<ErrorCode>(v.get("code")?.clone()).ok());
    if let Some(code) = code.filter(|c| *c != ErrorCode::Internal) {
        parts.status = StatusCode::from_u16(code.status()).unwrap_or(parts.status);
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_with_nul_or_broken_utf8_are_not_storable() {
        assert!(storable_form(b"name=Ana+Nov%C3%A1k&email=ana%40example.si"));
        assert!(storable_form(b""));
        assert!(storable_form(b"q=%F0%9F%98%80"));
        for bad in [
            &b"name=Ana%00"[..],
            b"name=Ana\0",
            b"na%00me=Ana",
            b"name=%C3%28",
            b"name=%FF",
            b"name=\xff",
            b"name=%ED%A0%80",
        ] {
            assert!(!storable_form(bad), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn a_referer_gives_its_path_and_query() {
        assert_eq!(
            url_path("http://127.0.0.1:3000/forum/new?kind=practice#x").as_deref(),
            Some("/forum/new?kind=practice")
        );
        assert_eq!(url_path("/login").as_deref(), Some("/login"));
        assert_eq!(url_path("https://example.org").as_deref(), None);
    }
}
