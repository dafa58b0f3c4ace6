//! Training modules through HTTP: the catalogue, reading in a language, progress.
mod common;

use axum::http::StatusCode;
use common::on_each_backend;
use guildhall_app::domain::role::Role;
use guildhall_app::server::Settings;

#[tokio::test]
async fn the_catalogue_is_public_and_lists_every_module_with_its_languages() {
    on_each_backend(Settings::default(), |app| async move {
        let mut visitor = app.client();
        let page = visitor.get("/training").await;
        assert_eq!(page.status, StatusCode::OK);
        for slug in [
            "service-excellence",
            "performance-standards",
            "service-quality",
            "service-operations",
            "great-service-qualities",
        ] {
            assert!(
                page.body.contains(&format!("/training/{slug}?lang=en")),
                "{slug} listed"
            );
        }
        assert!(page.body.contains("Latviešu") && page.body.contains("Slovenščina"));
        assert!(
            !page.body.contains("data-test=\"module-progress\""),
            "visitors have no progress"
        );

        // A Czech reader sees the Czech titles where they exist.
        let page = visitor
            .get_with("/training", &[("accept-language", "cs")])
            .await;
        assert!(page.body.contains("/training/service-excellence?lang=cs"));
        assert!(
            page.body.contains("/training/service-quality?lang=en"),
            "no Czech version: English"
        );
        app
    })
    .await;
}

#[tokio::test]
async fn modules_are_for_members_and_follow_the_chosen_language() {
    on_each_backend(Settings::default(), |app| async move {
        let mut visitor = app.client();
        let res = visitor.get("/training/service-quality").await;
        assert_eq!(res.status, StatusCode::FOUND);
        assert_eq!(res.location(), "/login?next=/training/service-quality");

        let mut member = app
            .signed_in("Jānis Bērziņš", "janis@example.lv", Role::Member)
            .await;
        let page = member.get("/training/service-quality?lang=lv").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(r#"<html lang="lv""#),
            "the page's language is the content's"
        );
        assert!(page.body.contains(r#"<article lang="lv""#));
        assert!(
            page.body.contains(r##"href="#why-it-matters""##),
            "table of contents"
        );
        assert!(page.body.contains("60"), "the lesson itself is there");
        assert!(
            page.body.contains(r#"hreflang="en""#),
            "the switch offers English"
        );

        let english = member.get("/training/service-quality?lang=en").await;
        assert!(english.body.contains(r#"<html lang="en""#));
        let missing = member.get("/training/service-quality?lang=pl").await;
        assert!(
            missing.body.contains(r#"<article lang="en""#),
            "no Polish translation: the member's language, else English"
        );

        let unknown = member.get("/training/no-such-module").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        app
    })
    .await;
}

#[tokio::test]
async fn progress_is_kept_per_section_across_languages_and_restarts() {
    on_each_backend(Settings::default(), |app| async move {
        let mut member = app
            .signed_in("Jānis Bērziņš", "janis@example.lv", Role::Member)
            .await;
        let res = member
            .submit(
                "/api/training/mark_read",
                "/training/service-quality?lang=lv",
                &[
                    ("module", "service-quality"),
                    ("section", "what-is-service-quality"),
                    ("lang", "lv"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::FOUND);
        assert_eq!(
            res.location(),
            "/training/service-quality?lang=lv#why-it-matters",
            "on to the next unread section"
        );

        // Read in Latvian, seen in English.
        let english = member.get("/training/service-quality?lang=en").await;
        assert!(
            english.body.contains("1 of 7 sections read"),
            "progress does not depend on the language"
        );
        assert!(
            !english
                .body
                .contains(r#"data-test="mark-read-what-is-service-quality""#)
        );
        assert!(
            english
                .body
                .contains(r#"data-test="mark-read-why-it-matters""#)
        );

        // Marking twice, or marking what does not exist.
        let again = member
            .api(
                "/api/training/mark_read",
                &[
                    ("module", "service-quality"),
                    ("section", "what-is-service-quality"),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::OK);
        let bogus = member
            .api(
                "/api/training/mark_read",
                &[("module", "service-quality"), ("section", "nope")],
            )
            .await;
        assert_eq!(bogus.status, StatusCode::NOT_FOUND);
        let bogus = member
            .api(
                "/api/training/mark_read",
                &[("module", "nope"), ("section", "summary")],
            )
            .await;
        assert_eq!(bogus.status, StatusCode::NOT_FOUND);

        // The dashboard offers to resume where the member stopped.
        let home = member.get("/").await;
        assert!(home.body.contains(r#"data-test="my-training""#));
        assert!(
            home.body
                .contains("/training/service-quality?lang=en#why-it-matters")
        );

        // A restart keeps it all: the session and the progress live in the database.
        let cookies = member.cookies.clone();
        drop(member);
        let mut app = app;
        app.restart().await;
        let mut member = app.client();
        member.cookies = cookies;
        let page = member.get("/training/service-quality?lang=lv").await;
        assert!(
            page.body.contains("1 of 7 sections read"),
            "progress after restart"
        );
        assert!(
            !page
                .body
                .contains(r#"data-test="mark-read-what-is-service-quality""#)
        );
        app
    })
    .await;
}

#[tokio::test]
async fn reading_every_section_marks_the_module_read() {
    on_each_backend(Settings::default(), |app| async move {
        let mut member = app
            .signed_in("Tomaž Šušteršič", "tomaz@example.si", Role::Member)
            .await;
        let sections = [
            "reliability",
            "timeliness",
            "personalisation",
            "approachability",
            "flexibility",
            "going-above-and-beyond",
            "scenario",
            "key-points",
            "summary",
        ];
        for section in sections {
            let res = member
                .api(
                    "/api/training/mark_read",
                    &[
                        ("module", "great-service-qualities"),
                        ("section", section),
                        ("lang", "sl"),
                    ],
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{section}: {}", res.body);
        }
        let page = member
            .get("/training/great-service-qualities?lang=sl")
            .await;
        assert!(page.body.contains(r#"data-test="module-complete""#));
        let catalogue = member.get("/training").await;
        assert!(
            catalogue.body.contains(">Read<"),
            "the catalogue says the module is read"
        );
        app
    })
    .await;
}
