//! The forum through HTTP: the code of conduct before posting, discussions and best
//! practices, replies, edits with history, deletion, who may do what, and that nothing a
//! member writes runs as script in another member's browser.
mod common;

use axum::http::StatusCode;
use common::{Client, TestApp, on_each_backend};
use guildhall_app::domain::role::Role;
use guildhall_app::server::Settings;
use guildhall_app::server::content::Catalogue;

/// Enough posts for the tests that write many; the limit has its own test.
fn prolific() -> Settings {
    Settings {
        posts_per_ten_minutes: 10_000,
        ..Settings::default()
    }
}

async fn accept(member: &mut Client<'_>) {
    let res = member
        .api("/api/forum/accept_code", &[("version", "1")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn discussion(member: &mut Client<'_>, title: &str, body: &str) -> i64 {
    let res = member
        .api(
            "/api/forum/create_thread",
            &[
                ("category", "service-quality"),
                ("kind", "discussion"),
                ("title", title),
                ("body", body),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body.parse().unwrap()
}

async fn reply(member: &mut Client<'_>, thread: i64, body: &str) -> i64 {
    let res = member
        .api(
            "/api/forum/reply",
            &[("thread", &thread.to_string()), ("body", body)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body.parse().unwrap()
}

/// Endorses `post` as `member` (or takes it back when `on` is false).
async fn endorse(member: &mut Client<'_>, post: i64, on: bool) -> common::Response {
    let post = post.to_string();
    let mut fields = vec![("post", post.as_str())];
    if on {
        fields.push(("on", "1"));
    }
    member.api("/api/forum/endorse", &fields).await
}

fn error_code(res: &common::Response) -> String {
    let value: serde_json::Value = serde_json::from_str(&res.body).unwrap_or_default();
    value["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn members_accept_the_current_code_before_they_post() {
    on_each_backend(Settings::default(), |app| async move {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut member = app.signed_in("Ana Novak", "ana@example.si", Role::Member).await;
            let page = member.get("/code-of-conduct").await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("id=\"clause-3-2\""), "clauses have stable anchors");
            assert!(page.body.contains("data-test=\"accept-code\""));
            let page = member.get("/forum/new").await;
            assert!(page.body.contains("data-test=\"accept-first\""), "{}", page.body);

            let refused = member
                .api("/api/forum/create_thread", &[("category", "service-quality"), ("kind", "discussion"), ("title", "Hi"), ("body", "Hello")])
                .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
            assert_eq!(error_code(&refused), "ConductNotAccepted");
            let stale = member.api("/api/forum/accept_code", &[("version", "0")]).await;
            assert_eq!(stale.status, StatusCode::FORBIDDEN);

            let accepted = member
                .submit("/api/forum/accept_code", "/code-of-conduct", &[("version", "1"), ("agree", "on"), ("next", "/forum/new?category=service-quality")])
                .await;
            assert_eq!(accepted.status, StatusCode::FOUND);
            assert_eq!(accepted.location(), "/forum/new?category=service-quality");
            let (version, at): (i64, i64) = sqlx::query_as(
                "SELECT version, accepted_at FROM conduct_acceptances a JOIN users u ON u.id = a.user_id WHERE u.email = 'ana@example.si'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap();
            assert_eq!(version, 1);
            assert!(at > 0);
            let page = member.get("/code-of-conduct").await;
            assert!(page.body.contains("data-test=\"already-accepted\""));
            discussion(&mut member, "Greeting within a minute", "Works for us.").await;

            // A new version of the code must be accepted again.
            common::copy_dir(&TestApp::content_dir(), dir.path());
            for lang in ["en", "cs", "lv", "pl", "sl"] {
                let file = dir.path().join(format!("code-of-conduct/{lang}.md"));
                let text = std::fs::read_to_string(&file).unwrap().replacen("version = 1", "version = 2", 1);
                std::fs::write(&file, text).unwrap();
            }
            app.replace_content(Catalogue::load(dir.path()).expect("edited content loads"));
            let refused = member
                .api("/api/forum/create_thread", &[("category", "service-quality"), ("kind", "discussion"), ("title", "Hi"), ("body", "Hello")])
                .await;
            assert_eq!(error_code(&refused), "ConductNotAccepted");
            let page = member.get("/code-of-conduct").await;
            assert!(page.body.contains("has changed since you accepted it"), "{}", page.body);
            member.api("/api/forum/accept_code", &[("version", "2")]).await;
            discussion(&mut member, "Second", "Again.").await;
        }
        app
    })
    .await;
}

#[tokio::test]
async fn a_best_practice_linked_to_a_module_is_shown_there() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let mut member = app
                .signed_in("Jānis Bērziņš", "janis@example.lv", Role::Member)
                .await;
            accept(&mut member).await;
            let fields = [
                ("category", "service-quality"),
                ("kind", "practice"),
                ("title", "Callback within the hour"),
                ("body", ""),
                ("situation", "Customers waited days for answers."),
                (
                    "practice",
                    "We promised a **callback within one hour** and kept it.",
                ),
                ("result", "Complaints halved in a quarter."),
                ("modules[]", "service-quality"),
            ];

            // Preview: rendered, kept, not saved.
            let mut preview = fields.to_vec();
            preview.push(("preview", "1"));
            let res = member
                .submit("/api/forum/create_thread", "/forum/new", &preview)
                .await;
            assert_eq!(res.status, StatusCode::FOUND);
            let page = member.get(res.location().split('#').next().unwrap()).await;
            assert!(page.body.contains("data-test=\"preview\""), "{}", page.body);
            assert!(
                page.body
                    .contains("<strong>callback within one hour</strong>")
            );
            assert!(page.body.contains("Callback within the hour"), "title kept");
            let threads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM forum_threads")
                .fetch_one(&app.pool)
                .await
                .unwrap();
            assert_eq!(threads, 0);

            // A missing field comes back with everything typed.
            let mut missing = fields.to_vec();
            missing.retain(|(k, _)| *k != "result");
            let res = member
                .submit("/api/forum/create_thread", "/forum/new", &missing)
                .await;
            let page = member.get(res.location()).await;
            assert!(page.body.contains("all three parts"), "{}", page.body);
            assert!(page.body.contains("Customers waited days for answers."));

            let res = member.api("/api/forum/create_thread", &fields).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            let thread: i64 = res.body.parse().unwrap();
            let page = member.get(&format!("/forum/t/{thread}")).await;
            assert!(
                page.body.contains("data-test=\"practice-card\""),
                "{}",
                page.body
            );
            assert!(page.body.contains("Complaints halved in a quarter."));

            let module = member.get("/training/service-quality?lang=en").await;
            assert!(
                module.body.contains("Callback within the hour"),
                "{}",
                module.body
            );
            let other = member.get("/training/service-operations?lang=en").await;
            assert!(!other.body.contains("Callback within the hour"));
            let list = member.get("/forum/practices?module=service-quality").await;
            assert!(list.body.contains("Callback within the hour"));
            let list = member
                .get("/forum/practices?module=service-operations")
                .await;
            assert!(!list.body.contains("Callback within the hour"));
            let category = member.get("/forum/c/service-quality").await;
            assert!(category.body.contains("Callback within the hour"));
            assert!(
                category
                    .body
                    .contains("Service quality: meaning, sources and principles"),
                "lists name the modules a thread applies to: {}",
                category.body
            );
            let visitor = app.client().get("/forum/c/service-quality").await;
            assert!(visitor.status.is_redirection(), "members only");
            assert!(visitor.location().starts_with("/login"));
        }
        app
    })
    .await;
}

#[tokio::test]
async fn replies_page_and_edits_keep_their_history() {
    on_each_backend(prolific(), |app| async move {
        {
            let mut ana = app.signed_in("Ana", "ana@example.si", Role::Member).await;
            let mut ben = app.signed_in("Ben", "ben@example.si", Role::Member).await;
            accept(&mut ana).await;
            accept(&mut ben).await;
            let thread =
                discussion(&mut ana, "Queues at lunchtime", "How do you handle them?").await;
            let mut last = 0;
            for n in 1..=24 {
                last = reply(&mut ben, thread, &format!("Reply number {n}")).await;
            }
            let first_page = ben.get(&format!("/forum/t/{thread}")).await;
            assert!(first_page.body.contains("Reply number 19"));
            assert!(
                !first_page.body.contains("Reply number 20<"),
                "post 21 is on page 2"
            );
            assert!(first_page.body.contains("rel=\"next\""));
            let second = ben.get(&format!("/forum/t/{thread}?page=2")).await;
            assert!(second.body.contains("Reply number 24"), "{}", second.body);
            assert!(second.body.contains(&format!("id=\"post-{last}\"")));

            // Only the author edits; the old text stays in the history.
            let edited = ben
                .api(
                    "/api/forum/edit_post",
                    &[
                        ("post", &last.to_string()),
                        ("body", "Reply number 24, corrected"),
                    ],
                )
                .await;
            assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
            let history = ben.get(&format!("/forum/p/{last}/history")).await;
            assert!(
                history.body.contains("Reply number 24<"),
                "{}",
                history.body
            );
            let page = ben.get(&format!("/forum/t/{thread}?page=2")).await;
            assert!(page.body.contains("Reply number 24, corrected"));
            assert!(page.body.contains("edited"));
            let foreign = ana
                .api(
                    "/api/forum/edit_post",
                    &[("post", &last.to_string()), ("body", "Hijacked")],
                )
                .await;
            assert_eq!(foreign.status, StatusCode::FORBIDDEN);
            assert_eq!(
                ana.get(&format!("/forum/p/{last}/edit")).await.status,
                StatusCode::FORBIDDEN
            );
            let foreign = ana
                .api("/api/forum/delete_post", &[("post", &last.to_string())])
                .await;
            assert_eq!(foreign.status, StatusCode::FORBIDDEN);

            // Deleting keeps the post's place.
            let deleted = ben
                .api("/api/forum/delete_post", &[("post", &last.to_string())])
                .await;
            assert_eq!(deleted.status, StatusCode::OK);
            let page = ben.get(&format!("/forum/t/{thread}?page=2")).await;
            assert!(page.body.contains("data-test=\"post-deleted\""));
            assert!(!page.body.contains("Reply number 24, corrected"));
            let again = ben
                .api(
                    "/api/forum/edit_post",
                    &[("post", &last.to_string()), ("body", "Back")],
                )
                .await;
            assert_eq!(again.status, StatusCode::NOT_FOUND);

            // A locked thread takes no replies.
            sqlx::query("UPDATE forum_threads SET locked = 1 WHERE id = $1")
                .bind(thread)
                .execute(&app.pool)
                .await
                .unwrap();
            let refused = ben
                .api(
                    "/api/forum/reply",
                    &[("thread", &thread.to_string()), ("body", "Late")],
                )
                .await;
            assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);

            // The author deletes the thread with its opening post.
            let opening: i64 = sqlx::query_scalar(
                "SELECT id FROM forum_posts WHERE thread_id = $1 AND number = 1",
            )
            .bind(thread)
            .fetch_one(&app.pool)
            .await
            .unwrap();
            ana.api("/api/forum/delete_post", &[("post", &opening.to_string())])
                .await;
            assert_eq!(
                ana.get(&format!("/forum/t/{thread}")).await.status,
                StatusCode::GONE
            );
            assert!(
                !ana.get("/forum/c/service-quality")
                    .await
                    .body
                    .contains("Queues at lunchtime")
            );
        }
        app
    })
    .await;
}

#[tokio::test]
async fn posting_is_rate_limited_and_size_limited() {
    let settings = Settings {
        posts_per_ten_minutes: 3,
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        {
            let mut member = app.signed_in("Ana", "ana@example.si", Role::Member).await;
            accept(&mut member).await;
            let thread = discussion(&mut member, "One", "First").await;
            reply(&mut member, thread, "Second").await;
            reply(&mut member, thread, "Third").await;
            let refused = member
                .api(
                    "/api/forum/reply",
                    &[("thread", &thread.to_string()), ("body", "Fourth")],
                )
                .await;
            assert_eq!(
                refused.status,
                StatusCode::TOO_MANY_REQUESTS,
                "{}",
                refused.body
            );
            let posts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM forum_posts")
                .fetch_one(&app.pool)
                .await
                .unwrap();
            assert_eq!(posts, 3);

            let mut other = app.signed_in("Ben", "ben@example.si", Role::Member).await;
            accept(&mut other).await;
            let long = "x".repeat(20_001);
            let refused = other
                .api(
                    "/api/forum/reply",
                    &[("thread", &thread.to_string()), ("body", &long)],
                )
                .await;
            assert_eq!(error_code(&refused), "BodyTooLong");
            let title = "t".repeat(151);
            let refused = other
                .api(
                    "/api/forum/create_thread",
                    &[
                        ("category", "service-quality"),
                        ("kind", "discussion"),
                        ("title", &title),
                        ("body", "x"),
                    ],
                )
                .await;
            assert_eq!(error_code(&refused), "TitleTooLong");
            let refused = other
                .api(
                    "/api/forum/create_thread",
                    &[
                        ("category", "no-such"),
                        ("kind", "discussion"),
                        ("title", "x"),
                        ("body", "x"),
                    ],
                )
                .await;
            assert_eq!(error_code(&refused), "CategoryInvalid");
        }
        app
    })
    .await;
}

/// At least fifty ways to try to run script, for every field a member writes.
const PAYLOADS: &[&str] = &[
    "<script>alert('x1')</script>",
    "<img src=x onerror=alert('x2')>",
    "<svg onload=alert('x3')>",
    "<iframe src=\"javascript:alert('x4')\"></iframe>",
    "<body onload=alert('x5')>",
    "<a href=\"javascript:alert('x6')\">click</a>",
    "[click](javascript:alert('x7'))",
    "[click](JaVaScRiPt:alert('x8'))",
    "[click](  javascript:alert('x9'))",
    "[click](java\tscript:alert('x10'))",
    "[click](&#106;avascript:alert('x11'))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgneDEyJyk8L3NjcmlwdD4=)",
    "![img](javascript:alert('x13'))",
    "![img](https://example.org/x.png \"onerror=alert('x14')\")",
    "<div style=\"background:url(javascript:alert('x15'))\">x</div>",
    "<style>@import 'javascript:alert(\"x16\")';</style>",
    "<link rel=stylesheet href=\"javascript:alert('x17')\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('x18')\">",
    "<object data=\"javascript:alert('x19')\"></object>",
    "<embed src=\"javascript:alert('x20')\">",
    "<form action=\"javascript:alert('x21')\"><button>go</button></form>",
    "<input onfocus=alert('x22') autofocus>",
    "<select onfocus=alert('x23') autofocus>",
    "<textarea onfocus=alert('x24') autofocus>",
    "<details open ontoggle=alert('x25')>",
    "<marquee onstart=alert('x26')>",
    "<video><source onerror=alert('x27')></video>",
    "<audio src=x onerror=alert('x28')>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('x29')>",
    "<scr<script>ipt>alert('x30')</scr</script>ipt>",
    "\"><script>alert('x31')</script>",
    "'><script>alert('x32')</script>",
    "</textarea><script>alert('x33')</script>",
    "</title><script>alert('x34')</script>",
    "<!--<script>alert('x35')</script>-->",
    "<![CDATA[<script>alert('x36')</script>]]>",
    "<base href=\"javascript:alert('x37')//\">",
    "<a href=\"  &#x6A;avascript:alert('x38')\">x</a>",
    "<a href=\"vbscript:alert('x39')\">x</a>",
    "<a href=\"data:text/html,<script>alert('x40')</script>\">x</a>",
    "[x](https://example.org\" onmouseover=\"alert('x41'))",
    "<a href=\"https://example.org\" onmouseover=\"alert('x42')\">x</a>",
    "<p onclick=alert('x43')>x</p>",
    "<span style=\"x:expression(alert('x44'))\">x</span>",
    "<svg><script>alert('x45')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('x46')\"><text>x</text></a></svg>",
    "<isindex action=javascript:alert('x47') type=image>",
    "<img src=\"x` `<script>alert('x48')</script>\"` `>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('x49')>\">",
    "<template><script>alert('x50')</script></template>",
    "<x onclick=alert('x51')>x</x>",
    "javascript:alert('x52')",
    "<a href=\"#\" onclick=\"alert('x53')\">x</a>",
    "`<script>alert('x54')</script>`",
    "```\n<script>alert('x55')</script>\n```",
];

/// Nothing in `page` that came from a member is live: our own scripts never mention
/// `alert(`, so a script body that does was injected; no tag may be one that runs or embeds
/// content, carry an event handler, or link to a script URL. Quoted attribute values are
/// text (the page escapes their quotes).
fn assert_inert(page: &str, what: &str) {
    for piece in page.split('<').skip(1) {
        let tag = piece
            .split('>')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let (mut outside, mut values, mut quoted) = (String::new(), Vec::new(), None::<String>);
        for c in tag.chars() {
            match (&mut quoted, c) {
                (None, '"') => quoted = Some(String::new()),
                (Some(value), '"') => {
                    values.push((outside.clone(), std::mem::take(value)));
                    quoted = None;
                }
                (Some(value), c) => value.push(c),
                (None, c) => outside.push(c),
            }
        }
        assert!(!outside.contains("alert("), "{what}: live markup <{tag}>");
        let name = outside.split_whitespace().next().unwrap_or_default();
        assert!(
            !matches!(
                name,
                "iframe" | "object" | "embed" | "svg" | "math" | "base" | "img" | "style"
            ),
            "{what}: <{tag}>"
        );
        for attr in outside.split_whitespace().skip(1) {
            assert!(!attr.starts_with("on"), "{what}: event handler in <{tag}>");
        }
        for (before, value) in values {
            let attr = before.split_whitespace().last().unwrap_or_default();
            if ["href=", "src=", "action=", "formaction="].contains(&attr) {
                let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                assert!(
                    !v.starts_with("javascript:")
                        && !v.starts_with("data:")
                        && !v.starts_with("vbscript:"),
                    "{what}: script link in <{tag}>"
                );
            }
        }
    }
    for script in page.split("<script").skip(1) {
        let body = script.split("</script>").next().unwrap_or_default();
        assert!(!body.contains("alert("), "{what}: injected script {body}");
    }
}

#[tokio::test]
async fn nothing_a_member_writes_runs_as_script() {
    on_each_backend(prolific(), |app| async move {
        {
            let mut writer = app
                .signed_in("Writer", "writer@example.org", Role::Member)
                .await;
            let mut reader = app
                .signed_in("Reader", "reader@example.org", Role::Member)
                .await;
            accept(&mut writer).await;
            accept(&mut reader).await;
            let mut threads = Vec::new();
            for payload in PAYLOADS {
                let res = writer
                    .api(
                        "/api/forum/create_thread",
                        &[
                            ("category", "service-quality"),
                            ("kind", "practice"),
                            ("title", payload),
                            ("body", payload),
                            ("situation", payload),
                            ("practice", payload),
                            ("result", payload),
                            ("modules[]", "service-quality"),
                        ],
                    )
                    .await;
                assert_eq!(res.status, StatusCode::OK, "{payload}: {}", res.body);
                let thread: i64 = res.body.parse().unwrap();
                let post = reply(&mut writer, thread, payload).await;
                writer
                    .api(
                        "/api/forum/edit_post",
                        &[
                            ("post", &post.to_string()),
                            ("body", &format!("{payload} (edited)")),
                        ],
                    )
                    .await;
                threads.push((thread, post));
                // Display names too, where the account rules let them through.
                writer
                    .api(
                        "/api/update_profile",
                        &[("name", payload), ("language", "en")],
                    )
                    .await;
            }
            // Five threads a page of posts, plus lists, the module page, history and preview.
            for (i, (thread, post)) in threads.iter().enumerate() {
                let page = reader.get(&format!("/forum/t/{thread}")).await;
                assert_eq!(page.status, StatusCode::OK);
                assert_inert(&page.body, &format!("thread with payload {}", PAYLOADS[i]));
                let history = reader.get(&format!("/forum/p/{post}/history")).await;
                assert_inert(&history.body, "history");
            }
            // Flag comments reach the moderators' queue.
            let mut molly = app
                .signed_in("Molly", "molly@example.org", Role::Moderator)
                .await;
            for (i, (_, post)) in threads.iter().enumerate() {
                let res = reader
                    .api(
                        "/api/forum/flag",
                        &[
                            ("post", &post.to_string()),
                            ("clause", "clause-6-2"),
                            ("comment", PAYLOADS[i]),
                        ],
                    )
                    .await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            }
            let queue = molly.get("/moderation").await;
            assert!(queue.body.contains("data-test=\"queue-item\""));
            assert_inert(&queue.body, "moderation queue");
            let notes = writer.get("/notifications").await;
            assert_inert(&notes.body, "notifications");

            for path in [
                "/forum/c/service-quality",
                "/forum/c/service-quality?page=2",
                "/forum/practices",
                "/forum/practices?module=service-quality",
                "/training/service-quality?lang=en",
            ] {
                let page = reader.get(path).await;
                assert_eq!(page.status, StatusCode::OK, "{path}");
                assert_inert(&page.body, path);
            }
            for payload in PAYLOADS {
                let res = writer
                    .submit(
                        "/api/forum/create_thread",
                        "/forum/new",
                        &[
                            ("category", "service-quality"),
                            ("kind", "practice"),
                            ("title", payload),
                            ("body", payload),
                            ("situation", payload),
                            ("practice", payload),
                            ("result", payload),
                            ("preview", "1"),
                        ],
                    )
                    .await;
                let page = writer.get(res.location().split('#').next().unwrap()).await;
                assert!(page.body.contains("data-test=\"preview\""));
                assert_inert(&page.body, &format!("preview of {payload}"));
            }
        }
        app
    })
    .await;
}

#[tokio::test]
async fn endorsements_count_certified_members_and_notify_the_author() {
    on_each_backend(prolific(), |app| async move {
        {
            let mut ana = app.signed_in("Ana", "ana@example.si", Role::Member).await;
            let mut ben = app.signed_in("Ben", "ben@example.si", Role::Member).await;
            let mut cid = app.signed_in("Cid", "cid@example.si", Role::Member).await;
            let mut admin = app.signed_in("Ada", "ada@example.org", Role::Admin).await;
            for m in [&mut ana, &mut ben, &mut cid] {
                accept(m).await;
            }
            // Ben holds a valid certificate; Cid does not.
            admin
                .api(
                    "/api/certificates/issue_manual",
                    &[
                        ("email", "ben@example.si"),
                        ("programme", "service-excellence"),
                        ("reason", "Prior learning"),
                    ],
                )
                .await;
            let thread = discussion(&mut ana, "Name badges", "Staff wear first-name badges.").await;
            let post: i64 = sqlx::query_scalar("SELECT id FROM forum_posts WHERE thread_id = $1")
                .bind(thread)
                .fetch_one(&app.pool)
                .await
                .unwrap();
            let own = endorse(&mut ana, post, true).await;
            assert_eq!(error_code(&own), "OwnPost");
            for m in [&mut ben, &mut cid] {
                let res = endorse(m, post, true).await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            }
            // Twice counts once.
            endorse(&mut ben, post, true).await;
            let page = cid.get(&format!("/forum/t/{thread}")).await;
            assert!(
                page.body
                    .contains("Endorsements: 2, by certified members: 1"),
                "{}",
                page.body
            );
            assert!(page.body.contains("aria-pressed=\"true\""));
            endorse(&mut cid, post, false).await;
            let page = cid.get(&format!("/forum/t/{thread}")).await;
            assert!(
                page.body
                    .contains("Endorsements: 1, by certified members: 1"),
                "{}",
                page.body
            );
            // Given again: it counts again, but the author is not told a second time.
            let again = endorse(&mut cid, post, true).await;
            assert_eq!(again.status, StatusCode::OK, "{}", again.body);
            let page = cid.get(&format!("/forum/t/{thread}")).await;
            assert!(
                page.body
                    .contains("Endorsements: 2, by certified members: 1")
            );

            // A certified author carries the badge.
            let reply_id = reply(&mut ben, thread, "We do too.").await;
            let page = ana.get(&format!("/forum/t/{thread}")).await;
            assert_eq!(
                page.body.matches("data-test=\"certified-badge\"").count(),
                1,
                "{}",
                page.body
            );
            assert!(page.body.contains(&format!("id=\"post-{reply_id}\"")));

            let notes = ana.get("/notifications").await;
            assert!(
                notes.body.contains("Ben replied in your thread"),
                "{}",
                notes.body
            );
            // Each note links to its post on its page of the thread.
            let to_reply = format!("href=\"/forum/t/{thread}#post-{reply_id}\"");
            assert!(notes.body.contains(&to_reply), "{}", notes.body);
            let to_opening = format!("href=\"/forum/t/{thread}#post-{post}\"");
            assert_eq!(
                notes.body.matches(&to_opening).count(),
                2,
                "two endorsements"
            );
            assert_eq!(notes.body.matches("Ben endorsed your post").count(), 1);
            assert_eq!(
                notes.body.matches("Cid endorsed your post").count(),
                1,
                "{}",
                notes.body
            );
            ana.api("/api/notifications/read", &[]).await;
            let notes = ana.get("/notifications").await;
            assert!(!notes.body.contains("class=\"unread\""));
        }
        app
    })
    .await;
}

#[tokio::test]
async fn flags_cite_a_clause_hide_a_post_and_moderators_decide() {
    let settings = Settings {
        flags_to_hide: 2,
        flag_standing: std::time::Duration::ZERO,
        ..prolific()
    };
    on_each_backend(settings, |app| async move {
        {
            let mut spammer = app.signed_in("Sam", "sam@example.org", Role::Member).await;
            let mut ana = app.signed_in("Ana", "ana@example.si", Role::Member).await;
            let mut ben = app.signed_in("Ben", "ben@example.si", Role::Member).await;
            let mut molly = app
                .signed_in("Molly", "molly@example.org", Role::Moderator)
                .await;
            for m in [&mut spammer, &mut ana, &mut ben, &mut molly] {
                accept(m).await;
            }
            let thread = discussion(&mut ana, "Waiting times", "How long is too long?").await;
            let spam = reply(
                &mut spammer,
                thread,
                "Buy my queue software at example.com!",
            )
            .await;
            let spam_s = spam.to_string();

            let bad = ana
                .api(
                    "/api/forum/flag",
                    &[("post", &spam_s), ("clause", "clause-99-9")],
                )
                .await;
            assert_eq!(error_code(&bad), "ClauseInvalid");
            let flagged = ana
                .submit(
                    "/api/forum/flag",
                    &format!("/forum/p/{spam}/flag"),
                    &[
                        ("post", &spam_s),
                        ("clause", "clause-6-2"),
                        ("comment", "Advertising"),
                    ],
                )
                .await;
            assert_eq!(flagged.status, StatusCode::FOUND);
            assert!(
                flagged.location().contains("flagged=1"),
                "{}",
                flagged.location()
            );
            let twice = ana
                .api(
                    "/api/forum/flag",
                    &[("post", &spam_s), ("clause", "clause-6-2")],
                )
                .await;
            assert_eq!(error_code(&twice), "AlreadyFlagged");
            let page = ben.get(&format!("/forum/t/{thread}")).await;
            assert!(
                page.body.contains("Buy my queue software"),
                "one flag does not hide"
            );

            ben.api(
                "/api/forum/flag",
                &[("post", &spam_s), ("clause", "clause-6-3")],
            )
            .await;
            let page = ben.get(&format!("/forum/t/{thread}")).await;
            assert!(
                !page.body.contains("Buy my queue software"),
                "{}",
                page.body
            );
            assert!(page.body.contains("data-test=\"post-hidden\""));
            let own = spammer.get(&format!("/forum/t/{thread}")).await;
            assert!(
                own.body.contains("Buy my queue software"),
                "the author still sees it"
            );
            assert!(own.body.contains("until a moderator reviews it"));
            spammer
                .api(
                    "/api/forum/edit_post",
                    &[("post", &spam_s), ("body", "Buy it now!")],
                )
                .await;
            let history = ben.get(&format!("/forum/p/{spam}/history")).await;
            assert_eq!(
                history.status,
                StatusCode::NOT_FOUND,
                "hidden history stays hidden"
            );
            assert!(!history.body.contains("Buy my queue software"));
            let flag_page = ben.get(&format!("/forum/p/{spam}/flag")).await;
            assert_eq!(flag_page.status, StatusCode::NOT_FOUND, "nor its flag page");
            assert!(!flag_page.body.contains("Buy"));
            let endorsed = endorse(&mut ben, spam, true).await;
            assert_eq!(
                endorsed.status,
                StatusCode::NOT_FOUND,
                "a hidden post cannot be endorsed"
            );
            let history = spammer.get(&format!("/forum/p/{spam}/history")).await;
            assert!(history.body.contains("Buy my queue software"));

            // Members cannot moderate; moderators see the queue with the clauses cited.
            let refused = ana
                .api(
                    "/api/forum/moderate",
                    &[
                        ("post", &spam_s),
                        ("action", "restore"),
                        ("clause", "clause-6-2"),
                        ("reason", "x"),
                    ],
                )
                .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            assert_eq!(ana.get("/moderation").await.status, StatusCode::FORBIDDEN);
            let queue = molly.get("/moderation").await;
            assert!(queue.body.contains("Buy it now!"), "{}", queue.body);
            assert!(queue.body.contains("Clause 6.2") && queue.body.contains("Clause 6.3"));
            assert!(queue.body.contains("Advertising"));

            // A decision without a reason comes back; with one it is recorded and told.
            let no_reason = molly
                .submit(
                    "/api/forum/moderate",
                    "/moderation",
                    &[
                        ("post", &spam_s),
                        ("action", "hide"),
                        ("clause", "clause-6-2"),
                        ("reason", ""),
                    ],
                )
                .await;
            let page = molly.get(no_reason.location()).await;
            assert!(
                page.body.contains("That action was not taken"),
                "{}",
                page.body
            );
            let done = molly
                .api(
                    "/api/forum/moderate",
                    &[
                        ("post", &spam_s),
                        ("action", "hide"),
                        ("clause", "clause-6-2"),
                        ("reason", "Advertising a product"),
                    ],
                )
                .await;
            assert_eq!(done.status, StatusCode::OK, "{}", done.body);
            let queue = molly.get("/moderation").await;
            assert!(
                queue.body.contains("data-test=\"queue-empty\""),
                "{}",
                queue.body
            );
            let page = ben.get(&format!("/forum/t/{thread}")).await;
            assert!(page.body.contains("under clause 6.2"), "{}", page.body);
            let notes = spammer.get("/notifications").await;
            assert!(
                notes
                    .body
                    .contains("Moderators: Hide the post, under clause 6.2"),
                "{}",
                notes.body
            );
            assert!(notes.body.contains("Advertising a product"));

            // A suspension stops posting until it ends.
            let spam2 = reply(&mut spammer, thread, "Still selling!").await;
            molly
                .api(
                    "/api/forum/moderate",
                    &[
                        ("post", &spam2.to_string()),
                        ("action", "suspend"),
                        ("clause", "clause-6-2"),
                        ("reason", "Repeated advertising"),
                        ("days", "7"),
                    ],
                )
                .await;
            let refused = spammer
                .api(
                    "/api/forum/reply",
                    &[("thread", &thread.to_string()), ("body", "Hello?")],
                )
                .await;
            assert_eq!(error_code(&refused), "Suspended");
            let notes = spammer.get("/notifications").await;
            assert!(notes.body.contains("data-test=\"suspended\""));
            let recorded: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM moderation_actions WHERE clause = 'clause-6-2'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap();
            assert_eq!(recorded, 2);

            // Moderators do not judge their own posts.
            let own = reply(&mut molly, thread, "A moderator's reply").await;
            let refused = molly
                .api(
                    "/api/forum/moderate",
                    &[
                        ("post", &own.to_string()),
                        ("action", "delete"),
                        ("clause", "clause-6-2"),
                        ("reason", "x"),
                    ],
                )
                .await;
            assert_eq!(error_code(&refused), "OwnPost");
        }
        app
    })
    .await;
}

#[tokio::test]
async fn search_finds_titles_bodies_and_practice_fields_with_marked_matches() {
    on_each_backend(prolific(), |app| async move {
        {
            let mut ana = app.signed_in("Ana", "ana@example.si", Role::Member).await;
            accept(&mut ana).await;
            let practice = ana
                .api(
                    "/api/forum/create_thread",
                    &[
                        ("category", "service-operations"),
                        ("kind", "practice"),
                        ("title", "Greeting guests within sixty seconds"),
                        ("body", ""),
                        ("situation", "Reception queues at check-in."),
                        (
                            "practice",
                            "A second receptionist greets every waiting guest.",
                        ),
                        ("result", "Žádné stížnosti na čekání."),
                        ("modules[]", "service-operations"),
                    ],
                )
                .await;
            assert_eq!(practice.status, StatusCode::OK, "{}", practice.body);
            let thread = discussion(
                &mut ana,
                "Phone etiquette",
                "Answer <b>before</b> the third ring.",
            )
            .await;
            let later = reply(
                &mut ana,
                thread,
                "A receptionist should smile on the phone too.",
            )
            .await;

            let found = ana.get("/forum/search?q=receptionist").await;
            assert!(
                found.body.contains("Greeting guests within sixty seconds"),
                "{}",
                found.body
            );
            assert!(
                found.body.contains("<mark>receptionist</mark>"),
                "{}",
                found.body
            );
            assert!(found.body.contains(&format!("#post-{later}")));
            let title = ana.get("/forum/search?q=sixty").await;
            assert!(title.body.contains("<mark>sixty</mark>"), "{}", title.body);
            // A NUL from a crafted address is no part of a word, on either database.
            let nul = ana.get("/forum/search?q=sixty%00").await;
            assert_eq!(nul.status, StatusCode::OK);
            assert!(nul.body.contains("<mark>sixty</mark>"), "{}", nul.body);
            let both = ana.get("/forum/search?q=third+ring").await;
            assert!(both.body.contains("Phone etiquette"));
            assert!(
                !both.body.contains("<b>before"),
                "markup in posts never goes live in excerpts: {}",
                both.body
            );
            assert!(!both.body.contains("Greeting guests"));
            let filtered = ana.get("/forum/search?q=receptionist&kind=practice").await;
            assert!(
                filtered.body.contains("Greeting guests")
                    && !filtered.body.contains("Phone etiquette")
            );
            let filtered = ana
                .get("/forum/search?q=receptionist&module=service-quality")
                .await;
            assert!(
                filtered.body.contains("data-test=\"no-results\""),
                "{}",
                filtered.body
            );
            let filtered = ana
                .get("/forum/search?q=receptionist&category=service-quality")
                .await;
            assert!(filtered.body.contains("Phone etiquette"));
            let czech = ana.get("/forum/search?q=st%C3%AD%C5%BEnosti").await;
            assert!(czech.body.contains("Greeting guests"), "{}", czech.body);
            // Odd input is words, not query syntax.
            let odd = ana.get("/forum/search?q=%22OR+NEAR(%29+*").await;
            assert_eq!(odd.status, StatusCode::OK);

            // Deleted posts drop out.
            ana.api("/api/forum/delete_post", &[("post", &later.to_string())])
                .await;
            let gone = ana.get("/forum/search?q=smile").await;
            assert!(
                gone.body.contains("data-test=\"no-results\""),
                "{}",
                gone.body
            );
            // Edits are found as edited.
            let opening: i64 = sqlx::query_scalar(
                "SELECT id FROM forum_posts WHERE thread_id = $1 AND number = 1",
            )
            .bind(thread)
            .fetch_one(&app.pool)
            .await
            .unwrap();
            ana.api(
                "/api/forum/edit_post",
                &[
                    ("post", &opening.to_string()),
                    ("title", "Telephone manners"),
                    ("body", "Pick up by the second ring."),
                ],
            )
            .await;
            let edited = ana.get("/forum/search?q=manners").await;
            assert!(
                edited.body.contains("Telephone <mark>manners</mark>"),
                "{}",
                edited.body
            );
            assert!(
                ana.get("/forum/search?q=third")
                    .await
                    .body
                    .contains("data-test=\"no-results\"")
            );
        }
        app
    })
    .await;
}

#[tokio::test]
async fn best_practices_have_an_atom_feed_without_hidden_ones() {
    on_each_backend(prolific(), |app| async move {
        {
            let mut ana = app.signed_in("Ana", "ana@example.si", Role::Member).await;
            accept(&mut ana).await;
            for (title, result) in [("Smile & greet", "Fewer <complaints>"), ("Second practice", "Shorter queues")] {
                let res = ana
                    .api(
                        "/api/forum/create_thread",
                        &[("category", "service-quality"), ("kind", "practice"), ("title", title), ("body", ""), ("situation", "A busy shop."), ("practice", "We greet."), ("result", result)],
                    )
                    .await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            }
            discussion(&mut ana, "Just a discussion", "Not a practice").await;
            sqlx::query("UPDATE forum_posts SET hidden_at = 1 WHERE thread_id = (SELECT id FROM forum_threads WHERE title = 'Second practice')")
                .execute(&app.pool)
                .await
                .unwrap();
            // The forum is for members: no feed for anyone by default, even to a feed reader.
            let reader = [("accept", "application/atom+xml")];
            let public = app.client().get_with("/forum/practices.atom", &reader).await;
            assert_eq!(public.status, StatusCode::UNAUTHORIZED);
            // Each member has an address of their own, made on request and replaceable.
            let page = ana.get("/forum/practices").await;
            assert!(!page.body.contains("data-test=\"feed-address\""));
            let made = ana.submit("/api/forum/reset_feed", "/forum/practices", &[]).await;
            assert_eq!(made.location(), "/forum/practices?feed=new#feed");
            let page = ana.get("/forum/practices?feed=new").await;
            assert!(page.body.contains("data-test=\"feed-new\""));
            let address = page.body.split("data-test=\"feed-address\"").next().unwrap();
            let address = address.rsplit("value=\"").next().unwrap().split('"').next().unwrap();
            let path = address.strip_prefix("http://127.0.0.1:3000").expect(address).to_owned();
            assert!(path.starts_with("/forum/feeds/"), "{path}");
            let feed = app.client().get_with(&path, &reader).await;
            assert_eq!(feed.status, StatusCode::OK);
            assert_eq!(feed.headers["cache-control"], "private, max-age=60");
            assert!(feed.headers["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
            assert!(feed.body.starts_with("<?xml"));
            assert!(feed.body.contains("<title>Smile &amp; greet</title>"), "{}", feed.body);
            assert!(feed.body.contains("Fewer &amp;lt;complaints&amp;gt;"), "{}", feed.body);
            assert!(!feed.body.contains("Second practice"), "hidden practices stay out");
            assert!(!feed.body.contains("Just a discussion"));
            assert!(!feed.body.contains("Ana"), "no member names");
            assert_eq!(feed.body.matches("<entry>").count(), 1);

            // A new address ends the old one at once.
            ana.api("/api/forum/reset_feed", &[]).await;
            assert_eq!(app.client().get_with(&path, &reader).await.status, StatusCode::NOT_FOUND);
            assert_eq!(
                app.client().get_with("/forum/feeds/not-a-token/practices.atom", &reader).await.status,
                StatusCode::NOT_FOUND
            );
        }
        app
    })
    .await;

    // An association may publish the feed to everyone.
    let settings = Settings {
        public_practices_feed: true,
        ..Settings::default()
    };
    let app = TestApp::sqlite(settings).await;
    let feed = app.client().get("/forum/practices.atom").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.headers["cache-control"], "private, max-age=60");
    app.finish().await;
}

#[tokio::test]
async fn moderators_pin_and_lock_threads_from_the_thread_page() {
    on_each_backend(prolific(), |app| async move {
        {
            let mut ana = app.signed_in("Ana", "ana@example.si", Role::Member).await;
            let mut molly = app
                .signed_in("Molly", "molly@example.org", Role::Moderator)
                .await;
            accept(&mut ana).await;
            let first = discussion(&mut ana, "Older thread", "First").await;
            let second = discussion(&mut ana, "Newer thread", "Second").await;
            let page = ana.get(&format!("/forum/t/{first}")).await;
            assert!(!page.body.contains("data-test=\"moderator-tools\""));
            let page = molly.get(&format!("/forum/t/{first}")).await;
            assert!(
                page.body.contains("data-test=\"moderator-tools\""),
                "{}",
                page.body
            );

            let refused = ana
                .api(
                    "/api/forum/pin",
                    &[("thread", &first.to_string()), ("pinned", "1")],
                )
                .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            molly
                .api(
                    "/api/forum/pin",
                    &[("thread", &first.to_string()), ("pinned", "1")],
                )
                .await;
            let list = ana.get("/forum/c/service-quality").await;
            let (older, newer) = (
                list.body.find("Older thread").unwrap(),
                list.body.find("Newer thread").unwrap(),
            );
            assert!(older < newer, "pinned first");
            assert!(list.body.contains("Pinned"));

            let opening: i64 = sqlx::query_scalar(
                "SELECT id FROM forum_posts WHERE thread_id = $1 AND number = 1",
            )
            .bind(second)
            .fetch_one(&app.pool)
            .await
            .unwrap();
            let locked = molly
                .submit(
                    "/api/forum/moderate",
                    &format!("/forum/t/{second}"),
                    &[
                        ("post", &opening.to_string()),
                        ("action", "lock"),
                        ("clause", "clause-6-1"),
                        ("reason", "Off topic"),
                        ("next", &format!("/forum/t/{second}")),
                    ],
                )
                .await;
            assert_eq!(locked.location(), format!("/forum/t/{second}"));
            let page = ana.get(&format!("/forum/t/{second}")).await;
            assert!(page.body.contains("data-test=\"locked\""), "{}", page.body);
            assert!(!page.body.contains("data-test=\"reply-form\""));
        }
        app
    })
    .await;
}

#[tokio::test]
async fn moderators_act_only_on_members_they_outrank() {
    on_each_backend(Settings::default(), |app| async move {
        let mut admin = app
            .signed_in("Ada Admin", "ada@example.si", Role::Admin)
            .await;
        let mut molly = app
            .signed_in("Molly Moderator", "molly@example.si", Role::Moderator)
            .await;
        let mut max = app
            .signed_in("Max Moderator", "max@example.si", Role::Moderator)
            .await;
        for staff in [&mut admin, &mut molly, &mut max] {
            accept(staff).await;
        }
        let thread = discussion(&mut admin, "Rota for the help desk", "Who covers Fridays?").await;
        let by_admin = thread_opening_post(&app, thread).await;
        let by_max = reply(&mut max, thread, "I can take the first Friday.").await;
        for (post, action) in [(by_admin, "hide"), (by_max, "hide"), (by_max, "suspend")] {
            let refused = moderate(&mut molly, post, action).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{action} {post}");
            assert_eq!(error_code(&refused), "OutranksModerator");
        }
        let hidden: Option<i64> =
            sqlx::query_scalar("SELECT hidden_at FROM forum_posts WHERE id = $1")
                .bind(by_max)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(hidden, None, "nothing was done");
        // An administrator outranks a moderator; restoring never goes against anyone.
        let done = moderate(&mut admin, by_max, "hide").await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let restored = moderate(&mut molly, by_max, "restore").await;
        assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
        app
    })
    .await;
}

async fn thread_opening_post(app: &TestApp, thread: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM forum_posts WHERE thread_id = $1 AND number = 1")
        .bind(thread)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn moderate(moderator: &mut Client<'_>, post: i64, action: &str) -> common::Response {
    let post = post.to_string();
    moderator
        .api(
            "/api/forum/moderate",
            &[
                ("post", post.as_str()),
                ("action", action),
                ("clause", "clause-6-2"),
                ("reason", "testing who may act"),
            ],
        )
        .await
}

#[tokio::test]
async fn a_hidden_best_practice_is_no_longer_recommended_and_no_page_number_breaks_a_list() {
    on_each_backend(Settings::default(), |app| async move {
        let mut jana = app
            .signed_in("Jana Novak", "jana@example.si", Role::Member)
            .await;
        let mut mo = app
            .signed_in("Mo Horvat", "mo@example.si", Role::Moderator)
            .await;
        accept(&mut jana).await;
        accept(&mut mo).await;
        let res = jana
            .api(
                "/api/forum/create_thread",
                &[
                    ("category", "service-quality"),
                    ("kind", "practice"),
                    ("title", "Miracle queue software"),
                    ("body", ""),
                    ("situation", "Queues."),
                    ("practice", "Buy my software."),
                    ("result", "Profit."),
                    ("modules[]", "service-quality"),
                    ("modules[]", "service-quality"),
                ],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "a module named twice: {}",
            res.body
        );
        let thread: i64 = res.body.parse().unwrap();
        for page in ["/forum/practices", "/training/service-quality"] {
            let listed = jana.get(page).await;
            assert!(
                listed.body.contains("Miracle queue software"),
                "{page} lists it"
            );
        }
        let hidden = moderate(&mut mo, thread_opening_post(&app, thread).await, "hide").await;
        assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.body);
        for reader in [&mut jana, &mut mo] {
            for page in ["/forum/practices", "/training/service-quality"] {
                let listed = reader.get(page).await;
                assert_eq!(listed.status, StatusCode::OK);
                assert!(!listed.body.contains("Miracle queue software"), "{page}");
            }
        }
        for page in [
            "/forum/practices?page=9223372036854775807",
            "/forum/c/service-quality?page=9223372036854775807",
            &format!("/forum/t/{thread}?page=9223372036854775807"),
        ] {
            let res = jana.get(page).await;
            assert!(res.status.as_u16() < 500, "{page}: {}", res.status);
        }
        app
    })
    .await;
}

#[tokio::test]
async fn a_visitor_is_sent_to_sign_in_and_back_to_the_very_address_they_asked_for() {
    let app = TestApp::sqlite(Settings::default()).await;
    let mut visitor = app.client();
    for (asked, back) in [
        ("/forum/t/abc", "/forum/t/abc"),
        ("/forum/t/7?page=2", "/forum/t/7%3Fpage%3D2"),
        ("/forum/search?q=queue", "/forum/search%3Fq%3Dqueue"),
    ] {
        let res = visitor.get(asked).await;
        assert_eq!(res.status, StatusCode::FOUND, "{asked}");
        assert_eq!(res.location(), format!("/login?next={back}"), "{asked}");
    }
    app.finish().await;
}

#[tokio::test]
async fn flaggers_and_moderators_see_a_whole_best_practice_and_flagging_asks_for_the_code_first() {
    let settings = Settings {
        flags_to_hide: 5,
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        {
            let mut jana = app
                .signed_in("Jana Novak", "jana@example.si", Role::Member)
                .await;
            let mut newcomer = app
                .signed_in("Nina Kos", "nina@example.si", Role::Member)
                .await;
            let mut mo = app
                .signed_in("Mo Horvat", "mo@example.si", Role::Moderator)
                .await;
            accept(&mut jana).await;
            accept(&mut mo).await;
            let res = jana
                .api(
                    "/api/forum/create_thread",
                    &[
                        ("category", "service-quality"),
                        ("kind", "practice"),
                        ("title", "Callbacks instead of queues"),
                        ("body", "Notes."),
                        ("situation", "Long phone queues at noon."),
                        ("practice", "Offer a callback within the hour."),
                        ("result", "Fewer abandoned calls."),
                    ],
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            let thread: i64 = res.body.parse().unwrap();
            let post = thread_opening_post(&app, thread).await;

            // Not yet accepted: the flag page asks for the code before showing its form.
            let page = newcomer.get(&format!("/forum/p/{post}/flag")).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(
                page.body.contains("data-test=\"accept-first\""),
                "{}",
                page.body
            );
            assert!(!page.body.contains("data-test=\"flag-form\""));
            assert!(
                page.body
                    .contains(&format!("next=%2Fforum%2Fp%2F{post}%2Fflag")),
                "the code leads back to the flag: {}",
                page.body
            );

            accept(&mut newcomer).await;
            let page = newcomer.get(&format!("/forum/p/{post}/flag")).await;
            assert!(page.body.contains("data-test=\"flag-form\""));
            for field in [
                "Long phone queues at noon.",
                "Offer a callback within the hour.",
                "Fewer abandoned calls.",
            ] {
                assert!(page.body.contains(field), "flag page shows {field}");
            }
            let flagged = newcomer
                .api(
                    "/api/forum/flag",
                    &[("post", &post.to_string()), ("clause", "clause-6-2")],
                )
                .await;
            assert_eq!(flagged.status, StatusCode::OK, "{}", flagged.body);

            let queue = mo.get("/moderation").await;
            assert!(queue.body.contains("data-test=\"queue-item\""));
            for field in [
                "Long phone queues at noon.",
                "Offer a callback within the hour.",
                "Fewer abandoned calls.",
                "Notes.",
            ] {
                assert!(queue.body.contains(field), "the queue shows {field}");
            }
        }
        app
    })
    .await;
}

/// Edits the opening post `post` of the "Greeting guests" thread.
async fn edit(member: &mut Client<'_>, post: i64, body: &str) -> common::Response {
    member
        .api(
            "/api/forum/edit_post",
            &[
                ("post", &post.to_string()),
                ("title", "Greeting guests"),
                ("body", body),
            ],
        )
        .await
}

#[tokio::test]
async fn edits_obey_the_rules_posting_obeys_and_history_comes_in_pages() {
    let settings = Settings {
        posts_per_ten_minutes: 30,
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        {
            let mut ana = app.signed_in("Ana", "ana@example.si", Role::Member).await;
            accept(&mut ana).await;
            let thread = discussion(&mut ana, "Greeting guests", "Version 0").await;
            let post = thread_opening_post(&app, thread).await;
            for n in 1..=25 {
                let res = edit(&mut ana, post, &format!("Version {n}")).await;
                assert_eq!(res.status, StatusCode::OK, "edit {n}: {}", res.body);
            }

            // History in pages of ten, newest first, with a way on.
            let first = ana.get(&format!("/forum/p/{post}/history")).await;
            assert!(first.body.contains("Version 24<"), "{}", first.body);
            assert!(!first.body.contains("Version 14<"));
            assert!(first.body.contains("rel=\"next\""));
            let third = ana.get(&format!("/forum/p/{post}/history?page=3")).await;
            assert!(third.body.contains("Version 0<"), "{}", third.body);
            assert!(third.body.contains("rel=\"prev\""));

            // The posting budget counts edits: 1 thread + 25 edits, 4 more allowed.
            for n in 26..=29 {
                assert_eq!(
                    edit(&mut ana, post, &format!("Version {n}")).await.status,
                    StatusCode::OK
                );
            }
            let limited = edit(&mut ana, post, "Version 30").await;
            assert_eq!(
                limited.status,
                StatusCode::TOO_MANY_REQUESTS,
                "{}",
                limited.body
            );

            // A suspended member edits nothing.
            let mut ben = app.signed_in("Ben", "ben@example.si", Role::Member).await;
            accept(&mut ben).await;
            let reply = reply(&mut ben, thread, "Before the suspension").await;
            sqlx::query("UPDATE users SET suspended_until = $1 WHERE display_name = 'Ben'")
                .bind(guildhall_app::server::db::now() + 86_400)
                .execute(&app.pool)
                .await
                .unwrap();
            let suspended = ben
                .api(
                    "/api/forum/edit_post",
                    &[
                        ("post", &reply.to_string()),
                        ("body", "After the suspension"),
                    ],
                )
                .await;
            assert_eq!(error_code(&suspended), "Suspended", "{}", suspended.body);
            sqlx::query("UPDATE users SET suspended_until = NULL WHERE display_name = 'Ben'")
                .execute(&app.pool)
                .await
                .unwrap();

            // Nor in a locked thread: refused, and the edit page says why instead of a form.
            sqlx::query("UPDATE forum_threads SET locked = 1 WHERE id = $1")
                .bind(thread)
                .execute(&app.pool)
                .await
                .unwrap();
            let locked = ben
                .api(
                    "/api/forum/edit_post",
                    &[("post", &reply.to_string()), ("body", "After the lock")],
                )
                .await;
            assert_eq!(error_code(&locked), "ThreadLocked", "{}", locked.body);
            let page = ben.get(&format!("/forum/p/{reply}/edit")).await;
            assert!(
                page.body.contains("data-test=\"edit-locked\""),
                "{}",
                page.body
            );
            assert!(!page.body.contains("data-test=\"edit-form\""));
            let body: String = sqlx::query_scalar("SELECT body FROM forum_posts WHERE id = $1")
                .bind(reply)
                .fetch_one(&app.pool)
                .await
                .unwrap();
            assert_eq!(body, "Before the suspension");
        }
        app
    })
    .await;
}

async fn flag(member: &mut Client<'_>, post: i64) -> common::Response {
    member
        .api(
            "/api/forum/flag",
            &[("post", &post.to_string()), ("clause", "clause-6-2")],
        )
        .await
}

#[tokio::test]
async fn only_flags_from_members_with_standing_hide_a_post_and_a_review_is_not_undone_by_the_same_flags()
 {
    let settings = Settings {
        flags_to_hide: 2,
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        {
            let mut author = app.signed_in("Ana", "ana@example.si", Role::Member).await;
            let mut new1 = app.signed_in("New One", "new1@example.si", Role::Member).await;
            let mut new2 = app.signed_in("New Two", "new2@example.si", Role::Member).await;
            let mut mo = app.signed_in("Mo", "mo@example.si", Role::Moderator).await;
            for m in [&mut author, &mut new1, &mut new2, &mut mo] {
                accept(m).await;
            }
            let thread = discussion(&mut author, "Greeting guests", "Smile first.").await;
            let post = thread_opening_post(&app, thread).await;
            let hidden = || async {
                sqlx::query_scalar::<_, Option<i64>>("SELECT hidden_at FROM forum_posts WHERE id = $1")
                    .bind(post)
                    .fetch_one(&app.pool)
                    .await
                    .unwrap()
                    .is_some()
            };

            // Accounts made today: their flags reach the moderators but hide nothing.
            let res = flag(&mut new1, post).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            let res = flag(&mut new2, post).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            assert!(!hidden().await, "fresh accounts cannot hide a post");
            assert!(mo.get("/moderation").await.body.contains("Smile first."));

            // With standing, the same two flags would hide it; a moderator reviews and keeps it.
            sqlx::query("UPDATE users SET created_at = created_at - 8 * 86400")
                .execute(&app.pool)
                .await
                .unwrap();
            let res = mo
                .api(
                    "/api/forum/moderate",
                    &[("post", &post.to_string()), ("action", "dismiss"), ("clause", "clause-6-2"), ("reason", "Fine as it is")],
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            let res = flag(&mut new1, post).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            let res = flag(&mut new2, post).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            assert!(!hidden().await, "the same members cannot undo a review by flagging again");

            // Two members with standing who had not flagged it before do hide it.
            let mut old = app.signed_in("Old Hand", "old@example.si", Role::Member).await;
            accept(&mut old).await;
            sqlx::query("UPDATE users SET created_at = created_at - 8 * 86400 WHERE email = 'old@example.si'")
                .execute(&app.pool)
                .await
                .unwrap();
            let res = flag(&mut old, post).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            assert!(!hidden().await);
            let res = flag(&mut mo, post).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            assert!(hidden().await, "a staff flag counts from day one");
        }
        app
    })
    .await;
}
