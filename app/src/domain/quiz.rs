//! Answers to a quiz as its form sends them.
use std::collections::BTreeMap;

/// Form values per question id, as the quiz form sends them (`answer[<id>][]=…`): choice
/// positions as shown, or the typed text.
pub type FormAnswers = BTreeMap<String, Vec<String>>;
