use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::{get, post};
use guildhall_app::app::{App, shell};
use guildhall_app::server::cache::Caches;
use guildhall_app::server::certificates;
use guildhall_app::server::content::Content;
use guildhall_app::server::db::{self, Backend};
use guildhall_app::server::identity::identify;
use guildhall_app::server::quiz;
use guildhall_app::server::request::{RefusedFile, provide_request_context};
use guildhall_app::server::sessions::{self, SqlSessionStore};
use guildhall_app::server::state::Shared;
use guildhall_app::server::{AppState, Settings};
use http_body::Body as _;
use leptos::config::LeptosOptions;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context, generate_route_list,
};
use sqlx::AnyPool;
use tower_http::limit::RequestBodyLimitLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::deadline::{self, Deadline};
use crate::{forms, metrics, page_cache, security};

pub fn app_state(
    pool: AnyPool,
    backend: Backend,
    settings: Settings,
    content: Content,
    site_root: &str,
) -> AppState {
    let leptos_options = LeptosOptions::builder()
        .output_name("guildhall")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .build();
    AppState::new(Shared {
        leptos_options: Arc::new(leptos_options),
        pool,
        backend,
        settings: Arc::new(settings),
        content,
        caches: Caches::new(backend),
    })
}

/// The portal's router with the default request deadline, counting into metrics of its own.
pub fn build(state: AppState) -> Router {
    build_with(state, Deadline::default())
}

/// The portal's router: requests past `deadline.limit` are answered 503.
pub fn build_with(state: AppState, deadline: Deadline) -> Router {
    let metrics = deadline.metrics.clone();
    let context = {
        let state = state.clone();
        move || provide_request_context(state.clone())
    };
    // Routes are cloned per request: hold the options behind their `Arc` until a render.
    let render_shell = {
        let options = Arc::clone(&state.leptos_options);
        move || shell(LeptosOptions::clone(&options))
    };
    let settings = &state.settings;
    let session_layer = SessionManagerLayer::new(SqlSessionStore::new(state.pool.clone()))
        .with_name(sessions::cookie_name(settings.https()))
        .with_secure(settings.https())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(settings.session_idle).unwrap_or(time::Duration::DAY),
        ));

    let error_page = file_and_error_handler_with_context::<AppState, _>(context.clone(), shell);
    let refused_as_page = {
        let (state, error_page) = (state.clone(), error_page.clone());
        move |req: Request, next: Next| {
            let (state, error_page) = (state.clone(), error_page.clone());
            async move { refused_file_as_page(state, error_page, req, next).await }
        }
    };
    Router::new()
        .route(
            "/admin/quizzes/{slug}/attempts.csv",
            get(quiz::report::csv_download),
        )
        .route(
            "/certificates/{id}/certificate.pdf",
            get(certificates::http::download),
        )
        .route("/verify/{code}/check", post(certificates::http::check_pdf))
        .route(
            "/admin/certificates.csv",
            get(certificates::http::csv_download),
        )
        .route_layer(axum::middleware::from_fn(refused_as_page))
        .route("/healthz", get(healthz))
        .route(
            "/forum/practices.atom",
            get(guildhall_app::server::forum::feed::public_practices),
        )
        .route(
            "/forum/feeds/{token}/practices.atom",
            get(guildhall_app::server::forum::feed::member_practices),
        )
        .leptos_routes_with_context(&state, page_routes(), context.clone(), render_shell)
        .fallback(error_page)
        .layer(from_fn_with_state(state.clone(), page_cache::for_members))
        .layer(from_fn_with_state(
            state.clone(),
            page_cache::announce_writes,
        ))
        .layer(RequestBodyLimitLayer::new(forms::BODY_LIMIT))
        .layer(axum::middleware::from_fn(forms::boundary))
        .layer(from_fn_with_state(state.clone(), identify))
        .layer(session_layer)
        .layer(from_fn_with_state(
            state.clone(),
            security::same_origin_writes,
        ))
        .layer(axum::middleware::from_fn(
            certificates::http::oversized_check,
        ))
        .layer(from_fn_with_state(state.clone(), page_cache::from_memory))
        .layer(from_fn_with_state(deadline, deadline::within_deadline))
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(from_fn_with_state(metrics, metrics::count_responses))
        .with_state(state)
}

/// A file (PDF, CSV) refused to a browser with a bare 401, 403 or 404 is answered with the
/// site's page instead: sign in and come back, not allowed, or not found, each with a way on.
async fn refused_file_as_page<H, F>(
    state: AppState,
    error_page: H,
    req: Request,
    next: Next,
) -> Response
where
    H: Fn(Uri, State<AppState>, Request) -> F,
    F: std::future::Future<Output = Response>,
{
    let browser = req.method() == Method::GET
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    if !browser {
        return next.run(req).await;
    }
    let mut page = Request::new(Body::empty());
    *page.uri_mut() = req.uri().clone();
    *page.headers_mut() = req.headers().clone();
    *page.extensions_mut() = req.extensions().clone();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let bare = res.body().size_hint().exact() == Some(0);
    if !bare || !matches!(status, 401 | 403 | 404) {
        return res;
    }
    page.extensions_mut().insert(RefusedFile(status));
    let uri = page.uri().clone();
    error_page(uri, State(state), page).await
}

/// The pages' routes, worked out once per process. To find them Leptos renders the whole app
/// with resource loading switched off by a process-wide flag, and a resource first polled by
/// any request while that flag is up waits forever: its page never answers. A server builds
/// one router before it listens, so that cannot happen there; a process that builds routers
/// while serving (the tests do, in parallel) would meet it on every page with a `Resource`.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if db::ping(&state.pool).await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

/// Adds `/bench/baseline/<path>`: a bare handler, outside every layer, serving from memory
/// the bytes that `<path>` gave on its first request (made with the caller's cookies), so a
/// load test can compare a real page against the same bytes in the same process.
pub async fn with_bench_baseline(app: Router) -> Router {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use axum::body::{Body, Bytes};
    use axum::extract::Request;
    use axum::http::header;
    use axum::response::Html;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let pages: Arc<Mutex<HashMap<String, Bytes>>> = Arc::default();
    let inner = app.clone();
    let baseline = move |req: Request| {
        let (pages, inner) = (pages.clone(), inner.clone());
        async move {
            let target = req
                .uri()
                .path_and_query()
                .map_or("/", |pq| pq.as_str())
                .trim_start_matches("/bench/baseline")
                .to_owned();
            let target = if target.is_empty() || target.starts_with('?') {
                format!("/{target}")
            } else {
                target
            };
            if let Some(bytes) = pages.lock().ok().and_then(|p| p.get(&target).cloned()) {
                return Html(bytes);
            }
            let mut first = axum::http::Request::get(&target);
            if let Some(cookie) = req.headers().get(header::COOKIE) {
                first = first.header(header::COOKIE, cookie);
            }
            let res = inner
                .oneshot(first.body(Body::empty()).unwrap_or_default())
                .await;
            let bytes = match res {
                Ok(res) => res
                    .into_body()
                    .collect()
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default(),
                Err(never) => match never {},
            };
            if let Ok(mut p) = pages.lock() {
                p.insert(target, bytes.clone());
            }
            Html(bytes)
        }
    };
    app.route("/bench/baseline", get(baseline.clone()))
        .route("/bench/baseline/{*path}", get(baseline))
}
