//! Certificates: who is eligible for which programme. Issuing, the PDF and verification
//! build on this.
use std::collections::HashSet;

use super::content::Programme;

/// How far a member is towards a programme: the required modules whose quiz they passed,
/// and those still missing, both in teaching order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub passed: Vec<String>,
    pub missing: Vec<String>,
}

impl Standing {
    pub fn of(programme: &Programme, passed_quizzes: &HashSet<String>) -> Standing {
        let (passed, missing) = programme
            .modules
            .iter()
            .cloned()
            .partition(|slug| passed_quizzes.contains(slug));
        Standing { passed, missing }
    }

    /// Every required quiz passed.
    pub fn eligible(&self) -> bool {
        self.missing.is_empty()
    }
}
