use std::collections::HashMap;

use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use crate::components::certificate::CertificateFacts;
use crate::components::page::{PageTitle, load_once, query_value};
use crate::context::{use_locale, use_user};
use crate::domain::dates::long_date;
use crate::domain::language::fill;
use crate::server::certificates::{Certificate, Eligibility, Status, service, store};
use crate::server::content::{Issuing, Programme};
use crate::server::db::now;
use crate::server::request;

/// What "My certificates" shows a member.
#[derive(Clone)]
struct Mine {
    certificates: Vec<Certificate>,
    passes: HashMap<String, i64>,
    listed: bool,
}

async fn load_mine(user_id: i64) -> Option<Mine> {
    let pool = request::pool().ok()?;
    let result = async {
        Ok::<_, sqlx::Error>(Mine {
            certificates: store::of_member(&pool, user_id).await?,
            passes: store::latest_passes(&pool, user_id).await?,
            listed: store::listed_in_register(&pool, user_id).await?,
        })
    }
    .await;
    result
        .inspect_err(|e| tracing::error!(error = %e, "could not load a member's certificates"))
        .ok()
}

/// "My certificates": the member's certificates and their history, and every programme
/// with how far they are towards it (or towards renewing it).
#[component]
pub fn CertificatesPage() -> impl IntoView {
    let locale = use_locale();
    let user = use_user();
    let catalogue = request::state()
        .map(|s| s.content.get())
        .unwrap_or_default();
    let mine = load_once({
        let user = user.clone();
        async move {
            match user {
                Some(user) => load_mine(user.id).await,
                None => None,
            }
        }
    });
    let saved = use_query_map().with_untracked(|q| q.get("saved")).is_some();
    view! {
        <PageTitle text=td_string!(locale, certificates_title).to_string() />
        <p>{td_string!(locale, certificates_intro)}</p>
        {saved.then(|| view! { <p class="alert alert-success" role="status">{td_string!(locale, account_saved)}</p> })}
        {user.is_none().then(|| view! {
            <p class="note"><a href="/login?next=/certificates">{td_string!(locale, sign_in)}</a> " · " {td_string!(locale, certificates_sign_in_note)}</p>
        })}
        <Suspense>
            {move || { let (catalogue, mine, signed_in) = (catalogue.clone(), mine.clone(), user.is_some()); Suspend::new(async move {
                let mine = mine.await;
                if signed_in && mine.is_none() {
                    return view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any();
                }
                let now = now();
                let held = mine.as_ref().map(|m| view! { <Held certificates=m.certificates.clone() now /> });
                let programmes = if catalogue.programmes().is_empty() {
                    view! { <p class="empty-state">{td_string!(locale, certificates_no_programmes)}</p> }.into_any()
                } else {
                    catalogue.programmes().iter().map(|programme| {
                        let eligibility = mine.as_ref().map(|m| {
                            let current = m.certificates.iter().find(|c| c.programme == programme.slug && c.superseded_at.is_none());
                            Eligibility::of(programme, &m.passes, current, now)
                        });
                        let current_expiry = mine.as_ref().and_then(|m| m.certificates.iter()
                            .find(|c| c.programme == programme.slug && c.status(now) != Status::Superseded && c.revoked_at.is_none())
                            .map(|c| c.expires_at));
                        let modules = programme.modules.iter().map(|slug| {
                            let title = catalogue.module(slug).map(|m| m.translation_or_english(locale.as_str()).title.clone()).unwrap_or_default();
                            (slug.clone(), title)
                        }).collect::<Vec<_>>();
                        view! { <ProgrammeCard programme=programme.clone() eligibility current_expiry modules /> }
                    }).collect_view().into_any()
                };
                let register = mine.as_ref().map(|m| view! { <RegisterListing listed=m.listed /> });
                view! {
                    {held}
                    <h2>{td_string!(locale, certificates_programmes_heading)}</h2>
                    {programmes}
                    {register}
                }.into_any()
            })}}
        </Suspense>
    }
}

/// The member's certificates: current ones with download and sharing, then the history.
#[component]
fn Held(certificates: Vec<Certificate>, now: i64) -> impl IntoView {
    let locale = use_locale();
    let (current, past): (Vec<_>, Vec<_>) = certificates
        .into_iter()
        .partition(|c| matches!(c.status(now), Status::Valid | Status::Expired));
    let settings = request::state().map(|s| s.settings.clone()).ok();
    let current_view = if current.is_empty() {
        view! { <p class="empty-state" data-test="no-certificates">{td_string!(locale, certificates_empty)}</p> }.into_any()
    } else {
        current
            .into_iter()
            .map(|c| {
                let url = settings.as_ref().map(|s| service::verify_url(s, &c.code)).unwrap_or_default();
                let linkedin = (c.status(now) == Status::Valid).then(|| {
                    let association = settings.as_ref().map(|s| s.association_name.clone()).unwrap_or_default();
                    linkedin_url(&c, &association, &url)
                });
                let heading_id = format!("certificate-{}", c.id);
                let share_id = format!("share-{}", c.id);
                view! {
                    <section class="card certificate" aria-labelledby=heading_id.clone() data-test="certificate">
                        <h3 id=heading_id.clone()>{c.programme_title.clone()}</h3>
                        <CertificateFacts certificate=c.clone() now />
                        <p class="actions">
                            <a class="button" href=format!("/certificates/{}/certificate.pdf", c.id) download="" data-test="download">
                                {td_string!(locale, certificates_download)}
                            </a>
                            " "
                            <a class="button button-secondary" href=url.clone()>{td_string!(locale, certificates_verification_page)}</a>
                            {linkedin.map(|href| view! {
                                " " <a class="button button-secondary" href=href rel="noopener noreferrer" target="_blank" data-test="linkedin">
                                    {td_string!(locale, certificates_linkedin)}
                                </a>
                            })}
                        </p>
                        <div class="field">
                            <label for=share_id.clone()>{td_string!(locale, certificates_share_link)}</label>
                            <p class="hint">{td_string!(locale, certificates_share_hint)}</p>
                            <input id=share_id type="text" readonly=true value=url data-test="share-link" />
                        </div>
                    </section>
                }
            })
            .collect_view()
            .into_any()
    };
    let history = (!past.is_empty()).then(|| {
        let rows = past
            .into_iter()
            .map(|c| {
                view! {
                    <li>
                        <details>
                            <summary>{c.programme_title.clone()} " · " {c.serial()} " · " {crate::components::certificate::status_name(locale, c.status(now))}</summary>
                            <CertificateFacts certificate=c now />
                        </details>
                    </li>
                }
            })
            .collect_view();
        view! {
            <h3>{td_string!(locale, certificates_history)}</h3>
            <ul class="plain-list" data-test="certificate-history">{rows}</ul>
        }
    });
    view! {
        <h2>{td_string!(locale, certificates_held_heading)}</h2>
        {current_view}
        {history}
    }
}

/// LinkedIn's "add to profile" link for a certification.
fn linkedin_url(c: &Certificate, association: &str, verify_url: &str) -> String {
    let ym = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .map(|t| (t.year(), u8::from(t.month())))
            .unwrap_or((1970, 1))
    };
    let ((iy, im), (ey, em)) = (ym(c.issued_at), ym(c.expires_at));
    format!(
        "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name={}&organizationName={}\
         &issueYear={iy}&issueMonth={im}&expirationYear={ey}&expirationMonth={em}&certUrl={}&certId={}",
        query_value(&c.programme_title),
        query_value(association),
        query_value(verify_url),
        query_value(&c.display_code()),
    )
}

#[component]
fn ProgrammeCard(
    programme: Programme,
    eligibility: Option<Eligibility>,
    /// When the member's current certificate of this programme expires, if they hold one.
    current_expiry: Option<i64>,
    /// Required modules: slug and title in the reader's language (or English).
    modules: Vec<(String, String)>,
) -> impl IntoView {
    let locale = use_locale();
    let lang = locale.as_str();
    let heading_id = format!("programme-{}", programme.slug);
    let labelled_by = heading_id.clone();
    let validity = fill(
        td_string!(locale, certificates_validity),
        &[
            ("months", &programme.validity_months.to_string()),
            ("days", &programme.renewal_window_days.to_string()),
        ],
    );
    let expiry = current_expiry
        .map(|t| long_date(t, lang))
        .unwrap_or_default();
    let status = eligibility.as_ref().map(|e| match e {
        Eligibility::New | Eligibility::Renewal { .. } => {
            let next = if programme.issuing == Issuing::Automatic {
                td_string!(locale, certificates_eligible_automatic)
            } else {
                td_string!(locale, certificates_eligible_next)
            };
            view! {
                <div class="alert alert-success" data-test="eligible">
                    <p>{td_string!(locale, certificates_eligible)}</p>
                    <p>{next}</p>
                </div>
            }
            .into_any()
        }
        Eligibility::Held { renewal_opens } => {
            let text = fill(
                td_string!(locale, certificates_held_until),
                &[
                    ("expires", &expiry),
                    ("opens", &long_date(*renewal_opens, lang)),
                ],
            );
            view! { <p class="alert alert-info" data-test="held">{text}</p> }.into_any()
        }
        Eligibility::Missing {
            missing,
            renewal: true,
        } => {
            let text = fill(
                td_string!(locale, certificates_renew_now),
                &[("expires", &expiry), ("count", &missing.len().to_string())],
            );
            view! { <p class="alert alert-info" data-test="renewal-invitation">{text}</p> }
                .into_any()
        }
        Eligibility::Missing {
            missing,
            renewal: false,
        } => {
            let progress = fill(
                td_string!(locale, certificates_progress),
                &[
                    (
                        "passed",
                        &(programme.modules.len() - missing.len()).to_string(),
                    ),
                    ("total", &programme.modules.len().to_string()),
                ],
            );
            view! { <p data-test="programme-progress">{progress}</p> }.into_any()
        }
    });
    let missing: Option<Vec<String>> = eligibility.as_ref().map(|e| match e {
        Eligibility::Missing { missing, .. } => missing.clone(),
        _ => Vec::new(),
    });
    let rows = modules
        .into_iter()
        .map(|(slug, title)| {
            let passed = missing.as_ref().map(|m| !m.contains(&slug));
            view! {
                <li data-test=format!("required-{slug}")>
                    <a href=format!("/training/{slug}")>{title}</a>
                    {match passed {
                        Some(true) => view! { " · " <span class="read-mark">"✓ " {td_string!(locale, certificates_module_passed)}</span> }.into_any(),
                        Some(false) => view! {
                            " · " <span>{td_string!(locale, certificates_module_missing)}</span>
                            " · " <a href=format!("/training/{slug}/quiz")>{td_string!(locale, certificates_take_quiz)}</a>
                        }.into_any(),
                        None => ().into_any(),
                    }}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card programme" aria-labelledby=labelled_by data-test="programme">
            <h3 id=heading_id>{programme.title(lang).to_owned()}</h3>
            <p>{programme.description(lang).to_owned()}</p>
            <p class="meta">{validity}</p>
            {status}
            <h4>{td_string!(locale, certificates_required)}</h4>
            <ul>{rows}</ul>
        </section>
    }
}

/// The member's choice to appear in the public register.
#[component]
fn RegisterListing(listed: bool) -> impl IntoView {
    let locale = use_locale();
    view! {
        <section aria-labelledby="register-heading">
            <h2 id="register-heading">{td_string!(locale, certificates_register_heading)}</h2>
            <p>{td_string!(locale, certificates_register_explain)} " " <a href="/certified">{td_string!(locale, certificates_register_link)}</a></p>
            <form method="post" action="/api/certificates/register">
                <div class="field field-checkbox">
                    <input id="field-listed" type="checkbox" name="listed" value="on" checked=listed />
                    <label for="field-listed">{td_string!(locale, certificates_register_checkbox)}</label>
                </div>
                <button type="submit" class="button">{td_string!(locale, certificates_register_save)}</button>
            </form>
        </section>
    }
}
