//! Admins: the queue of members waiting for a certificate, manual issue, the filterable
//! list with CSV export, and one certificate's history with revoke and reissue.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::admin::AdminNav;
use crate::api::certificates::{IssueManual, ReissueCertificate, RevokeCertificate};
use crate::components::certificate::{CertificateFacts, StatusBadge, basis_name};
use crate::components::form::{FormAlert, last_error};
use crate::components::page::{
    PageTitle, TableScroll, escape_text, found, id_param, load_once, query_value, require,
};
use crate::context::use_locale;
use crate::domain::dates::{iso_date, utc_minute};
use crate::domain::form::FormInput;
use crate::domain::language::fill;
use crate::domain::role::Role;
use crate::server::certificates::http::ListQuery;
use crate::server::certificates::store::{self, Filter, Listed, Waiting};
use crate::server::certificates::{Certificate, Event, Status};
use crate::server::db::now;
use crate::server::request;

#[derive(Clone)]
struct Overview {
    queue: Vec<Waiting>,
    listed: Vec<Listed>,
    manual_input: FormInput,
}

#[component]
pub fn AdminCertificatesPage() -> impl IntoView {
    let locale = use_locale();
    if let Err(refusal) = require(Role::Admin) {
        return refusal;
    }
    let Ok(state) = request::state() else {
        return view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any();
    };
    let query = use_query_map().get_untracked();
    let filter = ListQuery {
        status: query.get("status"),
        programme: query.get("programme"),
        expiring: query.get("expiring"),
    }
    .filter();
    let catalogue = state.content.get();
    let overview = {
        let (pool, catalogue, filter) = (state.pool.clone(), catalogue.clone(), filter.clone());
        load_once(async move {
            let now = now();
            let result = async {
                Ok::<_, sqlx::Error>(Overview {
                    queue: store::queue(&pool, catalogue.programmes(), now).await?,
                    listed: store::list(&pool, &filter, now).await?,
                    manual_input: request::take_form_input("manual").await,
                })
            }
            .await;
            result
                .inspect_err(|e| tracing::error!(error = %e, "admin certificates"))
                .ok()
        })
    };
    let manual_error = last_error(ServerAction::<IssueManual>::new());
    let csv_href = format!(
        "/admin/certificates.csv?status={}&programme={}&expiring={}",
        filter.status.map_or("", Status::as_str),
        query_value(filter.programme.as_deref().unwrap_or_default()),
        filter
            .expiring_within_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    view! {
        <PageTitle text=td_string!(locale, admin_certificates_heading).to_string() />
        <AdminNav />
        <Suspense>
            {move || { let (overview, catalogue, filter, csv_href) = (overview.clone(), catalogue.clone(), filter.clone(), csv_href.clone()); Suspend::new(async move {
                let Some(overview) = overview.await else {
                    return view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any();
                };
                let lang = locale.as_str();
                let programme_title = |slug: &str| catalogue.programme(slug).map(|p| p.title(lang).to_owned()).unwrap_or_else(|| slug.to_owned());
                let queue = queue_view(locale, &overview.queue, &programme_title);
                let programmes: Vec<(String, String)> = catalogue.programmes().iter().map(|p| (p.slug.clone(), p.title(lang).to_owned())).collect();
                let manual = manual_form(locale, &programmes, &overview.manual_input, manual_error);
                let list = list_view(locale, &overview.listed, &programmes, &filter, csv_href);
                view! { {queue} {manual} {list} }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}

fn queue_view(
    locale: crate::i18n::Locale,
    queue: &[Waiting],
    programme_title: &dyn Fn(&str) -> String,
) -> impl IntoView + use<> {
    let mut programmes: Vec<&str> = queue.iter().map(|w| w.programme.as_str()).collect();
    programmes.dedup();
    let forms = programmes
        .into_iter()
        .map(|slug| {
            let rows = queue
                .iter()
                .filter(|w| w.programme == slug)
                .map(|w| {
                    let id = format!("member-{}-{slug}", w.user_id);
                    let kind = if w.renewal {
                        td_string!(locale, admin_certificates_kind_renewal)
                    } else {
                        td_string!(locale, admin_certificates_kind_new)
                    };
                    view! {
                        <tr>
                            <td><input type="checkbox" id=id.clone() name="members[]" value=w.user_id checked=true /></td>
                            <th scope="row"><label for=id>{w.name.clone()}</label></th>
                            <td>{w.email.clone()}</td>
                            <td>{kind}</td>
                        </tr>
                    }
                })
                .collect_view();
            let caption = programme_title(slug);
            let region = caption.clone();
            view! {
                <form method="post" action="/api/certificates/issue" class="issue-queue" data-test="issue-queue">
                    <input type="hidden" name="programme" value=slug.to_owned() />
                    <TableScroll label=region>
                        <table>
                            <caption>{caption}</caption>
                            <thead><tr>
                                <th scope="col">{td_string!(locale, admin_certificates_col_select)}</th>
                                <th scope="col">{td_string!(locale, admin_col_name)}</th>
                                <th scope="col">{td_string!(locale, admin_col_email)}</th>
                                <th scope="col">{td_string!(locale, admin_certificates_col_kind)}</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </TableScroll>
                    <button type="submit" class="button">{td_string!(locale, admin_certificates_issue_selected)}</button>
                </form>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="queue-heading">
            <h2 id="queue-heading">{td_string!(locale, admin_certificates_queue)}</h2>
            {if queue.is_empty() {
                view! { <p class="empty-state" data-test="queue-empty">{td_string!(locale, admin_certificates_queue_empty)}</p> }.into_any()
            } else {
                view! { <p>{td_string!(locale, admin_certificates_queue_explain)}</p> {forms} }.into_any()
            }}
        </section>
    }
}

fn programme_select(
    locale: crate::i18n::Locale,
    id: &'static str,
    programmes: &[(String, String)],
    selected: &str,
    with_all: bool,
) -> impl IntoView + use<> {
    view! {
        <select id=id name="programme">
            {with_all.then(|| view! { <option value="">{td_string!(locale, admin_certificates_all)}</option> })}
            {programmes.iter().map(|(slug, title)| view! {
                <option value=slug.clone() selected=slug == selected>{title.clone()}</option>
            }).collect_view()}
        </select>
    }
}

fn manual_form(
    locale: crate::i18n::Locale,
    programmes: &[(String, String)],
    input: &FormInput,
    error: Signal<Option<crate::api::ApiError>>,
) -> impl IntoView + use<> {
    view! {
        <section aria-labelledby="manual-heading">
            <h2 id="manual-heading">{td_string!(locale, admin_certificates_manual)}</h2>
            <p>{td_string!(locale, admin_certificates_manual_explain)}</p>
            <form method="post" action="/api/certificates/issue_manual" class="stack" data-test="manual-issue">
                <FormAlert form="manual" error summary=td_string!(locale, form_error_summary).to_string() unreachable=td_string!(locale, error_internal).to_string() />
                <div class="field">
                    <label for="field-manual-email">{td_string!(locale, admin_certificates_member_email)}</label>
                    <input id="field-manual-email" name="email" type="email" required=true value=input.get("email") autocomplete="off" />
                </div>
                <div class="field">
                    <label for="field-manual-programme">{td_string!(locale, certificate_programme)}</label>
                    {programme_select(locale, "field-manual-programme", programmes, &input.get("programme"), false)}
                </div>
                <ReasonField form="manual" value=input.get("reason") hint=td_string!(locale, admin_certificates_manual_reason_hint) />
                <button type="submit" class="button">{td_string!(locale, admin_certificates_manual_submit)}</button>
            </form>
        </section>
    }
}

/// The reason a form asks for; `form` keeps ids unique when a page has several such forms.
#[component]
fn ReasonField(form: &'static str, value: String, hint: &'static str) -> impl IntoView {
    let locale = use_locale();
    let id = format!("field-{form}-reason");
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field">
            <label for=id.clone()>{td_string!(locale, admin_certificates_reason)}</label>
            <p class="hint" id=hint_id.clone()>{hint}</p>
            <textarea id=id name="reason" required=true maxlength=500 rows=3 aria-describedby=hint_id inner_html=escape_text(&value)></textarea>
        </div>
    }
}

fn list_view(
    locale: crate::i18n::Locale,
    listed: &[Listed],
    programmes: &[(String, String)],
    filter: &Filter,
    csv_href: String,
) -> impl IntoView + use<> {
    let now = now();
    let selected_status = filter.status.map_or("", Status::as_str);
    let rows = listed
        .iter()
        .map(|row| {
            let c = &row.certificate;
            view! {
                <tr>
                    <th scope="row"><a href=format!("/admin/certificates/{}", c.id)>{c.serial()}</a></th>
                    <td>{c.holder_name.clone()}</td>
                    <td>{row.email.clone()}</td>
                    <td>{c.programme_title.clone()}</td>
                    <td><StatusBadge status=c.status(now) /></td>
                    <td>{iso_date(c.issued_at)}</td>
                    <td>{iso_date(c.expires_at)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="list-heading">
            <h2 id="list-heading">{td_string!(locale, admin_certificates_list)}</h2>
            <form method="get" action="/admin/certificates" class="filters" data-test="certificate-filters">
                <div class="field">
                    <label for="field-status">{td_string!(locale, certificate_status)}</label>
                    <select id="field-status" name="status">
                        <option value="">{td_string!(locale, admin_certificates_all)}</option>
                        {Status::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s.as_str() == selected_status>{crate::components::certificate::status_name(locale, s)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-programme">{td_string!(locale, certificate_programme)}</label>
                    {programme_select(locale, "filter-programme", programmes, filter.programme.as_deref().unwrap_or_default(), true)}
                </div>
                <div class="field">
                    <label for="field-expiring">{td_string!(locale, admin_certificates_expiring)}</label>
                    <input id="field-expiring" name="expiring" type="number" min=0 max=3650 inputmode="numeric"
                        value=filter.expiring_within_days.map(|d| d.to_string()).unwrap_or_default() />
                </div>
                <button type="submit" class="button">{td_string!(locale, admin_certificates_filter)}</button>
            </form>
            <p><a href=csv_href download="" data-test="certificates-csv">{td_string!(locale, admin_certificates_csv)}</a></p>
            {if listed.is_empty() {
                view! { <p class="empty-state">{td_string!(locale, admin_certificates_none)}</p> }.into_any()
            } else {
                view! {
                    <TableScroll label=td_string!(locale, admin_certificates_heading)>
                        <table data-test="certificates-table">
                            <thead><tr>
                                <th scope="col">{td_string!(locale, certificate_serial)}</th>
                                <th scope="col">{td_string!(locale, certificate_holder)}</th>
                                <th scope="col">{td_string!(locale, admin_col_email)}</th>
                                <th scope="col">{td_string!(locale, certificate_programme)}</th>
                                <th scope="col">{td_string!(locale, certificate_status)}</th>
                                <th scope="col">{td_string!(locale, certificate_issued)}</th>
                                <th scope="col">{td_string!(locale, certificate_expires)}</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </TableScroll>
                }.into_any()
            }}
        </section>
    }
}

#[derive(Clone)]
struct Detail {
    certificate: Certificate,
    email: String,
    history: Vec<Event>,
    revoke_input: FormInput,
    reissue_input: FormInput,
}

async fn load_detail(id: i64) -> Result<Option<Detail>, sqlx::Error> {
    let Ok(pool) = request::pool() else {
        return Err(sqlx::Error::PoolClosed);
    };
    let Some(certificate) = store::find(&pool, id).await? else {
        return Ok(None);
    };
    let email = crate::server::accounts::find_by_id(&pool, certificate.user_id)
        .await?
        .map(|u| u.email)
        .unwrap_or_default();
    Ok(Some(Detail {
        history: store::history(&pool, id).await?,
        certificate,
        email,
        revoke_input: request::take_form_input("revoke").await,
        reissue_input: request::take_form_input("reissue").await,
    }))
}

/// One certificate: what it says, who did what to it and why, and revoke or reissue.
#[component]
pub fn AdminCertificatePage() -> impl IntoView {
    let locale = use_locale();
    let id = id_param();
    if let Err(refusal) = require(Role::Admin) {
        return refusal;
    }
    let done = use_query_map().with_untracked(|q| q.get("done"));
    let detail = load_once(async move {
        load_detail(id)
            .await
            .inspect_err(|e| tracing::error!(error = %e, "admin certificate"))
            .ok()
    });
    let revoke_error = last_error(ServerAction::<RevokeCertificate>::new());
    let reissue_error = last_error(ServerAction::<ReissueCertificate>::new());
    view! {
        <AdminNav />
        <Suspense>
            {move || { let (detail, done) = (detail.clone(), done.clone()); Suspend::new(async move {
                let detail = match found(detail.await) {
                    Ok(detail) => detail,
                    Err(instead) => return instead,
                };
                let now = now();
                let c = detail.certificate.clone();
                let done_message = done.as_deref().map(|done| match done {
                    "revoked" => td_string!(locale, admin_certificates_done_revoked),
                    "reissued" => td_string!(locale, admin_certificates_done_reissued),
                    _ => td_string!(locale, admin_certificates_done_issued),
                });
                let current = matches!(c.status(now), Status::Valid | Status::Expired);
                let history = detail.history.iter().map(|e| {
                    let action = match e.action.as_str() {
                        "issued" => td_string!(locale, admin_certificates_action_issued),
                        "revoked" => td_string!(locale, admin_certificates_action_revoked),
                        _ => td_string!(locale, admin_certificates_action_superseded),
                    };
                    view! {
                        <tr>
                            <td>{utc_minute(e.at)}</td>
                            <td>{action}</td>
                            <td>{e.actor.clone()}</td>
                            <td>{e.reason.clone().unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view();
                let title = fill(td_string!(locale, admin_certificate_title), &[("serial", &c.serial())]);
                view! {
                    <PageTitle text=title />
                    {done_message.map(|m| view! { <p class="alert alert-success" role="status" data-test="done">{m}</p> })}
                    <CertificateFacts certificate=c.clone() now />
                    <dl class="facts">
                        <dt>{td_string!(locale, admin_col_email)}</dt><dd>{detail.email.clone()}</dd>
                        <dt>{td_string!(locale, admin_certificates_basis)}</dt><dd>{basis_name(locale, c.basis)}</dd>
                        <dt>{td_string!(locale, certificate_sha256)}</dt><dd><code class="hash">{c.sha256.clone()}</code></dd>
                    </dl>
                    <p class="actions">
                        <a class="button" href=format!("/certificates/{}/certificate.pdf", c.id) download="">{td_string!(locale, certificates_download)}</a>
                        " "
                        <a class="button button-secondary" href=format!("/verify/{}", c.display_code())>{td_string!(locale, certificates_verification_page)}</a>
                        {c.superseded_by.map(|newer| view! {
                            " " <a class="button button-secondary" href=format!("/admin/certificates/{newer}")>{td_string!(locale, admin_certificates_newer)}</a>
                        })}
                    </p>
                    <h2>{td_string!(locale, admin_certificates_history)}</h2>
                    <TableScroll label=td_string!(locale, admin_certificates_history)>
                        <table data-test="certificate-events">
                            <thead><tr>
                                <th scope="col">{td_string!(locale, admin_certificates_col_when)}</th>
                                <th scope="col">{td_string!(locale, admin_certificates_col_action)}</th>
                                <th scope="col">{td_string!(locale, admin_certificates_col_who)}</th>
                                <th scope="col">{td_string!(locale, admin_certificates_col_why)}</th>
                            </tr></thead>
                            <tbody>{history}</tbody>
                        </table>
                    </TableScroll>
                    {current.then(|| view! {
                        <section aria-labelledby="reissue-heading">
                            <h2 id="reissue-heading">{td_string!(locale, admin_certificates_reissue)}</h2>
                            <p>{td_string!(locale, admin_certificates_reissue_explain)}</p>
                            <form method="post" action="/api/certificates/reissue" class="stack" data-test="reissue">
                                <FormAlert form="reissue" error=reissue_error summary=td_string!(locale, form_error_summary).to_string() unreachable=td_string!(locale, error_internal).to_string() />
                                <input type="hidden" name="id" value=c.id />
                                <ReasonField form="reissue" value=detail.reissue_input.get("reason") hint=td_string!(locale, admin_certificates_reissue_hint) />
                                <button type="submit" class="button">{td_string!(locale, admin_certificates_reissue_submit)}</button>
                            </form>
                        </section>
                        <section aria-labelledby="revoke-heading">
                            <h2 id="revoke-heading">{td_string!(locale, admin_certificates_revoke)}</h2>
                            <p>{td_string!(locale, admin_certificates_revoke_explain)}</p>
                            <form method="post" action="/api/certificates/revoke" class="stack" data-test="revoke">
                                <FormAlert form="revoke" error=revoke_error summary=td_string!(locale, form_error_summary).to_string() unreachable=td_string!(locale, error_internal).to_string() />
                                <input type="hidden" name="id" value=c.id />
                                <ReasonField form="revoke" value=detail.revoke_input.get("reason") hint=td_string!(locale, admin_certificates_revoke_hint) />
                                <button type="submit" class="button button-danger">{td_string!(locale, admin_certificates_revoke_submit)}</button>
                            </form>
                        </section>
                    })}
                    <p><a href="/admin/certificates">{td_string!(locale, admin_certificates_back)}</a></p>
                }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}
