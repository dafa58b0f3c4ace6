//! Accounts end to end through the HTTP API, on SQLite and PostgreSQL.
mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{PASSWORD, on_each_backend};
use guildhall_app::domain::role::Role;
use guildhall_app::server::Settings;

const NAME: &str = "Jiří Dvořák";

#[tokio::test]
async fn a_member_registers_signs_in_and_out_and_the_session_ends_on_the_server() {
    on_each_backend(Settings::default(), |app| async move {
        let mut browser = app.client();
        let res = browser
            .api(
                "/api/register",
                &[
                    ("name", NAME),
                    ("email", "Jiri@Example.CZ"),
                    ("password", PASSWORD),
                    ("language", "cs"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.location(), "/account");
        let cookie = res.set_cookie().join("\n");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(
            !cookie.contains("Secure"),
            "plain-http deployments cannot use Secure cookies"
        );

        let account = browser.get("/account").await;
        assert_eq!(account.status, StatusCode::OK);
        assert!(
            account.body.contains(NAME),
            "the account page shows the name exactly"
        );
        assert!(
            account.body.contains("jiri@example.cz"),
            "emails are stored lower-cased"
        );
        assert!(
            account.body.contains(r#"<html lang="cs""#),
            "the member's language wins"
        );

        let stolen = browser.cookies.clone();
        let res = browser.api("/api/logout", &[]).await;
        assert_eq!(res.status, StatusCode::OK);
        let after = browser.get("/account").await;
        assert_eq!(after.status, StatusCode::FOUND);
        assert_eq!(after.location(), "/login?next=/account");

        // The old cookie is worthless: the session is gone from the store, not just the browser.
        let mut replay = app.client();
        replay.cookies = stolen;
        assert_eq!(replay.get("/account").await.status, StatusCode::FOUND);

        let mut again = app.client();
        let res = again
            .api(
                "/api/login",
                &[("email", "jiri@example.cz"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(again.get("/account").await.body.contains(NAME));
        app
    })
    .await;
}

#[tokio::test]
async fn registration_refuses_bad_input_with_a_reason_per_field() {
    on_each_backend(Settings::default(), |app| async move {
        let mut browser = app.client();
        let cases = [
            (("", "a@example.com", PASSWORD), "NameRequired", "name"),
            ((NAME, "not-an-email", PASSWORD), "EmailInvalid", "email"),
            (
                (NAME, "a@example.com", "short"),
                "PasswordTooShort",
                "password",
            ),
            (
                (NAME, "a@example.com", &"x".repeat(129) as &str),
                "PasswordTooLong",
                "password",
            ),
            (
                (NAME, "a@example.com", "password1"),
                "PasswordCommon",
                "password",
            ),
        ];
        for ((name, email, password), code, field) in cases {
            let res = browser
                .api(
                    "/api/register",
                    &[
                        ("name", name),
                        ("email", email),
                        ("password", password),
                        ("language", "en"),
                    ],
                )
                .await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{code}: {}",
                res.body
            );
            let err: serde_json::Value = serde_json::from_str(&res.body).unwrap();
            assert_eq!(err["code"], code);
            assert_eq!(err["field"], field);
            assert!(!err["message"].as_str().unwrap().is_empty());
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(count, 0, "nothing half-made");
        app
    })
    .await;
}

/// Names are refused at registration, with the true reason, in a script the certificate
/// fonts do not cover; names in the scripts they do cover register (issue 17, item 2).
#[tokio::test]
async fn a_name_no_certificate_can_print_is_refused_at_registration_and_on_change() {
    on_each_backend(Settings::default(), |app| async move {
        let mut browser = app.client();
        let register = |name: &'static str, email: &'static str| {
            [
                ("name", name),
                ("email", email),
                ("password", PASSWORD),
                ("language", "en"),
            ]
        };
        for (name, email) in [
            ("山田 太郎", "taro@example.jp"),
            ("Somchai สมชาย", "somchai@example.th"),
        ] {
            let res = browser.api("/api/register", &register(name, email)).await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {}",
                res.body
            );
            let err: serde_json::Value = serde_json::from_str(&res.body).unwrap();
            assert_eq!(err["code"], "NameNotPrintable", "{name}");
            assert_eq!(err["field"], "name");
            assert!(err["message"].as_str().unwrap().contains("Arabic, Hebrew"));
        }
        for (name, email) in [
            ("فاطمة الزهراء", "fatima@example.org"),
            ("יעל כהן", "yael@example.org"),
            ("अर्जुन शर्मा", "arjun@example.org"),
        ] {
            let res = app
                .client()
                .api("/api/register", &register(name, email))
                .await;
            assert_eq!(res.status, StatusCode::OK, "{name}: {}", res.body);
        }

        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let res = member
            .api(
                "/api/update_profile",
                &[("name", "Ana 山田"), ("language", "sl")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("NameNotPrintable"), "{}", res.body);
        let stored: String =
            sqlx::query_scalar("SELECT display_name FROM users WHERE email = 'ana@example.si'")
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(stored, "Ana Novak");
        app
    })
    .await;
}

#[tokio::test]
async fn an_email_registers_once_whatever_its_case() {
    on_each_backend(Settings::default(), |app| async move {
        let mut browser = app.client();
        let fields = |email| {
            [
                ("name", NAME),
                ("email", email),
                ("password", PASSWORD),
                ("language", "en"),
            ]
        };
        assert_eq!(
            browser
                .api("/api/register", &fields("ana@example.si"))
                .await
                .status,
            StatusCode::OK
        );
        let mut other = app.client();
        let res = other.api("/api/register", &fields("ANA@example.si")).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("EmailUnavailable"));
        app
    })
    .await;
}

#[tokio::test]
async fn failed_sign_ins_look_the_same_for_known_and_unknown_emails() {
    on_each_backend(Settings::default(), |app| async move {
        let _ = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let mut browser = app.client();
        let wrong_password = browser
            .api(
                "/api/login",
                &[
                    ("email", "ana@example.si"),
                    ("password", "not her password"),
                ],
            )
            .await;
        let unknown = browser
            .api(
                "/api/login",
                &[
                    ("email", "nobody@example.si"),
                    ("password", "not her password"),
                ],
            )
            .await;
        assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong_password.status, unknown.status);
        assert_eq!(wrong_password.body, unknown.body);
        app
    })
    .await;
}

#[tokio::test]
async fn sign_in_is_limited_per_account_and_per_address() {
    let settings = Settings {
        login_attempts_per_account: 3,
        login_attempts_per_ip: 5,
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        let _ = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let mut attacker = app.client();
        attacker.ip = Some("203.0.113.7:5000".parse().unwrap());
        for _ in 0..3 {
            let res = attacker
                .api(
                    "/api/login",
                    &[("email", "ana@example.si"), ("password", "guess guess")],
                )
                .await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        }
        // Now even the right password is refused for a while, and the answer does not say
        // whether the account exists.
        let res = attacker
            .api(
                "/api/login",
                &[("email", "ana@example.si"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);

        // Per address: other accounts from the same address run out too (four attempts
        // have failed from it so far, the refused one included).
        for i in 0..1 {
            let email = format!("other{i}@example.si");
            let res = attacker
                .api(
                    "/api/login",
                    &[("email", &email), ("password", "guess guess")],
                )
                .await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        }
        let res = attacker
            .api(
                "/api/login",
                &[("email", "fresh@example.si"), ("password", "guess guess")],
            )
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
        app
    })
    .await;
}

#[tokio::test]
async fn correct_sign_ins_never_use_up_the_limits_and_clear_an_accounts_failures() {
    let settings = Settings {
        login_attempts_per_account: 3,
        login_attempts_per_ip: 5,
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        let _ = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let _ = app
            .signed_in("Ivan Horvat", "ivan@example.si", Role::Member)
            .await;
        // One office behind one address: more correct sign-ins than either limit allows.
        let sign_in = |email: &'static str, password: &'static str| {
            let mut browser = app.client();
            browser.ip = Some("198.51.100.20:4000".parse().unwrap());
            async move {
                browser
                    .api("/api/login", &[("email", email), ("password", password)])
                    .await
                    .status
            }
        };
        for _ in 0..4 {
            assert_eq!(sign_in("ana@example.si", PASSWORD).await, StatusCode::OK);
            assert_eq!(sign_in("ivan@example.si", PASSWORD).await, StatusCode::OK);
        }
        // Two failures, then a success that clears them: two more failures are allowed.
        for _ in 0..2 {
            assert_eq!(
                sign_in("ana@example.si", "not it").await,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(sign_in("ana@example.si", PASSWORD).await, StatusCode::OK);
        for _ in 0..2 {
            assert_eq!(
                sign_in("ana@example.si", "not it").await,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(sign_in("ana@example.si", PASSWORD).await, StatusCode::OK);
        // The address has now failed 4 times of its 5: one more failure, and it is refused.
        assert_eq!(
            sign_in("ivan@example.si", "not it").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            sign_in("ivan@example.si", PASSWORD).await,
            StatusCode::TOO_MANY_REQUESTS
        );
        app
    })
    .await;
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    let settings = Settings {
        registrations_per_ip_hour: 2,
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        let register = |email: &'static str| {
            [
                ("name", NAME),
                ("email", email),
                ("password", PASSWORD),
                ("language", "en"),
            ]
        };
        let from = |ip: &str| {
            let mut client = app.client();
            client.ip = Some(ip.parse().unwrap());
            client
        };
        for email in ["one@example.si", "two@example.si"] {
            let res = from("203.0.113.7:5000")
                .api("/api/register", &register(email))
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        }
        let res = from("203.0.113.7:5001")
            .api("/api/register", &register("three@example.si"))
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
        // Another address is not held back.
        let res = from("198.51.100.4:5000")
            .api("/api/register", &register("four@example.si"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(made, 3, "the refused registration made no account");
        app
    })
    .await;
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    on_each_backend(Settings::default(), |app| async move {
        let _ = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let mut browser = app.client();
        // A refused plain form post stores the typed input, which starts an anonymous session.
        let res = browser
            .submit(
                "/api/login",
                "/login",
                &[("email", "ana@example.si"), ("password", "wrong one!")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FOUND);
        let before = browser
            .cookies
            .get("guildhall_session")
            .cloned()
            .expect("anonymous session");
        browser
            .submit(
                "/api/login",
                "/login",
                &[("email", "ana@example.si"), ("password", PASSWORD)],
            )
            .await;
        let after = browser.cookies.get("guildhall_session").cloned().unwrap();
        assert_ne!(
            before, after,
            "a planted session id must not survive sign-in"
        );
        let mut planted = app.client();
        planted.cookies.insert("guildhall_session".into(), before);
        assert_eq!(planted.get("/account").await.status, StatusCode::FOUND);
        app
    })
    .await;
}

#[tokio::test]
async fn a_session_ends_at_the_absolute_timeout_however_active() {
    let settings = Settings {
        session_absolute: Duration::from_secs(1),
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        let mut browser = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        assert_eq!(browser.get("/account").await.status, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(browser.get("/account").await.status, StatusCode::FOUND);
        app
    })
    .await;
}

#[tokio::test]
async fn a_password_change_signs_out_every_other_session() {
    on_each_backend(Settings::default(), |app| async move {
        let mut phone = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let mut laptop = app.client();
        laptop
            .api(
                "/api/login",
                &[("email", "ana@example.si"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(laptop.get("/account").await.status, StatusCode::OK);

        let res = phone
            .api(
                "/api/change_password",
                &[
                    ("current_password", "wrong"),
                    ("password", "brand new phrase 2026"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("WrongPassword"));

        let res = phone
            .api(
                "/api/change_password",
                &[
                    ("current_password", PASSWORD),
                    ("password", "brand new phrase 2026"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            phone.get("/account").await.status,
            StatusCode::OK,
            "this device stays signed in"
        );
        assert_eq!(
            laptop.get("/account").await.status,
            StatusCode::FOUND,
            "others are signed out"
        );

        let mut fresh = app.client();
        let res = fresh
            .api(
                "/api/login",
                &[
                    ("email", "ana@example.si"),
                    ("password", "brand new phrase 2026"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        app
    })
    .await;
}

#[tokio::test]
async fn members_change_their_name_language_and_email() {
    on_each_backend(Settings::default(), |app| async move {
        let mut browser = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let res = browser
            .api(
                "/api/update_profile",
                &[("name", "Ana  Novák-Žagar"), ("language", "sl")],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let page = browser.get("/account").await.body;
        assert!(page.contains("Ana Novák-Žagar"));
        assert!(page.contains(r#"<html lang="sl""#));

        let res = browser
            .api(
                "/api/change_email",
                &[("email", "ana@zagar.si"), ("current_password", "nope nope")],
            )
            .await;
        assert!(res.body.contains("WrongPassword"));
        let res = browser
            .api(
                "/api/change_email",
                &[("email", "ana@zagar.si"), ("current_password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(browser.get("/account").await.body.contains("ana@zagar.si"));
        app
    })
    .await;
}

#[tokio::test]
async fn without_javascript_a_refused_form_comes_back_with_the_input_and_the_reason() {
    on_each_backend(Settings::default(), |app| async move {
        let mut browser = app.client();
        let fields = [
            ("name", NAME),
            ("email", "jiri@example.cz"),
            ("password", "short"),
            ("language", "lv"),
        ];
        let res = browser.submit("/api/register", "/register", &fields).await;
        assert_eq!(res.status, StatusCode::FOUND);
        assert!(
            res.location()
                .starts_with("http://127.0.0.1:3000/register?"),
            "{}",
            res.location()
        );
        assert!(res.location().contains("__err="));

        let page = browser
            .get(res.location().trim_start_matches("http://127.0.0.1:3000"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(&format!(r#"value="{NAME}""#)),
            "name kept"
        );
        assert!(
            page.body.contains(r#"value="jiri@example.cz""#),
            "email kept"
        );
        assert!(
            !page.body.contains(r#"value="short""#),
            "passwords are never echoed"
        );
        assert!(
            page.body.contains("role=\"alert\""),
            "the reason is announced"
        );
        assert!(page.body.contains(r#"aria-invalid="true""#));

        let fields = [
            ("name", NAME),
            ("email", "jiri@example.cz"),
            ("password", PASSWORD),
            ("language", "lv"),
        ];
        let res = browser.submit("/api/register", "/register", &fields).await;
        assert_eq!(res.status, StatusCode::FOUND);
        assert_eq!(res.location(), "/account");
        let page = browser.get("/account").await;
        assert!(page.body.contains(r#"<html lang="lv""#));
        app
    })
    .await;
}

#[tokio::test]
async fn language_follows_preference_then_choice_then_browser() {
    on_each_backend(Settings::default(), |app| async move {
        let mut visitor = app.client();
        let page = visitor
            .get_with("/", &[("accept-language", "pl-PL,pl;q=0.9,en;q=0.8")])
            .await;
        assert!(page.body.contains(r#"<html lang="pl""#));

        let res = visitor
            .submit("/api/set_language", "/", &[("language", "lv")])
            .await;
        assert_eq!(res.status, StatusCode::FOUND);
        assert!(
            res.set_cookie()
                .iter()
                .any(|c| c.starts_with("guildhall_lang=lv"))
        );
        let page = visitor.get_with("/", &[("accept-language", "pl")]).await;
        assert!(
            page.body.contains(r#"<html lang="lv""#),
            "an explicit choice beats the browser"
        );

        let res = visitor
            .submit("/api/set_language", "/", &[("language", "xx")])
            .await;
        assert_eq!(
            res.status,
            StatusCode::FOUND,
            "refusals of plain posts still go back to the page"
        );
        assert!(res.location().contains("__err="));

        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        member.cookies.insert("guildhall_lang".into(), "cs".into());
        let page = member.get("/").await;
        assert!(
            page.body.contains(r#"<html lang="en""#),
            "the member's preference beats the cookie"
        );
        member
            .submit("/api/set_language", "/", &[("language", "sl")])
            .await;
        member.cookies.remove("guildhall_lang");
        assert!(
            member.get("/").await.body.contains(r#"<html lang="sl""#),
            "switching saves the preference"
        );
        app
    })
    .await;
}

#[tokio::test]
async fn the_last_administrator_cannot_be_demoted() {
    on_each_backend(Settings::default(), |app| async move {
        let mut admin = app
            .signed_in("Ada Admin", "ada@example.org", Role::Admin)
            .await;
        let _ = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let members = admin.api("/api/admin/members", &[]).await;
        assert_eq!(members.status, StatusCode::OK);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&members.body).unwrap();
        let id_of = |email: &str| {
            rows.iter().find(|r| r["user"]["email"] == email).unwrap()["user"]["id"]
                .as_i64()
                .unwrap()
        };
        let (ada, ana) = (
            id_of("ada@example.org").to_string(),
            id_of("ana@example.si").to_string(),
        );

        let res = admin
            .api(
                "/api/admin/set_role",
                &[("user_id", &ada), ("role", "member")],
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.body.contains("LastAdmin"));
        let res = admin
            .api(
                "/api/admin/set_role",
                &[("user_id", &ana), ("role", "moderator")],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let page = admin.get("/admin").await;
        assert!(page.body.contains("Ana Novak"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_refused_profile_change_shows_what_was_typed_not_what_is_stored() {
    on_each_backend(Settings::default(), |app| async move {
        let mut browser = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let too_long = "Ž".repeat(121);
        let res = browser
            .submit(
                "/api/update_profile",
                "/account",
                &[("name", &too_long), ("language", "sl")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FOUND);
        let page = browser
            .get(res.location().trim_start_matches("http://127.0.0.1:3000"))
            .await;
        assert!(
            page.body.contains(&format!(r#"value="{too_long}""#)),
            "typed name kept"
        );
        assert!(page.body.contains("120"), "the reason names the limit");
        let stored: String = sqlx::query_scalar("SELECT display_name FROM users")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(stored, "Ana Novak", "nothing was saved");
        app
    })
    .await;
}

/// Leptos stops every resource in the process from loading while it walks the routes of a
/// router being built, and a resource first polled in that window never loads: pages that
/// read one (like `/account`, for its forms' kept input) then never answered. Routers are
/// built all the time in a test process, so this test builds them on more threads than the
/// machine has cores (a busy machine stretches the window) while a member loads `/account`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_with_resources_answers_while_other_routers_are_built() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    let app = common::TestApp::sqlite(Settings::default()).await;
    let mut member = app
        .signed_in("Ana Novak", "ana@example.si", Role::Member)
        .await;
    let (stop, built) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU32::new(0)),
    );
    let builders: Vec<_> = (0..4)
        .map(|_| {
            let (build, stop, built) = (app.router_builder(), stop.clone(), built.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    build();
                    built.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for _ in 0..200 {
        let page = member.get("/account").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Ana Novak"));
    }
    stop.store(true, Ordering::Relaxed);
    builders.into_iter().for_each(|b| b.join().unwrap());
    assert!(
        built.load(Ordering::Relaxed) > 0,
        "routers were built meanwhile"
    );
    app.finish().await;
}

/// Every id once, so every label names its own field (the email and password forms both ask
/// for the current password).
#[tokio::test]
async fn the_account_page_has_each_id_once_and_every_label_a_field() {
    let app = common::TestApp::sqlite(Settings::default()).await;
    let mut member = app
        .signed_in("Ana Novak", "ana@example.si", Role::Member)
        .await;
    let page = member.get("/account").await.body;
    let values = |attribute: &str| -> Vec<String> {
        page.split(&format!(" {attribute}=\""))
            .skip(1)
            .filter_map(|rest| rest.split('"').next().map(str::to_owned))
            .collect()
    };
    let ids = values("id");
    let mut seen = std::collections::HashSet::new();
    let repeated: Vec<_> = ids.iter().filter(|id| !seen.insert(*id)).collect();
    assert!(repeated.is_empty(), "ids used twice: {repeated:?}");
    let labels = values("for");
    assert!(labels.len() >= 5, "{labels:?}");
    for target in labels {
        assert!(
            ids.contains(&target),
            "a label for {target}, which is not there"
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn addresses_of_one_ipv6_64_share_their_limits() {
    let settings = Settings {
        login_attempts_per_account: 100,
        login_attempts_per_ip: 2,
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        let from = |ip: &str| {
            let mut client = app.client();
            client.ip = Some(ip.parse().unwrap());
            client
        };
        let guess = [("email", "nobody@example.si"), ("password", "guess guess")];
        for ip in ["[2001:db8:1:2::1]:5000", "[2001:db8:1:2::2]:5000"] {
            let res = from(ip).api("/api/login", &guess).await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{ip}");
        }
        let res = from("[2001:db8:1:2:ffff::3]:5000")
            .api("/api/login", &guess)
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "same /64");
        let res = from("[2001:db8:1:3::1]:5000")
            .api("/api/login", &guess)
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "another /64");
        app
    })
    .await;
}

#[tokio::test]
async fn a_member_cannot_guess_their_current_password_forever() {
    on_each_backend(Settings::default(), |app| async move {
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let change = |current: &'static str| {
            [
                ("current_password", current),
                ("password", "an entirely new phrase"),
            ]
        };
        for _ in 0..10 {
            let res = member
                .api("/api/change_password", &change("not my password"))
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        }
        let res = member.api("/api/change_password", &change(PASSWORD)).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
        let res = member
            .api(
                "/api/change_email",
                &[("email", "new@example.si"), ("current_password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "the same budget");
        app
    })
    .await;
}

#[tokio::test]
async fn a_form_error_shows_once_and_never_from_a_crafted_address() {
    use base64::Engine as _;
    on_each_backend(Settings::default(), |app| async move {
        {
            let mut browser = app.client();
            // A link someone made up shows the plain page, whatever it claims.
            let crafted = r#"{"code":"InvalidCredentials","field":null,"message":"Your account is closed: call +1 555 0100"}"#;
            let err = base64::engine::general_purpose::URL_SAFE.encode(crafted);
            let page = browser
                .get(&format!("/login?__path=/api/login&__err={err}"))
                .await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(!page.body.contains("data-test=\"form-error\""), "{}", page.body);
            assert!(!page.body.contains("555 0100"));

            // A real refusal shows on the page it returns to, in the words of its code…
            let refused = browser
                .submit(
                    "/api/login",
                    "/login",
                    &[("email", "nobody@example.org"), ("password", "not the password")],
                )
                .await;
            assert_eq!(refused.status, StatusCode::FOUND);
            let back = refused.location().to_owned();
            let page = browser.get(&back).await;
            assert!(page.body.contains("data-test=\"form-error\""), "{}", page.body);
            let expected = guildhall_app::domain::error::ErrorCode::InvalidCredentials
                .message(guildhall_app::i18n::Locale::en);
            assert!(page.body.contains(expected), "{}", page.body);
            // …once: reloading the same address shows the plain form.
            let again = browser.get(&back).await;
            assert!(!again.body.contains("data-test=\"form-error\""), "{}", again.body);
        }
        app
    })
    .await;
}
