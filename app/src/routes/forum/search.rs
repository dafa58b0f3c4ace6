//! Forum search: the form, and the results with the matches marked.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::{catalogue, internal_error};
use crate::components::page::{PageTitle, load_once, require};
use crate::context::use_locale;
use crate::domain::language::fill;
use crate::domain::role::Role;
use crate::server::forum::{self, Kind};
use crate::server::request;

/// `/forum/search?q=…&category=…&module=…&kind=…`: matches marked in titles and excerpts.
#[component]
pub fn SearchPage() -> impl IntoView {
    use crate::server::forum::search::{self, Query};
    let locale = use_locale();
    if let Err(refusal) = require(Role::Member) {
        return refusal;
    }
    let catalogue = catalogue();
    let q = use_query_map().get_untracked();
    let query = Query {
        text: q.get("q").unwrap_or_default().chars().take(200).collect(),
        category: q
            .get("category")
            .filter(|c| catalogue.category(c).is_some()),
        module: q.get("module").filter(|m| catalogue.module(m).is_some()),
        kind: q.get("kind").as_deref().and_then(Kind::parse),
    };
    let hits = load_once({
        let query = query.clone();
        async move {
            let state = request::state().ok()?;
            search::search(&state.pool, state.backend, &query)
                .await
                .inspect_err(|e| tracing::error!(error = %e, "forum search"))
                .ok()
        }
    });
    let lang = locale.as_str();
    let searched = !query.text.trim().is_empty();
    view! {
        <PageTitle text=td_string!(locale, forum_search_title).to_string() />
        <form method="get" action="/forum/search" class="filters" role="search" data-test="search-form">
            <div class="field">
                <label for="field-q">{td_string!(locale, forum_search_words)}</label>
                <input id="field-q" name="q" type="search" value=query.text.clone() maxlength=200 />
            </div>
            <div class="field">
                <label for="field-category">{td_string!(locale, forum_category)}</label>
                <select id="field-category" name="category">
                    <option value="">{td_string!(locale, admin_certificates_all)}</option>
                    {catalogue.categories().iter().map(|c| view! {
                        <option value=c.slug.clone() selected=query.category.as_deref() == Some(c.slug.as_str())>{c.name(lang).to_owned()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="field-module">{td_string!(locale, forum_module)}</label>
                <select id="field-module" name="module">
                    <option value="">{td_string!(locale, admin_certificates_all)}</option>
                    {catalogue.modules().iter().map(|m| view! {
                        <option value=m.slug.clone() selected=query.module.as_deref() == Some(m.slug.as_str())>{m.translation_or_english(lang).title.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="field-kind">{td_string!(locale, forum_kind)}</label>
                <select id="field-kind" name="kind">
                    <option value="">{td_string!(locale, admin_certificates_all)}</option>
                    <option value="discussion" selected=query.kind == Some(Kind::Discussion)>{td_string!(locale, forum_kind_discussion)}</option>
                    <option value="practice" selected=query.kind == Some(Kind::Practice)>{td_string!(locale, forum_kind_practice)}</option>
                </select>
            </div>
            <button type="submit" class="button">{td_string!(locale, forum_search)}</button>
        </form>
        <Suspense>
            {move || { let (hits, catalogue) = (hits.clone(), catalogue.clone()); Suspend::new(async move {
                if !searched {
                    return ().into_any();
                }
                let Some(hits) = hits.await else { return internal_error(locale) };
                if hits.is_empty() {
                    return view! { <p class="empty-state" data-test="no-results">{td_string!(locale, forum_search_none)}</p> }.into_any();
                }
                let count = fill(td_string!(locale, forum_search_count), &[("count", &hits.len().to_string())]);
                view! {
                    <p role="status">{count}</p>
                    <ol class="search-results" data-test="search-results">
                        {hits.into_iter().map(|hit| {
                            let category = catalogue.category(&hit.category).map(|c| c.name(lang).to_owned()).unwrap_or_default();
                            view! {
                                <li class="search-hit">
                                    <h2><a href=forum::post_url(hit.thread_id, hit.number, hit.post_id) inner_html=hit.title_html></a></h2>
                                    <p class="meta">{category}{(hit.kind == Kind::Practice).then(|| format!(" · {}", td_string!(locale, forum_kind_practice)))}</p>
                                    <p inner_html=hit.excerpt_html></p>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}
