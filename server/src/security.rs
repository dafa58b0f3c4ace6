//! Security layers every response passes through.
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use guildhall_app::server::AppState;
use guildhall_app::server::cache::FRESH_UNTIL;
use leptos::nonce::Nonce;

/// Sets the Content-Security-Policy with a fresh nonce (which the page's own scripts carry),
/// the other protective headers, and caching rules.
pub async fn headers(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/pkg/");
    let nonce = Nonce::new();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    );
    req.extensions_mut().insert(nonce);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // Meant for the page cache only (pages rendered outside it keep it).
    h.remove(FRESH_UNTIL);
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    // Assets keep their names across builds, so browsers revalidate them (a cheap 304);
    // pages are never kept by shared caches.
    let caching = if is_asset {
        "public, no-cache"
    } else {
        "private, no-store"
    };
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(caching));
    if state.settings.https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}

/// Refuses any state-changing request that a browser says comes from another site: the
/// defence against cross-site request forgery, on top of SameSite cookies.
pub async fn same_origin_writes(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let allowed = match (text("sec-fetch-site"), text(header::ORIGIN.as_str())) {
        (Some(site), _) => site == "same-origin" || site == "none",
        (None, Some(origin)) => {
            let host = text(header::HOST.as_str()).unwrap_or_default();
            origin == state.settings.public_url || origin_host(origin) == Some(host)
        }
        // Not a browser (curl, scripts): no ambient cookies are at stake.
        (None, None) => true,
    };
    if allowed {
        next.run(req).await
    } else {
        tracing::warn!(method = %req.method(), path = req.uri().path(), "cross-site write refused");
        (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not allowed.",
        )
            .into_response()
    }
}

fn origin_host(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, host)| host)
}
