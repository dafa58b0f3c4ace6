use leptos::prelude::*;

use super::ApiError;

/// Admins: issue earned certificates of `programme` to the members ticked in the queue.
/// Each is issued or refused on its own; what happened is kept as a batch, and the admin
/// is sent to its summary (a short address, however many were issued).
#[server(endpoint = "certificates/issue", prefix = "/api")]
pub async fn issue_certificates(
    programme: String,
    members: Option<Vec<i64>>,
) -> Result<usize, ApiError> {
    use crate::domain::role::Role;
    use crate::server::certificates::{Actor, batches, service};
    use crate::server::request;
    let mut next = String::from("/admin/certificates");
    let result = async {
        let admin = request::require_role(Role::Admin)?;
        let state = request::state()?;
        let members = members.unwrap_or_default();
        let summary =
            service::issue_many(&state, &programme, &members, &Actor::admin(&admin)).await?;
        let batch = batches::record(
            &state.pool,
            state.backend,
            &programme,
            Some(admin.id),
            &summary,
        )
        .await?;
        next = format!("/admin/certificates/batches/{batch}");
        tracing::info!(
            admin = admin.id,
            programme,
            batch,
            issued = summary.issued.len(),
            refused = summary.refused.len(),
            "certificates issued"
        );
        Ok(summary.issued.len())
    }
    .await;
    super::finish_form(result, "issue", &[], &next).await
}

/// Admins: issue a certificate without the quizzes (prior learning, an earlier system),
/// with the reason recorded.
#[server(endpoint = "certificates/issue_manual", prefix = "/api")]
pub async fn issue_manual(
    email: String,
    programme: String,
    reason: String,
) -> Result<i64, ApiError> {
    use crate::domain::role::Role;
    use crate::server::certificates::{Actor, service, store::Request};
    use crate::server::{accounts, request};
    let mut next = String::new();
    let result = async {
        let admin = request::require_role(Role::Admin)?;
        let state = request::state()?;
        let reason = crate::domain::form::reason(&reason)?;
        let member = accounts::find_by_email(&state.pool, &email)
            .await?
            .ok_or(crate::domain::error::ErrorCode::MemberNotFound)?;
        let request = Request::Manual { reason };
        let c = service::issue(
            &state,
            member.id,
            &programme,
            request,
            &Actor::admin(&admin),
        )
        .await?;
        next = format!("/admin/certificates/{}?done=issued", c.id);
        Ok(c.id)
    }
    .await;
    let keep = [
        ("email", email.as_str()),
        ("programme", programme.as_str()),
        ("reason", reason.as_str()),
    ];
    super::finish_form(result, "manual", &keep, &next).await
}

/// Admins: revoke a current certificate; verification shows it at once.
#[server(endpoint = "certificates/revoke", prefix = "/api")]
pub async fn revoke_certificate(id: i64, reason: String) -> Result<(), ApiError> {
    use crate::domain::role::Role;
    use crate::server::certificates::{Actor, store};
    use crate::server::db::now;
    use crate::server::request;
    let result = async {
        let admin = request::require_role(Role::Admin)?;
        let state = request::state()?;
        let reason = crate::domain::form::reason(&reason)?;
        store::revoke(
            &state.pool,
            state.backend,
            id,
            &Actor::admin(&admin),
            reason,
            now(),
        )
        .await
    }
    .await;
    let next = format!("/admin/certificates/{id}?done=revoked");
    super::finish_form(result, "revoke", &[("reason", reason.as_str())], &next).await
}

/// Admins: issue a fresh copy of a current certificate (the member's name corrected, say);
/// it supersedes the old one and keeps its dates.
#[server(endpoint = "certificates/reissue", prefix = "/api")]
pub async fn reissue_certificate(id: i64, reason: String) -> Result<i64, ApiError> {
    use crate::domain::role::Role;
    use crate::server::certificates::{Actor, service, store};
    use crate::server::request;
    let mut next = format!("/admin/certificates/{id}");
    let result = async {
        let admin = request::require_role(Role::Admin)?;
        let state = request::state()?;
        let reason = crate::domain::form::reason(&reason)?;
        let old = store::find(&state.pool, id)
            .await?
            .ok_or(crate::domain::error::ErrorCode::NotFound)?;
        let request = store::Request::Reissue { of: id, reason };
        let c = service::issue(
            &state,
            old.user_id,
            &old.programme,
            request,
            &Actor::admin(&admin),
        )
        .await?;
        next = format!("/admin/certificates/{}?done=reissued", c.id);
        Ok(c.id)
    }
    .await;
    super::finish_form(result, "reissue", &[("reason", reason.as_str())], &next).await
}

/// Members: appear in the public register of certified members, or not.
#[server(endpoint = "certificates/register", prefix = "/api")]
pub async fn set_register_listing(listed: Option<String>) -> Result<(), ApiError> {
    use crate::server::certificates::store;
    use crate::server::request;
    let result = async {
        let user = request::require_user()?;
        let listed = listed.is_some_and(|v| v == "on" || v == "true");
        store::set_listed_in_register(&request::pool()?, user.id, listed).await?;
        Ok(())
    }
    .await;
    super::finish_form(result, "register", &[], "/certificates?saved=register").await
}
