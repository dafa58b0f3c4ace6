use leptos::prelude::*;
use leptos_i18n::td_string;

use crate::components::page::{PageTitle, load_once};
use crate::context::{use_locale, use_user};
use crate::domain::language::fill;

#[component]
pub fn HomePage() -> impl IntoView {
    let locale = use_locale();
    let user = use_user();
    let intro = match &user {
        Some(u) => fill(td_string!(locale, home_member_intro), &[("name", &u.name)]),
        None => td_string!(locale, home_intro).to_string(),
    };
    view! {
        <PageTitle text=td_string!(locale, home_title).to_string() />
        <p class="lead">{intro}</p>
        <p class="actions">
            {user.is_none().then(|| view! { <a class="button" href="/register">{td_string!(locale, home_cta_register)}</a> })}
            <a class="button button-secondary" href="/training">{td_string!(locale, home_cta_training)}</a>
        </p>
        {user.is_some().then(|| view! { <MyTraining /> })}
        <section aria-labelledby="features-heading">
            <h2 id="features-heading">{td_string!(locale, home_features_heading)}</h2>
            <ul class="cards">
                <li class="card"><h3><a href="/training">{td_string!(locale, nav_training)}</a></h3><p>{td_string!(locale, home_feature_training)}</p></li>
                <li class="card"><h3><a href="/certificates">{td_string!(locale, nav_certificates)}</a></h3><p>{td_string!(locale, home_feature_certificates)}</p></li>
                <li class="card"><h3><a href="/forum">{td_string!(locale, nav_forum)}</a></h3><p>{td_string!(locale, home_feature_forum)}</p></li>
            </ul>
        </section>
    }
}

/// The member's dashboard part: modules begun, how far, and where to pick up.
#[component]
fn MyTraining() -> impl IntoView {
    let locale = use_locale();
    let rows = load_once(crate::routes::training::started_modules());
    view! {
        <section aria-labelledby="my-training-heading" data-test="my-training">
            <h2 id="my-training-heading">{td_string!(locale, home_my_training)}</h2>
            <Suspense>
                {move || { let rows = rows.clone(); Suspend::new(async move {
                    let rows = rows.await;
                    if rows.is_empty() {
                    view! {
                        <p class="empty-state">{td_string!(locale, home_training_empty)} " " <a href="/training">{td_string!(locale, home_cta_training)}</a></p>
                    }.into_any()
                } else {
                    view! {
                        <ul class="module-list">
                            {rows.into_iter().map(|row| view! {
                                <li class="card">
                                    <h3 lang=row.lang>{row.title}</h3>
                                    <crate::routes::training::ProgressLine locale progress=row.progress.clone() quiz_passed=row.quiz_passed />
                                    <a class="button button-secondary" href=row.href data-test="resume">
                                        {if row.progress.complete() { td_string!(locale, training_review) } else { td_string!(locale, training_resume) }}
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }})}}
            </Suspense>
        </section>
    }
}
