//! Certificates: eligibility, issuing (queue, manual, reissue, renewal), revocation, the
//! stored PDF, public verification and who may do what.
mod common;

use axum::http::StatusCode;
use common::{Client, TestApp, on_each_backend};
use guildhall_app::domain::role::Role;
use guildhall_app::server::Settings;
use sqlx::Row;

/// Records a passed attempt directly: the quiz flow itself is tested in quiz.rs.
async fn pass_quiz(app: &TestApp, email: &str, module: &str) {
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO quiz_versions (module_slug, version, quiz, created_at) VALUES ($1, 'test', '{}', 0) \
         ON CONFLICT (module_slug, version) DO NOTHING",
    )
    .bind(module)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO quiz_attempts (user_id, module_slug, quiz_version, started_at, submitted_at, \
         question_count, correct_count, score, passed) VALUES ($1, $2, 'test', 1, 2, 10, 10, 100, 1)",
    )
    .bind(user_id)
    .bind(module)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// Drops `file` on a verification page's check (`path`) and follows the answer back to the
/// page, as the browser does.
async fn check_pdf(visitor: &mut Client<'_>, path: &str, file: &[u8]) -> common::Response {
    let answer = visitor.upload(path, "pdf", file).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    visitor
        .get(answer.location().split('#').next().unwrap())
        .await
}

#[tokio::test]
async fn members_see_what_is_missing_until_they_are_eligible() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let mut visitor = app.client();
            let page = visitor.get("/certificates").await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(
                page.body.contains("Service Excellence Certificate"),
                "{}",
                page.body
            );
            assert!(page.body.contains("/login?next=/certificates"));
            assert!(!page.body.contains("data-test=\"programme-progress\""));

            let email = "ana@example.si";
            let mut member = app.signed_in("Ana Novak", email, Role::Member).await;
            let page = member.get("/certificates").await;
            assert!(
                page.body.contains("Quizzes passed: 0 of 5."),
                "{}",
                page.body
            );
            assert_eq!(page.body.matches("Take the quiz").count(), 5);
            assert!(
                page.body
                    .contains("href=\"/training/service-quality/quiz\"")
            );
            assert!(!page.body.contains("data-test=\"eligible\""));

            for module in [
                "service-excellence",
                "performance-standards",
                "service-quality",
                "service-operations",
            ] {
                pass_quiz(&app, email, module).await;
            }
            let page = member.get("/certificates").await;
            assert!(
                page.body.contains("Quizzes passed: 4 of 5."),
                "{}",
                page.body
            );
            assert_eq!(page.body.matches("Take the quiz").count(), 1);
            assert!(
                page.body
                    .contains("href=\"/training/great-service-qualities/quiz\"")
            );

            pass_quiz(&app, email, "great-service-qualities").await;
            let page = member.get("/certificates").await;
            assert!(
                page.body.contains("data-test=\"eligible\""),
                "{}",
                page.body
            );
            assert!(page.body.contains("You are eligible"));
            assert_eq!(page.body.matches("Take the quiz").count(), 0);

            // Another member's passes count for nobody else.
            let mut other = app
                .signed_in("Jānis Bērziņš", "janis@example.lv", Role::Member)
                .await;
            let page = other.get("/certificates").await;
            assert!(page.body.contains("Quizzes passed: 0 of 5."));
        }
        app
    })
    .await;
}

const MODULES: [&str; 5] = [
    "service-excellence",
    "performance-standards",
    "service-quality",
    "service-operations",
    "great-service-qualities",
];

/// Records a passed attempt at `at` (Unix seconds) directly.
async fn pass_quiz_at(app: &TestApp, email: &str, module: &str, at: i64) {
    let user_id = user_id(app, email).await;
    sqlx::query(
        "INSERT INTO quiz_versions (module_slug, version, quiz, created_at) VALUES ($1, 'test', '{}', 0) \
         ON CONFLICT (module_slug, version) DO NOTHING",
    )
    .bind(module)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO quiz_attempts (user_id, module_slug, quiz_version, started_at, submitted_at, \
         question_count, correct_count, score, passed) VALUES ($1, $2, 'test', $3, $3, 10, 10, 100, 1)",
    )
    .bind(user_id)
    .bind(module)
    .bind(at)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn pass_all(app: &TestApp, email: &str) {
    for module in MODULES {
        pass_quiz_at(app, email, module, now()).await;
    }
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn now() -> i64 {
    guildhall_app::server::db::now()
}

/// Certificates of a member, newest first: (id, code, status as stored).
async fn certificates_of(app: &TestApp, email: &str) -> Vec<(i64, String)> {
    let rows = sqlx::query(
        "SELECT c.id, c.code FROM certificates c JOIN users u ON u.id = c.user_id \
         WHERE u.email = $1 ORDER BY c.id DESC",
    )
    .bind(email)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    rows.iter().map(|r| (r.get("id"), r.get("code"))).collect()
}

fn dashed(code: &str) -> String {
    guildhall_app::server::certificates::code::display(code)
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Issues the service excellence certificate to `members` from the queue's form, as a
/// browser without JavaScript does; returns the redirect.
async fn bulk_issue(admin: &mut Client<'_>, members: &[String]) -> common::Response {
    let mut fields = vec![("programme", "service-excellence")];
    fields.extend(members.iter().map(|id| ("members[]", id.as_str())));
    let issued = admin
        .submit("/api/certificates/issue", "/admin/certificates", &fields)
        .await;
    assert_eq!(issued.status, StatusCode::FOUND, "{}", issued.body);
    issued
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed: `make test-tools` does it");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn an_admin_issues_from_the_queue_and_anyone_verifies_the_pdf() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let email = "lucja@example.pl";
            let name = "Łucja Żółkiewska-Świątek";
            let mut member = app.signed_in(name, email, Role::Member).await;
            let mut admin = app
                .signed_in("Ada Admin", "ada@example.org", Role::Admin)
                .await;

            let page = admin.get("/admin/certificates").await;
            assert!(
                page.body.contains("data-test=\"queue-empty\""),
                "{}",
                page.body
            );

            pass_all(&app, email).await;
            let page = admin.get("/admin/certificates").await;
            assert!(page.body.contains(name), "{}", page.body);
            let id = user_id(&app, email).await.to_string();
            let issued = admin
                .submit(
                    "/api/certificates/issue",
                    "/admin/certificates",
                    &[("programme", "service-excellence"), ("members[]", &id)],
                )
                .await;
            assert_eq!(issued.status, StatusCode::FOUND, "{}", issued.body);
            let summary = admin.get(issued.location()).await;
            assert!(
                summary.body.contains("data-test=\"issue-summary\""),
                "{}",
                summary.body
            );
            assert!(
                summary.body.contains("Certificates issued: 1."),
                "{}",
                summary.body
            );
            let certificates = certificates_of(&app, email).await;
            assert_eq!(certificates.len(), 1);
            let (certificate_id, code) = certificates[0].clone();
            assert_eq!(code.len(), 16);

            // Issued once: the queue is empty, and a second issue is refused.
            let page = admin.get("/admin/certificates").await;
            assert!(
                page.body.contains("data-test=\"queue-empty\""),
                "{}",
                page.body
            );
            let again = admin
                .api(
                    "/api/certificates/issue",
                    &[("programme", "service-excellence"), ("members[]", &id)],
                )
                .await;
            assert_eq!(again.status, StatusCode::OK, "{}", again.body);
            assert_eq!(again.body, "0");
            assert_eq!(certificates_of(&app, email).await.len(), 1);

            // The member sees it, downloads the PDF as stored, with her name exactly.
            let page = member.get("/certificates").await;
            assert!(page.body.contains(&dashed(&code)), "{}", page.body);
            assert!(page.body.contains("data-test=\"linkedin\""));
            assert!(page.body.contains("data-status=\"valid\""));
            let pdf = member
                .get(&format!("/certificates/{certificate_id}/certificate.pdf"))
                .await;
            assert_eq!(pdf.status, StatusCode::OK);
            assert_eq!(pdf.headers["content-type"], "application/pdf");
            assert!(pdf.bytes.starts_with(b"%PDF"));
            let text = pdf_text(&pdf.bytes);
            assert!(text.contains(name), "{text}");
            assert!(text.contains(&dashed(&code)), "{text}");
            assert!(
                text.contains(&format!("/verify/{}", dashed(&code))),
                "{text}"
            );
            let again = member
                .get(&format!("/certificates/{certificate_id}/certificate.pdf"))
                .await;
            assert_eq!(again.bytes, pdf.bytes, "downloads serve the stored bytes");

            // Anyone verifies: by the QR link, and by typing the code however they like.
            let mut visitor = app.client();
            let page = visitor.get(&format!("/verify/{}", dashed(&code))).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains(name), "{}", page.body);
            assert!(page.body.contains("data-status=\"valid\""));
            assert!(page.body.contains(&sha256(&pdf.bytes)));
            assert!(!page.body.contains(email), "no data beyond the certificate");
            let typed = code.to_lowercase().replace('0', "o");
            let redirect = visitor.get(&format!("/verify?code={typed}")).await;
            assert_eq!(redirect.status, StatusCode::FOUND);
            assert_eq!(redirect.location(), format!("/verify/{}", dashed(&code)));
            let bad = visitor.get("/verify?code=not-a-code").await;
            assert!(
                bad.body.contains("data-test=\"form-error\""),
                "{}",
                bad.body
            );
            assert!(bad.body.contains("value=\"not-a-code\""), "typed text kept");
            let unknown = visitor.get("/verify/AAAA-BBBB-CCCC-DDDD").await;
            assert_eq!(unknown.status, StatusCode::NOT_FOUND);
            assert!(unknown.body.contains("data-test=\"verify-unknown\""));

            // The dropped PDF: the original matches, an edited copy does not.
            let check = format!("/verify/{}/check", dashed(&code));
            let page = check_pdf(&mut visitor, &check, &pdf.bytes).await;
            assert!(
                page.body.contains("data-test=\"pdf-match\""),
                "{}",
                page.body
            );
            let mut edited = pdf.bytes.clone();
            let at = edited.len() / 2;
            edited[at] ^= 1;
            let page = check_pdf(&mut visitor, &check, &edited).await;
            assert!(
                page.body.contains("data-test=\"pdf-mismatch\""),
                "{}",
                page.body
            );
            assert!(!page.body.contains("data-test=\"pdf-match\""));
            // A file over the body limit: the page says it is not the issued PDF.
            let huge = vec![b'%'; 300 * 1024];
            let page = check_pdf(&mut visitor, &check, &huge).await;
            assert!(
                page.body.contains("data-test=\"pdf-too-large\""),
                "{}",
                page.body
            );
            assert!(!page.body.contains("data-test=\"pdf-match\""));
            // A request that is not a file upload, or names a code nobody holds, still ends
            // on a page that says what happened.
            let not_upload = visitor
                .send(
                    axum::http::Request::post(&check)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .header("accept", "text/html")
                        .header("origin", "http://127.0.0.1:3000")
                        .header("sec-fetch-site", "same-origin")
                        .header("host", "127.0.0.1:3000")
                        .body(axum::body::Body::from("pdf=x"))
                        .unwrap(),
                )
                .await;
            assert_eq!(
                not_upload.status,
                StatusCode::SEE_OTHER,
                "{}",
                not_upload.body
            );
            let page = visitor
                .get(not_upload.location().split('#').next().unwrap())
                .await;
            assert!(
                page.body.contains("data-test=\"pdf-no-file\""),
                "{}",
                page.body
            );
            let unknown = visitor
                .upload("/verify/AAAA-BBBB-CCCC-DDDD/check", "pdf", &pdf.bytes)
                .await;
            assert_eq!(unknown.status, StatusCode::SEE_OTHER, "{}", unknown.body);
            let page = visitor.get(unknown.location()).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND);
            assert!(
                page.body.contains("data-test=\"verify-unknown\""),
                "{}",
                page.body
            );
            // The answer is shown once, and a link cannot claim a match.
            let page = visitor
                .get(&format!("/verify/{}?match=1", dashed(&code)))
                .await;
            assert!(!page.body.contains("data-test=\"pdf-match\""));
        }
        app
    })
    .await;
}

/// Names in right-to-left scripts are issued and printed; a name stored before registration
/// checked the fonts is refused with its reason, and the bulk issue says so (issue 17, item 2).
#[tokio::test]
async fn a_bulk_issue_prints_every_script_it_accepted_and_reports_who_it_could_not() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let members = [
                ("فاطمة الزهراء", "fatima@example.org"),
                ("יעל בן־דוד", "yael@example.org"),
                ("Layla فاطمة الزهراء", "layla@example.org"),
                ("Taro Yamada", "taro@example.jp"),
            ];
            let mut ids = Vec::new();
            for (name, email) in members {
                let _ = app.signed_in(name, email, Role::Member).await;
                pass_all(&app, email).await;
                ids.push(user_id(&app, email).await.to_string());
            }
            // As if registered before names were checked against the fonts.
            sqlx::query(
                "UPDATE users SET display_name = '山田 太郎' WHERE email = 'taro@example.jp'",
            )
            .execute(&app.pool)
            .await
            .unwrap();
            let mut admin = app
                .signed_in("Ada Admin", "ada@example.org", Role::Admin)
                .await;
            let issued = bulk_issue(&mut admin, &ids).await;
            let summary = admin.get(issued.location()).await;
            assert!(
                summary.body.contains("Certificates issued: 3."),
                "{}",
                summary.body
            );
            assert!(summary.body.contains("Not issued: 1."), "{}", summary.body);
            assert!(
                summary.body.contains("data-refusal=\"NameNotPrintable\""),
                "{}",
                summary.body
            );
            assert!(summary.body.contains("山田 太郎"), "{}", summary.body);
            assert!(
                summary
                    .body
                    .contains("Certificates cannot print some letters"),
                "{}",
                summary.body
            );
            assert!(certificates_of(&app, "taro@example.jp").await.is_empty());

            for (name, email) in &members[..3] {
                let certificates = certificates_of(&app, email).await;
                assert_eq!(certificates.len(), 1, "{name}");
                let pdf = admin
                    .get(&format!(
                        "/certificates/{}/certificate.pdf",
                        certificates[0].0
                    ))
                    .await;
                assert_eq!(pdf.status, StatusCode::OK, "{name}");
                let text = pdf_text(&pdf.bytes);
                for word in name.split(' ') {
                    assert!(text.contains(word), "{word:?} of {name:?} not in {text}");
                }
            }
        }
        app
    })
    .await;
}

/// Issue 16, item 17: the redirect after a bulk issue names the batch, not every issued id,
/// and only admins read what the batch did.
#[tokio::test]
async fn a_bulk_issue_of_many_members_redirects_to_a_short_summary_only_admins_read() {
    on_each_backend(Settings::default(), |app| async move {
        {
            const MANY: usize = 120;
            let mut ids = Vec::new();
            for i in 0..MANY {
                let email = format!("member{i}@example.org");
                sqlx::query(
                    "INSERT INTO users (email, display_name, password_hash, language, role, created_at, updated_at) \
                     VALUES ($1, $2, 'not a hash', 'en', 'member', 0, 0)",
                )
                .bind(&email)
                .bind(format!("Člen Number {i}"))
                .execute(&app.pool)
                .await
                .unwrap();
                pass_all(&app, &email).await;
                ids.push(user_id(&app, &email).await.to_string());
            }
            // Asked for twice, and one that does not exist.
            ids.push(ids[0].clone());
            ids.push("987654".into());
            let mut admin = app
                .signed_in("Ada Admin", "ada@example.org", Role::Admin)
                .await;
            let issued = bulk_issue(&mut admin, &ids).await;
            let location = issued.location().to_owned();
            let batch = location
                .strip_prefix("/admin/certificates/batches/")
                .unwrap_or_else(|| panic!("{location}"));
            assert!(batch.parse::<i64>().is_ok(), "{location}");

            let page = admin.get(&location).await;
            assert_eq!(page.status, StatusCode::OK);
            let body = &page.body;
            assert!(body.contains(&format!("Certificates issued: {MANY}. Not issued: 2.")), "{body}");
            assert!(body.contains("<h1>Bulk issue: Service Excellence Certificate</h1>"), "{body}");
            assert_eq!(body.matches("<li><a href=\"/admin/certificates/").count(), MANY, "{body}");
            assert!(body.contains("Člen Number 119"), "{body}");
            assert!(body.contains("data-test=\"batch-refused\""), "{body}");
            assert!(body.contains("data-refusal=\"CertificateHeld\""), "{body}");
            assert!(body.contains("No member with number 987654"), "{body}");
            assert!(!body.contains("No member has this email"), "{body}");
            assert!(body.contains("href=\"/admin/certificates\""), "a way back: {body}");

            let mut member = app
                .signed_in("Mia Member", "mia@example.org", Role::Member)
                .await;
            let mut moderator = app
                .signed_in("Max Moderator", "max@example.org", Role::Moderator)
                .await;
            for client in [&mut member, &mut moderator] {
                let page = client.get(&location).await;
                assert_eq!(page.status, StatusCode::FORBIDDEN);
                assert!(!page.body.contains("Člen Number"), "{}", page.body);
            }
            let page = app.client().get(&location).await;
            assert!(!page.body.contains("Člen Number"), "{}", page.body);
            assert_ne!(page.status, StatusCode::OK);
            let missing = admin.get("/admin/certificates/batches/999999").await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND);
        }
        app
    })
    .await;
}

#[tokio::test]
async fn revocation_shows_at_once_and_a_reissue_supersedes() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let email = "jiri@example.cz";
            let mut member = app.signed_in("Jiri Cermak", email, Role::Member).await;
            let mut admin = app
                .signed_in("Ada Admin", "ada@example.org", Role::Admin)
                .await;
            pass_all(&app, email).await;
            let id = user_id(&app, email).await.to_string();
            admin
                .api(
                    "/api/certificates/issue",
                    &[("programme", "service-excellence"), ("members[]", &id)],
                )
                .await;
            let (first, first_code) = certificates_of(&app, email).await[0].clone();

            // The member corrects their name; the admin reissues with a reason.
            let saved = member
                .api(
                    "/api/update_profile",
                    &[("name", "Jiří Čermák"), ("language", "cs")],
                )
                .await;
            assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
            let no_reason = admin
                .submit(
                    "/api/certificates/reissue",
                    "/admin/certificates/1",
                    &[("id", &first.to_string()), ("reason", "  ")],
                )
                .await;
            assert_eq!(no_reason.status, StatusCode::FOUND);
            let page = admin.get(no_reason.location()).await;
            assert!(page.body.contains("Give a reason"), "{}", page.body);
            let reissued = admin
                .api(
                    "/api/certificates/reissue",
                    &[("id", &first.to_string()), ("reason", "Name corrected")],
                )
                .await;
            assert_eq!(reissued.status, StatusCode::OK, "{}", reissued.body);
            let (second, second_code) = certificates_of(&app, email).await[0].clone();
            assert_ne!(second, first);

            let mut visitor = app.client();
            let old = visitor
                .get(&format!("/verify/{}", dashed(&first_code)))
                .await;
            assert!(
                old.body.contains("data-status=\"superseded\""),
                "{}",
                old.body
            );
            let new = visitor
                .get(&format!("/verify/{}", dashed(&second_code)))
                .await;
            assert!(new.body.contains("data-status=\"valid\""));
            assert!(new.body.contains("Jiří Čermák"), "{}", new.body);
            let pdf = member
                .get(&format!("/certificates/{second}/certificate.pdf"))
                .await;
            let text = pdf_text(&pdf.bytes);
            assert!(text.contains("Jiří Čermák"), "{text}");
            // Same dates as the first, written as in Czech, the holder's language.
            let (issued, expires): (i64, i64) = {
                let row =
                    sqlx::query("SELECT issued_at, expires_at FROM certificates WHERE id = $1")
                        .bind(first)
                        .fetch_one(&app.pool)
                        .await
                        .unwrap();
                (row.get("issued_at"), row.get("expires_at"))
            };
            for day in [issued, expires] {
                let written = guildhall_app::domain::dates::long_date(day, "cs");
                assert!(text.contains(&written), "{written} in {text}");
            }

            // A superseded certificate can be neither reissued nor revoked.
            let refused = admin
                .api(
                    "/api/certificates/revoke",
                    &[("id", &first.to_string()), ("reason", "x")],
                )
                .await;
            assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);

            let revoked = admin
                .api(
                    "/api/certificates/revoke",
                    &[("id", &second.to_string()), ("reason", "Issued in error")],
                )
                .await;
            assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
            let page = visitor
                .get(&format!("/verify/{}", dashed(&second_code)))
                .await;
            assert!(
                page.body.contains("data-status=\"revoked\""),
                "{}",
                page.body
            );
            let twice = admin
                .api(
                    "/api/certificates/revoke",
                    &[("id", &second.to_string()), ("reason", "again")],
                )
                .await;
            assert_eq!(twice.status, StatusCode::CONFLICT);

            // Who, when and why, on the admin page.
            let page = admin.get(&format!("/admin/certificates/{second}")).await;
            assert!(page.body.contains("Issued in error"), "{}", page.body);
            assert!(
                page.body.contains("Ada Admin &lt;ada@example.org&gt;")
                    || page.body.contains("Ada Admin <ada@example.org>"),
                "{}",
                page.body
            );
            let page = admin.get(&format!("/admin/certificates/{first}")).await;
            assert!(page.body.contains("Name corrected"), "{}", page.body);
            assert!(
                !page.body.contains("data-test=\"revoke\""),
                "no actions on a superseded certificate"
            );

            // After a revocation only new passes make the member eligible again.
            let page = admin.get("/admin/certificates").await;
            assert!(
                page.body.contains("data-test=\"queue-empty\""),
                "{}",
                page.body
            );

            // The list filters by status, and its CSV follows.
            let page = admin.get("/admin/certificates?status=revoked").await;
            assert!(
                page.body
                    .contains(&format!("/admin/certificates/{second}\"")),
                "{}",
                page.body
            );
            assert!(
                !page
                    .body
                    .contains(&format!("/admin/certificates/{first}\""))
            );
            let all = admin
                .get("/admin/certificates.csv?status=&programme=&expiring=")
                .await;
            assert_eq!(all.status, StatusCode::OK, "the page's own empty filters");
            let csv = admin.get("/admin/certificates.csv?status=superseded").await;
            assert_eq!(csv.status, StatusCode::OK);
            assert!(
                csv.bytes.starts_with(b"\xEF\xBB\xBFserial,code,"),
                "a BOM, then the header"
            );
            assert!(csv.body.contains(&dashed(&first_code)), "{}", csv.body);
            assert!(!csv.body.contains(&dashed(&second_code)));
        }
        app
    })
    .await;
}

#[tokio::test]
async fn renewal_needs_the_quizzes_again_and_runs_on_from_the_old_expiry() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let email = "karlis@example.lv";
            let mut member = app.signed_in("Kārlis Ēriņš", email, Role::Member).await;
            let mut admin = app
                .signed_in("Ada Admin", "ada@example.org", Role::Admin)
                .await;
            let long_ago = now() - 700 * 86_400;
            for module in MODULES {
                pass_quiz_at(&app, email, module, long_ago).await;
            }
            let id = user_id(&app, email).await.to_string();
            admin
                .api(
                    "/api/certificates/issue",
                    &[("programme", "service-excellence"), ("members[]", &id)],
                )
                .await;
            let (old, _) = certificates_of(&app, email).await[0].clone();
            let page = member.get("/certificates").await;
            assert!(page.body.contains("data-test=\"held\""), "{}", page.body);

            // Expired: the verification page says so, and the member may still renew.
            let code: String = sqlx::query_scalar("SELECT code FROM certificates WHERE id = $1")
                .bind(old)
                .fetch_one(&app.pool)
                .await
                .unwrap();
            sqlx::query("UPDATE certificates SET expires_at = $1 WHERE id = $2")
                .bind(now() - 1)
                .bind(old)
                .execute(&app.pool)
                .await
                .unwrap();
            let page = app
                .client()
                .get(&format!("/verify/{}", dashed(&code)))
                .await;
            assert!(
                page.body.contains("data-status=\"expired\""),
                "{}",
                page.body
            );
            let page = member.get("/certificates").await;
            assert!(
                page.body.contains("data-test=\"renewal-invitation\""),
                "{}",
                page.body
            );

            // Thirty days before expiry: the member is invited to renew.
            let expires = now() + 30 * 86_400;
            sqlx::query("UPDATE certificates SET expires_at = $1 WHERE id = $2")
                .bind(expires)
                .bind(old)
                .execute(&app.pool)
                .await
                .unwrap();
            let page = member.get("/certificates").await;
            assert!(
                page.body.contains("data-test=\"renewal-invitation\""),
                "{}",
                page.body
            );
            assert_eq!(
                page.body.matches("Take the quiz").count(),
                5,
                "old passes do not count"
            );
            let page = admin.get("/admin/certificates").await;
            assert!(page.body.contains("data-test=\"queue-empty\""));

            pass_all(&app, email).await;
            let page = admin.get("/admin/certificates").await;
            assert!(page.body.contains("Renewal"), "{}", page.body);
            admin
                .api(
                    "/api/certificates/issue",
                    &[("programme", "service-excellence"), ("members[]", &id)],
                )
                .await;
            let all = certificates_of(&app, email).await;
            assert_eq!(all.len(), 2);
            let new_expiry: i64 =
                sqlx::query_scalar("SELECT expires_at FROM certificates WHERE id = $1")
                    .bind(all[0].0)
                    .fetch_one(&app.pool)
                    .await
                    .unwrap();
            let days = (new_expiry - expires) / 86_400;
            assert!(
                (729..=732).contains(&days),
                "24 months after the old expiry, got {days} days"
            );
            let superseded: Option<i64> =
                sqlx::query_scalar("SELECT superseded_by FROM certificates WHERE id = $1")
                    .bind(old)
                    .fetch_one(&app.pool)
                    .await
                    .unwrap();
            assert_eq!(superseded, Some(all[0].0));
            // The whole history stays visible to the member.
            let page = member.get("/certificates").await;
            assert!(
                page.body.contains("data-test=\"certificate-history\""),
                "{}",
                page.body
            );
        }
        app
    })
    .await;
}

#[tokio::test]
async fn manual_issue_needs_a_reason_and_keeps_what_the_admin_typed() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let mut admin = app
                .signed_in("Ada Admin", "ada@example.org", Role::Admin)
                .await;
            // Typed with combining carons; stored and printed composed.
            app.signed_in(
                "Z\u{30c}iga S\u{30c}us\u{30c}ters\u{30c}ic\u{30c}",
                "ziga@example.si",
                Role::Member,
            )
            .await;
            let stored: String = sqlx::query_scalar(
                "SELECT display_name FROM users WHERE email = 'ziga@example.si'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap();
            assert_eq!(stored, "Žiga Šušteršič");
            let refused = admin
                .submit(
                    "/api/certificates/issue_manual",
                    "/admin/certificates",
                    &[
                        ("email", "ziga@example.si"),
                        ("programme", "service-excellence"),
                        ("reason", ""),
                    ],
                )
                .await;
            assert_eq!(refused.status, StatusCode::FOUND);
            let page = admin.get(refused.location()).await;
            assert!(page.body.contains("Give a reason"), "{}", page.body);
            assert!(
                page.body.contains("value=\"ziga@example.si\""),
                "{}",
                page.body
            );

            // A kept reason is text, even one that tries to close its field.
            let hostile = format!(
                "</textarea><script>alert('reason')</script>{}",
                "x".repeat(500)
            );
            let refused = admin
                .submit(
                    "/api/certificates/issue_manual",
                    "/admin/certificates",
                    &[
                        ("email", "ziga@example.si"),
                        ("programme", "service-excellence"),
                        ("reason", &hostile),
                    ],
                )
                .await;
            let page = admin.get(refused.location()).await;
            assert!(page.body.contains("500 characters"), "{}", page.body);
            assert!(
                page.body.contains("&lt;/textarea&gt;&lt;script&gt;"),
                "{}",
                page.body
            );
            assert!(!page.body.contains("<script>alert('reason')"));

            let unknown = admin
                .api(
                    "/api/certificates/issue_manual",
                    &[
                        ("email", "nobody@example.si"),
                        ("programme", "service-excellence"),
                        ("reason", "Prior learning"),
                    ],
                )
                .await;
            assert_eq!(unknown.status.as_u16(), 422, "{}", unknown.body);
            assert!(unknown.body.contains("No member has this email"));

            let issued = admin
                .api(
                    "/api/certificates/issue_manual",
                    &[
                        ("email", "ZIGA@example.si"),
                        ("programme", "service-excellence"),
                        ("reason", "Migrated from the 2019 register"),
                    ],
                )
                .await;
            assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
            let id: i64 = issued.body.parse().unwrap();
            let page = admin.get(&format!("/admin/certificates/{id}")).await;
            assert!(page.body.contains("Migrated from the 2019 register"));
            assert!(page.body.contains("Issued by decision of the association"));
            let twice = admin
                .api(
                    "/api/certificates/issue_manual",
                    &[
                        ("email", "ziga@example.si"),
                        ("programme", "service-excellence"),
                        ("reason", "Again"),
                    ],
                )
                .await;
            assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
        }
        app
    })
    .await;
}

#[tokio::test]
async fn pdfs_and_admin_pages_are_for_their_owners_and_admins() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let email = "ana@example.si";
            app.signed_in("Ana Novak", email, Role::Member).await;
            let mut other = app
                .signed_in("Mallory", "mallory@example.com", Role::Member)
                .await;
            let mut moderator = app
                .signed_in("Molly", "molly@example.com", Role::Moderator)
                .await;
            let mut admin = app
                .signed_in("Ada Admin", "ada@example.org", Role::Admin)
                .await;
            admin
                .api(
                    "/api/certificates/issue_manual",
                    &[
                        ("email", email),
                        ("programme", "service-excellence"),
                        ("reason", "Prior learning"),
                    ],
                )
                .await;
            let (id, _) = certificates_of(&app, email).await[0].clone();
            let path = format!("/certificates/{id}/certificate.pdf");
            // A program gets the bare status; a browser gets the site's page with a way on.
            assert_eq!(
                app.client()
                    .get_with(&path, &[("accept", "application/pdf")])
                    .await
                    .status,
                StatusCode::UNAUTHORIZED
            );
            let visitor = app.client().get(&path).await;
            assert_eq!(visitor.status, StatusCode::FOUND);
            assert_eq!(
                visitor.location(),
                format!("/login?next=/certificates/{id}/certificate.pdf")
            );
            let missing = other.get(&path).await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND);
            assert!(missing.body.contains("<main"), "{}", missing.body);
            assert!(missing.body.contains("href=\"/\""), "a way back");
            assert_eq!(admin.get(&path).await.status, StatusCode::OK);
            for page in ["/admin/certificates", &format!("/admin/certificates/{id}")] {
                assert_eq!(
                    other.get(page).await.status,
                    StatusCode::FORBIDDEN,
                    "{page}"
                );
                assert_eq!(
                    moderator.get(page).await.status,
                    StatusCode::FORBIDDEN,
                    "{page}"
                );
            }
            let refused = other.get("/admin/certificates.csv").await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            assert!(refused.body.contains("<main"), "{}", refused.body);
            assert_eq!(refused.headers["content-type"], "text/html; charset=utf-8");
            let visitor = app.client().get("/admin/certificates.csv").await;
            assert_eq!(visitor.status, StatusCode::FOUND);
            assert_eq!(visitor.location(), "/login?next=/admin/certificates.csv");
            assert_eq!(
                other
                    .get_with("/admin/certificates.csv", &[("accept", "text/csv")])
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
        }
        app
    })
    .await;
}

#[tokio::test]
async fn parallel_issues_for_one_eligibility_issue_once() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let email = "pia@example.si";
            app.signed_in("Pia", email, Role::Member).await;
            let admin = app
                .signed_in("Ada Admin", "ada@example.org", Role::Admin)
                .await;
            pass_all(&app, email).await;
            let id = user_id(&app, email).await.to_string();
            let calls: Vec<_> = (0..6)
                .map(|_| {
                    tokio::spawn(admin.api_detached(
                        "/api/certificates/issue",
                        &[("programme", "service-excellence"), ("members[]", &id)],
                    ))
                })
                .collect();
            let mut issued = 0;
            for call in calls {
                let res = call.await.unwrap();
                assert_eq!(res.status, StatusCode::OK, "{}", res.body);
                issued += res.body.parse::<i64>().unwrap();
            }
            assert_eq!(issued, 1);
            assert_eq!(certificates_of(&app, email).await.len(), 1);
            let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificate_files")
                .fetch_one(&app.pool)
                .await
                .unwrap();
            assert_eq!(files, 1, "no file without its certificate");
        }
        app
    })
    .await;
}

#[tokio::test]
async fn guessing_codes_is_rate_limited_and_the_register_is_opt_in() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let email = "ana@example.si";
            let mut member = app.signed_in("Ana Novak", email, Role::Member).await;
            let mut admin = app
                .signed_in("Ada Admin", "ada@example.org", Role::Admin)
                .await;
            admin
                .api(
                    "/api/certificates/issue_manual",
                    &[
                        ("email", email),
                        ("programme", "service-excellence"),
                        ("reason", "Prior learning"),
                    ],
                )
                .await;
            let (_, code) = certificates_of(&app, email).await[0].clone();

            let page = app.client().get("/certified").await;
            assert!(
                !page.body.contains("Ana Novak"),
                "not listed without consent"
            );
            let saved = member
                .submit(
                    "/api/certificates/register",
                    "/certificates",
                    &[("listed", "on")],
                )
                .await;
            assert_eq!(saved.status, StatusCode::FOUND);
            let page = app.client().get("/certified").await;
            assert!(page.body.contains("Ana Novak"), "{}", page.body);
            assert!(page.body.contains(&dashed(&code)));
            member
                .submit("/api/certificates/register", "/certificates", &[])
                .await;
            let page = app.client().get("/certified").await;
            assert!(!page.body.contains("Ana Novak"));

            let mut guesser = app.client();
            guesser.ip = Some("203.0.113.9:4000".parse().unwrap());
            for n in 0..30 {
                let page = guesser.get(&format!("/verify/AAAA-BBBB-CCCC-{n:04}")).await;
                assert_eq!(page.status, StatusCode::NOT_FOUND, "guess {n}");
            }
            let limited = guesser.get(&format!("/verify/{}", dashed(&code))).await;
            assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
            assert!(!limited.body.contains("Ana Novak"));
            let mut other = app.client();
            other.ip = Some("198.51.100.7:4000".parse().unwrap());
            assert_eq!(
                other
                    .get(&format!("/verify/{}", dashed(&code)))
                    .await
                    .status,
                StatusCode::OK
            );
        }
        app
    })
    .await;
}

/// An admin issues the service-excellence certificate to `email` by hand.
async fn issue_manually(admin: &mut Client<'_>, email: &str) -> common::Response {
    admin
        .api(
            "/api/certificates/issue_manual",
            &[
                ("email", email),
                ("programme", "service-excellence"),
                ("reason", "Prior learning"),
            ],
        )
        .await
}

#[tokio::test]
async fn nothing_is_issued_while_the_public_address_points_at_the_server_itself() {
    let settings = Settings {
        public_url_wrong: true,
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        {
            let mut admin = app
                .signed_in("Ada Admin", "ada@example.org", Role::Admin)
                .await;
            app.signed_in("Ana Novak", "ana@example.si", Role::Member)
                .await;
            let refused = issue_manually(&mut admin, "ana@example.si").await;
            assert_eq!(
                refused.status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{}",
                refused.body
            );
            assert!(refused.body.contains("PublicUrlWrong"), "{}", refused.body);
            let ana = user_id(&app, "ana@example.si").await.to_string();
            let bulk = admin
                .api(
                    "/api/certificates/issue",
                    &[("programme", "service-excellence"), ("members[]", &ana)],
                )
                .await;
            assert_eq!(
                bulk.status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{}",
                bulk.body
            );
            assert!(certificates_of(&app, "ana@example.si").await.is_empty());
            for page in ["/admin", "/admin/certificates"] {
                let page = admin.get(page).await;
                assert!(
                    page.body.contains("data-test=\"public-url-wrong\""),
                    "{}",
                    page.body
                );
                assert!(page.body.contains("GUILDHALL_PUBLIC_URL"));
            }
        }
        app
    })
    .await;
}

#[tokio::test]
async fn a_revocation_from_the_command_line_reaches_a_running_server_on_sqlite() {
    let app = TestApp::sqlite(Settings::default()).await;
    {
        let mut admin = app
            .signed_in("Ada Admin", "ada@example.org", Role::Admin)
            .await;
        app.signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let issued = issue_manually(&mut admin, "ana@example.si").await;
        assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
        let (_, code) = certificates_of(&app, "ana@example.si").await[0].clone();
        let page = format!("/verify/{}", dashed(&code));
        let mut visitor = app.client();
        // Read once, so the page is kept in memory.
        assert!(
            visitor
                .get(&page)
                .await
                .body
                .contains("data-status=\"valid\"")
        );

        let revoked = std::process::Command::new(env!("CARGO_BIN_EXE_guildhall"))
            .args([
                "certificates",
                "revoke",
                &code,
                "--reason",
                "Issued in error",
            ])
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "error")
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .output()
            .unwrap();
        assert!(
            revoked.status.success(),
            "{}",
            String::from_utf8_lossy(&revoked.stderr)
        );
        // The server reads the change log every second; give it many chances, not a deadline.
        let mut shown = String::new();
        for _ in 0..100 {
            shown = visitor.get(&page).await.body;
            if shown.contains("data-status=\"revoked\"") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(shown.contains("data-status=\"revoked\""), "{shown}");
    }
    app.finish().await;
}
