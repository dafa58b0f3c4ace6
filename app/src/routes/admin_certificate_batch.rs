//! Admins: what one bulk issue did, at a short address the issue redirects to: the
//! certificates issued, and each member not issued with the reason.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;

use super::admin::AdminNav;
use crate::components::page::{PageTitle, TableScroll, found, id_param, load_once, require};
use crate::context::use_locale;
use crate::domain::language::fill;
use crate::domain::role::Role;
use crate::server::certificates::batches::{self, Batch};
use crate::server::certificates::code;
use crate::server::request;

async fn load(id: i64) -> Result<Option<Batch>, sqlx::Error> {
    let pool = request::pool().map_err(|_| sqlx::Error::PoolClosed)?;
    batches::find(&pool, id).await
}

#[component]
pub fn AdminCertificateBatchPage() -> impl IntoView {
    let locale = use_locale();
    let id = id_param();
    if let Err(refusal) = require(Role::Admin) {
        return refusal;
    }
    let batch = load_once(async move {
        load(id)
            .await
            .inspect_err(|e| tracing::error!(error = %e, "certificate batch"))
            .ok()
    });
    let catalogue = request::state().ok().map(|state| state.content.get());
    view! {
        <AdminNav />
        <Suspense>
            {move || { let (batch, catalogue) = (batch.clone(), catalogue.clone()); Suspend::new(async move {
                let batch = match found(batch.await) {
                    Ok(batch) => batch,
                    Err(instead) => return instead,
                };
                let programme = catalogue
                    .as_ref()
                    .and_then(|c| c.programme(&batch.programme).map(|p| p.title(locale.as_str()).to_owned()))
                    .unwrap_or_else(|| batch.programme.clone());
                let title = fill(td_string!(locale, admin_batch_title), &[("programme", &programme)]);
                let summary = fill(td_string!(locale, admin_certificates_issued_summary), &[
                    ("issued", &batch.issued.len().to_string()),
                    ("refused", &batch.refused.len().to_string()),
                ]);
                let issued = if batch.issued.is_empty() {
                    view! { <p>{td_string!(locale, admin_batch_none_issued)}</p> }.into_any()
                } else {
                    view! {
                        <ul data-test="batch-issued">{batch.issued.iter().map(|c| view! {
                            <li><a href=format!("/admin/certificates/{}", c.certificate_id)>{c.holder_name.clone()}</a> " · " <code>{code::display(&c.code)}</code></li>
                        }).collect_view()}</ul>
                    }.into_any()
                };
                let refused = if batch.refused.is_empty() {
                    view! { <p>{td_string!(locale, admin_batch_none_refused)}</p> }.into_any()
                } else {
                    let rows = batch.refused.iter().map(|r| {
                        // An id with no member behind it (the form is only a form): say so
                        // rather than the issuing code's "no member has this email".
                        let (name, reason) = match &r.name {
                            Some(name) => (name.clone(), r.reason.message(locale).to_owned()),
                            None => (
                                format!("#{}", r.user_id),
                                fill(td_string!(locale, admin_batch_unknown_member), &[("id", &r.user_id.to_string())]),
                            ),
                        };
                        view! {
                            <tr data-refusal=format!("{:?}", r.reason)>
                                <th scope="row">{name}</th>
                                <td>{r.email.clone().unwrap_or_default()}</td>
                                <td>{reason}</td>
                            </tr>
                        }
                    }).collect_view();
                    view! {
                        <TableScroll label=td_string!(locale, admin_batch_refused_heading)>
                            <table data-test="batch-refused" aria-labelledby="refused-heading">
                                <thead><tr>
                                    <th scope="col">{td_string!(locale, admin_col_name)}</th>
                                    <th scope="col">{td_string!(locale, admin_col_email)}</th>
                                    <th scope="col">{td_string!(locale, admin_certificates_col_why)}</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </TableScroll>
                    }.into_any()
                };
                view! {
                    <PageTitle text=title />
                    <div data-test="issue-summary">
                        <p role="status">{summary}</p>
                        <section aria-labelledby="refused-heading">
                            <h2 id="refused-heading">{td_string!(locale, admin_batch_refused_heading)}</h2>
                            {refused}
                        </section>
                        <section aria-labelledby="issued-heading">
                            <h2 id="issued-heading">{td_string!(locale, admin_batch_issued_heading)}</h2>
                            {issued}
                        </section>
                    </div>
                    <p><a href="/admin/certificates">{td_string!(locale, admin_certificates_back)}</a></p>
                }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}
