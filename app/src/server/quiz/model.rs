//! A quiz as loaded from its markdown files, and the grading of one answer. The same shape is
//! stored (as JSON) with every attempt, so a later edit of the files never changes an open
//! attempt or a past review.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quiz {
    /// A digest of every quiz file of the module: a new version whenever one changes.
    pub version: String,
    pub settings: Settings,
    /// Title per language code.
    pub titles: BTreeMap<String, String>,
    /// The pool, in file order.
    pub questions: Vec<Question>,
}

impl Quiz {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn title(&self, lang: &str) -> &str {
        self.titles
            .get(lang)
            .or_else(|| self.titles.get("en"))
            .map_or("", String::as_str)
    }

    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.titles.keys().map(String::as_str)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Questions drawn from the pool for each attempt.
    pub draw: usize,
    pub shuffle_options: bool,
    /// Percent of the drawn questions that must be right.
    pub pass_mark: u32,
    pub attempts_per_day: u32,
    /// Wait after a failed attempt, in seconds.
    pub cooldown_seconds: i64,
    /// `None`: no time limit.
    pub time_limit_seconds: Option<i64>,
    pub review: ReviewPolicy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewPolicy {
    /// Answers and explanations as soon as an attempt is submitted.
    AfterSubmit,
    /// Which questions were wrong after each attempt; answers and explanations once passed.
    AfterPass,
    /// Score and result only.
    ScoreOnly,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    /// The module section it tests.
    pub section: String,
    pub key: AnswerKey,
    /// Wording per language code.
    pub texts: BTreeMap<String, QuestionText>,
}

impl Question {
    pub fn text(&self, lang: &str) -> &QuestionText {
        self.texts
            .get(lang)
            .or_else(|| self.texts.get("en"))
            .or_else(|| self.texts.values().next())
            .expect("a question has at least one language")
    }

    /// How many options it offers (0 for text and numeric questions).
    pub fn option_count(&self) -> usize {
        match &self.key {
            AnswerKey::Single { options, .. }
            | AnswerKey::Multiple { options, .. }
            | AnswerKey::TrueFalse { options, .. } => *options,
            AnswerKey::Text { .. } | AnswerKey::Numeric { .. } => 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionText {
    /// Plain text.
    pub prompt: String,
    /// Plain text, in file order (empty for text and numeric questions).
    pub options: Vec<String>,
    /// A text question's accepted answers as written in this language, for the review.
    #[serde(default)]
    pub accepted: Vec<String>,
    /// Rendered from markdown; shown in the review.
    pub explanation_html: String,
}

/// What counts as right. Option indices are positions in the file, counted from 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerKey {
    Single {
        options: usize,
        correct: usize,
    },
    Multiple {
        options: usize,
        correct: Vec<usize>,
    },
    /// Option 0 is "true", option 1 "false".
    TrueFalse {
        options: usize,
        correct: usize,
    },
    /// Accepted answers of every language, already normalised.
    Text {
        accepted: Vec<String>,
    },
    Numeric {
        answer: f64,
        tolerance: f64,
    },
}

impl AnswerKey {
    pub fn kind(&self) -> &'static str {
        match self {
            AnswerKey::Single { .. } => "single",
            AnswerKey::Multiple { .. } => "multiple",
            AnswerKey::TrueFalse { .. } => "truefalse",
            AnswerKey::Text { .. } => "text",
            AnswerKey::Numeric { .. } => "numeric",
        }
    }

    pub fn is_choice(&self) -> bool {
        self.option_count().is_some()
    }

    fn option_count(&self) -> Option<usize> {
        match self {
            AnswerKey::Single { options, .. }
            | AnswerKey::Multiple { options, .. }
            | AnswerKey::TrueFalse { options, .. } => Some(*options),
            _ => None,
        }
    }

    /// Whether `answer` is right. An answer of the wrong shape is simply wrong.
    pub fn grade(&self, answer: &Answer) -> bool {
        match (self, answer) {
            (AnswerKey::Single { correct, .. }, Answer::Choices(chosen))
            | (AnswerKey::TrueFalse { correct, .. }, Answer::Choices(chosen)) => {
                chosen.as_slice() == [*correct]
            }
            (AnswerKey::Multiple { correct, .. }, Answer::Choices(chosen)) => {
                let mut chosen = chosen.clone();
                chosen.sort_unstable();
                chosen.dedup();
                let mut correct = correct.clone();
                correct.sort_unstable();
                chosen == correct
            }
            (AnswerKey::Text { accepted }, Answer::Text(text)) => {
                let given = normalise_text(text);
                !given.is_empty() && accepted.contains(&given)
            }
            (AnswerKey::Numeric { answer, tolerance }, Answer::Text(text)) => {
                parse_number(text).is_some_and(|n| (n - answer).abs() <= *tolerance + 1e-9)
            }
            _ => false,
        }
    }

    /// Checks that a member's answer fits this question before it is stored.
    pub fn accepts_shape(&self, answer: &Answer) -> bool {
        match (self, answer) {
            (AnswerKey::Single { options, .. }, Answer::Choices(c))
            | (AnswerKey::TrueFalse { options, .. }, Answer::Choices(c)) => {
                c.len() <= 1 && c.iter().all(|i| i < options)
            }
            (AnswerKey::Multiple { options, .. }, Answer::Choices(c)) => {
                c.iter().all(|i| i < options)
            }
            (AnswerKey::Text { .. } | AnswerKey::Numeric { .. }, Answer::Text(t)) => {
                t.chars().count() <= MAX_TEXT_ANSWER
            }
            _ => false,
        }
    }
}

/// Longest text or numeric answer kept, in characters.
pub const MAX_TEXT_ANSWER: usize = 200;

/// A member's answer to one question. Choices are option indices in file order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Choices(Vec<usize>),
    Text(String),
}

impl Answer {
    pub fn is_blank(&self) -> bool {
        match self {
            Answer::Choices(c) => c.is_empty(),
            Answer::Text(t) => t.trim().is_empty(),
        }
    }
}

/// Trimmed, case-folded, inner whitespace collapsed: how short-text answers are compared.
pub fn normalise_text(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A number as members type it: `60`, `2.5`, `2,5`, ` 1 000 `.
pub fn parse_number(text: &str) -> Option<f64> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    cleaned.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(c: &[usize]) -> Answer {
        Answer::Choices(c.to_vec())
    }

    #[test]
    fn single_choice_needs_exactly_the_right_option() {
        let key = AnswerKey::Single {
            options: 4,
            correct: 2,
        };
        assert!(key.grade(&choices(&[2])));
        assert!(!key.grade(&choices(&[1])));
        assert!(!key.grade(&choices(&[2, 1])));
        assert!(!key.grade(&choices(&[])));
        assert!(!key.grade(&Answer::Text("2".into())));
    }

    #[test]
    fn multiple_choice_needs_all_and_only_the_right_options() {
        let key = AnswerKey::Multiple {
            options: 5,
            correct: vec![0, 1, 3],
        };
        assert!(key.grade(&choices(&[3, 0, 1])));
        assert!(key.grade(&choices(&[0, 1, 1, 3])));
        assert!(!key.grade(&choices(&[0, 1])));
        assert!(!key.grade(&choices(&[0, 1, 3, 4])));
        assert!(!key.grade(&choices(&[0, 1, 2, 3, 4])));
    }

    #[test]
    fn true_false_is_graded_like_a_single_choice() {
        let key = AnswerKey::TrueFalse {
            options: 2,
            correct: 1,
        };
        assert!(key.grade(&choices(&[1])));
        assert!(!key.grade(&choices(&[0])));
        assert!(!key.grade(&choices(&[0, 1])));
    }

    #[test]
    fn short_text_matches_after_normalising() {
        let key = AnswerKey::Text {
            accepted: vec!["service recovery".into(), "obnova služby".into()],
        };
        assert!(key.grade(&Answer::Text("  Service   RECOVERY ".into())));
        assert!(key.grade(&Answer::Text("Obnova SLUŽBY".into())));
        assert!(!key.grade(&Answer::Text("recovery of service".into())));
        assert!(!key.grade(&Answer::Text("   ".into())));
    }

    #[test]
    fn numeric_answers_within_tolerance_count() {
        let key = AnswerKey::Numeric {
            answer: 60.0,
            tolerance: 0.0,
        };
        assert!(key.grade(&Answer::Text("60".into())));
        assert!(key.grade(&Answer::Text(" 60,0 ".into())));
        assert!(!key.grade(&Answer::Text("61".into())));
        assert!(!key.grade(&Answer::Text("sixty".into())));
        let loose = AnswerKey::Numeric {
            answer: 2.5,
            tolerance: 0.5,
        };
        assert!(loose.grade(&Answer::Text("3".into())));
        assert!(loose.grade(&Answer::Text("2".into())));
        assert!(!loose.grade(&Answer::Text("3.1".into())));
        assert!(!loose.grade(&Answer::Text("NaN".into())));
    }

    #[test]
    fn answers_of_the_wrong_shape_are_refused_before_storing() {
        let single = AnswerKey::Single {
            options: 3,
            correct: 0,
        };
        assert!(single.accepts_shape(&choices(&[2])));
        assert!(single.accepts_shape(&choices(&[])));
        assert!(!single.accepts_shape(&choices(&[3])));
        assert!(!single.accepts_shape(&choices(&[0, 1])));
        assert!(!single.accepts_shape(&Answer::Text("0".into())));
        let text = AnswerKey::Text {
            accepted: vec!["x".into()],
        };
        assert!(text.accepts_shape(&Answer::Text("x".into())));
        assert!(!text.accepts_shape(&Answer::Text("x".repeat(MAX_TEXT_ANSWER + 1))));
    }

    #[test]
    fn numbers_as_members_type_them() {
        assert_eq!(parse_number("1 000"), Some(1000.0));
        assert_eq!(parse_number("2,5"), Some(2.5));
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number(""), None);
    }
}
