//! A Guildhall router on a real database, SQLite always and PostgreSQL when
//! `TEST_POSTGRES_URL` is set, driven in-process like a browser or an API client would.
#![allow(dead_code)] // each test file uses its own part of this harness

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use guildhall_app::domain::role::Role;
use guildhall_app::server::Settings;
use guildhall_app::server::accounts::{self, NewAccount};
use guildhall_app::server::cache::listen::listen;
use guildhall_app::server::cache::other_processes;
use guildhall_app::server::content::{Catalogue, Content};
use guildhall_app::server::db::{self, Backend};
use guildhall_server::router;
use http_body_util::BodyExt;
use sqlx::{AnyPool, Connection};
use tower::ServiceExt;

pub const PASSWORD: &str = "a long and private phrase";

pub struct TestApp {
    pub router: Router,
    pub pool: AnyPool,
    pub backend: Backend,
    pub settings: Settings,
    pub database_url: String,
    /// The content being served; `replace_content` swaps it as a reload in development does.
    content: Content,
    postgres_db: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

/// Runs `scenario` once per available backend.
pub async fn on_each_backend<F, Fut>(settings: Settings, scenario: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = TestApp>,
{
    let sqlite = TestApp::sqlite(settings.clone()).await;
    scenario(sqlite).await.finish().await;
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(url) => {
            let pg = TestApp::postgres(&url, settings).await;
            scenario(pg).await.finish().await;
        }
        Err(_) if std::env::var_os("GUILDHALL_REQUIRE_POSTGRES").is_some() => {
            panic!("GUILDHALL_REQUIRE_POSTGRES is set but TEST_POSTGRES_URL is not")
        }
        Err(_) => {}
    }
}

/// The longest any test request may take (argon2 in a debug build is the slowest part).
const RESPONSE_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

impl TestApp {
    pub async fn sqlite(settings: Settings) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/guildhall.db", dir.path().display());
        TestApp::open(&url, settings, None, dir).await
    }

    /// A fresh database per test on the given server, dropped again by `finish`.
    pub async fn postgres(admin_url: &str, settings: Settings) -> TestApp {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "guildhall_test_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!("TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {e}")
            });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let (base, _) = admin_url.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        TestApp::open(
            &url,
            settings,
            Some((admin_url.to_owned(), name)),
            tempfile::tempdir().unwrap(),
        )
        .await
    }

    async fn open(
        url: &str,
        settings: Settings,
        postgres_db: Option<(String, String)>,
        dir: tempfile::TempDir,
    ) -> TestApp {
        let (pool, backend) = db::connect(url).await.expect("database opens");
        db::migrate(&pool, backend).await.expect("migrations apply");
        let content = Self::load_content();
        let router = Self::router_with(&pool, backend, &settings, content.clone(), url).await;
        TestApp {
            database_url: url.to_owned(),
            router,
            pool,
            backend,
            settings,
            content,
            postgres_db,
            _dir: dir,
        }
    }

    /// The repository's `content/` folder, which every test app serves.
    pub fn content_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")
    }

    fn load_content() -> Content {
        Content::new(Catalogue::load(&Self::content_dir()).expect("content/ loads"))
    }

    /// Serves `catalogue` from now on, as the server does when the files change.
    pub fn replace_content(&self, catalogue: Catalogue) {
        self.content.replace(catalogue);
    }

    /// The catalogue being served.
    pub fn catalogue(&self) -> std::sync::Arc<Catalogue> {
        self.content.get()
    }

    /// A router as `serve` builds it; on PostgreSQL it hears other instances' changes
    /// before it is used, as a server does once started.
    async fn router_with(
        pool: &AnyPool,
        backend: Backend,
        settings: &Settings,
        content: Content,
        database_url: &str,
    ) -> Router {
        let state = router::app_state(
            pool.clone(),
            backend,
            settings.clone(),
            content,
            "target/site",
        );
        if backend == Backend::Postgres {
            let caches = state.caches.clone();
            tokio::spawn(listen(caches.clone(), database_url.to_owned()));
            for _ in 0..500 {
                if caches.in_sync() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            assert!(caches.in_sync(), "the change channel joins");
        } else {
            // As `serve` does: what the command line changes reaches this memory.
            tokio::spawn(other_processes::follow(state.caches.clone(), pool.clone()));
        }
        router::build(state)
    }

    /// Another instance of the server on the same database, with its own memory.
    pub async fn another_instance(&self) -> Router {
        Self::router_with(
            &self.pool,
            self.backend,
            &self.settings,
            self.content.clone(),
            &self.database_url,
        )
        .await
    }

    /// Builds another router on this app's database each time it is called, from any thread
    /// (as parallel tests and restarts do), without serving with it.
    pub fn router_builder(&self) -> impl Fn() + Send + 'static {
        let (pool, backend, settings, content) = (
            self.pool.clone(),
            self.backend,
            self.settings.clone(),
            self.content.clone(),
        );
        move || {
            let state = router::app_state(
                pool.clone(),
                backend,
                settings.clone(),
                content.clone(),
                "target/site",
            );
            drop(router::build(state));
        }
    }

    /// A client of `router` (another instance) instead of this app's own.
    pub fn client_of<'a>(&'a self, router: &Router) -> Client<'a> {
        Client {
            app: self,
            router: Some(router.clone()),
            cookies: BTreeMap::new(),
            ip: None,
        }
    }

    /// As after a restart of the server: everything in memory is new, the database is not.
    pub async fn restart(&mut self) {
        self.content = Self::load_content();
        self.router = Self::router_with(
            &self.pool,
            self.backend,
            &self.settings,
            self.content.clone(),
            &self.database_url,
        )
        .await;
    }

    pub async fn finish(self) {
        // Closing waits for every connection to come back. One full-suite run (2026-12-04)
        // hung here once on PostgreSQL with three still out, and 30 runs after did not; until
        // that is found, say so and go on: the database is dropped with FORCE below.
        let closing =
            tokio::time::timeout(std::time::Duration::from_secs(20), self.pool.close()).await;
        if closing.is_err() {
            eprintln!(
                "the pool did not close within 20 s: {} connections open, {} idle",
                self.pool.size(),
                self.pool.num_idle()
            );
        }
        if let Some((admin_url, name)) = self.postgres_db {
            let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    }

    pub fn client(&self) -> Client<'_> {
        Client {
            app: self,
            router: None,
            cookies: BTreeMap::new(),
            ip: None,
        }
    }

    /// Creates an account directly (fast) and returns a client signed in to it.
    pub async fn signed_in(&self, name: &str, email: &str, role: Role) -> Client<'_> {
        let account = NewAccount::check(name, email, PASSWORD, "en", role).unwrap();
        accounts::create(&self.pool, account).await.unwrap();
        let mut client = self.client();
        let res = client
            .api("/api/login", &[("email", email), ("password", PASSWORD)])
            .await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "sign-in of {email}: {}",
            res.body
        );
        client
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    /// The body as text (lossy for binary answers such as PDFs: see `bytes`).
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
    pub fn set_cookie(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

/// A cookie-keeping client, like one browser.
pub struct Client<'a> {
    app: &'a TestApp,
    /// Another instance's router, else the app's own.
    router: Option<Router>,
    pub cookies: BTreeMap<String, String>,
    pub ip: Option<SocketAddr>,
}

impl Client<'_> {
    fn attach_cookies(&self, req: &mut Request<Body>) {
        if !self.cookies.is_empty() {
            let jar = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req.headers_mut()
                .insert(header::COOKIE, jar.parse().unwrap());
        }
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> Response {
        self.attach_cookies(&mut req);
        if let Some(ip) = self.ip {
            req.extensions_mut().insert(ConnectInfo(ip));
        }
        let router = self
            .router
            .clone()
            .unwrap_or_else(|| self.app.router.clone());
        let request = format!("{} {}", req.method(), req.uri());
        // A request that never answers fails its test, naming itself, instead of hanging
        // the suite (two full runs on 2026-12-04 hung with no timer left to wake them).
        let answered = tokio::time::timeout(RESPONSE_WITHIN, async {
            let res = router.oneshot(req).await.unwrap();
            let (parts, body) = res.into_parts();
            let bytes = body.collect().await.unwrap().to_bytes().to_vec();
            (parts, bytes)
        })
        .await;
        let Ok((parts, bytes)) = answered else {
            panic!("no whole response to {request} within {RESPONSE_WITHIN:?}");
        };
        for cookie in parts.headers.get_all(header::SET_COOKIE) {
            let cookie = cookie.to_str().unwrap();
            let (pair, attrs) = cookie.split_once(';').unwrap_or((cookie, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Response {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.send(
            Request::get(path)
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = Request::get(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A call as the islands (or any API client) make it.
    pub async fn api(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
            .unwrap();
        self.send(req).await
    }

    /// The same call as `api`, as a future owning all it needs, for `tokio::spawn`: several
    /// of them run truly in parallel. Cookies set by the answer are not kept.
    pub fn api_detached(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> impl std::future::Future<Output = Response> + Send + use<> {
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
            .unwrap();
        self.attach_cookies(&mut req);
        let router = self
            .router
            .clone()
            .unwrap_or_else(|| self.app.router.clone());
        async move {
            let res = router.oneshot(req).await.unwrap();
            let (parts, body) = res.into_parts();
            let bytes = body.collect().await.unwrap().to_bytes().to_vec();
            Response {
                status: parts.status,
                headers: parts.headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
                bytes,
            }
        }
    }

    /// A file sent from one of our pages' forms (`multipart/form-data`, one file field).
    pub async fn upload(&mut self, path: &str, field: &str, file: &[u8]) -> Response {
        let boundary = "guildhall-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"file.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::ACCEPT, "text/html")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header("sec-fetch-site", "same-origin")
            .header(header::HOST, "127.0.0.1:3000")
            // As browsers send it; the body limit refuses a larger one before reading.
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// A plain HTML form submission from one of our pages, as a browser without JavaScript does it.
    pub async fn submit(
        &mut self,
        path: &str,
        from_page: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, format!("http://127.0.0.1:3000{from_page}"))
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header("sec-fetch-site", "same-origin")
            .header(header::HOST, "127.0.0.1:3000")
            .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
            .unwrap();
        self.send(req).await
    }
}

/// Copies a folder tree (content to edit in a test).
#[allow(dead_code)]
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
