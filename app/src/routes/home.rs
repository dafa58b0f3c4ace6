use leptos::prelude::*;
use leptos_i18n::td_string;

use crate::domain::language::fill_name;
use crate::app::{use_locale, use_user};
use crate::components::page::PageTitle;

#[component]
pub fn HomePage() -> impl IntoView {
    let locale = use_locale();
    let user = use_user();
    let intro = match &user {
        Some(u) => fill_name(td_string!(locale, home_member_intro), &u.name),
        None => td_string!(locale, home_intro).to_string(),
    };
    view! {
        <PageTitle text=td_string!(locale, home_title).to_string() />
        <p class="lead">{intro}</p>
        <p class="actions">
            {user.is_none().then(|| view! { <a class="button" href="/register">{td_string!(locale, home_cta_register)}</a> })}
            <a class="button button-secondary" href="/training">{td_string!(locale, home_cta_training)}</a>
        </p>
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
