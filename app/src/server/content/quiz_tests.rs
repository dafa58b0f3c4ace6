//! The quiz loader: the fixture quiz (`good-service`, English and Latvian), and one test per
//! problem it must refuse, each at its file and line. Long because the format has many rules
//! and each gets its own small test; they share one fixture, so they stay together.

use super::tests::{copy_dir, fixture, only};
use super::*;
use crate::server::quiz::model::{AnswerKey, ReviewPolicy};

const QEN: &str = "modules/good-service/quiz.en.md";
const QLV: &str = "modules/good-service/quiz.lv.md";

/// A fixture file with `from` (which must be there) replaced by `to`.
fn edited(file: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(fixture().join(file)).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    text.replacen(from, to, 1)
}

/// Loads a copy of the fixture content with `changes` made: a file's new text, or `None` to
/// remove it.
fn load_changed(changes: &[(&str, Option<&str>)]) -> Result<Catalogue, Vec<ContentError>> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    for (file, text) in changes {
        let path = dir.path().join(file);
        match text {
            Some(text) => {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, text).unwrap();
            }
            None => std::fs::remove_file(&path).unwrap(),
        }
    }
    Catalogue::load(dir.path())
}

fn refused(changes: &[(&str, Option<&str>)]) -> Vec<ContentError> {
    load_changed(changes).expect_err("the broken quiz must be refused")
}

/// The errors of the fixture with one edit in one file.
fn refused_edit(file: &str, from: &str, to: &str) -> Vec<ContentError> {
    refused(&[(file, Some(&edited(file, from, to)))])
}

/// Asserts that one of `errors` is in `file` at `line` and says `fragment`.
fn has(errors: &[ContentError], file: &str, line: usize, fragment: &str) {
    assert!(
        errors.iter().any(|e| e.file.file_name().unwrap() == file
            && e.line == line
            && e.message.contains(fragment)),
        "no {file}:{line}: …{fragment}… in {errors:#?}"
    );
}

/// Asserts there is exactly one error, in `file` at `line`, saying `fragment`.
fn one(errors: &[ContentError], file: &str, line: usize, fragment: &str) {
    let (f, l, message) = only(errors);
    assert_eq!((f.as_str(), l), (file, line), "{message}");
    assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
}

/// A whole, valid quiz for `other-module` (one section, #why), in English.
const OTHER_QUIZ_EN: &str = "+++
title = \"Other\"
draw = 1
shuffle_options = true
pass_mark = 50
attempts_per_day = 1
cooldown_minutes = 0
review = \"score_only\"
+++

## Why? {#why-q type=numeric answer=1 section=why}

> Because.
";

#[test]
fn the_fixture_quiz_loads_in_both_languages() {
    let catalogue = Catalogue::load(&fixture()).unwrap();
    assert!(catalogue.module("other-module").unwrap().quiz.is_none());
    let quiz = catalogue
        .quiz("good-service")
        .expect("good-service has a quiz");

    let s = &quiz.settings;
    assert_eq!(
        (s.draw, s.shuffle_options, s.pass_mark, s.attempts_per_day),
        (4, false, 80, 2)
    );
    assert_eq!(s.cooldown_seconds, 15 * 60);
    assert_eq!(s.time_limit_seconds, Some(10 * 60));
    assert_eq!(s.review, ReviewPolicy::AfterPass);
    assert_eq!(quiz.version.len(), 16);
    assert!(
        quiz.version
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    );
    assert_eq!(quiz.title("en"), "Good service: check yourself");
    assert_eq!(quiz.title("lv"), "Laba apkalpošana: pārbaudiet sevi");
    assert_eq!(quiz.languages().collect::<Vec<_>>(), ["en", "lv"]);

    let ids: Vec<_> = quiz.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "good-when",
            "table-standards",
            "customer-judges",
            "good-word",
            "greeting"
        ]
    );
    let keys: Vec<_> = quiz.questions.iter().map(|q| q.key.clone()).collect();
    assert_eq!(
        keys,
        [
            AnswerKey::Single {
                options: 3,
                correct: 1
            },
            AnswerKey::Multiple {
                options: 3,
                correct: vec![0, 2]
            },
            AnswerKey::TrueFalse {
                options: 2,
                correct: 0
            },
            // Normalised, both languages, each once; the apostrophe stays straight.
            AnswerKey::Text {
                accepted: vec![
                    "good service".into(),
                    "it's good".into(),
                    "laba apkalpošana".into()
                ]
            },
            AnswerKey::Numeric {
                answer: 60.0,
                tolerance: 5.0
            },
        ]
    );
    let sections: Vec<_> = quiz.questions.iter().map(|q| q.section.as_str()).collect();
    assert_eq!(sections, ["what", "standards", "what", "what", "standards"]);

    let first = quiz.question("good-when").unwrap();
    let en = first.text("en");
    assert_eq!(en.prompt, "When is service good?");
    assert_eq!(
        en.options,
        [
            "When it is cheap",
            "When it meets the need",
            "When it is fast"
        ]
    );
    assert_eq!(
        en.explanation_html,
        "<p>Service is <em>good</em> when it meets the need: see \
         <a href=\"/training/good-service#what\">what good service is</a>.</p>\n"
    );
    let lv = first.text("lv");
    assert_eq!(lv.prompt, "Kad apkalpošana ir laba?");
    assert_eq!(lv.options[1], "Kad tā atbilst vajadzībai");
    assert!(lv.explanation_html.contains("/training/good-service#what"));

    let table = quiz.question("table-standards").unwrap();
    assert_eq!(table.text("en").options[2], "Hold time");
    assert!(
        table
            .text("en")
            .explanation_html
            .contains("<a href=\"/training/other-module#why\">")
    );
    assert_eq!(
        quiz.question("customer-judges").unwrap().text("lv").options,
        ["Patiess", "Nepatiess"]
    );
    let word = quiz.question("good-word").unwrap();
    assert!(word.text("en").options.is_empty());
    assert_eq!(
        word.text("lv").explanation_html,
        "<p><strong>Laba</strong> apkalpošana.</p>\n"
    );
    assert_eq!(
        quiz.question("greeting").unwrap().text("en").prompt,
        "Within how many seconds should a guest be greeted?"
    );
}

#[test]
fn the_version_changes_with_any_quiz_file_and_only_then() {
    let version = |changes: &[(&str, Option<&str>)]| {
        load_changed(changes)
            .unwrap()
            .quiz("good-service")
            .unwrap()
            .version
            .clone()
    };
    let original = version(&[]);
    assert_eq!(version(&[]), original);
    let lv = edited(QLV, "Tabulā ir 60 sekundes.", "Tabulā: 60 sekundes.");
    assert_ne!(version(&[(QLV, Some(&lv))]), original);
    let module = edited(
        "modules/good-service/en.md",
        "An *introduction*",
        "An introduction",
    );
    assert_eq!(
        version(&[("modules/good-service/en.md", Some(&module))]),
        original,
        "only quiz files count"
    );
}

// Front matter.

#[test]
fn a_quiz_without_front_matter_is_refused() {
    let errors = refused(&[(QLV, Some("## Kad? {#good-when type=single section=what}\n"))]);
    one(&errors, "quiz.lv.md", 1, "+++");
}

#[test]
fn unknown_quiz_settings_are_typos() {
    let errors = refused_edit(QEN, "cooldown_minutes = 15", "cooldown_minute = 15");
    one(&errors, "quiz.en.md", 7, "cooldown_minute");
}

#[test]
fn translations_of_a_quiz_carry_only_their_title() {
    let errors = refused_edit(QLV, "+++\n\n", "draw = 4\n+++\n\n");
    one(&errors, "quiz.lv.md", 3, "settings are in quiz.en.md");
}

#[test]
fn the_review_policy_is_one_of_three() {
    let errors = refused_edit(QEN, "review = \"after_pass\"", "review = \"always\"");
    one(&errors, "quiz.en.md", 9, "after_submit");
}

#[test]
fn draw_is_at_least_one_and_at_most_the_pool() {
    let errors = refused_edit(QEN, "draw = 4", "draw = 6");
    one(&errors, "quiz.en.md", 3, "the pool has only 5 questions");
    let errors = refused_edit(QEN, "draw = 4", "draw = 0");
    one(&errors, "quiz.en.md", 3, "at least 1");
}

#[test]
fn the_pass_mark_is_a_percentage() {
    let errors = refused_edit(QEN, "pass_mark = 80", "pass_mark = 0");
    one(&errors, "quiz.en.md", 5, "from 1 to 100");
    let errors = refused_edit(QEN, "pass_mark = 80", "pass_mark = 101");
    one(&errors, "quiz.en.md", 5, "from 1 to 100");
}

#[test]
fn at_least_one_attempt_a_day() {
    let errors = refused_edit(QEN, "attempts_per_day = 2", "attempts_per_day = 0");
    one(
        &errors,
        "quiz.en.md",
        6,
        "attempts_per_day must be at least 1",
    );
}

#[test]
fn a_time_limit_is_at_least_a_minute_or_left_out() {
    let errors = refused_edit(QEN, "time_limit_minutes = 10", "time_limit_minutes = 0");
    one(&errors, "quiz.en.md", 8, "leave it out");
    let text = edited(QEN, "time_limit_minutes = 10\n", "");
    let catalogue = load_changed(&[(QEN, Some(&text))]).unwrap();
    let quiz = catalogue.quiz("good-service").unwrap();
    assert_eq!(quiz.settings.time_limit_seconds, None);
}

// Question headings.

#[test]
fn every_question_needs_an_id() {
    let errors = refused_edit(QEN, "{#good-when type", "{type");
    has(&errors, "quiz.en.md", 12, "needs an id");
    // …and the Latvian question is then in no English one.
    has(&errors, "quiz.lv.md", 5, "#good-when is not in quiz.en.md");
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn question_ids_use_a_to_z_digits_and_dashes() {
    let en = edited(QEN, "{#good-when ", "{#Good_When ");
    let lv = edited(QLV, "{#good-when ", "{#Good_When ");
    let errors = refused(&[(QEN, Some(&en)), (QLV, Some(&lv))]);
    has(
        &errors,
        "quiz.en.md",
        12,
        "#Good_When may use only a-z, 0-9 and -",
    );
    has(&errors, "quiz.lv.md", 5, "#Good_When may use only");
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn a_question_id_is_used_once() {
    let errors = refused_edit(QEN, "{#greeting ", "{#good-when ");
    has(&errors, "quiz.en.md", 44, "#good-when is used twice");
    // The second #good-when is compared as the first; #greeting is now only in Latvian.
    has(&errors, "quiz.lv.md", 35, "#greeting is not in quiz.en.md");
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn question_types_are_the_five_known_ones() {
    let errors = refused_edit(QEN, "type=single", "type=choice");
    one(&errors, "quiz.en.md", 12, "unknown type=choice");
    let errors = refused_edit(QEN, " type=single", "");
    one(&errors, "quiz.en.md", 12, "needs a type");
}

#[test]
fn a_question_tests_a_section_of_its_module() {
    let errors = refused_edit(QEN, "type=single section=what}", "type=single section=wat}");
    has(
        &errors,
        "quiz.en.md",
        12,
        "section=wat is not a section of this module; it has #what, #standards",
    );
    // The Latvian file now disagrees with the English one, too.
    has(&errors, "quiz.lv.md", 5, "section=what differs");
    let errors = refused_edit(QEN, "type=single section=what}", "type=single}");
    one(
        &errors,
        "quiz.en.md",
        12,
        "needs the module section it tests",
    );
}

#[test]
fn unknown_heading_attributes_are_typos() {
    let errors = refused_edit(QEN, "section=standards}", "section=standards color=red}");
    one(&errors, "quiz.en.md", 20, "unknown attribute color=");
}

#[test]
fn only_numeric_questions_take_an_answer_and_a_tolerance() {
    let en = edited(
        QEN,
        "type=single section=what}",
        "type=single answer=2 section=what}",
    );
    let errors = refused(&[(QEN, Some(&en))]);
    one(&errors, "quiz.en.md", 12, "belong to type=numeric");
}

#[test]
fn a_numeric_question_needs_a_numeric_answer_and_a_tolerance_of_zero_or_more() {
    let errors = refused_edit(QEN, " answer=60", "");
    one(&errors, "quiz.en.md", 44, "needs answer=");
    let errors = refused_edit(QEN, "answer=60", "answer=sixty");
    one(&errors, "quiz.en.md", 44, "answer=sixty is not a number");
    let errors = refused_edit(QEN, "tolerance=5", "tolerance=-1");
    one(&errors, "quiz.en.md", 44, "tolerance=-1");
}

// Answers and explanations.

#[test]
fn a_single_choice_has_exactly_one_right_option() {
    let errors = refused_edit(QEN, "- [ ] When it is cheap", "- [x] When it is cheap");
    one(&errors, "quiz.en.md", 14, "exactly one [x], not 2");
}

#[test]
fn a_multiple_choice_has_at_least_one_right_option() {
    let text =
        edited(QEN, "- [x] Greeting", "- [ ] Greeting").replacen("- [x] Hold", "- [ ] Hold", 1);
    let errors = refused(&[(QEN, Some(&text))]);
    one(&errors, "quiz.en.md", 22, "at least one [x]");
}

#[test]
fn true_or_false_has_two_options_true_first() {
    let errors = refused_edit(QEN, "- [ ] False", "- [ ] False\n- [ ] Maybe");
    one(&errors, "quiz.en.md", 31, "two options");
    let errors = refused_edit(QEN, "- [x] True\n- [ ] False", "- [ ] False\n- [x] True");
    one(&errors, "quiz.en.md", 31, "True, then False");
}

#[test]
fn choices_are_a_task_list() {
    let errors = refused_edit(QEN, "- [ ] When it is cheap", "- When it is cheap");
    one(&errors, "quiz.en.md", 14, "task list");
    let errors = refused_edit(
        QEN,
        "\n- [ ] When it is cheap\n- [x] When it meets the need\n- [ ] When it is `fast`\n",
        "",
    );
    one(&errors, "quiz.en.md", 12, "list its options");
}

#[test]
fn accepted_text_answers_are_a_plain_list() {
    let errors = refused_edit(QEN, "- it's good", "- [x] it's good");
    one(&errors, "quiz.en.md", 38, "plain list");
    let errors = refused_edit(QEN, "\n- good service\n- Good   Service\n- it's good\n", "");
    one(&errors, "quiz.en.md", 36, "list the accepted answers");
}

#[test]
fn a_numeric_question_takes_no_list() {
    let errors = refused_edit(
        QEN,
        "\n> The table says 60",
        "\n- 60\n\n> The table says 60",
    );
    one(&errors, "quiz.en.md", 46, "takes no list");
}

#[test]
fn an_answer_is_one_line_of_text() {
    let errors = refused_edit(QEN, "- [ ] Parking", "- [ ] Parking\n  - covered");
    one(&errors, "quiz.en.md", 23, "one line of text");
}

#[test]
fn every_question_has_an_explanation() {
    let errors = refused_edit(QEN, "> As the customer sees it.\n", "");
    one(&errors, "quiz.en.md", 29, "needs an explanation");
}

#[test]
fn a_question_is_answers_then_one_explanation() {
    let errors = refused_edit(
        QEN,
        "> As the customer sees it.",
        "> As the customer sees it.\n\n- [x] Yes\n- [ ] No",
    );
    one(&errors, "quiz.en.md", 36, "before the explanation");
    let errors = refused_edit(
        QEN,
        "> As the customer sees it.",
        "> As the customer sees it.\n\nAnd a paragraph.",
    );
    one(&errors, "quiz.en.md", 36, "come only its answers");
    let errors = refused_edit(QEN, "+++\n\n## When", "+++\n\nAn introduction.\n\n## When");
    one(&errors, "quiz.en.md", 12, "before the first question");
    let errors = refused_edit(QEN, "## When is", "### When is");
    has(&errors, "quiz.en.md", 12, "every question is a ## heading");
}

#[test]
fn raw_html_is_refused_in_quizzes() {
    let errors = refused_edit(QEN, "> As the customer", "> As the <b>customer</b>");
    // The opening and the closing tag.
    assert_eq!(errors.len(), 2, "{errors:#?}");
    has(&errors, "quiz.en.md", 34, "raw HTML");
}

#[test]
fn links_in_explanations_are_checked_at_their_line() {
    let errors = refused_edit(QEN, "(#what)", "(#wat)");
    one(
        &errors,
        "quiz.en.md",
        18,
        "module \"good-service\" has no section #wat",
    );
    let errors = refused_edit(QLV, "(#what)", "(/training/nowhere)");
    one(&errors, "quiz.lv.md", 11, "no module \"nowhere\"");
}

// Across languages.

#[test]
fn a_question_missing_from_a_translation_is_reported_there() {
    let text = std::fs::read_to_string(fixture().join(QLV)).unwrap();
    let cut = &text[..text.find("## Cik sekunžu").unwrap()];
    let errors = refused(&[(QLV, Some(cut))]);
    one(
        &errors,
        "quiz.lv.md",
        1,
        "question #greeting of quiz.en.md is missing here",
    );
}

#[test]
fn a_question_only_in_a_translation_is_reported_at_its_heading() {
    let text = format!(
        "{}\n## Vēl? {{#extra type=numeric answer=1 section=what}}\n\n> Jā.\n",
        std::fs::read_to_string(fixture().join(QLV)).unwrap()
    );
    let errors = refused(&[(QLV, Some(&text))]);
    one(&errors, "quiz.lv.md", 39, "#extra is not in quiz.en.md");
}

#[test]
fn a_translation_keeps_the_question_type() {
    let errors = refused_edit(QLV, "type=truefalse", "type=single");
    one(
        &errors,
        "quiz.lv.md",
        21,
        "type=single differs from quiz.en.md's type=truefalse",
    );
}

#[test]
fn a_translation_keeps_the_number_of_options() {
    let errors = refused_edit(
        QLV,
        "- [ ] Autostāvvieta",
        "- [ ] Autostāvvieta\n- [ ] Kafija",
    );
    one(&errors, "quiz.lv.md", 15, "4 options, but quiz.en.md has 3");
}

#[test]
fn a_translation_keeps_the_right_options() {
    let errors = refused_edit(QLV, "- [ ] Autostāvvieta", "- [x] Autostāvvieta");
    one(&errors, "quiz.lv.md", 15, "options 1 and 3 are right");
    let errors = refused_edit(
        QLV,
        "- [x] Patiess\n- [ ] Nepatiess",
        "- [ ] Patiess\n- [x] Nepatiess",
    );
    one(&errors, "quiz.lv.md", 23, "option 1 is right");
}

#[test]
fn a_translation_keeps_the_numeric_answer_and_tolerance() {
    let errors = refused_edit(QLV, "answer=60", "answer=61");
    one(&errors, "quiz.lv.md", 35, "answer=61 tolerance=5 differ");
    let errors = refused_edit(QLV, "tolerance=5", "tolerance=0");
    one(&errors, "quiz.lv.md", 35, "tolerance=0 differ");
}

// Files.

#[test]
fn a_quiz_is_only_in_the_languages_of_its_module() {
    let errors = refused(&[
        ("modules/other-module/quiz.en.md", Some(OTHER_QUIZ_EN)),
        (
            "modules/other-module/quiz.lv.md",
            Some(
                "+++\ntitle = \"Cits\"\n+++\n\n\
                 ## Kāpēc? {#why-q type=numeric answer=1 section=why}\n\n> Tāpēc.\n",
            ),
        ),
    ]);
    one(&errors, "quiz.lv.md", 0, "there is no lv.md");
    assert!(errors[0].file.ends_with("other-module/quiz.lv.md"));
    // Without the Latvian file it loads.
    let catalogue =
        load_changed(&[("modules/other-module/quiz.en.md", Some(OTHER_QUIZ_EN))]).unwrap();
    let quiz = catalogue.quiz("other-module").unwrap();
    assert_eq!(quiz.settings.cooldown_seconds, 0);
    assert_eq!(quiz.settings.review, ReviewPolicy::ScoreOnly);
}

#[test]
fn a_quiz_is_in_every_language_of_its_module() {
    let errors = refused(&[(QLV, None)]);
    one(&errors, "quiz.lv.md", 0, "write quiz.lv.md");
}

#[test]
fn a_quiz_needs_its_english_file() {
    let errors = refused(&[(QEN, None)]);
    one(&errors, "quiz.en.md", 0, "needs an English version");
}

#[test]
fn quiz_files_are_named_by_language() {
    let lv = std::fs::read_to_string(fixture().join(QLV)).unwrap();
    let errors = refused(&[("modules/good-service/quiz.de.md", Some(&lv))]);
    one(&errors, "quiz.de.md", 0, "quiz.en.md, quiz.lv.md");
    let errors = refused(&[("modules/good-service/quiz.md", Some(&lv))]);
    one(&errors, "quiz.md", 0, "named by its language");
}

#[test]
fn every_quiz_problem_is_reported_at_once() {
    let en = edited(QEN, "draw = 4", "draw = 0").replacen("type=text", "type=word", 1);
    let lv = edited(QLV, "answer=60", "answer=6").replacen("(#what)", "(#nope)", 1);
    let errors = refused(&[
        (QEN, Some(&en)),
        (QLV, Some(&lv)),
        ("modules/good-service/quiz.xx.md", Some("")),
    ]);
    has(&errors, "quiz.en.md", 3, "draw must be at least 1");
    has(&errors, "quiz.en.md", 36, "unknown type=word");
    has(&errors, "quiz.lv.md", 11, "no section #nope");
    has(&errors, "quiz.lv.md", 35, "answer=6 ");
    has(&errors, "quiz.xx.md", 0, "named by its language");
    assert_eq!(errors.len(), 5, "{errors:#?}");
}
