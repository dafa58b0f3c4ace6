//! The checks beyond one file: each translation against English.
use std::path::Path;

use super::Parsed;
use crate::server::content::ContentError;
use crate::server::quiz::model::AnswerKey;

/// Reports every way `q` (a translation) differs from `original` (in quiz.en.md) in what is
/// graded. Questions with problems of their own are not compared.
pub(super) fn compare(file: &Path, q: &Parsed, original: &Parsed, errors: &mut Vec<ContentError>) {
    if q.section != original.section && !q.section.is_empty() && !original.section.is_empty() {
        errors.push(ContentError::new(
            file,
            q.line,
            format!(
                "question #{}: section={} differs from quiz.en.md's section={}",
                q.id, q.section, original.section
            ),
        ));
    }
    let (Some(key), Some(en_key)) = (&q.key, &original.key) else {
        return;
    };
    if key.kind() != en_key.kind() {
        errors.push(ContentError::new(
            file,
            q.line,
            format!(
                "question #{}: type={} differs from quiz.en.md's type={}",
                q.id,
                key.kind(),
                en_key.kind()
            ),
        ));
        return;
    }
    let (line, message) = match (key, en_key) {
        (AnswerKey::Text { .. }, _) => return,
        (
            AnswerKey::Numeric { answer, tolerance },
            AnswerKey::Numeric {
                answer: en_answer,
                tolerance: en_tolerance,
            },
        ) => {
            if answer == en_answer && tolerance == en_tolerance {
                return;
            }
            (
                q.line,
                format!(
                    "question #{}: answer={answer} tolerance={tolerance} differ from \
                     quiz.en.md's answer={en_answer} tolerance={en_tolerance}",
                    q.id
                ),
            )
        }
        _ if q.text.options.len() != original.text.options.len() => (
            q.answers_line,
            format!(
                "question #{}: {} options, but quiz.en.md has {}; the options are the same, \
                 in the same order, in every language",
                q.id,
                q.text.options.len(),
                original.text.options.len()
            ),
        ),
        _ if key != en_key => (
            q.answers_line,
            format!(
                "question #{}: the options marked [x] differ from quiz.en.md, where {} right",
                q.id,
                correct_list(en_key)
            ),
        ),
        _ => return,
    };
    errors.push(ContentError::new(file, line, message));
}

/// "option 2 is", "options 1, 2 and 4 are": counted from 1, as a writer counts them.
fn correct_list(key: &AnswerKey) -> String {
    let correct = match key {
        AnswerKey::Single { correct, .. } | AnswerKey::TrueFalse { correct, .. } => {
            vec![*correct]
        }
        AnswerKey::Multiple { correct, .. } => correct.clone(),
        AnswerKey::Text { .. } | AnswerKey::Numeric { .. } => Vec::new(),
    };
    let numbers: Vec<String> = correct.iter().map(|i| (i + 1).to_string()).collect();
    match numbers.as_slice() {
        [one] => format!("option {one} is"),
        [init @ .., last] => format!("options {} and {last} are", init.join(", ")),
        [] => "no option is".to_owned(),
    }
}
