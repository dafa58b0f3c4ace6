use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;

use crate::app::{use_locale, use_user};
use crate::components::page::{PageTitle, load_once};
use crate::domain::language::fill;
use crate::server::certificates::Standing;
use crate::server::content::Programme;
use crate::server::quiz::service;
use crate::server::request;

/// "My certificates": every programme, and for a signed-in member how far they are.
#[component]
pub fn CertificatesPage() -> impl IntoView {
    let locale = use_locale();
    let signed_in = use_user().is_some();
    let catalogue = request::state()
        .map(|s| s.content.get())
        .unwrap_or_default();
    let passed = load_once(service::passed_now());
    view! {
        <PageTitle text=td_string!(locale, certificates_title).to_string() />
        <p>{td_string!(locale, certificates_intro)}</p>
        {if signed_in {
            view! { <p class="note" data-test="no-certificates">{td_string!(locale, certificates_empty)}</p> }.into_any()
        } else {
            view! {
                <p class="note"><a href="/login?next=/certificates">{td_string!(locale, sign_in)}</a> " · " {td_string!(locale, certificates_sign_in_note)}</p>
            }.into_any()
        }}
        <Suspense>
            {move || { let (catalogue, passed) = (catalogue.clone(), passed.clone()); Suspend::new(async move {
                let passed = passed.await;
                if catalogue.programmes().is_empty() {
                    return view! { <p class="empty-state">{td_string!(locale, certificates_no_programmes)}</p> }.into_any();
                }
                catalogue.programmes().iter().map(|programme| {
                    let standing = signed_in.then(|| Standing::of(programme, &passed));
                    let modules = programme.modules.iter().map(|slug| {
                        let title = catalogue.module(slug).map(|m| m.translation_or_english(locale.as_str()).title.clone()).unwrap_or_default();
                        (slug.clone(), title)
                    }).collect::<Vec<_>>();
                    view! { <ProgrammeCard programme=programme.clone() standing modules /> }
                }).collect_view().into_any()
            })}}
        </Suspense>
    }
}

#[component]
fn ProgrammeCard(
    programme: Programme,
    standing: Option<Standing>,
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
    let status = standing.as_ref().map(|standing| {
        if standing.eligible() {
            view! {
                <div class="alert alert-success" data-test="eligible">
                    <p>{td_string!(locale, certificates_eligible)}</p>
                    <p>{td_string!(locale, certificates_eligible_next)}</p>
                </div>
            }
            .into_any()
        } else {
            let progress = fill(
                td_string!(locale, certificates_progress),
                &[
                    ("passed", &standing.passed.len().to_string()),
                    ("total", &programme.modules.len().to_string()),
                ],
            );
            view! { <p data-test="programme-progress">{progress}</p> }.into_any()
        }
    });
    let rows = modules
        .into_iter()
        .map(|(slug, title)| {
            let passed = standing.as_ref().map(|s| s.passed.contains(&slug));
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
            <h2 id=heading_id>{programme.title(lang).to_owned()}</h2>
            <p>{programme.description(lang).to_owned()}</p>
            <p class="meta">{validity}</p>
            {status}
            <h3>{td_string!(locale, certificates_required)}</h3>
            <ul>{rows}</ul>
        </section>
    }
}
