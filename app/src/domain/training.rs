//! Reading progress through the training modules.
use serde::{Deserialize, Serialize};

/// How far a member is through one module.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleProgress {
    pub read: usize,
    pub total: usize,
    /// The first section not yet read; `None` once every section is.
    pub resume_at: Option<String>,
}

impl ModuleProgress {
    pub fn started(&self) -> bool {
        self.read > 0
    }
    pub fn complete(&self) -> bool {
        self.total > 0 && self.read == self.total
    }
}
