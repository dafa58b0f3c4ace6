use leptos::prelude::*;

use super::ApiError;
use crate::domain::member::MemberRow;

/// Admins: everyone with an account.
#[server(endpoint = "admin/members", prefix = "/api")]
pub async fn list_members() -> Result<Vec<MemberRow>, ApiError> {
    use crate::domain::role::Role;
    use crate::server::{accounts, request};
    let result = async {
        request::require_role(Role::Admin)?;
        accounts::list_members(&request::pool()?).await
    }
    .await;
    result.map_err(Into::into)
}

/// Admins: make a member a moderator or an admin, or take that back.
#[server(endpoint = "admin/set_role", prefix = "/api")]
pub async fn set_role(user_id: i64, role: String) -> Result<(), ApiError> {
    use crate::domain::error::ErrorCode;
    use crate::domain::role::Role;
    use crate::server::{accounts, request};
    let result = async {
        let admin = request::require_role(Role::Admin)?;
        let role = Role::parse(&role).ok_or(ErrorCode::RoleInvalid)?;
        let state = request::state()?;
        accounts::set_role(&state.pool, state.backend, user_id, role).await?;
        tracing::info!(
            admin = admin.id,
            member = user_id,
            role = role.as_str(),
            "role changed"
        );
        Ok(())
    }
    .await;
    super::finish_form(result, "role", &[], "/admin?saved=role").await
}
