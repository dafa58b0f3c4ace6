//! The security baseline: headers, cross-site writes, body limits, no state change by GET,
//! and every server function refusing callers below its role.
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, on_each_backend};
use guildhall_app::domain::role::Role;
use guildhall_app::server::Settings;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    Public,
    Member,
    Moderator,
    Admin,
}

/// Every server function with the least role it requires and a well-formed body, so that
/// only the caller decides the answer. A function missing here fails the test below.
const SERVER_FUNCTIONS: &[(&str, Access, &str)] = &[
    ("/api/register", Access::Public, ""),
    ("/api/login", Access::Public, ""),
    ("/api/logout", Access::Public, ""),
    ("/api/set_language", Access::Public, ""),
    (
        "/api/update_profile",
        Access::Member,
        "name=Mallory&language=en",
    ),
    (
        "/api/change_email",
        Access::Member,
        "email=mallory%40example.com&current_password=whatever1",
    ),
    (
        "/api/change_password",
        Access::Member,
        "current_password=whatever1&password=another-long-one",
    ),
    (
        "/api/training/mark_read",
        Access::Member,
        "module=service-quality&section=why-it-matters&lang=lv",
    ),
    (
        "/api/quiz/start",
        Access::Member,
        "module=service-quality&lang=en",
    ),
    (
        "/api/quiz/save",
        Access::Member,
        "module=service-quality&attempt=1&lang=en",
    ),
    (
        "/api/quiz/submit",
        Access::Member,
        "module=service-quality&attempt=1&lang=en",
    ),
    ("/api/certificates/register", Access::Member, "listed=on"),
    ("/api/forum/accept_code", Access::Member, "version=1"),
    (
        "/api/forum/create_thread",
        Access::Member,
        "category=service-quality&kind=discussion&title=Hi&body=Hello",
    ),
    ("/api/forum/reply", Access::Member, "thread=1&body=Hello"),
    ("/api/forum/edit_post", Access::Member, "post=1&body=Hello"),
    ("/api/forum/delete_post", Access::Member, "post=1"),
    ("/api/forum/endorse", Access::Member, "post=1&on=1"),
    ("/api/forum/reset_feed", Access::Member, ""),
    (
        "/api/forum/flag",
        Access::Member,
        "post=1&clause=clause-6-2&comment=spam",
    ),
    (
        "/api/forum/moderate",
        Access::Moderator,
        "post=1&action=hide&clause=clause-6-2&reason=spam",
    ),
    ("/api/notifications/read", Access::Member, ""),
    ("/api/forum/pin", Access::Moderator, "thread=1&pinned=1"),
    (
        "/api/certificates/issue",
        Access::Admin,
        "programme=service-excellence&members[]=1",
    ),
    (
        "/api/certificates/issue_manual",
        Access::Admin,
        "email=mallory%40example.com&programme=service-excellence&reason=prior",
    ),
    (
        "/api/certificates/revoke",
        Access::Admin,
        "id=1&reason=mistake",
    ),
    (
        "/api/certificates/reissue",
        Access::Admin,
        "id=1&reason=name",
    ),
    ("/api/admin/members", Access::Admin, ""),
    (
        "/api/admin/set_role",
        Access::Admin,
        "user_id=1&role=member",
    ),
];

#[tokio::test]
async fn every_server_function_refuses_callers_below_its_role() {
    let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    for path in &registered {
        assert!(
            SERVER_FUNCTIONS.iter().any(|(p, _, _)| p == path),
            "server function {path} is not in SERVER_FUNCTIONS: add it with the role it requires"
        );
    }
    assert_eq!(
        registered.len(),
        SERVER_FUNCTIONS.len(),
        "a listed function no longer exists"
    );

    on_each_backend(Settings::default(), |app| async move {
        let mut member = app
            .signed_in("Mallory Member", "mallory@example.com", Role::Member)
            .await;
        let mut moderator = app
            .signed_in("Molly Moderator", "molly@example.com", Role::Moderator)
            .await;
        let mut anonymous = app.client();
        for (path, access, body) in SERVER_FUNCTIONS {
            let call = |body: &str| {
                Request::post(*path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body.to_owned()))
                    .unwrap()
            };
            if *access >= Access::Member {
                let res = anonymous.send(call(body)).await;
                assert_eq!(
                    res.status,
                    StatusCode::UNAUTHORIZED,
                    "{path} without a session: {}",
                    res.body
                );
            }
            if *access == Access::Moderator {
                let res = member.send(call(body)).await;
                assert_eq!(
                    res.status,
                    StatusCode::FORBIDDEN,
                    "{path} as member: {}",
                    res.body
                );
            }
            if *access >= Access::Admin {
                for (who, client) in [("member", &mut member), ("moderator", &mut moderator)] {
                    let res = client.send(call(body)).await;
                    assert_eq!(
                        res.status,
                        StatusCode::FORBIDDEN,
                        "{path} as {who}: {}",
                        res.body
                    );
                }
            }
        }
        // Nothing the refused calls asked for happened.
        let roles: Vec<String> = sqlx::query_scalar("SELECT role FROM users ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
        assert_eq!(roles, ["member", "moderator"]);
        app
    })
    .await;
}

/// Every plain axum route beside the server functions: as registered, an address that
/// reaches it, and what a program gets from it without a session and as a plain member (a
/// browser gets the site's page for the same refusals). A route missing here fails the
/// test below.
const PLAIN_ROUTES: &[(&str, &str, u16, u16)] = &[
    ("/healthz", "/healthz", 200, 200),
    (
        "/admin/quizzes/{slug}/attempts.csv",
        "/admin/quizzes/service-excellence/attempts.csv",
        401,
        403,
    ),
    // Someone else's certificate is as absent as a missing one.
    (
        "/certificates/{id}/certificate.pdf",
        "/certificates/1/certificate.pdf",
        401,
        404,
    ),
    // Public: the answer is the verification page (here: no file was sent).
    (
        "/verify/{code}/check",
        "/verify/AAAA-BBBB-CCCC-DDDD/check",
        303,
        303,
    ),
    (
        "/admin/certificates.csv",
        "/admin/certificates.csv",
        401,
        403,
    ),
    // Without GUILDHALL_PUBLIC_PRACTICES_FEED members read the feed at their own address.
    ("/forum/practices.atom", "/forum/practices.atom", 401, 401),
    (
        "/forum/feeds/{token}/practices.atom",
        "/forum/feeds/0123456789abcdef0123456789abcdef0123456789abcdef/practices.atom",
        404,
        404,
    ),
    // Mounted only for load tests (GUILDHALL_BENCH_BASELINE): absent otherwise.
    ("/bench/baseline", "/bench/baseline", 404, 404),
    (
        "/bench/baseline/{*path}",
        "/bench/baseline/training",
        404,
        404,
    ),
];

/// The paths `server/src/router.rs` registers with `.route(`.
fn registered_plain_routes() -> Vec<String> {
    let source = include_str!("../src/router.rs");
    source
        .split("route(")
        .skip(1)
        .filter_map(|rest| {
            let rest = rest.trim_start().strip_prefix('"')?;
            Some(rest[..rest.find('"')?].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn every_plain_route_refuses_callers_below_its_role() {
    let registered = registered_plain_routes();
    for route in &registered {
        assert!(
            PLAIN_ROUTES.iter().any(|(r, ..)| r == route),
            "route {route} is not in PLAIN_ROUTES: add it with what callers get"
        );
    }
    assert_eq!(
        registered.len(),
        PLAIN_ROUTES.len(),
        "a listed route no longer exists"
    );

    on_each_backend(Settings::default(), |app| async move {
        {
            let mut member = app
                .signed_in("Mallory Member", "mallory@example.com", Role::Member)
                .await;
            let mut anonymous = app.client();
            for (route, path, visitor, as_member) in PLAIN_ROUTES {
                let method = if route.ends_with("/check") {
                    "POST"
                } else {
                    "GET"
                };
                let call = || {
                    Request::builder()
                        .method(method)
                        .uri(*path)
                        .header(header::ACCEPT, "*/*")
                        .body(Body::empty())
                        .unwrap()
                };
                let res = anonymous.send(call()).await;
                assert_eq!(
                    res.status.as_u16(),
                    *visitor,
                    "{route} without a session: {}",
                    res.body
                );
                let res = member.send(call()).await;
                assert_eq!(
                    res.status.as_u16(),
                    *as_member,
                    "{route} as a member: {}",
                    res.body
                );
            }
        }
        app
    })
    .await;
}

impl PartialOrd for Access {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        (*self as u8).partial_cmp(&(*other as u8))
    }
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    on_each_backend(Settings::default(), |app| async move {
        let mut browser = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let forged = |headers: &[(&str, &str)]| {
            let mut req = Request::post("/api/update_profile")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, "127.0.0.1:3000");
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.body(Body::from("name=Pwned&language=en")).unwrap()
        };
        let res = browser
            .send(forged(&[("origin", "https://evil.example")]))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = browser
            .send(forged(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://evil.example"),
            ]))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = browser
            .send(forged(&[("sec-fetch-site", "same-site")]))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(!browser.get("/account").await.body.contains("Pwned"));

        let res = browser
            .send(forged(&[("origin", "http://127.0.0.1:3000")]))
            .await;
        assert_eq!(res.status, StatusCode::OK, "the same origin may write");
        app
    })
    .await;
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_protective_headers() {
    let app = TestApp::sqlite(Settings::default()).await;
    let res = app.client().get("/").await;
    assert_eq!(res.status, StatusCode::OK);
    let csp = res.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("nonce in CSP");
    assert!(
        res.body.contains(&format!(r#"nonce="{nonce}""#)),
        "the page's scripts carry the same nonce"
    );
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"));
    assert_eq!(res.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        res.headers[header::REFERRER_POLICY],
        "strict-origin-when-cross-origin"
    );
    assert!(
        res.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
        "no HSTS over plain http"
    );

    // The second copy comes from the page cache: it still gets a nonce of its own.
    let second = app.client().get("/").await;
    let csp2 = second.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    let nonce2 = csp2
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .unwrap();
    assert_ne!(nonce2, nonce, "a fresh nonce per response");
    assert!(second.body.contains(&format!(r#"nonce="{nonce2}""#)) && !second.body.contains(nonce));
    app.finish().await;

    let https = TestApp::sqlite(Settings {
        public_url: "https://members.example.org".into(),
        ..Settings::default()
    })
    .await;
    let res = https.client().get("/").await;
    assert!(
        res.headers[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    https.finish().await;
}

#[tokio::test]
async fn https_deployments_get_secure_host_only_cookies() {
    let app = TestApp::sqlite(Settings {
        public_url: "https://members.example.org".into(),
        ..Settings::default()
    })
    .await;
    let _ = app
        .signed_in("Ana Novak", "ana@example.si", Role::Member)
        .await;
    let mut browser = app.client();
    let res = browser
        .api(
            "/api/login",
            &[("email", "ana@example.si"), ("password", common::PASSWORD)],
        )
        .await;
    let cookie = res
        .set_cookie()
        .into_iter()
        .find(|c| c.starts_with("__Host-guildhall_session="))
        .expect("host-only cookie");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"),
        "{cookie}"
    );
    app.finish().await;
}

#[tokio::test]
async fn oversized_bodies_and_state_changes_by_get_are_refused() {
    let app = TestApp::sqlite(Settings::default()).await;
    let mut browser = app
        .signed_in("Ana Novak", "ana@example.si", Role::Member)
        .await;
    let huge = format!("name={}&language=en", "x".repeat(1024 * 1024));
    let res = browser
        .send(
            Request::post("/api/update_profile")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::CONTENT_LENGTH, huge.len())
                .body(Body::from(huge))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        !browser.get("/account").await.body.contains("xxxxxxxx"),
        "nothing of it was saved"
    );

    let res = browser.get("/api/logout").await;
    assert_ne!(res.status, StatusCode::OK);
    assert_eq!(
        browser.get("/account").await.status,
        StatusCode::OK,
        "a GET did not sign the member out"
    );
    app.finish().await;
}

#[tokio::test]
async fn health_and_not_found() {
    let app = TestApp::sqlite(Settings::default()).await;
    let mut browser = app.client();
    let res = browser.get("/healthz").await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "ok"));
    let res = browser.get("/no/such/page").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.body.contains("<h1>Page not found</h1>"));
    app.pool.close().await;
    assert_eq!(
        browser.get("/healthz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

/// A form body as a crafted client sends it, with the headers a script or a browser adds.
fn raw_form(path: &str, body: impl Into<Body>, browser: bool) -> Request<Body> {
    let mut req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(
            header::ACCEPT,
            if browser {
                "text/html"
            } else {
                "application/json"
            },
        );
    if browser {
        req = req
            .header(
                header::REFERER,
                "http://127.0.0.1:3000/forum/new?kind=discussion",
            )
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header("sec-fetch-site", "same-origin")
            .header(header::HOST, "127.0.0.1:3000");
    }
    req.body(body.into()).unwrap()
}

fn code_of(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    value["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn bad_form_bodies_get_a_clear_4xx_and_store_nothing() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let mut ana = app
                .signed_in("Ana Novak", "ana@example.si", Role::Member)
                .await;
            ana.api("/api/forum/accept_code", &[("version", "1")]).await;
            let thread = "category=service-quality&kind=discussion&body=Fine";

            // NUL and invalid UTF-8 in any field: 400 with the error, nothing stored.
            for title in ["Queue%00s", "Queue%C3%28", "%FF%FE"] {
                let res = ana
                    .send(raw_form(
                        "/api/forum/create_thread",
                        format!("{thread}&title={title}"),
                        false,
                    ))
                    .await;
                assert_eq!(res.status, StatusCode::BAD_REQUEST, "{title}: {}", res.body);
                assert_eq!(code_of(&res.body), "TextInvalid", "{title}");
            }
            let res = ana
                .send(raw_form(
                    "/api/login",
                    "email=ana%00%40example.si&password=x",
                    false,
                ))
                .await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
            let threads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM forum_threads")
                .fetch_one(&app.pool)
                .await
                .unwrap();
            assert_eq!(threads, 0, "nothing stored");

            // A browser without JavaScript goes back to its form, which shows the error.
            let res = ana
                .send(raw_form(
                    "/api/forum/create_thread",
                    format!("{thread}&title=A%00"),
                    true,
                ))
                .await;
            assert_eq!(res.status, StatusCode::FOUND);
            assert!(
                res.location()
                    .starts_with("/forum/new?kind=discussion&__path="),
                "{}",
                res.location()
            );
            let page = ana.get(&res.location().to_owned()).await;
            assert!(
                page.body.contains("data-test=\"form-error\""),
                "{}",
                page.body
            );
            assert!(page.body.contains("cannot be stored"), "{}", page.body);

            // What the server function cannot decode is the caller's mistake: 400, as the body says.
            for body in [
                format!("{thread}&title=One&title=Two"),
                "thread=99999999999999999999&body=x".to_owned(),
                "module=service-quality&attempt=1&answer[][]=1".to_owned(),
            ] {
                let path = if body.starts_with("module=") {
                    "/api/quiz/save"
                } else if body.starts_with("thread=") {
                    "/api/forum/reply"
                } else {
                    "/api/forum/create_thread"
                };
                let res = ana.send(raw_form(path, body.clone(), false)).await;
                assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}: {}", res.body);
                assert_eq!(code_of(&res.body), "BadRequest", "{body}");
            }

            // Too long, with or without a declared length: 413, as the body says.
            let huge = format!("{thread}&title={}", "x".repeat(300 * 1024));
            let chunks = futures_chunks(huge.clone().into_bytes());
            let res = ana
                .send(raw_form(
                    "/api/forum/create_thread",
                    Body::from_stream(chunks),
                    false,
                ))
                .await;
            assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
            assert_eq!(code_of(&res.body), "TooLarge");
            let mut declared = raw_form("/api/forum/create_thread", huge, true);
            declared
                .headers_mut()
                .insert(header::CONTENT_LENGTH, (300 * 1024 + 100).into());
            let res = ana.send(declared).await;
            assert_eq!(
                res.status,
                StatusCode::FOUND,
                "a plain form goes back to its page"
            );
            let page = ana.get(&res.location().to_owned()).await;
            assert!(page.body.contains("too long to accept"), "{}", page.body);
        }
        app
    })
    .await;
}

/// A body sent in 8 KB chunks with no declared length, as a chunked upload arrives.
fn futures_chunks(
    bytes: Vec<u8>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(8 * 1024).map(|c| Ok(c.to_vec())).collect();
    futures::stream::iter(chunks)
}
