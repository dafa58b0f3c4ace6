//! The forum: categories, a category's threads, a thread with its replies, and the forms
//! to open a thread, reply and edit. Members only; posting needs the code of conduct.
mod practices;
mod search;
mod thread;
mod writing;

pub use practices::{PracticesPage, practices_for_module};
pub use search::SearchPage;
pub use thread::{PostActions, ThreadPage, clause_label, thread_facts};
pub use writing::{EditPostPage, FlagPage, NewThreadPage, PostHistoryPage};

use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::page::{PageTitle, load_once, require, set_status};
use crate::context::use_locale;
use crate::domain::dates::utc_minute;
use crate::domain::language::fill;
use crate::domain::role::Role;
use crate::i18n::Locale;
use crate::server::content::Catalogue;
use crate::server::forum::store::{self, Listing};
use crate::server::forum::{self, Kind, THREADS_PER_PAGE, ThreadSummary};
use crate::server::request;

/// Whether the signed-in member may post now: they accepted the current code.
async fn accepted_current(catalogue: &Catalogue) -> bool {
    let (Some(user), Ok(state)) = (request::current_user(), request::state()) else {
        return false;
    };
    let Some(code) = catalogue.code_of_conduct() else {
        return false;
    };
    match forum::service::standing_of(&state, user.id).await {
        Ok(standing) => standing.value.accepted_version == Some(i64::from(code.version)),
        Err(err) => {
            tracing::error!(error = %err, "forum standing");
            false
        }
    }
}

fn catalogue() -> std::sync::Arc<Catalogue> {
    request::state()
        .map(|s| s.content.get())
        .unwrap_or_default()
}

/// `?page=` as typed, within 1 and a bound no list reaches (so arithmetic on it cannot
/// overflow); past the last page a list is simply empty.
fn page_param() -> i64 {
    const BEYOND_ANY_LIST: i64 = 1_000_000;
    use_query_map()
        .with_untracked(|q| q.get("page"))
        .and_then(|p| p.parse::<i64>().ok())
        .map_or(1, |p| p.clamp(1, BEYOND_ANY_LIST))
}

/// A page that could not be made says so with its status, so no cache keeps it.
fn internal_error(locale: Locale) -> AnyView {
    crate::components::page::set_status(500);
    view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }
        .into_any()
}

/// `/forum`: the categories with their activity.
#[component]
pub fn ForumPage() -> impl IntoView {
    let locale = use_locale();
    if let Err(refusal) = require(Role::Member) {
        return refusal;
    }
    let catalogue = catalogue();
    let activity = load_once(async {
        let pool = request::pool().ok()?;
        store::category_activity(&pool)
            .await
            .inspect_err(|e| tracing::error!(error = %e, "forum activity"))
            .ok()
    });
    view! {
        <PageTitle text=td_string!(locale, forum_title).to_string() />
        <p>{td_string!(locale, forum_intro)} " " <a href="/code-of-conduct">{td_string!(locale, conduct_title)}</a></p>
        <p class="actions">
            <a class="button" href="/forum/new" data-test="new-thread">{td_string!(locale, forum_new_thread)}</a>
            <a class="button button-secondary" href="/forum/practices">{td_string!(locale, forum_practices)}</a>
            <a class="button button-secondary" href="/forum/search">{td_string!(locale, forum_search)}</a>
        </p>
        <Suspense>
            {move || { let (catalogue, activity) = (catalogue.clone(), activity.clone()); Suspend::new(async move {
                let Some(activity) = activity.await else { return internal_error(locale) };
                let lang = locale.as_str();
                if catalogue.categories().is_empty() {
                    return view! { <p class="empty-state">{td_string!(locale, forum_empty)}</p> }.into_any();
                }
                view! {
                    <ul class="cards">
                        {catalogue.categories().iter().map(|c| {
                            let (threads, latest) = activity.iter().find(|(slug, ..)| slug == &c.slug).map_or((0, None), |(_, n, t)| (*n, *t));
                            let count = fill(td_string!(locale, forum_thread_count), &[("count", &threads.to_string())]);
                            view! {
                                <li class="card" data-test="category">
                                    <h2><a href=format!("/forum/c/{}", c.slug)>{c.name(lang).to_owned()}</a></h2>
                                    <p>{c.description(lang).to_owned()}</p>
                                    <p class="meta">{count}{latest.map(|t| format!(" · {}", utc_minute(t)))}</p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}

/// `/forum/c/<slug>`: its threads by activity, pinned first; `?kind=practice&module=…` filter.
#[component]
pub fn CategoryPage() -> impl IntoView {
    let locale = use_locale();
    let slug = use_params_map()
        .with_untracked(|p| p.get("slug"))
        .unwrap_or_default();
    if let Err(refusal) = require(Role::Member) {
        return refusal;
    }
    let catalogue = catalogue();
    let Some(category) = catalogue.category(&slug).cloned() else {
        set_status(404);
        return view! { <PageTitle text=td_string!(locale, error_not_found).to_string() /> }
            .into_any();
    };
    let query = use_query_map().get_untracked();
    let listing = Listing {
        category: Some(slug.clone()),
        kind: query.get("kind").as_deref().and_then(Kind::parse),
        module: query
            .get("module")
            .filter(|m| catalogue.module(m).is_some()),
        page: page_param(),
        by_certified_endorsements: false,
    };
    let lang = locale.as_str();
    let base = format!("/forum/c/{slug}");
    view! {
        <PageTitle text=category.name(lang).to_owned() />
        <p>{category.description(lang).to_owned()}</p>
        <p class="actions">
            <a class="button" href=format!("/forum/new?category={slug}") data-test="new-thread">{td_string!(locale, forum_new_thread)}</a>
            <a class="button button-secondary" href=format!("/forum/new?category={slug}&kind=practice")>{td_string!(locale, forum_new_practice)}</a>
        </p>
        <ThreadList listing base catalogue />
        <p><a href="/forum">{td_string!(locale, forum_back)}</a></p>
    }
    .into_any()
}

#[component]
fn ThreadList(
    listing: Listing,
    base: String,
    catalogue: std::sync::Arc<Catalogue>,
) -> impl IntoView {
    let locale = use_locale();
    let page = listing.page;
    let threads = load_once({
        let listing = listing.clone();
        async move {
            let pool = request::pool().ok()?;
            store::threads(&pool, &listing)
                .await
                .inspect_err(|e| tracing::error!(error = %e, "forum threads"))
                .ok()
        }
    });
    let keep_filters = {
        let mut q = Vec::new();
        if let Some(kind) = listing.kind {
            q.push(format!("kind={}", kind.as_str()));
        }
        if let Some(module) = &listing.module {
            q.push(format!("module={module}"));
        }
        q
    };
    view! {
        <Suspense>
            {move || { let (threads, base, keep_filters, catalogue) = (threads.clone(), base.clone(), keep_filters.clone(), catalogue.clone()); Suspend::new(async move {
                let Some((threads, total)) = threads.await else { return internal_error(locale) };
                if threads.is_empty() {
                    return view! { <p class="empty-state" data-test="no-threads">{td_string!(locale, forum_no_threads)}</p> }.into_any();
                }
                let pages = (total + THREADS_PER_PAGE - 1) / THREADS_PER_PAGE;
                let link = |p: i64| {
                    let mut q = keep_filters.clone();
                    if p > 1 { q.push(format!("page={p}")); }
                    if q.is_empty() { base.clone() } else { format!("{base}?{}", q.join("&")) }
                };
                view! {
                    <ul class="thread-list" data-test="threads">
                        {threads.into_iter().map(|t| view! { <ThreadRow thread=t catalogue=catalogue.clone() /> }).collect_view()}
                    </ul>
                    <Pager page pages link=link(page - 1) next=link(page + 1) />
                }.into_any()
            })}}
        </Suspense>
    }
}

#[component]
fn ThreadRow(thread: ThreadSummary, catalogue: std::sync::Arc<Catalogue>) -> impl IntoView {
    let locale = use_locale();
    let lang = locale.as_str();
    let replies = fill(
        td_string!(locale, forum_replies),
        &[("count", &(thread.post_count - 1).max(0).to_string())],
    );
    let modules = thread
        .modules
        .iter()
        .filter_map(|m| catalogue.module(m))
        .map(|m| m.translation_or_english(lang).title.clone())
        .collect::<Vec<_>>();
    view! {
        <li class="thread-row" data-test="thread">
            <h3>
                {thread.pinned.then(|| view! { <span class="tag">{td_string!(locale, forum_pinned)}</span> " " })}
                {(thread.kind == Kind::Practice).then(|| view! { <span class="tag tag-practice">{td_string!(locale, forum_kind_practice)}</span> " " })}
                <a href=forum::thread_url(thread.id, 1)>{thread.title.clone()}</a>
                {thread.locked.then(|| view! { " " <span class="tag">{td_string!(locale, forum_locked)}</span> })}
            </h3>
            <p class="meta">{thread.author_name.clone()} " · " {replies} " · " {utc_minute(thread.last_post_at)}
                {(!modules.is_empty()).then(|| format!(" · {}", modules.join(", ")))}</p>
        </li>
    }
}

#[component]
fn Pager(page: i64, pages: i64, link: String, next: String) -> impl IntoView {
    let locale = use_locale();
    let position = fill(
        td_string!(locale, forum_page_of),
        &[
            ("page", &page.to_string()),
            ("pages", &pages.max(1).to_string()),
        ],
    );
    (pages > 1).then(|| view! {
        <nav class="pager" aria-label=td_string!(locale, forum_pages)>
            {(page > 1).then(|| view! { <a href=link rel="prev">{td_string!(locale, forum_previous_page)}</a> })}
            " " <span>{position}</span> " "
            {(page < pages).then(|| view! { <a href=next rel="next">{td_string!(locale, forum_next_page)}</a> })}
        </nav>
    })
}

#[component]
pub(crate) fn PracticeCard(situation: String, practice: String, result: String) -> impl IntoView {
    let locale = use_locale();
    view! {
        <dl class="practice-card" data-test="practice-card">
            <dt>{td_string!(locale, forum_situation)}</dt><dd inner_html=situation></dd>
            <dt>{td_string!(locale, forum_practice)}</dt><dd inner_html=practice></dd>
            <dt>{td_string!(locale, forum_result)}</dt><dd inner_html=result></dd>
        </dl>
    }
}

/// What a post says: a best practice's situation, action and result, then its text. Readers,
/// flaggers and moderators all judge the same whole.
#[component]
pub(crate) fn PostContent(post: forum::Post) -> impl IntoView {
    view! {
        {post.practice.map(|p| view! { <PracticeCard situation=p.situation_html practice=p.practice_html result=p.result_html /> })}
        <div class="post-body" inner_html=post.body_html></div>
    }
}

/// Sends a member who has not accepted the code to it first.
fn accept_first(locale: Locale, back_to: &str) -> AnyView {
    view! {
        <div class="alert alert-info" data-test="accept-first">
            <p>{td_string!(locale, forum_accept_first)}</p>
            <p><a class="button" href=format!("/code-of-conduct?next={}", crate::components::page::query_value(back_to))>{td_string!(locale, forum_read_code)}</a></p>
        </div>
    }
    .into_any()
}
