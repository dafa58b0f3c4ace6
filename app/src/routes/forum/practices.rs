//! Best practices: the page listing them all, and those linked to a training module.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::{ThreadList, catalogue, page_param};
use crate::components::page::{PageTitle, load_once, require};
use crate::context::use_locale;
use crate::domain::role::Role;
use crate::server::forum::store::{self, Listing};
use crate::server::forum::{Kind, ThreadSummary};
use crate::server::request;

/// `/forum/practices`: best practices in every category, filterable by module.
#[component]
pub fn PracticesPage() -> impl IntoView {
    let locale = use_locale();
    let user = match require(Role::Member) {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
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
        </p>
        <ThreadList listing base="/forum/practices".to_owned() catalogue=catalogue.clone() />
        <FeedAddress member=user.id />
    }
    .into_any()
}

/// The member's own feed address, to paste into a feed reader, and a way to replace it.
#[component]
fn FeedAddress(member: i64) -> impl IntoView {
    let locale = use_locale();
    let fresh = use_query_map().with_untracked(|q| q.get("feed")).is_some();
    let token = load_once(async move {
        let pool = request::pool().ok()?;
        crate::server::forum::feed::token_of(&pool, member)
            .await
            .ok()
    });
    let settings = request::state().ok().map(|s| s.settings.clone());
    view! {
        <section id="feed" aria-labelledby="feed-heading" class="card">
            <h2 id="feed-heading">{td_string!(locale, forum_feed_heading)}</h2>
            <Suspense>
                {move || { let (token, settings) = (token.clone(), settings.clone()); Suspend::new(async move {
                    let Some(token) = token.await else {
                        return view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any();
                    };
                    let public_url = settings.as_ref().map(|s| s.public_url.clone()).unwrap_or_default();
                    let public_feed = settings.is_some_and(|s| s.public_practices_feed).then(|| view! {
                        <p><a href="/forum/practices.atom" type="application/atom+xml">{td_string!(locale, forum_feed_public)}</a></p>
                    });
                    let address = token.as_ref().map(|t| {
                        let url = crate::server::forum::feed::member_feed_url(&public_url, t);
                        view! {
                            {fresh.then(|| view! { <p class="alert alert-success" role="status" data-test="feed-new">{td_string!(locale, forum_feed_new)}</p> })}
                            <div class="field">
                                <label for="feed-address">{td_string!(locale, forum_feed_address)}</label>
                                <input id="feed-address" type="url" readonly=true value=url.clone() aria-describedby="feed-hint" data-test="feed-address" />
                            </div>
                            <p><a href=url type="application/atom+xml">{td_string!(locale, forum_feed)}</a></p>
                        }
                    });
                    let button = if token.is_some() { td_string!(locale, forum_feed_reset) } else { td_string!(locale, forum_feed_create) };
                    view! {
                        {address}
                        <p class="hint" id="feed-hint">{td_string!(locale, forum_feed_hint)}</p>
                        <form method="post" action="/api/forum/reset_feed">
                            <button type="submit" class="button button-secondary" data-test="feed-reset">{button}</button>
                        </form>
                        {public_feed}
                    }.into_any()
                })}}
            </Suspense>
        </section>
    }
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
