use std::path::{Path, PathBuf};

use super::*;

pub(super) fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/content")
}

/// A copy of the fixture content with one file replaced, so each test breaks one thing.
pub(super) fn broken(file: &str, text: &str) -> (tempfile::TempDir, Vec<ContentError>) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let path = dir.path().join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    let errors = Catalogue::load(dir.path()).expect_err("the broken content must be refused");
    (dir, errors)
}

pub(super) fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub(super) fn only(errors: &[ContentError]) -> (String, usize, &str) {
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    (
        e.file.file_name().unwrap().to_string_lossy().into_owned(),
        e.line,
        e.message.as_str(),
    )
}

const EN: &str = "modules/good-service/en.md";
const LV: &str = "modules/good-service/lv.md";

#[test]
fn the_fixture_module_renders_as_recorded() {
    let catalogue = Catalogue::load(&fixture()).unwrap();
    let module = catalogue.module("good-service").unwrap();
    assert_eq!(module.section_ids, ["what", "standards"]);
    assert_eq!(
        module
            .translations
            .iter()
            .map(|t| t.lang)
            .collect::<Vec<_>>(),
        ["en", "lv"]
    );
    let en = module.translation("en").unwrap();
    let mut page = format!("intro:\n{}", en.intro_html);
    for s in &en.sections {
        page.push_str(&format!(
            "\n## {} (#{}, line {})\n{}",
            s.title, s.id, s.line, s.html
        ));
    }
    insta::assert_snapshot!(page);
    assert_eq!(en.reading_minutes, 1);
    assert_eq!(
        catalogue
            .modules()
            .iter()
            .map(|m| m.slug.as_str())
            .collect::<Vec<_>>(),
        ["good-service", "other-module"]
    );
}

#[test]
fn the_real_content_loads_with_every_module_in_its_source_language_and_english() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let catalogue = Catalogue::load(&dir).unwrap_or_else(|errors| {
        panic!(
            "content/ has problems:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let expected = [
        ("service-excellence", "cs"),
        ("performance-standards", "cs"),
        ("service-quality", "lv"),
        ("service-operations", "pl"),
        ("great-service-qualities", "sl"),
    ];
    assert_eq!(catalogue.modules().len(), expected.len());
    for (slug, source_lang) in expected {
        let module = catalogue
            .module(slug)
            .unwrap_or_else(|| panic!("module {slug} missing"));
        for lang in ["en", source_lang] {
            let t = module
                .translation(lang)
                .unwrap_or_else(|| panic!("{slug} has no {lang}"));
            assert!(
                t.sections.len() >= 5,
                "{slug}/{lang}: a real lesson has sections"
            );
            assert!(
                t.reading_minutes >= 3,
                "{slug}/{lang}: a real lesson takes a few minutes to read"
            );
        }
        for required in ["scenario", "key-points", "summary"] {
            assert!(
                module.section_ids.iter().any(|s| s == required),
                "{slug} lacks #{required}"
            );
        }
    }
}

#[test]
fn the_real_modules_each_have_a_quiz_of_at_least_twelve_explained_questions() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../content"));
    let catalogue = Catalogue::load(dir).unwrap_or_else(|errors| {
        panic!(
            "content/ has problems:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    for module in catalogue.modules() {
        let slug = &module.slug;
        let quiz = module
            .quiz
            .as_ref()
            .unwrap_or_else(|| panic!("{slug} has no quiz"));
        assert!(
            quiz.questions.len() >= 12,
            "{slug}: a pool of {} questions",
            quiz.questions.len()
        );
        assert!(quiz.settings.draw <= quiz.questions.len());
        let langs: Vec<&str> = module.translations.iter().map(|t| t.lang).collect();
        assert_eq!(quiz.languages().collect::<Vec<_>>(), {
            let mut sorted = langs.clone();
            sorted.sort_unstable();
            sorted
        });
        for q in &quiz.questions {
            assert!(
                module.section_ids.contains(&q.section),
                "{slug}#{}: section {} is not in the module",
                q.id,
                q.section
            );
            for lang in &langs {
                let text = q
                    .texts
                    .get(*lang)
                    .unwrap_or_else(|| panic!("{slug}#{} has no {lang} text", q.id));
                assert!(!text.prompt.is_empty(), "{slug}#{} ({lang})", q.id);
                assert!(
                    text.explanation_html.starts_with("<p>"),
                    "{slug}#{} ({lang}) has no explanation",
                    q.id
                );
                assert_eq!(text.options.len(), q.option_count());
            }
        }
    }
}

#[test]
fn invalid_front_matter_names_the_file_and_line() {
    let text = std::fs::read_to_string(fixture().join(EN))
        .unwrap()
        .replace("minutes = 3", "minutes = \"three\"");
    let (_dir, errors) = broken(EN, &text);
    let (file, line, message) = only(&errors);
    assert_eq!((file.as_str(), line), ("en.md", 4));
    assert!(message.starts_with("front matter:"), "{message}");
}

#[test]
fn unknown_front_matter_fields_are_typos() {
    let text = std::fs::read_to_string(fixture().join(EN))
        .unwrap()
        .replace("order = 1", "order = 1\nordre = 2");
    let (_dir, errors) = broken(EN, &text);
    let (_, line, message) = only(&errors);
    assert_eq!(line, 6);
    assert!(message.contains("ordre"), "{message}");
}

#[test]
fn a_file_without_front_matter_is_refused() {
    let (_dir, errors) = broken(EN, "## Just markdown {#what}\n");
    assert_eq!(only(&errors).1, 1);
}

#[test]
fn a_section_missing_from_a_translation_is_reported_in_that_file() {
    let text = std::fs::read_to_string(fixture().join(LV))
        .unwrap()
        .replace("## Standarti {#standards}", "## Standarti {#standarti}");
    let (_dir, errors) = broken(LV, &text);
    let messages: Vec<_> = errors
        .iter()
        .map(|e| {
            (
                e.file.file_name().unwrap().to_string_lossy().into_owned(),
                e.line,
                e.message.clone(),
            )
        })
        .collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(messages.iter().all(|(f, ..)| f == "lv.md"));
    assert!(
        messages
            .iter()
            .any(|(_, _, m)| m.contains("section #standards") && m.contains("missing"))
    );
    assert!(
        messages
            .iter()
            .any(|(_, line, m)| *line == 16 && m.contains("#standarti"))
    );
}

#[test]
fn broken_internal_links_are_reported_with_their_line() {
    let text = std::fs::read_to_string(fixture().join(EN))
        .unwrap()
        .replace("/training/other-module#why", "/training/other-module#how");
    let (_dir, errors) = broken(EN, &text);
    let (file, line, message) = only(&errors);
    assert_eq!((file.as_str(), line), ("en.md", 25));
    assert!(message.contains("no section #how"), "{message}");

    let text = std::fs::read_to_string(fixture().join(EN))
        .unwrap()
        .replace("/training/other-module#why", "/training/nowhere");
    let (_dir, errors) = broken(EN, &text);
    assert!(only(&errors).2.contains("no module \"nowhere\""));

    let text = std::fs::read_to_string(fixture().join(EN))
        .unwrap()
        .replace("(#standards)", "(#nope)");
    let (_dir, errors) = broken(EN, &text);
    assert_eq!(only(&errors).1, 10);
}

#[test]
fn sections_need_ids_and_raw_html_is_refused() {
    let text = std::fs::read_to_string(fixture().join(EN))
        .unwrap()
        .replace("## Standards {#standards}", "## Standards");
    let (_dir, errors) = broken(EN, &text);
    // The heading without an id, and the translation's #standards that no longer matches.
    assert!(
        errors
            .iter()
            .any(|e| e.line == 23 && e.message.contains("needs an id")),
        "{errors:#?}"
    );

    let text = std::fs::read_to_string(fixture().join(EN))
        .unwrap()
        .replace(
            "Service is **good**",
            "<script>alert(1)</script>\n\nService is **good**",
        );
    let (_dir, errors) = broken(EN, &text);
    let (_, line, message) = only(&errors);
    assert_eq!(line, 14);
    assert!(message.contains("raw HTML"));
}

#[test]
fn every_module_needs_english_and_files_are_named_by_language() {
    let (_dir, errors) = broken(
        "modules/third/lv.md",
        &std::fs::read_to_string(fixture().join(LV)).unwrap(),
    );
    assert!(
        errors.iter().any(|e| e.message.contains("English version")),
        "{errors:#?}"
    );
    let (_dir, errors) = broken(
        "modules/good-service/de.md",
        &std::fs::read_to_string(fixture().join(LV)).unwrap(),
    );
    assert!(
        only(&errors)
            .2
            .contains("file name must be a language code")
    );
}

#[test]
fn every_error_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    std::fs::write(dir.path().join(EN), "no front matter").unwrap();
    std::fs::write(
        dir.path().join("modules/other-module/en.md"),
        "+++\ntitle = 1\n+++\n",
    )
    .unwrap();
    let errors = Catalogue::load(dir.path()).unwrap_err();
    assert!(errors.len() >= 2, "{errors:#?}");
    assert!(errors.iter().all(|e| e.to_string().contains(".md:")));
}

#[test]
fn a_byte_order_mark_is_no_error_and_another_encoding_names_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let text = std::fs::read_to_string(fixture().join(EN)).unwrap();
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(text.as_bytes());
    std::fs::write(dir.path().join(EN), with_bom).unwrap();
    assert!(Catalogue::load(dir.path()).is_ok(), "a BOM is dropped");

    // "Čas" saved as Windows-1250 on the fourth line of the body.
    let mut latin = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if n == 12 {
            latin.extend_from_slice(b"Velmi dobr\xE9 \xC8as\n");
        }
        latin.extend_from_slice(line.as_bytes());
        latin.push(b'\n');
    }
    std::fs::write(dir.path().join(EN), latin).unwrap();
    let errors = Catalogue::load(dir.path()).expect_err("not UTF-8");
    let (file, line, message) = only(&errors);
    assert_eq!((file.as_str(), line), ("en.md", 13));
    assert!(
        message.starts_with("column 11: byte 0xE9 is not UTF-8"),
        "{message}"
    );
}

#[test]
fn a_broken_module_is_reported_first_and_what_names_it_does_not_repeat_it() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    std::fs::write(
        dir.path().join("modules/other-module/en.md"),
        "+++\ntitle = 1\n+++\n",
    )
    .unwrap();
    // The code of conduct and the forum sort before modules/ by name, but build on them.
    std::fs::create_dir_all(dir.path().join("forum")).unwrap();
    std::fs::write(
        dir.path().join("forum/categories.toml"),
        "[[category]]\nslug = \"other\"\nmodule = \"other-module\"\nname = { en = \"Other\", cs = \"Jiné\", lv = \"Cits\", pl = \"Inne\", sl = \"Drugo\" }\ndescription = { en = \"x\", cs = \"x\", lv = \"x\", pl = \"x\", sl = \"x\" }\n\n[[category]]\nslug = \"Bad Slug\"\nname = { en = \"Bad\", cs = \"x\", lv = \"x\", pl = \"x\", sl = \"x\" }\ndescription = { en = \"x\", cs = \"x\", lv = \"x\", pl = \"x\", sl = \"x\" }\n",
    )
    .unwrap();
    let errors = Catalogue::load(dir.path()).unwrap_err();
    let files: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(files[0].contains("other-module/en.md"), "{files:#?}");
    assert!(
        !files
            .iter()
            .any(|e| e.contains("there is no module \"other-module\"")),
        "{files:#?}"
    );
    let module_at = files
        .iter()
        .position(|e| e.contains("other-module"))
        .unwrap();
    let forum_at = files.iter().position(|e| e.contains("categories.toml"));
    assert!(forum_at.is_none_or(|f| f > module_at), "{files:#?}");
}
