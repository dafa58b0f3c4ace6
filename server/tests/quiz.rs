//! Quizzes through HTTP: drawing, saving, resuming, grading once, the limits, the time limit,
//! what the pages show and give away, and attempts that outlive an edit of the quiz.
mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::{Client, PASSWORD, Response, TestApp, on_each_backend};
use guildhall_app::domain::role::Role;
use guildhall_app::server::Settings;
use guildhall_app::server::content::Catalogue;
use guildhall_app::server::quiz::model::{Answer, AnswerKey, Question, Quiz};

const SLUG: &str = "service-quality";
const QUIZ_PAGE: &str = "/training/service-quality/quiz?lang=en";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The quiz currently served.
fn served_quiz(app: &TestApp) -> Arc<Quiz> {
    app.catalogue()
        .quiz(SLUG)
        .cloned()
        .expect("service-quality has a quiz")
}

fn review_path(attempt: i64) -> String {
    format!("/training/{SLUG}/quiz/attempts/{attempt}?lang=en")
}

/// Sends owned form fields as an API call.
async fn call(client: &mut Client<'_>, path: &str, fields: &[(String, String)]) -> Response {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.api(path, &fields).await
}

/// Sends owned form fields as a plain form post from `from_page`.
async fn post_form(
    client: &mut Client<'_>,
    path: &str,
    from_page: &str,
    fields: &[(String, String)],
) -> Response {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.submit(path, from_page, &fields).await
}

/// The error code of a refused API call.
fn code(res: &Response) -> String {
    let err: serde_json::Value = serde_json::from_str(&res.body)
        .unwrap_or_else(|e| panic!("not a JSON error ({e}): {}", res.body));
    err["code"].as_str().unwrap_or_default().to_owned()
}

fn assert_refused(res: &Response, status: StatusCode, expected: &str) {
    assert_eq!(res.status, status, "{expected}: {}", res.body);
    assert_eq!(code(res), expected, "{}", res.body);
}

/// Starts (or resumes) the member's attempt through the API; returns its id.
async fn start(client: &mut Client<'_>) -> i64 {
    let res = client
        .api("/api/quiz/start", &[("module", SLUG), ("lang", "en")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "start: {}", res.body);
    res.body.trim().parse().expect("the attempt's id")
}

fn fields(attempt: i64, answers: &[(String, String)]) -> Vec<(String, String)> {
    let mut all = vec![
        ("module".to_owned(), SLUG.to_owned()),
        ("attempt".to_owned(), attempt.to_string()),
        ("lang".to_owned(), "en".to_owned()),
    ];
    all.extend(answers.iter().cloned());
    all
}

async fn save(client: &mut Client<'_>, attempt: i64, answers: &[(String, String)]) -> Response {
    call(client, "/api/quiz/save", &fields(attempt, answers)).await
}

async fn submit(client: &mut Client<'_>, attempt: i64, answers: &[(String, String)]) -> Response {
    call(client, "/api/quiz/submit", &fields(attempt, answers)).await
}

fn field_name(question_id: &str) -> String {
    format!("answer[{question_id}][]")
}

/// One drawn question as stored: its id and its options' file indices in the order shown.
#[derive(Clone, Debug, PartialEq)]
struct Drawn {
    question_id: String,
    option_order: Vec<usize>,
}

async fn drawn(app: &TestApp, attempt: i64) -> Vec<Drawn> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT question_id, option_order FROM quiz_answers WHERE attempt_id = $1 ORDER BY position",
    )
    .bind(attempt)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(question_id, order)| Drawn {
            question_id,
            option_order: serde_json::from_str(&order).unwrap(),
        })
        .collect()
}

/// Stored answers by question id (`None`: no answer).
async fn stored_answers(app: &TestApp, attempt: i64) -> BTreeMap<String, Option<Answer>> {
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT question_id, answer FROM quiz_answers WHERE attempt_id = $1")
            .bind(attempt)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(id, answer)| (id, answer.map(|a| serde_json::from_str(&a).unwrap())))
        .collect()
}

#[derive(Debug, PartialEq)]
struct Graded {
    submitted_at: Option<i64>,
    correct_count: Option<i64>,
    score: Option<i64>,
    passed: Option<i64>,
}

async fn graded(app: &TestApp, attempt: i64) -> Graded {
    let (submitted_at, correct_count, score, passed): (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    ) = sqlx::query_as(
        "SELECT submitted_at, correct_count, score, passed FROM quiz_attempts WHERE id = $1",
    )
    .bind(attempt)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    Graded {
        submitted_at,
        correct_count,
        score,
        passed,
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn attempts_of(app: &TestApp, email: &str) -> i64 {
    let user = user_id(app, email).await;
    sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts WHERE user_id = $1")
        .bind(user)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The form values of a right (or a wrong) answer to `question` shown in `order`.
fn values(question: &Question, order: &[usize], right: bool) -> Vec<String> {
    let position = |index: usize| {
        order
            .iter()
            .position(|&o| o == index)
            .expect("every option is shown")
            .to_string()
    };
    match &question.key {
        AnswerKey::Single { options, correct } | AnswerKey::TrueFalse { options, correct } => {
            if right {
                vec![position(*correct)]
            } else {
                vec![position((correct + 1) % options)]
            }
        }
        AnswerKey::Multiple { options, correct } => {
            if right {
                correct.iter().map(|&c| position(c)).collect()
            } else {
                let wrong = (0..*options).find(|i| !correct.contains(i)).unwrap();
                vec![position(wrong)]
            }
        }
        AnswerKey::Text { accepted } => vec![if right {
            accepted[0].clone()
        } else {
            "certainly not this".to_owned()
        }],
        AnswerKey::Numeric { answer, tolerance } => vec![if right {
            answer.to_string()
        } else {
            (answer + tolerance + 1000.0).to_string()
        }],
    }
}

/// The answer as stored for the same values: choices as file indices.
fn stored_form(question: &Question, order: &[usize], right: bool) -> Answer {
    let values = values(question, order, right);
    if question.key.is_choice() {
        Answer::Choices(
            values
                .iter()
                .map(|v| order[v.parse::<usize>().unwrap()])
                .collect(),
        )
    } else {
        Answer::Text(values[0].clone())
    }
}

fn answer_fields(quiz: &Quiz, items: &[Drawn], right: bool) -> Vec<(String, String)> {
    items
        .iter()
        .flat_map(|item| {
            let question = quiz.question(&item.question_id).unwrap();
            values(question, &item.option_order, right)
                .into_iter()
                .map(|v| (field_name(&item.question_id), v))
        })
        .collect()
}

fn one_answer(quiz: &Quiz, item: &Drawn, right: bool) -> Vec<(String, String)> {
    answer_fields(quiz, std::slice::from_ref(item), right)
}

/// Text as it reads in the page: entities decoded.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

/// Every `<name …>` tag of the page with its attributes (values unescaped, bare ones empty).
fn tags(body: &str, name: &str) -> Vec<BTreeMap<String, String>> {
    let open = format!("<{name}");
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find(&open) {
        rest = &rest[at + open.len()..];
        if !rest.starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/') {
            continue;
        }
        let bytes = rest.as_bytes();
        let mut attrs = BTreeMap::new();
        let mut i = 0;
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let key = rest[start..i].to_owned();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    let quote = bytes[i];
                    i += 1;
                    let start = i;
                    while i < bytes.len() && bytes[i] != quote {
                        i += 1;
                    }
                    value = unescape(&rest[start..i]);
                    i += 1;
                } else {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = unescape(&rest[start..i]);
                }
            }
            attrs.insert(key, value);
        }
        found.push(attrs);
        rest = &rest[i.min(rest.len())..];
    }
    found
}

/// Question ids of the page's question fieldsets, in page order.
fn shown_questions(body: &str) -> Vec<String> {
    tags(body, "fieldset")
        .into_iter()
        .filter(|a| a.get("data-test").map(String::as_str) == Some("question"))
        .map(|a| a["id"].strip_prefix("q-").unwrap().to_owned())
        .collect()
}

/// The answer inputs of one question (not the empty hidden one), in page order.
fn inputs_of(body: &str, question_id: &str) -> Vec<BTreeMap<String, String>> {
    let name = field_name(question_id);
    tags(body, "input")
        .into_iter()
        .filter(|a| {
            a.get("name") == Some(&name) && a.get("type").map(String::as_str) != Some("hidden")
        })
        .collect()
}

/// The labels' texts of every choice, in page order.
fn choice_labels(body: &str) -> Vec<String> {
    let mut labels = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find("<label for=\"q-") {
        rest = &rest[at..];
        let open_end = rest.find('>').unwrap();
        let close = rest.find("</label>").unwrap();
        let for_attr = &rest[..open_end];
        if !for_attr.contains("-answer\"") {
            labels.push(strip_tags(&rest[open_end + 1..close]));
        }
        rest = &rest[close..];
    }
    labels
}

fn checked_positions(body: &str, question_id: &str) -> Vec<String> {
    let mut checked: Vec<String> = inputs_of(body, question_id)
        .into_iter()
        .filter(|a| a.contains_key("checked"))
        .map(|a| a["value"].clone())
        .collect();
    checked.sort_by_key(|v| v.parse::<usize>().unwrap());
    checked
}

/// The answer the page shows as given: the checked positions in order, or the typed text.
fn shown_answer(body: &str, question: &Question) -> Vec<String> {
    if question.key.is_choice() {
        checked_positions(body, &question.id)
    } else {
        vec![inputs_of(body, &question.id)[0]["value"].clone()]
    }
}

/// What `shown_answer` gives for the answer `values` sends.
fn as_shown(question: &Question, order: &[usize], right: bool) -> Vec<String> {
    let mut values = values(question, order, right);
    if question.key.is_choice() {
        values.sort_by_key(|v| v.parse::<usize>().unwrap());
    }
    values
}

fn has_open_form(body: &str) -> bool {
    body.contains(r#"data-test="quiz-form""#)
}

/// Signs `email` in again from a new client: another device of the same member.
async fn another_device<'a>(app: &'a TestApp, email: &str) -> Client<'a> {
    let mut device = app.client();
    let res = device
        .api("/api/login", &[("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    device
}

/// Starts, answers everything right (or wrong) and submits; returns the attempt's id.
async fn take_quiz(app: &TestApp, client: &mut Client<'_>, right: bool) -> i64 {
    let quiz = served_quiz(app);
    let attempt = start(client).await;
    let items = drawn(app, attempt).await;
    let res = submit(client, attempt, &answer_fields(&quiz, &items, right)).await;
    assert_eq!(res.status, StatusCode::OK, "submit: {}", res.body);
    attempt
}

/// Rewrites a quiz file: drops the questions `remove`, and changes each remaining prompt with
/// `prompt` (given the heading's text before its `{…}` attributes).
fn edit_quiz_file(path: &Path, remove: &[&str], prompt: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        if let Some(heading) = line.strip_prefix("## ") {
            skipping = remove
                .iter()
                .any(|id| heading.contains(&format!("{{#{id} ")));
            if !skipping {
                let (words, attrs) = heading.split_at(heading.rfind(" {#").unwrap());
                out.push_str(&format!("## {}{attrs}", prompt(words)));
                continue;
            }
        }
        if !skipping {
            out.push_str(line);
        }
    }
    std::fs::write(path, out).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_attempt_shows_its_drawn_questions_gives_nothing_away_and_resumes_anywhere() {
    on_each_backend(Settings::default(), |app| async move {
        let quiz = served_quiz(&app);
        let mut member = app
            .signed_in("Jānis Bērziņš", "janis@example.lv", Role::Member)
            .await;
        let attempt = start(&mut member).await;
        let items = drawn(&app, attempt).await;
        assert_eq!(items.len(), quiz.settings.draw, "draw questions are drawn");

        let page = member.get(QUIZ_PAGE).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(has_open_form(&page.body));
        let ids: Vec<String> = items.iter().map(|i| i.question_id.clone()).collect();
        assert_eq!(
            shown_questions(&page.body),
            ids,
            "the drawn questions, in the drawn order"
        );
        assert_eq!(
            page.body.matches("<legend>").count(),
            items.len(),
            "one legend each"
        );
        let text = unescape(&page.body);
        let mut labels = Vec::new();
        for item in &items {
            let question = quiz.question(&item.question_id).unwrap();
            let en = question.text("en");
            assert!(text.contains(&en.prompt), "prompt of #{}", question.id);
            let inputs = inputs_of(&page.body, &question.id);
            match &question.key {
                AnswerKey::Text { .. } | AnswerKey::Numeric { .. } => {
                    assert_eq!(inputs.len(), 1, "#{}", question.id);
                    assert_eq!(inputs[0]["type"], "text");
                    assert_eq!(inputs[0]["value"], "", "nothing filled in yet");
                }
                key => {
                    let kind = if matches!(key, AnswerKey::Multiple { .. }) {
                        "checkbox"
                    } else {
                        "radio"
                    };
                    let positions: Vec<String> = (0..question.option_count())
                        .map(|p| p.to_string())
                        .collect();
                    assert_eq!(
                        inputs
                            .iter()
                            .map(|a| a["value"].clone())
                            .collect::<Vec<_>>(),
                        positions,
                        "option values are positions, not file indices: #{}",
                        question.id
                    );
                    assert!(inputs.iter().all(|a| a["type"] == kind), "#{}", question.id);
                    assert!(inputs.iter().all(|a| !a.contains_key("checked")));
                    labels.extend(item.option_order.iter().map(|&i| en.options[i].clone()));
                }
            }
            // Nothing that tells the right answer apart.
            let explanation = strip_tags(&en.explanation_html);
            let explanation: String = explanation.trim().chars().take(60).collect();
            assert!(!explanation.is_empty());
            assert!(
                !text.contains(&explanation),
                "the explanation of #{} is not in the page",
                question.id
            );
        }
        assert_eq!(
            choice_labels(&page.body),
            labels,
            "options in the drawn order"
        );
        assert!(!page.body.contains("[x]") && !page.body.contains("[ ]"));
        let lower = page.body.to_lowercase();
        assert!(
            !lower.contains("correct"),
            "no correctness markers in the page"
        );
        assert!(!lower.contains("data-answer") && !lower.contains("data-right"));
        assert!(
            !text.contains("Right answer") && !text.contains(r#""key""#),
            "no key in the page"
        );

        // Reloading resumes the same attempt, in the same order.
        let again = member.get(QUIZ_PAGE).await;
        assert_eq!(shown_questions(&again.body), ids);
        assert_eq!(choice_labels(&again.body), labels);
        assert_eq!(start(&mut member).await, attempt, "starting again resumes");
        assert_eq!(drawn(&app, attempt).await, items, "nothing redrawn");

        // Another device of the same member sees the same attempt with the answers so far.
        let first = &items[0];
        let q = quiz.question(&first.question_id).unwrap();
        let res = save(&mut member, attempt, &one_answer(&quiz, first, true)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let text_item = items
            .iter()
            .find(|i| !quiz.question(&i.question_id).unwrap().key.is_choice());
        if let Some(item) = text_item {
            let res = save(&mut member, attempt, &one_answer(&quiz, item, true)).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        }
        let mut phone = another_device(&app, "janis@example.lv").await;
        let page = phone.get(QUIZ_PAGE).await;
        assert_eq!(shown_questions(&page.body), ids);
        assert_eq!(choice_labels(&page.body), labels);
        assert_eq!(
            shown_answer(&page.body, q),
            as_shown(q, &first.option_order, true),
            "the answer saved on the other device is shown"
        );
        if let Some(item) = text_item {
            let question = quiz.question(&item.question_id).unwrap();
            assert_eq!(
                inputs_of(&page.body, &item.question_id)[0]["value"],
                values(question, &item.option_order, true)[0],
                "typed answers are filled in"
            );
        }

        // The same attempt in Latvian: the same questions in the same order, other words.
        let latvian = phone.get("/training/service-quality/quiz?lang=lv").await;
        assert_eq!(shown_questions(&latvian.body), ids);
        assert!(latvian.body.contains(r#"<html lang="lv""#));
        let lv_prompt = &quiz.question(&ids[0]).unwrap().text("lv").prompt;
        assert!(unescape(&latvian.body).contains(lv_prompt.as_str()));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM quiz_attempts").await, 1);
        app
    })
    .await;
}

#[tokio::test]
async fn answers_are_saved_checked_and_cleared() {
    on_each_backend(Settings::default(), |app| async move {
        let quiz = served_quiz(&app);
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let attempt = start(&mut member).await;
        let items = drawn(&app, attempt).await;
        let choice = items
            .iter()
            .find(|i| quiz.question(&i.question_id).unwrap().key.is_choice())
            .unwrap()
            .clone();
        let question = quiz.question(&choice.question_id).unwrap();

        // Saved, stored as file indices, shown again on reload.
        let res = save(&mut member, attempt, &one_answer(&quiz, &choice, true)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let stored = stored_answers(&app, attempt).await;
        assert_eq!(
            stored[&choice.question_id],
            Some(stored_form(question, &choice.option_order, true))
        );
        assert_eq!(
            stored.values().filter(|a| a.is_some()).count(),
            1,
            "only that answer"
        );
        let page = member.get(QUIZ_PAGE).await;
        assert_eq!(
            shown_answer(&page.body, question),
            as_shown(question, &choice.option_order, true)
        );

        // A question of the pool that was not drawn, or of no quiz at all: refused whole.
        let not_drawn = quiz
            .questions
            .iter()
            .find(|q| items.iter().all(|i| i.question_id != q.id))
            .unwrap();
        let other = items
            .iter()
            .find(|i| i.question_id != choice.question_id)
            .unwrap();
        for stranger in [not_drawn.id.as_str(), "no-such-question"] {
            let mut answers = one_answer(&quiz, other, true);
            answers.push((field_name(stranger), "0".to_owned()));
            let res = save(&mut member, attempt, &answers).await;
            assert_refused(
                &res,
                StatusCode::UNPROCESSABLE_ENTITY,
                "QuestionNotInAttempt",
            );
        }
        assert_eq!(
            stored_answers(&app, attempt).await,
            stored,
            "nothing of a refused save is kept"
        );

        // Positions that are not shown, and two answers to a one-answer question.
        let options = question.option_count();
        let single = items
            .iter()
            .find(|i| {
                matches!(
                    quiz.question(&i.question_id).unwrap().key,
                    AnswerKey::Single { .. } | AnswerKey::TrueFalse { .. }
                )
            })
            .expect("a single-answer question is always drawn");
        let bad = [
            vec![(field_name(&choice.question_id), options.to_string())],
            vec![(field_name(&choice.question_id), "-1".to_owned())],
            vec![(field_name(&choice.question_id), "first".to_owned())],
            vec![
                (field_name(&single.question_id), "0".to_owned()),
                (field_name(&single.question_id), "1".to_owned()),
            ],
        ];
        for answers in bad {
            let res = save(&mut member, attempt, &answers).await;
            assert_refused(&res, StatusCode::UNPROCESSABLE_ENTITY, "AnswerInvalid");
        }
        let text_item = items
            .iter()
            .find(|i| !quiz.question(&i.question_id).unwrap().key.is_choice());
        if let Some(item) = text_item {
            let too_long = vec![(field_name(&item.question_id), "x".repeat(201))];
            let res = save(&mut member, attempt, &too_long).await;
            assert_refused(&res, StatusCode::UNPROCESSABLE_ENTITY, "AnswerInvalid");
            let two = vec![
                (field_name(&item.question_id), "one".to_owned()),
                (field_name(&item.question_id), "two".to_owned()),
            ];
            let res = save(&mut member, attempt, &two).await;
            assert_refused(&res, StatusCode::UNPROCESSABLE_ENTITY, "AnswerInvalid");
        }
        assert_eq!(stored_answers(&app, attempt).await, stored);

        // Clearing: the empty value the form always sends, and nothing else.
        let res = save(
            &mut member,
            attempt,
            &[(field_name(&choice.question_id), String::new())],
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            stored_answers(&app, attempt).await[&choice.question_id],
            None
        );
        let page = member.get(QUIZ_PAGE).await;
        assert!(checked_positions(&page.body, &choice.question_id).is_empty());
        if let Some(item) = text_item {
            let answer = one_answer(&quiz, item, true);
            assert_eq!(
                save(&mut member, attempt, &answer).await.status,
                StatusCode::OK
            );
            assert!(stored_answers(&app, attempt).await[&item.question_id].is_some());
            let blank = [(field_name(&item.question_id), "   ".to_owned())];
            assert_eq!(
                save(&mut member, attempt, &blank).await.status,
                StatusCode::OK
            );
            assert_eq!(stored_answers(&app, attempt).await[&item.question_id], None);
        }
        app
    })
    .await;
}

#[tokio::test]
async fn attempts_are_their_owners_alone() {
    on_each_backend(Settings::default(), |app| async move {
        let quiz = served_quiz(&app);
        let mut owner = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let mut other = app
            .signed_in("Mallory Member", "mallory@example.com", Role::Member)
            .await;
        let attempt = start(&mut owner).await;
        let items = drawn(&app, attempt).await;
        let res = save(&mut owner, attempt, &one_answer(&quiz, &items[0], true)).await;
        assert_eq!(res.status, StatusCode::OK);
        let before = stored_answers(&app, attempt).await;

        let wrong = answer_fields(&quiz, &items, false);
        let res = save(&mut other, attempt, &wrong).await;
        assert_refused(&res, StatusCode::NOT_FOUND, "NotFound");
        let res = submit(&mut other, attempt, &wrong).await;
        assert_refused(&res, StatusCode::NOT_FOUND, "NotFound");
        assert_eq!(
            other.get(&review_path(attempt)).await.status,
            StatusCode::NOT_FOUND
        );
        let page = other.get(QUIZ_PAGE).await;
        assert!(
            !has_open_form(&page.body),
            "the other member has no attempt open"
        );
        assert_eq!(
            stored_answers(&app, attempt).await,
            before,
            "nothing changed"
        );
        assert_eq!(graded(&app, attempt).await.submitted_at, None, "still open");

        // The owner's review of an attempt still open sends them back to the quiz.
        let res = owner.get(&review_path(attempt)).await;
        assert!(res.status.is_redirection(), "{}", res.status);
        assert_eq!(res.location(), QUIZ_PAGE);

        // Modules without a quiz have no attempts.
        for module in ["no-such-module", "../service-quality"] {
            let res = owner
                .api("/api/quiz/start", &[("module", module), ("lang", "en")])
                .await;
            assert_refused(&res, StatusCode::NOT_FOUND, "NotFound");
        }
        assert_eq!(
            owner.get("/training/no-such-module/quiz").await.status,
            StatusCode::NOT_FOUND
        );

        // Once handed in, the review is still the owner's alone.
        let res = submit(&mut owner, attempt, &answer_fields(&quiz, &items, true)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            owner.get(&review_path(attempt)).await.status,
            StatusCode::OK
        );
        assert_eq!(
            other.get(&review_path(attempt)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            other
                .get(&format!("/training/{SLUG}/quiz/attempts/999999"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // The right module is part of the address.
        assert_eq!(
            owner
                .get(&format!(
                    "/training/service-excellence/quiz/attempts/{attempt}"
                ))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Visitors are asked to sign in.
        let mut visitor = app.client();
        let res = visitor
            .api("/api/quiz/start", &[("module", SLUG), ("lang", "en")])
            .await;
        assert_refused(&res, StatusCode::UNAUTHORIZED, "Unauthorized");
        let res = call(&mut visitor, "/api/quiz/save", &fields(attempt, &wrong)).await;
        assert_refused(&res, StatusCode::UNAUTHORIZED, "Unauthorized");
        let res = call(&mut visitor, "/api/quiz/submit", &fields(attempt, &wrong)).await;
        assert_refused(&res, StatusCode::UNAUTHORIZED, "Unauthorized");
        let res = visitor.get(QUIZ_PAGE).await;
        assert_eq!(res.status, StatusCode::FOUND);
        assert!(
            res.location().starts_with("/login?next="),
            "{}",
            res.location()
        );
        let res = visitor.get(&review_path(attempt)).await;
        assert_eq!(res.status, StatusCode::FOUND);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM quiz_attempts").await, 1);
        app
    })
    .await;
}

#[tokio::test]
async fn an_attempt_is_graded_once() {
    on_each_backend(Settings::default(), |app| async move {
        let quiz = served_quiz(&app);
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let attempt = start(&mut member).await;
        let items = drawn(&app, attempt).await;
        let right = answer_fields(&quiz, &items, true);
        let first = submit(&mut member, attempt, &right).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.body);
        let after_first = graded(&app, attempt).await;
        let answers_first = stored_answers(&app, attempt).await;
        assert_eq!(after_first.correct_count, Some(items.len() as i64));
        assert_eq!(after_first.passed, Some(1));

        let second = submit(&mut member, attempt, &answer_fields(&quiz, &items, false)).await;
        assert_eq!(second.status, StatusCode::OK, "{}", second.body);
        assert_eq!(second.body, first.body, "the same result");
        assert_eq!(graded(&app, attempt).await, after_first, "graded once");
        assert_eq!(
            stored_answers(&app, attempt).await,
            answers_first,
            "answers sent with the second submit are ignored"
        );
        let res = save(&mut member, attempt, &answer_fields(&quiz, &items, false)).await;
        assert_refused(&res, StatusCode::CONFLICT, "AttemptClosed");
        let submitted = count(
            &app,
            "SELECT COUNT(*) FROM quiz_attempts WHERE submitted_at IS NOT NULL",
        )
        .await;
        assert_eq!(submitted, 1);

        // Handed in from two devices at once: still one grading, of one device's answers.
        let attempt = start(&mut member).await;
        let items = drawn(&app, attempt).await;
        let calls: Vec<_> = (0..6)
            .map(|n| {
                member.api_detached(
                    "/api/quiz/submit",
                    &fields(attempt, &answer_fields(&quiz, &items, n % 2 == 0))
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect::<Vec<_>>(),
                )
            })
            .map(tokio::spawn)
            .collect();
        for call in calls {
            let res = call.await.unwrap();
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            assert_eq!(res.body.trim(), attempt.to_string());
        }
        let outcome = graded(&app, attempt).await;
        let all = items.len() as i64;
        assert!(
            outcome.correct_count == Some(all) || outcome.correct_count == Some(0),
            "one submission's answers, not a mix: {outcome:?}"
        );
        let stored = stored_answers(&app, attempt).await;
        let right_kept = items.iter().all(|i| {
            let q = quiz.question(&i.question_id).unwrap();
            stored[&i.question_id] == Some(stored_form(q, &i.option_order, true))
        });
        assert_eq!(right_kept, outcome.correct_count == Some(all));
        app
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_starts_open_one_attempt_and_none_past_the_limit() {
    let settings = Settings {
        quiz_cooldown: Some(Duration::ZERO),
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        let quiz = served_quiz(&app);
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let starts: Vec<_> = (0..10)
            .map(|_| member.api_detached("/api/quiz/start", &[("module", SLUG), ("lang", "en")]))
            .map(tokio::spawn)
            .collect();
        let mut ids = Vec::new();
        for call in starts {
            let res = call.await.unwrap();
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            ids.push(res.body.trim().parse::<i64>().unwrap());
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "every start got the same attempt");
        assert_eq!(attempts_of(&app, "ana@example.si").await, 1);
        let questions = count(&app, "SELECT COUNT(*) FROM quiz_answers").await;
        assert_eq!(questions, quiz.settings.draw as i64, "drawn once");

        // Use up the day's attempts, then try many at once.
        let items = drawn(&app, ids[0]).await;
        let res = submit(&mut member, ids[0], &answer_fields(&quiz, &items, false)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        for _ in 1..quiz.settings.attempts_per_day {
            take_quiz(&app, &mut member, false).await;
        }
        let used = i64::from(quiz.settings.attempts_per_day);
        assert_eq!(attempts_of(&app, "ana@example.si").await, used);
        let starts: Vec<_> = (0..10)
            .map(|_| member.api_detached("/api/quiz/start", &[("module", SLUG), ("lang", "en")]))
            .map(tokio::spawn)
            .collect();
        for call in starts {
            let res = call.await.unwrap();
            assert_refused(&res, StatusCode::TOO_MANY_REQUESTS, "QuizAttemptLimit");
        }
        assert_eq!(
            attempts_of(&app, "ana@example.si").await,
            used,
            "none created"
        );
        app
    })
    .await;
}

#[tokio::test]
async fn the_time_limit_is_kept_by_the_server() {
    on_each_backend(Settings::default(), |app| async move {
        let quiz = served_quiz(&app);
        assert!(
            quiz.settings.time_limit_seconds.is_some(),
            "the quiz has a time limit"
        );
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let attempt = start(&mut member).await;
        let (started, deadline): (i64, Option<i64>) =
            sqlx::query_as("SELECT started_at, deadline FROM quiz_attempts WHERE id = $1")
                .bind(attempt)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(
            deadline,
            Some(started + quiz.settings.time_limit_seconds.unwrap())
        );
        let page = member.get(QUIZ_PAGE).await;
        assert!(page.body.contains(r#"data-test="quiz-timer""#));

        let items = drawn(&app, attempt).await;
        let (last, in_time) = items.split_last().unwrap();
        let res = save(&mut member, attempt, &answer_fields(&quiz, in_time, true)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // Time runs out.
        let deadline = unix_now() - 60;
        sqlx::query("UPDATE quiz_attempts SET deadline = $1 WHERE id = $2")
            .bind(deadline)
            .bind(attempt)
            .execute(&app.pool)
            .await
            .unwrap();
        let res = save(&mut member, attempt, &one_answer(&quiz, last, true)).await;
        assert_refused(&res, StatusCode::CONFLICT, "AttemptClosed");
        assert_eq!(stored_answers(&app, attempt).await[&last.question_id], None);

        // A late hand-in is graded even when what it carries would not have been accepted.
        let mut late_fields = one_answer(&quiz, last, true);
        late_fields.push((field_name("not-in-this-attempt"), "0".into()));
        let res = submit(&mut member, attempt, &late_fields).await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "a late hand-in is still graded: {}",
            res.body
        );
        let outcome = graded(&app, attempt).await;
        assert_eq!(
            outcome.correct_count,
            Some(in_time.len() as i64),
            "what was saved in time counts, the late answer does not"
        );
        assert_eq!(
            outcome.submitted_at,
            Some(deadline),
            "closed at the deadline"
        );
        assert_eq!(stored_answers(&app, attempt).await[&last.question_id], None);

        // An attempt left to run out is graded when its page is next visited.
        let second = start(&mut member).await;
        assert_ne!(second, attempt);
        let items = drawn(&app, second).await;
        let res = save(&mut member, second, &one_answer(&quiz, &items[0], true)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        sqlx::query("UPDATE quiz_attempts SET deadline = $1 WHERE id = $2")
            .bind(unix_now() - 5)
            .bind(second)
            .execute(&app.pool)
            .await
            .unwrap();
        let page = member.get(QUIZ_PAGE).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !has_open_form(&page.body),
            "no open form for an expired attempt"
        );
        assert!(
            page.body.contains(r#"data-test="quiz-history""#),
            "{}",
            page.body
        );
        assert!(!page.body.contains("In progress"));
        assert!(
            page.body.contains(&review_path(second)),
            "the history links the graded attempt"
        );
        assert!(
            page.body.contains("✗ Not passed: 1 of"),
            "its result is listed"
        );
        let outcome = graded(&app, second).await;
        assert_eq!(outcome.correct_count, Some(1));
        assert_eq!(outcome.passed, Some(0));
        let review = member.get(&review_path(second)).await;
        assert_eq!(review.status, StatusCode::OK);
        assert!(review.body.contains("Not passed"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_failed_attempt_is_followed_by_the_cooldown() {
    let settings = Settings {
        quiz_cooldown: Some(Duration::from_secs(3600)),
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let failed = take_quiz(&app, &mut member, false).await;
        assert_eq!(graded(&app, failed).await.passed, Some(0));
        let res = member
            .api("/api/quiz/start", &[("module", SLUG), ("lang", "en")])
            .await;
        assert_refused(&res, StatusCode::TOO_MANY_REQUESTS, "QuizCooldown");
        assert_eq!(attempts_of(&app, "ana@example.si").await, 1);

        let page = member.get(QUIZ_PAGE).await;
        assert!(page.body.contains(r#"data-test="quiz-wait""#));
        assert!(
            page.body.contains("You can try again from"),
            "the page says when"
        );
        assert!(page.body.contains("60 min"), "and how long that is");
        assert!(!page.body.contains(r#"data-test="start-quiz""#));

        // Without JavaScript the refusal comes back to the quiz page.
        let res = member
            .submit(
                "/api/quiz/start",
                QUIZ_PAGE,
                &[("module", SLUG), ("lang", "en")],
            )
            .await;
        assert!(res.status.is_redirection(), "{}", res.status);
        assert!(res.location().contains("__err="), "{}", res.location());
        assert_eq!(attempts_of(&app, "ana@example.si").await, 1);

        // A passed attempt has no cooldown.
        let mut winner = app
            .signed_in("Jānis Bērziņš", "janis@example.lv", Role::Member)
            .await;
        let passed = take_quiz(&app, &mut winner, true).await;
        assert_eq!(graded(&app, passed).await.passed, Some(1));
        let again = start(&mut winner).await;
        assert_ne!(again, passed, "a new attempt right away");
        app
    })
    .await;
}

#[tokio::test]
async fn the_daily_attempts_run_out() {
    let settings = Settings {
        quiz_cooldown: Some(Duration::ZERO),
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        let quiz = served_quiz(&app);
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        for n in 0..quiz.settings.attempts_per_day {
            let page = member.get(QUIZ_PAGE).await;
            let left = format!(
                "Attempts left in the next 24 hours: {}.",
                quiz.settings.attempts_per_day - n
            );
            assert!(page.body.contains(&left), "{left}");
            take_quiz(&app, &mut member, false).await;
        }
        let res = member
            .api("/api/quiz/start", &[("module", SLUG), ("lang", "en")])
            .await;
        assert_refused(&res, StatusCode::TOO_MANY_REQUESTS, "QuizAttemptLimit");
        assert_eq!(
            attempts_of(&app, "ana@example.si").await,
            i64::from(quiz.settings.attempts_per_day)
        );
        let page = member.get(QUIZ_PAGE).await;
        assert!(page.body.contains(r#"data-test="quiz-wait""#));
        assert!(page.body.contains("You have used the attempts for now"));
        assert!(!page.body.contains(r#"data-test="start-quiz""#));

        // The limit is per member.
        let mut other = app
            .signed_in("Jānis Bērziņš", "janis@example.lv", Role::Member)
            .await;
        start(&mut other).await;
        app
    })
    .await;
}

#[tokio::test]
async fn the_review_shows_the_result_and_points_back_to_the_module() {
    on_each_backend(Settings::default(), |app| async move {
        let quiz = served_quiz(&app);
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let training = member.get("/training").await;
        assert!(!training.body.contains(r#"data-test="quiz-passed-mark""#));

        let attempt = take_quiz(&app, &mut member, true).await;
        let items = drawn(&app, attempt).await;
        let total = items.len();
        let outcome = graded(&app, attempt).await;
        assert_eq!(
            (outcome.correct_count, outcome.score, outcome.passed),
            (Some(total as i64), Some(100), Some(1))
        );
        let review = member.get(&review_path(attempt)).await;
        assert_eq!(review.status, StatusCode::OK);
        let text = unescape(&review.body);
        assert!(text.contains("✓ Passed"));
        assert!(text.contains(&format!(
            "You answered {total} of {total} questions right (100 %). The pass mark is {} %.",
            quiz.settings.pass_mark
        )));
        assert_eq!(text.matches(r#"data-test="review-item""#).count(), total);
        assert_eq!(
            text.matches("✓ Right").count(),
            total,
            "a verdict per question"
        );
        for item in &items {
            let question = quiz.question(&item.question_id).unwrap();
            let en = question.text("en");
            assert!(text.contains(&en.prompt), "#{}", question.id);
            assert!(
                review.body.contains(&en.explanation_html),
                "the explanation of #{}",
                question.id
            );
            let section = format!("/training/{SLUG}?lang=en#{}", question.section);
            assert!(text.contains(&format!("href=\"{section}\"")), "{section}");
        }
        assert!(
            text.contains("Right answer"),
            "the right answers are shown after submit"
        );

        let training = member.get("/training").await;
        assert!(training.body.contains(r#"data-test="quiz-passed-mark""#));
        let module = member.get("/training/service-quality?lang=en").await;
        assert!(module.body.contains(r#"data-test="quiz-passed-mark""#));
        let page = member.get(QUIZ_PAGE).await;
        assert!(page.body.contains(r#"data-test="quiz-passed""#));
        assert!(
            page.body.contains("✓ Passed: "),
            "the history lists the pass"
        );

        // Failing.
        let mut other = app
            .signed_in("Jānis Bērziņš", "janis@example.lv", Role::Member)
            .await;
        let failed = take_quiz(&app, &mut other, false).await;
        assert_eq!(graded(&app, failed).await.score, Some(0));
        let review = other.get(&review_path(failed)).await;
        assert_eq!(review.status, StatusCode::OK);
        let text = unescape(&review.body);
        assert!(text.contains("✗ Not passed"));
        assert!(!text.contains("✓ Passed"));
        assert_eq!(text.matches("✗ Wrong").count(), total);
        assert!(text.contains(&format!("You answered 0 of {total} questions right (0 %)")));
        let training = other.get("/training").await;
        assert!(!training.body.contains(r#"data-test="quiz-passed-mark""#));
        let module = other.get("/training/service-quality?lang=en").await;
        assert!(!module.body.contains(r#"data-test="quiz-passed-mark""#));

        // Unanswered questions say so.
        let mut third = app
            .signed_in("Tomaž Šušteršič", "tomaz@example.si", Role::Member)
            .await;
        let blank = start(&mut third).await;
        assert_eq!(submit(&mut third, blank, &[]).await.status, StatusCode::OK);
        let review = third.get(&review_path(blank)).await;
        assert_eq!(
            unescape(&review.body).matches("– Not answered").count(),
            total
        );
        app
    })
    .await;
}

#[tokio::test]
async fn the_whole_quiz_works_without_javascript() {
    on_each_backend(Settings::default(), |app| async move {
        let quiz = served_quiz(&app);
        let mut browser = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let intro = browser.get(QUIZ_PAGE).await;
        assert!(intro.body.contains(r#"action="/api/quiz/start""#));
        assert!(intro.body.contains(r#"data-test="start-quiz""#));

        let res = browser
            .submit(
                "/api/quiz/start",
                QUIZ_PAGE,
                &[("module", SLUG), ("lang", "en")],
            )
            .await;
        assert!(res.status.is_redirection(), "{}: {}", res.status, res.body);
        assert_eq!(res.location(), QUIZ_PAGE);
        let page = browser.get(QUIZ_PAGE).await;
        assert!(has_open_form(&page.body));
        let form = tags(&page.body, "form")
            .into_iter()
            .find(|f| f.get("data-test").map(String::as_str) == Some("quiz-form"))
            .unwrap();
        assert_eq!(form["action"], "/api/quiz/submit");
        assert_eq!(form["method"], "post");
        let attempt: i64 = tags(&page.body, "input")
            .into_iter()
            .find(|a| a.get("name").map(String::as_str) == Some("attempt"))
            .unwrap()["value"]
            .parse()
            .unwrap();
        assert!(page.body.contains(r#"formaction="/api/quiz/save""#));
        let items = drawn(&app, attempt).await;
        assert_eq!(shown_questions(&page.body).len(), items.len());

        // What a browser sends: every field of the form, the empty hidden one included.
        let browser_fields = |right: &[&Drawn], wrong: &[&Drawn]| {
            let mut all = fields(attempt, &[]);
            for item in &items {
                let question = quiz.question(&item.question_id).unwrap();
                all.push((field_name(&item.question_id), String::new()));
                let given = if right.contains(&item) {
                    values(question, &item.option_order, true)
                } else if wrong.contains(&item) {
                    values(question, &item.option_order, false)
                } else if question.key.is_choice() {
                    Vec::new()
                } else {
                    vec![String::new()]
                };
                all.extend(
                    given
                        .into_iter()
                        .map(|v| (field_name(&item.question_id), v)),
                );
            }
            all
        };
        let half: Vec<&Drawn> = items.iter().take(items.len() / 2).collect();
        let res = post_form(
            &mut browser,
            "/api/quiz/save",
            QUIZ_PAGE,
            &browser_fields(&[], &half),
        )
        .await;
        assert!(res.status.is_redirection(), "{}: {}", res.status, res.body);
        assert_eq!(res.location(), format!("{QUIZ_PAGE}&saved=1"));
        let page = browser.get(res.location()).await;
        assert!(page.body.contains(r#"data-test="answers-saved""#));
        let stored = stored_answers(&app, attempt).await;
        for item in &items {
            let question = quiz.question(&item.question_id).unwrap();
            let expected = half
                .contains(&item)
                .then(|| stored_form(question, &item.option_order, false));
            assert_eq!(stored[&item.question_id], expected, "#{}", question.id);
            if half.contains(&item) {
                assert_eq!(
                    shown_answer(&page.body, question),
                    as_shown(question, &item.option_order, false)
                );
            }
        }

        // A refused save comes back to the page with the reason.
        let choice = items
            .iter()
            .find(|i| quiz.question(&i.question_id).unwrap().key.is_choice())
            .unwrap();
        let mut bad = fields(attempt, &[]);
        bad.push((field_name(&choice.question_id), "99".to_owned()));
        let res = post_form(&mut browser, "/api/quiz/save", QUIZ_PAGE, &bad).await;
        assert!(res.status.is_redirection());
        assert!(res.location().contains("__err="), "{}", res.location());
        let back = browser
            .get(res.location().trim_start_matches("http://127.0.0.1:3000"))
            .await;
        assert_eq!(back.status, StatusCode::OK);
        assert!(back.body.contains("role=\"alert\""));
        assert!(unescape(&back.body).contains("That answer does not fit the question."));
        assert!(has_open_form(&back.body), "the attempt is still there");

        // Handing in changes the earlier answers to the right ones and grades.
        let all: Vec<&Drawn> = items.iter().collect();
        let res = post_form(
            &mut browser,
            "/api/quiz/submit",
            QUIZ_PAGE,
            &browser_fields(&all, &[]),
        )
        .await;
        assert!(res.status.is_redirection(), "{}: {}", res.status, res.body);
        assert_eq!(res.location(), review_path(attempt));
        let review = browser.get(res.location()).await;
        assert_eq!(review.status, StatusCode::OK);
        assert!(unescape(&review.body).contains("✓ Passed"));
        let outcome = graded(&app, attempt).await;
        assert_eq!(outcome.correct_count, Some(items.len() as i64));
        assert_eq!(outcome.passed, Some(1));
        let page = browser.get(QUIZ_PAGE).await;
        assert!(!has_open_form(&page.body));
        app
    })
    .await;
}

#[tokio::test]
async fn an_open_attempt_keeps_its_quiz_when_the_files_change() {
    on_each_backend(Settings::default(), |app| async move {
        let old = served_quiz(&app);
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let attempt = start(&mut member).await;
        let items = drawn(&app, attempt).await;
        let res = save(&mut member, attempt, &one_answer(&old, &items[0], true)).await;
        assert_eq!(res.status, StatusCode::OK);
        // Another member's attempt, graded before the change.
        let mut earlier = app
            .signed_in("Jānis Bērziņš", "janis@example.lv", Role::Member)
            .await;
        let done = take_quiz(&app, &mut earlier, false).await;
        let review_before = earlier.get(&review_path(done)).await;
        assert_eq!(review_before.status, StatusCode::OK);

        // Two of the drawn questions leave the pool, every remaining prompt is reworded.
        let dir = tempfile::tempdir().unwrap();
        common::copy_dir(&TestApp::content_dir(), dir.path());
        let module_dir = dir.path().join("modules").join(SLUG);
        let removed = [items[0].question_id.as_str(), items[1].question_id.as_str()];
        edit_quiz_file(&module_dir.join("quiz.en.md"), &removed, |words| {
            format!("Reworded: {words}")
        });
        edit_quiz_file(&module_dir.join("quiz.lv.md"), &removed, str::to_owned);
        let catalogue = Catalogue::load(dir.path())
            .unwrap_or_else(|errors| panic!("the edited content loads: {errors:?}"));
        let new = catalogue.quiz(SLUG).cloned().unwrap();
        assert_ne!(new.version, old.version, "a new version");
        assert_eq!(new.questions.len(), old.questions.len() - 2);
        app.replace_content(catalogue);
        assert_eq!(served_quiz(&app).version, new.version);

        // The open attempt still has its questions, worded as when it was drawn.
        let page = member.get(QUIZ_PAGE).await;
        assert!(has_open_form(&page.body));
        let ids: Vec<String> = items.iter().map(|i| i.question_id.clone()).collect();
        assert_eq!(shown_questions(&page.body), ids);
        let text = unescape(&page.body);
        assert!(!text.contains("Reworded: "));
        for item in &items {
            let prompt = &old.question(&item.question_id).unwrap().text("en").prompt;
            assert!(
                text.contains(prompt.as_str()),
                "old prompt of #{}",
                item.question_id
            );
        }
        assert_eq!(
            shown_answer(&page.body, old.question(&items[0].question_id).unwrap()),
            as_shown(
                old.question(&items[0].question_id).unwrap(),
                &items[0].option_order,
                true
            ),
            "answers saved before the change are kept"
        );

        // Graded against the keys it was drawn with: the removed questions count too.
        let res = submit(&mut member, attempt, &answer_fields(&old, &items, true)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let outcome = graded(&app, attempt).await;
        assert_eq!(outcome.correct_count, Some(items.len() as i64));
        assert_eq!(outcome.score, Some(100));
        let review = member.get(&review_path(attempt)).await;
        assert_eq!(review.status, StatusCode::OK);
        let text = unescape(&review.body);
        assert!(!text.contains("Reworded: "));
        assert_eq!(text.matches("✓ Right").count(), items.len());
        for item in &items {
            let prompt = &old.question(&item.question_id).unwrap().text("en").prompt;
            assert!(
                text.contains(prompt.as_str()),
                "review: old prompt of #{}",
                item.question_id
            );
        }

        // A review graded before the change reads as it did.
        let review_after = earlier.get(&review_path(done)).await;
        assert_eq!(review_after.status, StatusCode::OK);
        assert_eq!(
            strip_tags(&review_after.body),
            strip_tags(&review_before.body)
        );

        // A new attempt is drawn from the new version.
        let next = start(&mut member).await;
        let version: String =
            sqlx::query_scalar("SELECT quiz_version FROM quiz_attempts WHERE id = $1")
                .bind(next)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(version, new.version);
        let next_items = drawn(&app, next).await;
        assert!(
            next_items
                .iter()
                .all(|i| !removed.contains(&i.question_id.as_str()))
        );
        let page = member.get(QUIZ_PAGE).await;
        let text = unescape(&page.body);
        for item in &next_items {
            let prompt = &new.question(&item.question_id).unwrap().text("en").prompt;
            assert!(prompt.starts_with("Reworded: "));
            assert!(
                text.contains(prompt.as_str()),
                "new prompt of #{}",
                item.question_id
            );
        }
        let versions = count(
            &app,
            "SELECT COUNT(*) FROM quiz_versions WHERE module_slug = 'service-quality'",
        )
        .await;
        assert_eq!(versions, 2);
        app
    })
    .await;
}

#[tokio::test]
async fn admins_see_how_each_question_fares_and_export_the_attempts() {
    let settings = Settings {
        quiz_cooldown: Some(Duration::ZERO),
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        {
            // A name a spreadsheet would take for a formula.
            let mut member = app
                .signed_in("=SUM(A1:A2) Novak", "formula@example.si", Role::Member)
                .await;
            let passed = take_quiz(&app, &mut member, true).await;
            let failed = take_quiz(&app, &mut member, false).await;
            let mut other = app
                .signed_in("Jānis Bērziņš", "janis@example.lv", Role::Member)
                .await;
            start(&mut other).await;

            let csv_path = format!("/admin/quizzes/{SLUG}/attempts.csv");
            let mut anonymous = app.client();
            let csv = [("accept", "text/csv")];
            assert_eq!(
                anonymous.get_with(&csv_path, &csv).await.status,
                StatusCode::UNAUTHORIZED
            );
            // A browser is sent to sign in, and comes back to the file.
            let visitor = anonymous.get(&csv_path).await;
            assert_eq!(visitor.status, StatusCode::FOUND);
            assert_eq!(visitor.location(), format!("/login?next={csv_path}"));
            assert_eq!(
                member.get_with(&csv_path, &csv).await.status,
                StatusCode::FORBIDDEN
            );
            let refused = member.get(&csv_path).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            assert!(
                refused.body.contains("<main"),
                "the site's page, with a way back"
            );
            let page = member.get("/admin/quizzes").await;
            assert_eq!(page.status, StatusCode::FORBIDDEN);
            assert!(!page.body.contains("data-test=\"quiz-stats\""));

            let mut admin = app
                .signed_in("Alma Admin", "alma@example.org", Role::Admin)
                .await;
            let page = admin.get("/admin/quizzes").await;
            assert_eq!(page.status, StatusCode::OK);
            assert_eq!(
                page.body.matches("data-test=\"quiz-stats\"").count(),
                5,
                "{}",
                page.body
            );
            let text = strip_tags(&page.body);
            assert!(
                text.contains(
                    "Graded attempts: 2 by 2 members, 1 passed, 1 in progress. Mean score: 50 %."
                ),
                "{text}"
            );
            // Each question's row: how many graded attempts drew it, and the share right
            // (every answer in `passed` right, every one in `failed` wrong).
            let quiz = served_quiz(&app);
            let ids = |items: Vec<Drawn>| -> Vec<String> {
                items.into_iter().map(|d| d.question_id).collect()
            };
            let (right, wrong) = (
                ids(drawn(&app, passed).await),
                ids(drawn(&app, failed).await),
            );
            let mut shares_seen = std::collections::BTreeSet::new();
            for question in &quiz.questions {
                let (r, w) = (right.contains(&question.id), wrong.contains(&question.id));
                let times = usize::from(r) + usize::from(w);
                let share = match times {
                    0 => "–".to_owned(),
                    _ => format!("{} %", usize::from(r) * 100 / times),
                };
                let start = page
                    .body
                    .find(&format!("<code>{}</code>", question.id))
                    .unwrap_or_else(|| panic!("no row for {}", question.id));
                let row = &page.body[start..];
                let row = &row[..row.find("</tr>").unwrap()];
                let cells: Vec<String> = row
                    .split("<td")
                    .skip(1)
                    .map(|cell| strip_tags(&format!("<td{cell}")).trim().to_owned())
                    .collect();
                assert_eq!(cells[1..], [times.to_string(), share.clone()], "{row}");
                shares_seen.insert(share);
            }
            // Eight of the pool are drawn per attempt, so at least one question was drawn by
            // only one of the two attempts, and the rows cannot all read alike.
            assert!(shares_seen.len() > 1, "{shares_seen:?}");

            let csv = admin.get(&csv_path).await;
            assert_eq!(csv.status, StatusCode::OK);
            assert!(
                csv.headers[axum::http::header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv")
            );
            // A byte-order mark first, or Excel on Windows garbles accented names.
            let body = csv
                .body
                .strip_prefix('\u{FEFF}')
                .expect("starts with a BOM");
            let lines: Vec<&str> = body.lines().collect();
            assert_eq!(
                lines[0],
                "attempt,member,email,started,submitted,correct,questions,score,passed,quiz_version"
            );
            assert_eq!(lines.len(), 3, "{}", csv.body);
            assert!(lines[1].contains("'=SUM(A1:A2) Novak"), "{}", lines[1]);
            assert!(lines[1].ends_with(&format!(",8,8,100,yes,{}", quiz.version)));
            assert!(lines[2].ends_with(&format!(",0,8,0,no,{}", quiz.version)));
            assert_eq!(
                admin
                    .get("/admin/quizzes/no-such-module/attempts.csv")
                    .await
                    .status,
                StatusCode::NOT_FOUND
            );
        }
        app
    })
    .await;
}

/// Serves a copy of `content/` whose service-quality quiz has `review = "<policy>"`.
fn serve_with_review_policy(app: &TestApp, policy: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&TestApp::content_dir(), dir.path());
    let file = dir.path().join(format!("modules/{SLUG}/quiz.en.md"));
    let text = std::fs::read_to_string(&file).unwrap();
    let edited: String = text
        .lines()
        .map(|line| {
            if line.starts_with("review = ") {
                format!("review = \"{policy}\"")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&file, edited + "\n").unwrap();
    app.replace_content(Catalogue::load(dir.path()).expect("edited content loads"));
    dir
}

#[tokio::test]
async fn the_review_shows_what_the_quiz_settings_allow() {
    let settings = Settings {
        quiz_cooldown: Some(Duration::ZERO),
        ..Settings::default()
    };
    on_each_backend(settings, |app| async move {
        {
            let _content = serve_with_review_policy(&app, "after_pass");
            let mut member = app
                .signed_in("Ana Novak", "ana@example.si", Role::Member)
                .await;
            let failed = take_quiz(&app, &mut member, false).await;
            let review = member.get(&review_path(failed)).await;
            let text = strip_tags(&review.body);
            assert!(text.contains("Not passed"), "{text}");
            assert_eq!(review.body.matches("data-test=\"verdict\"").count(), 8);
            assert!(!text.contains("Right answer"), "{text}");
            assert!(!review.body.contains("class=\"explanation\""));
            assert!(text.contains("The right answers and explanations are shown once you pass"));

            // Once passed, every review opens up, the earlier one too.
            take_quiz(&app, &mut member, true).await;
            let review = member.get(&review_path(failed)).await;
            assert!(strip_tags(&review.body).contains("Right answer"));
            assert!(review.body.contains("class=\"explanation\""));

            let _content = serve_with_review_policy(&app, "score_only");
            let scored = take_quiz(&app, &mut member, true).await;
            let review = member.get(&review_path(scored)).await;
            let text = strip_tags(&review.body);
            assert!(text.contains("Passed"), "{text}");
            assert!(text.contains("8 of 8"), "{text}");
            assert!(text.contains("This quiz shows only the score"), "{text}");
            assert_eq!(review.body.matches("data-test=\"verdict\"").count(), 0);
            assert!(!review.body.contains("class=\"explanation\""));
        }
        app
    })
    .await;
}

#[tokio::test]
async fn attempts_left_to_run_out_are_graded_by_the_sweep() {
    on_each_backend(Settings::default(), |app| async move {
        {
            let mut member = app
                .signed_in("Ana Novak", "ana@example.si", Role::Member)
                .await;
            let attempt = start(&mut member).await;
            sqlx::query("UPDATE quiz_attempts SET deadline = $1 WHERE id = $2")
                .bind(unix_now() - 5)
                .bind(attempt)
                .execute(&app.pool)
                .await
                .unwrap();
            // Graded even if the module's quiz has since been removed from content/.
            let closed = guildhall_app::server::quiz::attempts::close_all_expired(
                &app.pool,
                app.backend,
                |_| None,
                unix_now(),
            )
            .await
            .unwrap();
            assert_eq!(closed, 1);
            let graded = graded(&app, attempt).await;
            assert!(graded.submitted_at.is_some(), "{graded:?}");
            let again = guildhall_app::server::quiz::attempts::close_all_expired(
                &app.pool,
                app.backend,
                |_| None,
                unix_now(),
            )
            .await
            .unwrap();
            assert_eq!(again, 0);
        }
        app
    })
    .await;
}

#[tokio::test]
async fn passing_the_last_quiz_of_an_automatic_programme_issues_the_certificate() {
    on_each_backend(Settings::default(), |app| async move {
        let dir = tempfile::tempdir().unwrap();
        {
            common::copy_dir(&TestApp::content_dir(), dir.path());
            let file = dir.path().join("programs/service-excellence.toml");
            let text = std::fs::read_to_string(&file).unwrap();
            let automatic = text.replace("issuing = \"approval\"", "issuing = \"automatic\"");
            assert_ne!(text, automatic, "the programme names its issuing mode");
            std::fs::write(&file, automatic).unwrap();
            app.replace_content(Catalogue::load(dir.path()).expect("edited content loads"));

            let email = "auto@example.org";
            let mut member = app.signed_in("Ana Avtomatič", email, Role::Member).await;
            let user = user_id(&app, email).await;
            sqlx::query(
                "INSERT INTO quiz_versions (module_slug, version, quiz, created_at) \
                 SELECT m, 'test', '{}', 0 FROM (SELECT 'service-excellence' AS m UNION ALL \
                 SELECT 'performance-standards' UNION ALL SELECT 'service-operations' UNION ALL \
                 SELECT 'great-service-qualities') AS modules",
            )
            .execute(&app.pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO quiz_attempts (user_id, module_slug, quiz_version, started_at, \
                 submitted_at, question_count, correct_count, score, passed) \
                 SELECT $1, module_slug, 'test', 1, 2, 10, 10, 100, 1 FROM quiz_versions",
            )
            .bind(user)
            .execute(&app.pool)
            .await
            .unwrap();
            let certificates = "SELECT COUNT(*) FROM certificates";

            // A failed attempt issues nothing; the pass that completes the programme does.
            take_quiz(&app, &mut member, false).await;
            assert_eq!(count(&app, certificates).await, 0);
            sqlx::query("UPDATE quiz_attempts SET submitted_at = submitted_at - 86400")
                .execute(&app.pool)
                .await
                .unwrap();
            take_quiz(&app, &mut member, true).await;
            assert_eq!(count(&app, certificates).await, 1);
            let page = member.get("/certificates").await;
            assert!(
                page.body.contains("data-test=\"certificate\""),
                "{}",
                page.body
            );
            let actor: String = sqlx::query_scalar("SELECT actor FROM certificate_events")
                .fetch_one(&app.pool)
                .await
                .unwrap();
            assert_eq!(actor, "automatic");
        }
        app
    })
    .await;
}

#[tokio::test]
async fn a_wait_under_a_minute_is_not_called_a_minute() {
    let settings = Settings {
        quiz_cooldown: Some(Duration::from_secs(1)),
        ..Settings::default()
    };
    let app = TestApp::sqlite(settings).await;
    {
        let mut member = app
            .signed_in("Ana Novak", "ana@example.si", Role::Member)
            .await;
        let page = member.get(QUIZ_PAGE).await;
        assert!(
            page.body
                .contains("wait less than a minute before the next"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("wait 1 min"));
    }
    app.finish().await;
}
