use super::tests::{broken, fixture, only};
use super::*;

const GOOD: &str = "programs/good.toml";

fn good_with(replace: &str, with: &str) -> String {
    let text = std::fs::read_to_string(fixture().join(GOOD)).unwrap();
    assert!(text.contains(replace), "fixture lacks {replace:?}");
    text.replacen(replace, with, 1)
}

#[test]
fn the_fixture_programme_loads() {
    let catalogue = Catalogue::load(&fixture()).unwrap();
    let programme = catalogue.programme("good").unwrap();
    assert_eq!(programme.modules, ["good-service"]);
    assert_eq!(programme.validity_months, 12);
    assert_eq!(programme.renewal_window_days, 30);
    assert_eq!(programme.issuing, Issuing::Approval);
    assert_eq!(programme.title("lv"), "Labas apkalpošanas sertifikāts");
    assert_eq!(
        programme.description("en"),
        "For passing the good-service quiz."
    );
}

#[test]
fn the_real_programme_requires_every_module() {
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let catalogue = Catalogue::load(&content).unwrap();
    let programme = catalogue.programme("service-excellence").unwrap();
    let all: Vec<&str> = catalogue
        .modules()
        .iter()
        .map(|m| m.slug.as_str())
        .collect();
    assert_eq!(programme.modules, all);
    assert_eq!(programme.validity_months, 24);
    assert_eq!(programme.renewal_window_days, 90);
}

#[test]
fn every_language_needs_a_title() {
    let (_dir, errors) = broken(GOOD, &good_with("sl = \"Certifikat dobre storitve\"\n", ""));
    let (file, line, message) = only(&errors);
    assert_eq!((file.as_str(), line), ("good.toml", 5));
    assert!(
        message.contains("title") && message.contains("sl"),
        "{message}"
    );
}

#[test]
fn required_modules_exist_and_have_a_quiz() {
    let (_dir, errors) = broken(
        GOOD,
        &good_with("[\"good-service\"]", "[\"good-service\", \"nowhere\"]"),
    );
    let (_, line, message) = only(&errors);
    assert_eq!(line, 1);
    assert!(message.contains("no module \"nowhere\""), "{message}");

    let (_dir, errors) = broken(GOOD, &good_with("[\"good-service\"]", "[\"other-module\"]"));
    let (_, line, message) = only(&errors);
    assert_eq!(line, 1);
    assert!(message.contains("has no quiz"), "{message}");
}

#[test]
fn the_renewal_window_is_shorter_than_the_validity() {
    let (_dir, errors) = broken(
        GOOD,
        &good_with("renewal_window_days = 30", "renewal_window_days = 400"),
    );
    let (_, line, message) = only(&errors);
    assert_eq!(line, 3);
    assert!(message.contains("renewal_window_days"), "{message}");
}

#[test]
fn typos_in_programme_files_are_reported_at_their_line() {
    let (_dir, errors) = broken(
        GOOD,
        &good_with("validity_months = 12", "validity_month = 12"),
    );
    let (_, line, message) = only(&errors);
    assert_eq!(line, 2);
    assert!(message.contains("validity_month"), "{message}");

    let (_dir, errors) = broken(
        GOOD,
        &good_with(
            "renewal_window_days = 30",
            "renewal_window_days = 30\nissuing = \"whenever\"",
        ),
    );
    let (_, line, message) = only(&errors);
    assert_eq!(line, 4);
    assert!(
        message.contains("whenever") || message.contains("variant"),
        "{message}"
    );
}
