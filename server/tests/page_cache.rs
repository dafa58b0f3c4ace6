//! Pages served from memory: each member sees only their own parts of a shared page, and a
//! change shows at once, on this instance and (PostgreSQL) on another one on the same
//! database. SQLite is served by one instance: it has no channel to hear another's changes.
mod common;

use axum::http::StatusCode;
use common::{TestApp, on_each_backend};
use guildhall_app::domain::role::Role;
use guildhall_app::server::Settings;
use guildhall_app::server::cache::template::nonce_mark;
use guildhall_app::server::db::Backend;
use sqlx::Row;

const MODULE: &str = "/training/service-quality?lang=en";

async fn mark_read(client: &mut common::Client<'_>, section: &str) {
    let res = client
        .api(
            "/api/training/mark_read",
            &[
                ("module", "service-quality"),
                ("section", section),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

fn read_marks(page: &str) -> usize {
    page.matches("class=\"read-mark\"").count()
}

#[tokio::test]
async fn members_share_a_module_page_but_see_only_their_own_parts() {
    on_each_backend(Settings::default(), |app| async move {
        let mut ona = app
            .signed_in("Ona Šimková", "ona@example.sk", Role::Member)
            .await;
        let mut jan = app
            .signed_in("Jan Novák", "jan@example.cz", Role::Member)
            .await;
        mark_read(&mut ona, "what-is-service-quality").await;

        let first = ona.get(MODULE).await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(first.body.contains("Ona Šimková"));
        // A section read shows twice: in the contents and under the section.
        assert_eq!(read_marks(&first.body), 2, "{}", first.body);

        let theirs = jan.get(MODULE).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert_eq!(hit(&first), None, "the first view renders");
        assert_eq!(
            hit(&theirs),
            Some("hit"),
            "Jan is served the page Ona's view rendered"
        );
        assert!(theirs.body.contains("Jan Novák"), "{}", theirs.body);
        for other in ["Ona", "ona@example.sk"] {
            assert!(
                !theirs.body.contains(other),
                "{other} leaked into another member's page"
            );
        }
        assert_eq!(read_marks(&theirs.body), 0);
        for marker in ["<gh-", "guildhall-nonce-mark"] {
            assert!(
                !theirs.body.contains(marker),
                "{marker} is left: {}",
                theirs.body
            );
        }

        // Jan's progress shows on his next view; Ona's stays hers.
        mark_read(&mut jan, "why-it-matters").await;
        mark_read(&mut jan, "what-is-service-quality").await;
        let theirs = jan.get(MODULE).await;
        assert_eq!(read_marks(&theirs.body), 4);
        let again = ona.get(MODULE).await;
        assert_eq!(read_marks(&again.body), 2);
        assert_eq!(
            again.body,
            first.body.replace(nonce(&first.body), nonce(&again.body))
        );

        // Every response carries its own CSP nonce, also when served from memory.
        let (a, b) = (ona.get(MODULE).await, ona.get(MODULE).await);
        assert_ne!(nonce(&a.body), nonce(&b.body));
        let csp = b.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains(&format!("'nonce-{}'", nonce(&b.body))),
            "{csp}"
        );

        // A new name shows at once in the header.
        let saved = jan
            .api(
                "/api/update_profile",
                &[("name", "Jan Dvořák"), ("language", "en")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK);
        assert!(jan.get(MODULE).await.body.contains("Jan Dvořák"));

        // Signed out, the same cookie no longer opens the page.
        let cookies = ona.cookies.clone();
        ona.api("/api/logout", &[]).await;
        let mut replay = app.client();
        replay.cookies = cookies;
        let res = replay.get(MODULE).await;
        assert_eq!(res.status, StatusCode::FOUND, "{}", res.body);
        app
    })
    .await;
}

async fn post_to(member: &mut common::Client<'_>, path: &str, fields: &[(&str, &str)]) -> String {
    let res = member.api(path, fields).await;
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
    res.body
}

/// A member signed in who has accepted the code of conduct, so may post.
async fn in_forum<'a>(app: &'a TestApp, name: &str, email: &str, role: Role) -> common::Client<'a> {
    let mut member = app.signed_in(name, email, role).await;
    post_to(&mut member, "/api/forum/accept_code", &[("version", "1")]).await;
    member
}

/// A discussion thread started by `member`; its id.
async fn open_thread(member: &mut common::Client<'_>) -> String {
    let fields = [
        ("category", "service-quality"),
        ("kind", "discussion"),
        ("title", "Greeting within a minute"),
        ("body", "We greet every guest within sixty seconds."),
    ];
    post_to(member, "/api/forum/create_thread", &fields).await
}

fn edit_links(page: &str) -> usize {
    page.matches("/edit\"").count()
}

#[tokio::test]
async fn members_share_a_thread_page_but_each_acts_as_themselves() {
    on_each_backend(Settings::default(), |app| async move {
        let mut ana = in_forum(&app, "Ana Kranjc", "ana@example.si", Role::Member).await;
        let mut bo = in_forum(&app, "Bo Lapiņš", "bo@example.lv", Role::Member).await;
        let mut cy = app
            .signed_in("Cy Nowak", "cy@example.pl", Role::Member)
            .await;
        let mut mo = in_forum(&app, "Mo Horvat", "mo@example.si", Role::Moderator).await;
        let thread: i64 = open_thread(&mut ana).await.parse().unwrap();
        let thread_s = thread.to_string();
        let reply_fields = [
            ("thread", thread_s.as_str()),
            ("body", "Bo's reply: a smile first."),
        ];
        let bo_reply: i64 = post_to(&mut bo, "/api/forum/reply", &reply_fields)
            .await
            .parse()
            .unwrap();
        let opening: i64 =
            sqlx::query_scalar("SELECT MIN(id) FROM forum_posts WHERE thread_id = $1")
                .bind(thread)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        let path = format!("/forum/t/{thread}");

        let first = ana.get(&path).await;
        assert_eq!((first.status, hit(&first)), (StatusCode::OK, None));
        assert!(first.body.contains(&format!("/forum/p/{opening}/edit\"")));
        assert_eq!(edit_links(&first.body), 1, "Ana edits her post only");
        assert_eq!(first.body.matches("data-test=\"endorse\"").count(), 1);
        assert!(first.body.contains("data-test=\"reply-form\""));

        let theirs = bo.get(&path).await;
        assert_eq!(
            hit(&theirs),
            Some("hit"),
            "Bo gets the page Ana's view rendered"
        );
        assert!(theirs.body.contains(&format!("/forum/p/{bo_reply}/edit\"")));
        assert_eq!(edit_links(&theirs.body), 1, "Bo edits his reply only");
        assert!(theirs.body.contains("Bo Lapiņš") && !theirs.body.contains("ana@example.si"));
        for marker in ["<gh-", "guildhall-nonce-mark"] {
            assert!(
                !theirs.body.contains(marker),
                "{marker} is left: {}",
                theirs.body
            );
        }

        // Cy has not accepted the code: no reply form, nothing to endorse or edit.
        let cys = cy.get(&path).await;
        assert_eq!(hit(&cys), Some("hit"));
        assert!(cys.body.contains("data-test=\"accept-first\""));
        assert!(!cys.body.contains("data-test=\"reply-form\""));
        assert_eq!(cys.body.matches("data-test=\"endorse\"").count(), 0);
        assert_eq!(edit_links(&cys.body), 0);

        // Bo's endorsement: he can take it back, Ana still only endorses.
        let opening_s = opening.to_string();
        post_to(
            &mut bo,
            "/api/forum/endorse",
            &[("post", &opening_s), ("on", "1")],
        )
        .await;
        let theirs = bo.get(&path).await;
        assert!(
            theirs.body.contains("aria-pressed=\"true\""),
            "{}",
            theirs.body
        );
        let again = ana.get(&path).await;
        assert_eq!(hit(&again), Some("hit"), "rendered again once, for Bo");
        assert!(!again.body.contains("aria-pressed=\"true\""));

        // Hidden by a moderator: Ana and Cy see why, only Bo and moderators read it.
        let bo_reply_s = bo_reply.to_string();
        let hide = [
            ("post", bo_reply_s.as_str()),
            ("action", "hide"),
            ("clause", "clause-6-2"),
            ("reason", "Off topic"),
        ];
        post_to(&mut mo, "/api/forum/moderate", &hide).await;
        let moderators = mo.get(&path).await;
        assert!(moderators.body.contains("a smile first"));
        assert!(moderators.body.contains("data-test=\"moderator-tools\""));
        for (reader, member) in [("Ana", &mut ana), ("Cy", &mut cy)] {
            let page = member.get(&path).await;
            assert!(
                !page.body.contains("a smile first"),
                "{reader} reads a hidden post"
            );
            assert!(page.body.contains("data-test=\"post-hidden\""));
            assert!(!page.body.contains("data-test=\"moderator-tools\""));
        }
        let bos = bo.get(&path).await;
        assert_eq!(hit(&bos), Some("hit"));
        assert!(
            bos.body.contains("a smile first") && bos.body.contains("data-test=\"hidden-note\"")
        );
        assert_eq!(edit_links(&bos.body), 1);

        // Pages of a thread are kept apart; a query the page is not kept for still renders.
        assert_eq!(hit(&ana.get(&format!("{path}?page=1")).await), None);
        assert_eq!(hit(&ana.get(&format!("{path}?page=1")).await), Some("hit"));
        assert_eq!(hit(&ana.get(&format!("{path}?flagged=1")).await), None);
        assert_eq!(hit(&ana.get(&format!("{path}?flagged=1")).await), None);
        app
    })
    .await;
}

#[tokio::test]
async fn a_search_is_kept_until_the_forum_changes() {
    on_each_backend(Settings::default(), |app| async move {
        let mut ana = app
            .signed_in("Ana Kranjc", "ana@example.si", Role::Member)
            .await;
        let mut bo = app
            .signed_in("Bo Lapiņš", "bo@example.lv", Role::Member)
            .await;
        post_to(&mut ana, "/api/forum/accept_code", &[("version", "1")]).await;
        let fields = [
            ("category", "service-quality"),
            ("kind", "discussion"),
            ("title", "Queues at the counter"),
            ("body", "Nobody should wait longer than five minutes."),
        ];
        post_to(&mut ana, "/api/forum/create_thread", &fields).await;
        let search = "/forum/search?q=counter";
        assert_eq!(hit(&ana.get(search).await), None);
        let bos = bo.get(search).await;
        assert_eq!(hit(&bos), Some("hit"));
        assert_eq!(bos.body.matches("class=\"search-hit\"").count(), 1);
        assert!(
            bos.body.contains("Bo Lapiņš") && !bos.body.contains("Ana Kranjc"),
            "{}",
            bos.body
        );

        let fields = [
            ("category", "service-quality"),
            ("kind", "discussion"),
            ("title", "Counter staff rotas"),
            ("body", "Two people at the counter at lunch."),
        ];
        post_to(&mut ana, "/api/forum/create_thread", &fields).await;
        let bos = bo.get(search).await;
        assert_eq!(
            hit(&bos),
            None,
            "the new thread makes the kept search stale"
        );
        assert_eq!(bos.body.matches("class=\"search-hit\"").count(), 2);
        app
    })
    .await;
}

#[tokio::test]
async fn member_text_is_never_taken_for_the_nonce_mark() {
    on_each_backend(Settings::default(), |app| async move {
        let mut ana = in_forum(&app, "Ana Kranjc", "ana@example.si", Role::Member).await;
        let mut bo = in_forum(&app, "Bo Lapiņš", "bo@example.lv", Role::Member).await;
        let thread = open_thread(&mut ana).await;
        // What the mark was before it became random: a member could write it.
        let written = "guildhall-nonce-mark";
        let fields = [("thread", thread.as_str()), ("body", written)];
        post_to(&mut ana, "/api/forum/reply", &fields).await;
        let path = format!("/forum/t/{thread}");
        let _ = bo.get(&path).await;
        let kept = bo.get(&path).await;
        assert_eq!(hit(&kept), Some("hit"), "served from memory");
        assert!(kept.body.contains(written), "the reply reads as written");
        assert!(
            !kept.body.contains(nonce_mark()),
            "the mark never reaches a page"
        );
        app
    })
    .await;
}

fn hit(res: &common::Response) -> Option<&str> {
    res.headers.get("x-cache").and_then(|v| v.to_str().ok())
}

fn nonce(page: &str) -> &str {
    let at = page
        .find("nonce=\"")
        .expect("the page has a script with a nonce")
        + 7;
    let end = page[at..].find('"').unwrap();
    &page[at..at + end]
}

/// Issues a certificate to a new member by hand and returns its code as printed.
async fn issued(app: &TestApp, admin: &mut common::Client<'_>, email: &str) -> (i64, String) {
    let account = guildhall_app::server::accounts::NewAccount::check(
        "Łucja Żółkiewska-Świątek",
        email,
        common::PASSWORD,
        "pl",
        Role::Member,
    )
    .unwrap();
    guildhall_app::server::accounts::create(&app.pool, account)
        .await
        .unwrap();
    let res = admin
        .api(
            "/api/certificates/issue_manual",
            &[
                ("email", email),
                ("programme", "service-excellence"),
                ("reason", "Prior learning"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let row = sqlx::query("SELECT c.id, c.code FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let code: String = row.get("code");
    (
        row.get("id"),
        guildhall_app::server::certificates::code::display(&code),
    )
}

#[tokio::test]
async fn a_revocation_shows_at_once_on_every_instance() {
    on_each_backend(Settings::default(), |app| async move {
        let mut admin = app
            .signed_in("Ada Admin", "ada@example.org", Role::Admin)
            .await;
        let (id, code) = issued(&app, &mut admin, "lucja@example.pl").await;
        let page = format!("/verify/{code}");
        let postgres = app.backend == Backend::Postgres;
        let other = app.another_instance().await;
        let mut here = app.client();
        let mut there = app.client_of(&other);
        let visitors = if postgres {
            vec![&mut here, &mut there]
        } else {
            vec![&mut here]
        };
        for visitor in visitors {
            for expected in [None, Some("hit")] {
                let res = visitor.get(&page).await;
                assert_eq!(hit(&res), expected);
                assert!(res.body.contains("data-status=\"valid\""), "{}", res.body);
                assert!(res.body.contains("Łucja Żółkiewska-Świątek"));
            }
        }

        let revoked = admin
            .api(
                "/api/certificates/revoke",
                &[("id", &id.to_string()), ("reason", "Issued in error")],
            )
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
        let res = here.get(&page).await;
        assert!(res.body.contains("data-status=\"revoked\""), "{}", res.body);
        if !postgres {
            return app;
        }
        let mut seen = String::new();
        for _ in 0..200 {
            seen = there.get(&page).await.body;
            if seen.contains("data-status=\"revoked\"") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(seen.contains("data-status=\"revoked\""), "{seen}");
        app
    })
    .await;
}

#[tokio::test]
async fn signing_out_on_one_instance_ends_the_session_on_another() {
    on_each_backend(Settings::default(), |app| async move {
        if app.backend != Backend::Postgres {
            return app;
        }
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let other = app.another_instance().await;
        let mut there = app.client_of(&other);
        there.cookies = member.cookies.clone();
        assert_eq!(there.get(MODULE).await.status, StatusCode::OK);

        member.api("/api/logout", &[]).await;
        let mut status = StatusCode::OK;
        for _ in 0..200 {
            status = there.get(MODULE).await.status;
            if status == StatusCode::FOUND {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(
            status,
            StatusCode::FOUND,
            "the old cookie is refused there too"
        );
        app
    })
    .await;
}

fn unread_in_header(page: &str) -> Option<String> {
    let start = page.find("data-test=\"notifications-link\"")?;
    let link = &page[start..page[start..].find("</a>")? + start];
    let mut text = String::new();
    let mut in_tag = false;
    for c in link[link.find('>')? + 1..].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.contains("unread").then(|| text.trim().to_owned())
}

#[tokio::test]
async fn a_new_notification_shows_in_the_header_at_once_on_every_instance() {
    on_each_backend(Settings::default(), |app| async move {
        let mut ana = in_forum(&app, "Ana Kranjc", "ana@example.si", Role::Member).await;
        let mut bo = in_forum(&app, "Bo Lapiņš", "bo@example.lv", Role::Member).await;
        let thread = open_thread(&mut ana).await;
        // Both pages kept and Ana's session remembered before anything happens to her.
        assert_eq!(unread_in_header(&ana.get(MODULE).await.body), None);
        let page = bo.get(MODULE).await;
        assert_eq!(
            (hit(&page), unread_in_header(&page.body)),
            (Some("hit"), None)
        );
        let other = (app.backend == Backend::Postgres).then_some(app.another_instance().await);
        let mut there = other.as_ref().map(|other| {
            let mut there = app.client_of(other);
            there.cookies = ana.cookies.clone();
            there
        });
        if let Some(there) = there.as_mut() {
            assert_eq!(unread_in_header(&there.get(MODULE).await.body), None);
        }

        let reply = [("thread", thread.as_str()), ("body", "A smile first.")];
        post_to(&mut bo, "/api/forum/reply", &reply).await;
        // The first view renders again (the module page lists the forum's best practices);
        // the next is filled in from the kept page.
        for expect_hit in [None, Some("hit")] {
            let page = ana.get(MODULE).await;
            assert_eq!(hit(&page), expect_hit);
            assert_eq!(
                unread_in_header(&page.body).as_deref(),
                Some("Notifications (1 unread)")
            );
        }
        let page = bo.get(MODULE).await;
        assert_eq!(unread_in_header(&page.body), None, "Bo's header is his own");
        if let Some(there) = there.as_mut() {
            let mut seen = None;
            for _ in 0..200 {
                seen = unread_in_header(&there.get(MODULE).await.body);
                if seen.is_some() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            assert_eq!(
                seen.as_deref(),
                Some("Notifications (1 unread)"),
                "on the other instance"
            );
        }

        post_to(&mut ana, "/api/notifications/read", &[]).await;
        assert_eq!(unread_in_header(&ana.get(MODULE).await.body), None);
        app
    })
    .await;
}
