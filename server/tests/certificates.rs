//! "My certificates": programmes and how far a member is towards each.
mod common;

use axum::http::StatusCode;
use common::{TestApp, on_each_backend};
use guildhall_app::domain::role::Role;
use guildhall_app::server::Settings;

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
