//! Public pages that every anonymous visitor sees alike (per language) are rendered once and
//! then served from memory, each copy with its own CSP nonce.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use guildhall_app::i18n::Locale;
use guildhall_app::server::identity::{cookie, visitor_locale};
use guildhall_app::server::sessions;
use http_body_util::BodyExt;
use leptos::nonce::Nonce;

/// Paths whose anonymous rendering depends on nothing but the language.
const CACHEABLE: &[&str] = &["/"];

/// Rendered into cached pages where the nonce goes; replaced on every response.
const NONCE_MARK: &str = "guildhall-nonce-mark";

/// A rendered page: its headers and body, keyed by path and language.
type Pages = HashMap<(String, Locale), (HeaderMap, Bytes)>;

#[derive(Clone)]
pub struct PageCache {
    pages: Arc<RwLock<Pages>>,
    session_cookie: &'static str,
}

impl PageCache {
    pub fn new(https: bool) -> Self {
        PageCache {
            pages: Arc::default(),
            session_cookie: sessions::cookie_name(https),
        }
    }
}

/// Sits outside the session layer: a visitor without a session cookie is anonymous, so a
/// cached page skips sessions and rendering altogether.
pub async fn serve(State(cache): State<PageCache>, mut req: Request, next: Next) -> Response {
    let cacheable = req.method() == Method::GET
        && req.uri().query().is_none()
        && CACHEABLE.contains(&req.uri().path())
        && cookie(req.headers(), cache.session_cookie).is_none();
    let nonce = req.extensions().get::<Nonce>().cloned();
    let (true, Some(nonce)) = (cacheable, nonce) else {
        return next.run(req).await;
    };
    let key = (req.uri().path().to_owned(), visitor_locale(req.headers()));
    let cached = cache
        .pages
        .read()
        .ok()
        .and_then(|pages| pages.get(&key).cloned());
    if let Some((headers, body)) = cached {
        return respond(headers, &body, &nonce);
    }

    req.extensions_mut().insert(Nonce::from_value(NONCE_MARK));
    let res = next.run(req).await;
    if res.status() != StatusCode::OK || res.headers().contains_key(header::SET_COOKIE) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .body(Body::empty())
            .unwrap_or_default();
    };
    if let Ok(mut pages) = cache.pages.write() {
        pages.insert(key, (parts.headers.clone(), body.clone()));
    }
    respond(parts.headers, &body, &nonce)
}

fn respond(mut headers: HeaderMap, body: &Bytes, nonce: &Nonce) -> Response {
    let html = String::from_utf8_lossy(body).replace(NONCE_MARK, nonce);
    headers.remove(header::CONTENT_LENGTH);
    let mut res = Response::new(Body::from(html));
    *res.headers_mut() = headers;
    res
}
