//! Best practices: the page listing them all, and those linked to a training module.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::{ThreadList, catalogue, page_param};
use crate::components::page::{PageTitle, require};
use crate::context::use_locale;
use crate::domain::role::Role;
use crate::server::forum::store::{self, Listing};
use crate::server::forum::{Kind, ThreadSummary};
use crate::server::request;

/// `/forum/practices`: best practices in every category, filterable by module.
#[component]
pub fn PracticesPage() -> impl IntoView {
    let locale = use_locale();
    if let Err(refusal) = require(Role::Member) {
        return refusal;
    }
    let catalogue = catalogue();
    let module = use_query_map()
        .with_untracked(|q| q.get("module"))
        .filter(|m| catalogue.module(m).is_some());
    let listing = Listing {
        category: None,
        kind: Some(Kind::Practice),
        module: module.clone(),
        page: page_param(),
        by_certified_endorsements: true,
    };
    let lang = locale.as_str();
    view! {
        <PageTitle text=td_string!(locale, forum_practices).to_string() />
        <p>{td_string!(locale, forum_practices_intro)} " " {td_string!(locale, forum_practices_order)}</p>
        <form method="get" action="/forum/practices" class="filters">
            <div class="field">
                <label for="field-module">{td_string!(locale, forum_module)}</label>
                <select id="field-module" name="module">
                    <option value="">{td_string!(locale, admin_certificates_all)}</option>
                    {catalogue.modules().iter().map(|m| {
                        let selected = module.as_deref() == Some(m.slug.as_str());
                        view! { <option value=m.slug.clone() selected=selected>{m.translation_or_english(lang).title.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button">{td_string!(locale, admin_certificates_filter)}</button>
        </form>
        <p class="actions">
            <a class="button" href="/forum/new?kind=practice">{td_string!(locale, forum_new_practice)}</a>
            <a class="button button-secondary" href="/forum/practices.atom" type="application/atom+xml">{td_string!(locale, forum_feed)}</a>
        </p>
        <ThreadList listing base="/forum/practices".to_owned() catalogue=catalogue.clone() />
    }
    .into_any()
}

/// Best practices linked to a module, for its page.
pub async fn practices_for_module(module: &str) -> Vec<ThreadSummary> {
    let Ok(pool) = request::pool() else {
        return Vec::new();
    };
    let listing = Listing {
        category: None,
        kind: Some(Kind::Practice),
        module: Some(module.to_owned()),
        page: 1,
        by_certified_endorsements: true,
    };
    store::threads(&pool, &listing)
        .await
        .map(|(t, _)| t)
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "module best practices");
            Vec::new()
        })
}
