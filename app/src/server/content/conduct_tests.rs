use super::tests::copy_dir;
use super::*;

fn real_content() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")
}

/// The real content with one code-of-conduct file rewritten by `edit`.
fn with_edit(lang: &str, edit: impl Fn(String) -> String) -> Vec<ContentError> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&real_content(), dir.path());
    let file = dir.path().join(format!("code-of-conduct/{lang}.md"));
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed nothing");
    std::fs::write(&file, edited).unwrap();
    Catalogue::load(dir.path()).expect_err("the broken code must be refused")
}

fn single(errors: &[ContentError]) -> (String, usize, String) {
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    (
        e.file.file_name().unwrap().to_string_lossy().into_owned(),
        e.line,
        e.message.clone(),
    )
}

#[test]
fn the_real_code_loads_in_five_languages_with_the_same_clauses() {
    let catalogue = Catalogue::load(&real_content()).unwrap();
    let code = catalogue.code_of_conduct().expect("the code of conduct");
    assert_eq!(code.version, 1);
    assert_eq!(code.translations.len(), 5);
    let ids: Vec<&str> = code.clauses("en").map(|c| c.id.as_str()).collect();
    assert!(ids.contains(&"clause-3-2"), "{ids:?}");
    for lang in ["cs", "lv", "pl", "sl"] {
        assert_eq!(code.text(lang).lang, lang);
        let theirs: Vec<&str> = code.clauses(lang).map(|c| c.id.as_str()).collect();
        assert_eq!(theirs, ids, "{lang}");
    }
    assert!(!code.clause("lv", "clause-1-1").unwrap().html.is_empty());
    assert_eq!(catalogue.categories().len(), 6);
    assert_eq!(
        catalogue
            .category("great-service-in-practice")
            .unwrap()
            .module
            .as_deref(),
        Some("great-service-qualities")
    );
}

#[test]
fn a_misnumbered_clause_is_reported_with_its_line() {
    let errors = with_edit("pl", |t| t.replacen("{#clause-1-2}", "{#clause-1-3}", 1));
    let (file, line, message) = single(&errors);
    assert_eq!(file, "pl.md");
    let expected_line = std::fs::read_to_string(real_content().join("code-of-conduct/pl.md"))
        .unwrap()
        .lines()
        .position(|l| l.contains("{#clause-1-2}"))
        .unwrap()
        + 1;
    assert_eq!(line, expected_line);
    assert!(message.contains("clause 1.2 must read"), "{message}");
}

#[test]
fn every_language_states_the_same_version() {
    let errors = with_edit("sl", |t| t.replacen("version = 1", "version = 2", 1));
    let (file, line, message) = single(&errors);
    assert_eq!((file.as_str(), line), ("sl.md", 1));
    assert!(
        message.contains("every language states the same version"),
        "{message}"
    );
}

#[test]
fn a_missing_clause_in_one_language_is_reported() {
    let errors = with_edit("cs", |t| {
        let start = t.find("### 1.2").unwrap();
        let end = t[start..].find("## 2.").unwrap() + start;
        format!("{}{}", &t[..start], &t[end..])
    });
    let (file, _, message) = single(&errors);
    assert_eq!(file, "cs.md");
    assert!(message.contains("differ from en.md"), "{message}");
}

#[test]
fn raw_html_and_broken_clause_links_are_refused() {
    let errors = with_edit("en", |t| {
        t.replacen("\n### 1.1", "\n<b>bold</b>\n\n### 1.1", 1)
    });
    assert!(
        errors.iter().all(|e| e.message.contains("raw HTML")),
        "{errors:?}"
    );
    let errors = with_edit("lv", |t| format!("{t}\n[see](#clause-99-1)\n"));
    assert!(single(&errors).2.contains("#clause-99-1"), "{errors:?}");
}

#[test]
fn a_category_without_a_translation_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&real_content(), dir.path());
    let file = dir.path().join("forum/categories.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let sl_name = lines.iter().position(|l| l.starts_with("sl = ")).unwrap();
    lines.remove(sl_name);
    std::fs::write(&file, lines.join("\n")).unwrap();
    let errors = Catalogue::load(dir.path()).unwrap_err();
    let (name, _, message) = single(&errors);
    assert_eq!(name, "categories.toml");
    assert!(message.contains("in sl"), "{message}");
}
