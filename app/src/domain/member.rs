//! A member as the member themselves, and admins, see them.
use serde::{Deserialize, Serialize};

use crate::domain::role::Role;

/// A member as the member themselves (and admins) see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub language: String,
    pub role: Role,
}

/// One line of the admins' member list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user: UserView,
    /// Unix seconds.
    pub joined_at: i64,
}
