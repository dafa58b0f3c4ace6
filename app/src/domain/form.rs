use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a member typed into a form, to put back after the server refused it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormInput {
    pub form: String,
    pub values: BTreeMap<String, String>,
}

impl FormInput {
    pub fn new(form: &str, values: &[(&str, &str)]) -> Self {
        FormInput {
            form: form.to_owned(),
            values: values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    pub fn get(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }
}

/// Longest reason an admin or moderator may give; it is kept in a history for good.
pub const REASON_MAX: usize = 500;

/// A reason as given, trimmed: required, and within [`REASON_MAX`].
pub fn reason(text: &str) -> Result<&str, crate::domain::error::ErrorCode> {
    use crate::domain::error::ErrorCode;
    let text = text.trim();
    if text.is_empty() {
        Err(ErrorCode::ReasonRequired)
    } else if text.chars().count() > REASON_MAX {
        Err(ErrorCode::ReasonTooLong)
    } else {
        Ok(text)
    }
}
