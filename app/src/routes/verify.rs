//! Public pages: verifying a certificate by code (typed or from its QR code), checking that
//! a PDF is the one issued, and the register of certified members.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_meta::Meta;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::certificate::CertificateFacts;
use crate::components::page::{PageTitle, TableScroll, load_once, set_status};
use crate::context::use_locale;
use crate::domain::dates::long_date;
use crate::server::cache::FRESH_UNTIL;
use crate::server::certificates::http::{PDF_CHECK, PdfCheck, lookup_bucket};
use crate::server::certificates::{Certificate, LOOKUP_MISSES, LOOKUP_WINDOW, Status, code, store};
use crate::server::db::now;
use crate::server::{rate_limit, request};

/// `/verify`: type a code. `?code=` comes from this page's own form.
#[component]
pub fn VerifyFormPage() -> impl IntoView {
    let locale = use_locale();
    let typed = use_query_map().with_untracked(|q| q.get("code"));
    let invalid = match typed.as_deref().map(code::normalise) {
        Some(Some(code)) => {
            leptos_axum::redirect(&format!("/verify/{}", code::display(&code)));
            false
        }
        Some(None) => {
            set_status(422);
            true
        }
        None => false,
    };
    view! {
        <PageTitle text=td_string!(locale, verify_title).to_string() />
        <p>{td_string!(locale, verify_intro)}</p>
        <CodeForm typed=typed.unwrap_or_default() invalid />
    }
}

#[component]
fn CodeForm(typed: String, invalid: bool) -> impl IntoView {
    let locale = use_locale();
    view! {
        <form method="get" action="/verify" class="stack" data-test="verify-form">
            {invalid.then(|| view! {
                <div class="alert alert-error" role="alert" data-test="form-error">
                    <p><a href="#field-code">{td_string!(locale, error_code_invalid)}</a></p>
                </div>
            })}
            <div class="field">
                <label for="field-code">{td_string!(locale, certificate_code)}</label>
                <p class="hint" id="field-code-hint">{td_string!(locale, verify_code_hint)}</p>
                <input id="field-code" name="code" type="text" required=true value=typed
                    autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength=40
                    aria-describedby="field-code-hint" aria-invalid=invalid.then_some("true") />
            </div>
            <button type="submit" class="button">{td_string!(locale, verify_submit)}</button>
        </form>
    }
}

#[derive(Clone)]
enum Lookup {
    Found(Box<Certificate>, Option<PdfCheck>),
    Unknown,
    Limited,
    Failed,
}

async fn look_up(typed: String) -> Lookup {
    let (Ok(pool), Some(code)) = (request::pool(), code::normalise(&typed)) else {
        return Lookup::Unknown;
    };
    let bucket = lookup_bucket(request::client_ip());
    // Only misses count, but once they run out every lookup waits: guessing codes from one
    // address gets nowhere, and a real verifier is never slowed by a write.
    let refuse_from_now_on = || {
        if let (Ok(state), Some(ip)) = (request::state(), request::client_ip()) {
            state.caches.refuse_lookups_from(ip);
        }
    };
    match rate_limit::exhausted(&pool, &bucket, LOOKUP_MISSES, LOOKUP_WINDOW).await {
        Ok(true) => {
            refuse_from_now_on();
            return Lookup::Limited;
        }
        Ok(false) => {}
        Err(e) => {
            tracing::error!(error = %e, "verification rate limit");
            return Lookup::Failed;
        }
    }
    match store::find_by_code(&pool, &code).await {
        Ok(Some(certificate)) => {
            let check = take_check(&code).await;
            Lookup::Found(Box::new(certificate), check)
        }
        Ok(None) => {
            if let Err(e) = rate_limit::allow(&pool, &bucket, LOOKUP_MISSES, LOOKUP_WINDOW).await {
                tracing::error!(error = %e, "verification rate limit");
            }
            // Pages kept in memory are served without a query: they must know too.
            if let Ok(true) =
                rate_limit::exhausted(&pool, &bucket, LOOKUP_MISSES, LOOKUP_WINDOW).await
            {
                refuse_from_now_on();
            }
            Lookup::Unknown
        }
        Err(e) => {
            tracing::error!(error = %e, "certificate lookup");
            Lookup::Failed
        }
    }
}

/// The result of a PDF check for this code, once.
async fn take_check(code: &str) -> Option<PdfCheck> {
    let session = request::session().ok()?;
    let check = session.get::<PdfCheck>(PDF_CHECK).await.ok().flatten()?;
    let _ = session.remove::<PdfCheck>(PDF_CHECK).await;
    (check.code == code).then_some(check)
}

/// `/verify/<code>`: what was issued, its status now, and the PDF check.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let locale = use_locale();
    let typed = use_params_map()
        .with_untracked(|p| p.get("code"))
        .unwrap_or_default();
    let query = use_query_map();
    let limited_check = query.with_untracked(|q| q.get("limited")).is_some();
    let no_file = query.with_untracked(|q| q.get("nofile")).is_some();
    let too_large = query.with_untracked(|q| q.get("toolarge")).is_some();
    let lookup = load_once(look_up(typed.clone()));
    view! {
        <Meta name="robots" content="noindex" />
        <Suspense>
            {move || { let (lookup, typed) = (lookup.clone(), typed.clone()); Suspend::new(async move {
                match lookup.await {
                    Lookup::Found(certificate, check) => view! {
                        <Verified certificate=*certificate check limited_check no_file too_large />
                    }.into_any(),
                    Lookup::Unknown => {
                        set_status(404);
                        view! {
                            <PageTitle text=td_string!(locale, verify_unknown_title).to_string() />
                            <p data-test="verify-unknown">{td_string!(locale, verify_unknown_body)}</p>
                            <CodeForm typed invalid=false />
                        }.into_any()
                    }
                    Lookup::Limited => {
                        set_status(429);
                        view! {
                            <PageTitle text=td_string!(locale, verify_title).to_string() />
                            <p class="alert alert-error" role="alert">{td_string!(locale, error_rate_limited)}</p>
                        }.into_any()
                    }
                    Lookup::Failed => {
                        set_status(500);
                        view! {
                            <PageTitle text=td_string!(locale, verify_title).to_string() />
                            <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p>
                        }.into_any()
                    }
                }
            })}}
        </Suspense>
    }
}

#[component]
fn Verified(
    certificate: Certificate,
    check: Option<PdfCheck>,
    limited_check: bool,
    no_file: bool,
    too_large: bool,
) -> impl IntoView {
    let locale = use_locale();
    let lang = locale.as_str();
    let now = now();
    let status = certificate.status(now);
    if status == Status::Valid
        && let Some(res) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(until) = axum::http::HeaderValue::from_str(&certificate.expires_at.to_string())
    {
        // A page kept in memory must not call an expired certificate valid.
        res.insert_header(axum::http::HeaderName::from_static(FRESH_UNTIL), until);
    }
    let verdict = match status {
        Status::Valid => td_string!(locale, verify_verdict_valid).to_owned(),
        Status::Expired => crate::domain::language::fill(
            td_string!(locale, verify_verdict_expired),
            &[("date", &long_date(certificate.expires_at, lang))],
        ),
        Status::Revoked => crate::domain::language::fill(
            td_string!(locale, verify_verdict_revoked),
            &[(
                "date",
                &long_date(certificate.revoked_at.unwrap_or_default(), lang),
            )],
        ),
        Status::Superseded => td_string!(locale, verify_verdict_superseded).to_owned(),
    };
    let verdict_class = if status == Status::Valid {
        "alert alert-success"
    } else {
        "alert alert-error"
    };
    let action = format!("/verify/{}/check", certificate.display_code());
    let check_result = check.map(|check| {
        if check.matches {
            view! { <p class="alert alert-success" role="status" data-test="pdf-match">{td_string!(locale, verify_pdf_matches)}</p> }.into_any()
        } else {
            view! {
                <div class="alert alert-error" role="alert" data-test="pdf-mismatch">
                    <p>{td_string!(locale, verify_pdf_differs)}</p>
                    <p class="meta">{td_string!(locale, verify_pdf_your_hash)} " " <code class="hash">{check.sha256}</code></p>
                </div>
            }.into_any()
        }
    });
    view! {
        <PageTitle text=td_string!(locale, verify_found_title).to_string() />
        <p class=verdict_class data-test="verify-verdict">{verdict}</p>
        <CertificateFacts certificate=certificate.clone() now />
        <p>{td_string!(locale, certificate_sha256)} ": " <code class="hash" data-test="certificate-sha256">{certificate.sha256.clone()}</code></p>
        <section id="check" aria-labelledby="check-heading">
            <h2 id="check-heading">{td_string!(locale, verify_pdf_heading)}</h2>
            <p>{td_string!(locale, verify_pdf_explain)}</p>
            {check_result}
            {limited_check.then(|| view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_rate_limited)}</p> })}
            {no_file.then(|| view! { <p class="alert alert-error" role="alert" data-test="pdf-no-file">{td_string!(locale, verify_pdf_no_file)}</p> })}
            {too_large.then(|| view! { <p class="alert alert-error" role="alert" data-test="pdf-too-large">{td_string!(locale, verify_pdf_too_large)}</p> })}
            <form method="post" action=action enctype="multipart/form-data" class="stack" data-test="pdf-check">
                <div class="field">
                    <label for="field-pdf" class="drop-zone" data-drop-target="">
                        <span>{td_string!(locale, verify_pdf_label)}</span>
                        <span class="hint">{td_string!(locale, verify_pdf_hint)}</span>
                    </label>
                    <input id="field-pdf" name="pdf" type="file" accept="application/pdf,.pdf" required=true />
                </div>
                <button type="submit" class="button">{td_string!(locale, verify_pdf_submit)}</button>
            </form>
        </section>
    }
}

/// `/certified`: members with a valid certificate who chose to be listed.
#[component]
pub fn CertifiedPage() -> impl IntoView {
    let locale = use_locale();
    let entries = load_once(async {
        let pool = request::pool().ok()?;
        store::register(&pool, now())
            .await
            .inspect_err(|e| tracing::error!(error = %e, "public register"))
            .ok()
    });
    let catalogue = request::state()
        .map(|s| s.content.get())
        .unwrap_or_default();
    view! {
        <PageTitle text=td_string!(locale, certified_title).to_string() />
        <p>{td_string!(locale, certified_intro)}</p>
        <Suspense>
            {move || { let (entries, catalogue) = (entries.clone(), catalogue.clone()); Suspend::new(async move {
                let lang = locale.as_str();
                match entries.await {
                    None => view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any(),
                    Some(entries) if entries.is_empty() => view! { <p class="empty-state">{td_string!(locale, certified_empty)}</p> }.into_any(),
                    Some(entries) => view! {
                        <TableScroll label=td_string!(locale, certified_title)>
                            <table data-test="register">
                                <thead><tr>
                                    <th scope="col">{td_string!(locale, certificate_holder)}</th>
                                    <th scope="col">{td_string!(locale, certificate_programme)}</th>
                                    <th scope="col">{td_string!(locale, certificate_expires)}</th>
                                    <th scope="col">{td_string!(locale, certificate_code)}</th>
                                </tr></thead>
                                <tbody>
                                    {entries.into_iter().map(|c| {
                                        let programme = catalogue.programme(&c.programme)
                                            .map(|p| p.title(lang).to_owned())
                                            .unwrap_or_else(|| c.programme_title.clone());
                                        view! {
                                            <tr>
                                                <th scope="row">{c.holder_name.clone()}</th>
                                                <td>{programme}</td>
                                                <td>{long_date(c.expires_at, lang)}</td>
                                                <td><a href=format!("/verify/{}", c.display_code())>{c.display_code()}</a></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </TableScroll>
                    }.into_any(),
                }
            })}}
        </Suspense>
    }
}
