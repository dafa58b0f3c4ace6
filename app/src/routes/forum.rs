//! The forum: categories, a category's threads, a thread with its replies, and the forms
//! to open a thread, reply and edit. Members only; posting needs the code of conduct.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::forum::{CreateThread, DeletePost, EditPost, FlagPost, Moderate, Reply};
use crate::components::form::{FormAlert, last_error};
use crate::components::page::{PageTitle, escape_text, load_once, require, set_status};
use crate::components::per_member::choice;
use crate::context::{use_locale, use_user};
use crate::domain::dates::utc_minute;
use crate::domain::form::FormInput;
use crate::domain::language::fill;
use crate::domain::role::Role;
use crate::i18n::Locale;
use crate::server::content::Catalogue;
use crate::server::forum::store::{self, Listing};
use crate::server::forum::{self, Kind, Post, THREADS_PER_PAGE, ThreadSummary, markup};
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

/// The address's `:id`; 0 (which no thread or post has) when it is not a number.
fn id_param() -> i64 {
    use_params_map()
        .with_untracked(|p| p.get("id"))
        .and_then(|i| i.parse().ok())
        .unwrap_or(0)
}

fn page_param() -> i64 {
    use_query_map()
        .with_untracked(|q| q.get("page"))
        .and_then(|p| p.parse().ok())
        .filter(|p: &i64| *p >= 1)
        .unwrap_or(1)
}

fn internal_error(locale: Locale) -> AnyView {
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

/// The practice fields and markdown text a member writes, kept after a refusal or preview.
#[component]
fn WritingFields(input: FormInput, practice: bool, body_label: &'static str) -> impl IntoView {
    let locale = use_locale();
    let field = move |name: &'static str,
                      label: &'static str,
                      hint: &'static str,
                      value: String| {
        view! {
            <div class="field">
                <label for=format!("field-{name}")>{label}</label>
                <p class="hint" id=format!("field-{name}-hint")>{hint}</p>
                <textarea id=format!("field-{name}") name=name rows=5 aria-describedby=format!("field-{name}-hint") inner_html=escape_text(&value)></textarea>
            </div>
        }
    };
    view! {
        {practice.then(|| view! {
            {field("situation", td_string!(locale, forum_situation), td_string!(locale, forum_situation_hint), input.get("situation"))}
            {field("practice", td_string!(locale, forum_practice), td_string!(locale, forum_practice_hint), input.get("practice"))}
            {field("result", td_string!(locale, forum_result), td_string!(locale, forum_result_hint), input.get("result"))}
        })}
        {field("body", body_label, td_string!(locale, forum_markdown_hint), input.get("body"))}
    }
}

/// The rendered preview of kept input, as it will be shown.
fn preview_view(locale: Locale, input: &FormInput, practice: bool) -> impl IntoView + use<> {
    let render = |name: &str| markup::render(&input.get(name));
    view! {
        <section id="preview" class="card preview" aria-labelledby="preview-heading" data-test="preview">
            <h2 id="preview-heading">{td_string!(locale, forum_preview_heading)}</h2>
            {practice.then(|| view! { <PracticeCard situation=render("situation") practice=render("practice") result=render("result") /> })}
            <div class="post-body" inner_html=render("body")></div>
        </section>
    }
}

#[component]
fn PracticeCard(situation: String, practice: String, result: String) -> impl IntoView {
    let locale = use_locale();
    view! {
        <dl class="practice-card" data-test="practice-card">
            <dt>{td_string!(locale, forum_situation)}</dt><dd inner_html=situation></dd>
            <dt>{td_string!(locale, forum_practice)}</dt><dd inner_html=practice></dd>
            <dt>{td_string!(locale, forum_result)}</dt><dd inner_html=result></dd>
        </dl>
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

/// `/forum/new?category=…&kind=practice`: open a discussion or a best practice.
#[component]
pub fn NewThreadPage() -> impl IntoView {
    let locale = use_locale();
    if let Err(refusal) = require(Role::Member) {
        return refusal;
    }
    let query = use_query_map().get_untracked();
    let previewing = query.get("preview").is_some();
    let catalogue = catalogue();
    let data = load_once({
        let catalogue = catalogue.clone();
        async move {
            (
                accepted_current(&catalogue).await,
                request::take_form_input("thread").await,
            )
        }
    });
    let error = last_error(ServerAction::<CreateThread>::new());
    let here = format!(
        "/forum/new?category={}&kind={}",
        query.get("category").unwrap_or_default(),
        query.get("kind").unwrap_or_default()
    );
    view! {
        <PageTitle text=td_string!(locale, forum_new_thread).to_string() />
        <Suspense>
            {move || { let (data, catalogue, query, here) = (data.clone(), catalogue.clone(), query.clone(), here.clone()); Suspend::new(async move {
                let (accepted, input) = data.await;
                if !accepted {
                    return accept_first(locale, &here);
                }
                let lang = locale.as_str();
                let category = if input.values.is_empty() { query.get("category").unwrap_or_default() } else { input.get("category") };
                let kind = if input.values.is_empty() { query.get("kind").unwrap_or_default() } else { input.get("kind") };
                let practice = kind == "practice";
                let modules: Vec<String> = input.get("modules").split(',').filter(|m| !m.is_empty()).map(str::to_owned).collect();
                let preview = previewing.then(|| preview_view(locale, &input, practice));
                view! {
                    {preview}
                    <form method="post" action="/api/forum/create_thread" class="stack" data-test="thread-form">
                        <FormAlert error summary=td_string!(locale, form_error_summary).to_string() unreachable=td_string!(locale, error_internal).to_string() />
                        <fieldset>
                            <legend>{td_string!(locale, forum_kind)}</legend>
                            <div class="field-checkbox"><input type="radio" id="kind-discussion" name="kind" value="discussion" checked=!practice /><label for="kind-discussion">{td_string!(locale, forum_kind_discussion)}</label></div>
                            <div class="field-checkbox"><input type="radio" id="kind-practice" name="kind" value="practice" checked=practice /><label for="kind-practice">{td_string!(locale, forum_kind_practice)}</label></div>
                            <p class="hint">{td_string!(locale, forum_kind_hint)}</p>
                        </fieldset>
                        <div class="field">
                            <label for="field-category">{td_string!(locale, forum_category)}</label>
                            <select id="field-category" name="category" required=true>
                                {catalogue.categories().iter().map(|c| view! {
                                    <option value=c.slug.clone() selected=c.slug == category>{c.name(lang).to_owned()}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="field-title">{td_string!(locale, forum_thread_title)}</label>
                            <input id="field-title" name="title" type="text" required=true maxlength=150 value=input.get("title") />
                        </div>
                        <WritingFields input=input.clone() practice body_label=if practice { td_string!(locale, forum_notes) } else { td_string!(locale, forum_body) } />
                        <fieldset>
                            <legend>{td_string!(locale, forum_modules)}</legend>
                            <p class="hint">{td_string!(locale, forum_modules_hint)}</p>
                            {catalogue.modules().iter().map(|m| {
                                let id = format!("module-{}", m.slug);
                                view! {
                                    <div class="field-checkbox">
                                        <input type="checkbox" id=id.clone() name="modules[]" value=m.slug.clone() checked=modules.contains(&m.slug) />
                                        <label for=id>{m.translation_or_english(lang).title.clone()}</label>
                                    </div>
                                }
                            }).collect_view()}
                        </fieldset>
                        <p class="actions">
                            <button type="submit" name="preview" value="1" class="button button-secondary" formnovalidate=true>{td_string!(locale, forum_preview)}</button>
                            <button type="submit" class="button">{td_string!(locale, forum_publish)}</button>
                        </p>
                    </form>
                }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}

struct ThreadData {
    thread: ThreadSummary,
    /// The opening post's id: moderation of the whole thread goes through it.
    opening: i64,
    posts: Vec<Post>,
    last_number: i64,
    accepted: bool,
    reply_input: FormInput,
}

/// `/forum/t/<id>?page=N`: the thread, its posts, and the reply form.
#[component]
pub fn ThreadPage() -> impl IntoView {
    let locale = use_locale();
    let id = id_param();
    if let Err(refusal) = require(Role::Member) {
        return refusal;
    }
    let page = page_param();
    let previewing = use_query_map()
        .with_untracked(|q| q.get("preview"))
        .is_some();
    let catalogue = catalogue();
    let data = load_once({
        let catalogue = catalogue.clone();
        async move {
            let pool = request::pool().ok()?;
            let load = async {
                let Some(thread) = store::thread(&pool, id).await? else {
                    return Ok(None);
                };
                let opening = store::opening_post(&pool, id).await?;
                Ok::<_, sqlx::Error>(Some(ThreadData {
                    opening,
                    posts: store::posts(
                        &pool,
                        id,
                        page,
                        request::current_user().map_or(0, |u| u.id),
                        crate::server::db::now(),
                    )
                    .await?,
                    last_number: store::last_number(&pool, id).await?,
                    accepted: accepted_current(&catalogue).await,
                    reply_input: request::take_form_input("reply").await,
                    thread,
                }))
            };
            Some(
                load.await
                    .inspect_err(|e| tracing::error!(error = %e, "forum thread"))
                    .ok()
                    .flatten()
                    .map(std::sync::Arc::new),
            )
        }
    });
    let reply_error = last_error(ServerAction::<Reply>::new());
    let edit_error = last_error(ServerAction::<EditPost>::new());
    let delete_error = last_error(ServerAction::<DeletePost>::new());
    let moderate_error = last_error(ServerAction::<Moderate>::new());
    let me = use_user().map(|u| u.id);
    let moderator = use_user().is_some_and(|u| u.role >= crate::domain::role::Role::Moderator);
    let flagged = use_query_map()
        .with_untracked(|q| q.get("flagged"))
        .is_some();
    view! {
        {flagged.then(|| view! { <p class="alert alert-success" role="status" data-test="flagged">{td_string!(locale, forum_flagged)}</p> })}
        <Suspense>
            {move || { let (data, catalogue) = (data.clone(), catalogue.clone()); Suspend::new(async move {
                let data = match data.await {
                    None => return internal_error(locale),
                    Some(None) => {
                        set_status(404);
                        return view! { <PageTitle text=td_string!(locale, error_not_found).to_string() /> }.into_any();
                    }
                    Some(Some(data)) => data,
                };
                let thread = &data.thread;
                if thread.deleted {
                    set_status(410);
                    return view! {
                        <PageTitle text=td_string!(locale, forum_thread_deleted).to_string() />
                        <p><a href="/forum">{td_string!(locale, forum_back)}</a></p>
                    }.into_any();
                }
                let lang = locale.as_str();
                let pages = forum::page_of(data.last_number.max(1));
                let category = catalogue.category(&thread.category);
                let modules = thread.modules.iter().filter_map(|m| catalogue.module(m)).map(|m| view! {
                    <li><a href=format!("/training/{}", m.slug)>{m.translation_or_english(lang).title.clone()}</a></li>
                }).collect_view();
                let here = forum::thread_url(thread.id, page);
                let reply = if thread.locked {
                    view! { <p class="alert alert-info" data-test="locked">{td_string!(locale, error_thread_locked)}</p> }.into_any()
                } else {
                    let (thread_id, input) = (thread.id, data.reply_input.clone());
                    choice("accepted".into(), data.accepted, [true, false], move |accepted| {
                        if !accepted {
                            return accept_first(locale, &here);
                        }
                        let input = input.clone();
                        let preview = previewing.then(|| preview_view(locale, &input, false));
                        view! {
                            <section id="reply" aria-labelledby="reply-heading">
                                <h2 id="reply-heading">{td_string!(locale, forum_reply)}</h2>
                                {preview}
                                <form method="post" action="/api/forum/reply" class="stack" data-test="reply-form">
                                    <FormAlert error=reply_error summary=td_string!(locale, form_error_summary).to_string() unreachable=td_string!(locale, error_internal).to_string() />
                                    <input type="hidden" name="thread" value=thread_id />
                                    <WritingFields input practice=false body_label=td_string!(locale, forum_body) />
                                    <p class="actions">
                                        <button type="submit" name="preview" value="1" class="button button-secondary" formnovalidate=true>{td_string!(locale, forum_preview)}</button>
                                        <button type="submit" class="button">{td_string!(locale, forum_send_reply)}</button>
                                    </p>
                                </form>
                            </section>
                        }.into_any()
                    })
                };
                let prev = forum::thread_url(thread.id, page - 1);
                let next = forum::thread_url(thread.id, page + 1);
                view! {
                    <PageTitle text=thread.title.clone() />
                    <p class="meta">
                        {category.map(|c| view! { <a href=format!("/forum/c/{}", c.slug)>{c.name(lang).to_owned()}</a> " · " })}
                        {(thread.kind == Kind::Practice).then(|| view! { <span class="tag tag-practice">{td_string!(locale, forum_kind_practice)}</span> " · " })}
                        {thread.locked.then(|| view! { <span class="tag">{td_string!(locale, forum_locked)}</span> " · " })}
                        {thread.author_name.clone()}
                    </p>
                    {(!thread.modules.is_empty()).then(|| view! {
                        <p class="meta">{td_string!(locale, forum_applies_to)}</p><ul class="inline-list">{modules}</ul>
                    })}
                    <FormAlert error=edit_error summary=td_string!(locale, form_error_summary).to_string() unreachable=td_string!(locale, error_internal).to_string() />
                    <FormAlert error=delete_error summary=td_string!(locale, form_error_summary).to_string() unreachable=td_string!(locale, error_internal).to_string() />
                    <FormAlert error=moderate_error summary=td_string!(locale, form_error_summary).to_string() unreachable=td_string!(locale, error_internal).to_string() />
                    <ol class="posts">
                        {data.posts.iter().map(|p| post_for_viewer(p.clone(), me, data.accepted, moderator)).collect_view()}
                    </ol>
                    <Pager page pages link=prev next />
                    {moderator.then(|| view! { <ModeratorTools thread=thread.clone() opening=data.opening catalogue=catalogue.clone() /> })}
                    {reply}
                }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}

/// A post as the signed-in member sees it. A hidden post is read only by its author and by
/// moderators; the rest see why it is hidden.
fn post_for_viewer(post: Post, me: Option<i64>, accepted: bool, moderator: bool) -> AnyView {
    let mine = me == Some(post.author_id);
    if post.deleted_at.is_some() || post.hidden_at.is_none() || moderator {
        let actions = actions_choice(&post, mine, accepted);
        return view! { <PostView post actions /> }.into_any();
    }
    let key = format!("me:{}", post.author_id);
    choice(key, mine, [true, false], move |mine| {
        if mine {
            let actions = post_actions(use_locale(), &post, PostActions::Own);
            view! { <PostView post=post.clone() actions /> }.into_any()
        } else {
            hidden_stub(&post)
        }
    })
}

/// The buttons under a post, which differ per member.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PostActions {
    /// Edit and delete.
    Own,
    Endorse,
    /// Take an endorsement back.
    Withdraw,
    None,
}

impl PostActions {
    pub fn decide(mine: bool, accepted: bool, hidden: bool, endorsed: bool) -> PostActions {
        match () {
            _ if mine => PostActions::Own,
            // Endorsing and flagging need the code accepted, and a post that can be read.
            _ if !accepted || hidden => PostActions::None,
            _ if endorsed => PostActions::Withdraw,
            _ => PostActions::Endorse,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PostActions::Own => "own",
            PostActions::Endorse => "endorse",
            PostActions::Withdraw => "withdraw",
            PostActions::None => "none",
        }
    }
}

impl std::fmt::Display for PostActions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `choice` key of a post's actions: all the page cache needs to tell them for a member.
fn actions_key(post: &Post) -> String {
    let hidden = if post.hidden_at.is_some() {
        ":hidden"
    } else {
        ""
    };
    format!("actions:{}:{}{hidden}", post.id, post.author_id)
}

fn actions_choice(post: &Post, mine: bool, accepted: bool) -> AnyView {
    let hidden = post.hidden_at.is_some();
    let value = PostActions::decide(mine, accepted, hidden, post.endorsed_by_viewer);
    let possible: &[PostActions] = if hidden {
        &[PostActions::Own, PostActions::None]
    } else {
        &[
            PostActions::Own,
            PostActions::Endorse,
            PostActions::Withdraw,
            PostActions::None,
        ]
    };
    let locale = use_locale();
    let post = post.clone();
    choice(
        actions_key(&post),
        value,
        possible.iter().copied(),
        move |a| post_actions(locale, &post, a),
    )
}

/// What differs between members on a thread page: the values of its `choice`s, for the
/// member `me` with their forum standing, under the code of conduct `code_version`.
pub fn thread_facts(
    me: i64,
    standing: std::sync::Arc<crate::server::cache::Remembered<crate::server::cache::ForumStanding>>,
    code_version: Option<i64>,
    facts: &mut crate::server::cache::template::Facts,
) {
    let accepted = code_version.is_some() && standing.value.accepted_version == code_version;
    facts.set("accepted", accepted);
    let yes_no = |b: bool| if b { "true" } else { "false" };
    facts.rule(move |key| {
        if let Some(author) = key.strip_prefix("me:") {
            return Some(yes_no(author.parse::<i64>().ok()? == me));
        }
        let mut parts = key.strip_prefix("actions:")?.split(':');
        let post: i64 = parts.next()?.parse().ok()?;
        let author: i64 = parts.next()?.parse().ok()?;
        let hidden = parts.next() == Some("hidden");
        let endorsed = standing.value.endorsed.contains(&post);
        Some(PostActions::decide(author == me, accepted, hidden, endorsed).as_str())
    });
}

fn hidden_stub(post: &Post) -> AnyView {
    let locale = use_locale();
    view! {
        <li id=format!("post-{}", post.id) class="post post-hidden" value=post.number data-test="post-hidden">
            <p class="meta">{hidden_note(locale, post)}</p>
        </li>
    }
    .into_any()
}

/// Why a hidden post is hidden.
fn hidden_note(locale: Locale, post: &Post) -> Option<String> {
    post.hidden_at.map(|_| match &post.hidden_clause {
        Some(clause) => fill(
            td_string!(locale, forum_hidden_by_moderators),
            &[("clause", &clause_label(clause))],
        ),
        None => td_string!(locale, forum_hidden_pending).to_owned(),
    })
}

fn post_actions(locale: Locale, post: &Post, actions: PostActions) -> AnyView {
    let post_id = post.id;
    let (on, label) = match actions {
        PostActions::None => return ().into_any(),
        PostActions::Own => {
            let delete = if post.number == 1 {
                td_string!(locale, forum_delete_thread)
            } else {
                td_string!(locale, forum_delete)
            };
            return view! {
                <a class="button button-small button-secondary" href=format!("/forum/p/{post_id}/edit")>{td_string!(locale, forum_edit)}</a>
                <form method="post" action="/api/forum/delete_post" class="inline-form">
                    <input type="hidden" name="post" value=post_id />
                    <button type="submit" class="button button-small button-secondary">{delete}</button>
                </form>
            }
            .into_any();
        }
        PostActions::Withdraw => ("", td_string!(locale, forum_withdraw_endorsement)),
        PostActions::Endorse => ("1", td_string!(locale, forum_endorse)),
    };
    let pressed = if actions == PostActions::Withdraw {
        "true"
    } else {
        "false"
    };
    view! {
        <form method="post" action="/api/forum/endorse" class="inline-form">
            <input type="hidden" name="post" value=post_id />
            {(!on.is_empty()).then(|| view! { <input type="hidden" name="on" value=on /> })}
            <button type="submit" class="button button-small button-secondary" aria-pressed=pressed data-test="endorse">{label}</button>
        </form>
        <a class="button button-small button-secondary" href=format!("/forum/p/{post_id}/flag") data-test="flag">{td_string!(locale, forum_flag)}</a>
    }
    .into_any()
}

#[component]
fn PostView(post: Post, actions: AnyView) -> impl IntoView {
    let locale = use_locale();
    let anchor = format!("post-{}", post.id);
    if post.deleted_at.is_some() {
        return view! {
            <li id=anchor class="post post-deleted" value=post.number data-test="post-deleted">
                <p class="meta">{td_string!(locale, forum_post_deleted)}</p>
            </li>
        }
        .into_any();
    }
    let edited = post.edited_at.map(|t| {
        let text = fill(
            td_string!(locale, forum_edited),
            &[("when", &utc_minute(t))],
        );
        view! { " · " <a href=format!("/forum/p/{}/history", post.id)>{text}</a> }
    });
    let heading_id = format!("{anchor}-by");
    let endorsements = fill(
        td_string!(locale, forum_endorsements),
        &[
            ("count", &post.endorsements.to_string()),
            ("certified", &post.certified_endorsements.to_string()),
        ],
    );
    view! {
        <li id=anchor.clone() class="post" value=post.number data-test="post">
            <article aria-labelledby=heading_id.clone()>
                <header class="meta">
                    <span id=heading_id.clone() class="author">{post.author_name.clone()}</span>
                    {post.author_certified.then(|| view! { " " <span class="badge" data-test="certified-badge">"✓ " {td_string!(locale, forum_certified_badge)}</span> })}
                    " · " <a href=format!("#{anchor}")>{utc_minute(post.created_at)}</a>
                    {edited}
                </header>
                {hidden_note(locale, &post).map(|note| view! { <p class="alert alert-info" data-test="hidden-note">{note}</p> })}
                {post.practice.clone().map(|p| view! { <PracticeCard situation=p.situation_html practice=p.practice_html result=p.result_html /> })}
                <div class="post-body" inner_html=post.body_html.clone()></div>
                <p class="meta" data-test="endorsements">{endorsements}</p>
                <div class="actions">{actions}</div>
            </article>
        </li>
    }
    .into_any()
}

/// Moderators' controls for a whole thread: pin, and lock or unlock citing a clause.
#[component]
fn ModeratorTools(
    thread: ThreadSummary,
    opening: i64,
    catalogue: std::sync::Arc<Catalogue>,
) -> impl IntoView {
    let locale = use_locale();
    let lang = locale.as_str();
    let (pin_value, pin_label) = if thread.pinned {
        ("", td_string!(locale, forum_unpin))
    } else {
        ("1", td_string!(locale, forum_pin))
    };
    let (action, lock_label) = if thread.locked {
        ("unlock", td_string!(locale, moderation_action_unlock))
    } else {
        ("lock", td_string!(locale, moderation_action_lock))
    };
    let clauses = catalogue
        .code_of_conduct()
        .map(|c| {
            c.clauses(lang)
                .map(|c| (c.id.clone(), c.title.clone()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="moderator-tools" data-test="moderator-tools">
            <h2 id="moderator-tools">{td_string!(locale, nav_moderation)}</h2>
            <form method="post" action="/api/forum/pin" class="inline-form">
                <input type="hidden" name="thread" value=thread.id />
                {(!pin_value.is_empty()).then(|| view! { <input type="hidden" name="pinned" value=pin_value /> })}
                <button type="submit" class="button button-secondary" data-test="pin">{pin_label}</button>
            </form>
            <form method="post" action="/api/forum/moderate" class="stack" data-test="lock-form">
                <input type="hidden" name="post" value=opening />
                <input type="hidden" name="action" value=action />
                <input type="hidden" name="next" value=forum::thread_url(thread.id, 1) />
                <div class="field">
                    <label for="field-lock-clause">{td_string!(locale, forum_clause)}</label>
                    <select id="field-lock-clause" name="clause" required=true>
                        <option value="">{td_string!(locale, forum_choose_clause)}</option>
                        {clauses.into_iter().map(|(id, title)| view! { <option value=id>{title}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="field-lock-reason">{td_string!(locale, admin_certificates_reason)}</label>
                    <input id="field-lock-reason" name="reason" type="text" required=true maxlength=500 />
                </div>
                <button type="submit" class="button button-secondary">{lock_label}</button>
            </form>
        </section>
    }
}

/// Deleted posts are gone for everyone; hidden ones stay readable to their author and to
/// moderators only.
fn may_read(post: &Post, viewer: Option<&crate::domain::member::UserView>) -> bool {
    post.deleted_at.is_none()
        && (post.hidden_at.is_none()
            || viewer.is_some_and(|v| {
                v.id == post.author_id || v.role >= crate::domain::role::Role::Moderator
            }))
}

/// `clause-3-2` as people cite it: `3.2`.
pub fn clause_label(id: &str) -> String {
    id.trim_start_matches("clause-").replace('-', ".")
}

/// `/forum/p/<id>/flag`: tell the moderators which clause a post breaks.
#[component]
pub fn FlagPage() -> impl IntoView {
    let locale = use_locale();
    let id = id_param();
    if let Err(refusal) = require(Role::Member) {
        return refusal;
    }
    let catalogue = catalogue();
    let viewer = use_user();
    let data = load_once(async move {
        let pool = request::pool().ok()?;
        let post = store::post(&pool, id).await.ok()??;
        // A hidden post is as hidden here as in its thread.
        if !may_read(&post, viewer.as_ref()) {
            return None;
        }
        Some((post, request::take_form_input("flag").await))
    });
    let error = last_error(ServerAction::<FlagPost>::new());
    view! {
        <PageTitle text=td_string!(locale, forum_flag_title).to_string() />
        <Suspense>
            {move || { let (data, catalogue) = (data.clone(), catalogue.clone()); Suspend::new(async move {
                let Some((post, input)) = data.await.filter(|(p, _)| p.deleted_at.is_none()) else {
                    set_status(404);
                    return view! { <p>{td_string!(locale, error_not_found)}</p> }.into_any();
                };
                let Some(code) = catalogue.code_of_conduct() else { return internal_error(locale) };
                let lang = locale.as_str();
                let chosen = input.get("clause");
                view! {
                    <p>{td_string!(locale, forum_flag_intro)}</p>
                    <blockquote class="post-body" inner_html=post.body_html.clone()></blockquote>
                    <form method="post" action="/api/forum/flag" class="stack" data-test="flag-form">
                        <FormAlert error summary=td_string!(locale, form_error_summary).to_string() unreachable=td_string!(locale, error_internal).to_string() />
                        <input type="hidden" name="post" value=post.id />
                        <div class="field">
                            <label for="field-clause">{td_string!(locale, forum_clause)}</label>
                            <select id="field-clause" name="clause" required=true>
                                <option value="">{td_string!(locale, forum_choose_clause)}</option>
                                {code.clauses(lang).map(|c| view! { <option value=c.id.clone() selected=c.id == chosen>{c.title.clone()}</option> }).collect_view()}
                            </select>
                            <p class="hint"><a href="/code-of-conduct">{td_string!(locale, forum_read_code)}</a></p>
                        </div>
                        <div class="field">
                            <label for="field-comment">{td_string!(locale, forum_flag_comment)}</label>
                            <textarea id="field-comment" name="comment" rows=3 inner_html=escape_text(&input.get("comment"))></textarea>
                        </div>
                        <button type="submit" class="button">{td_string!(locale, forum_flag_submit)}</button>
                    </form>
                    <p><a href=forum::post_url(post.thread_id, post.number, post.id)>{td_string!(locale, forum_back_to_post)}</a></p>
                }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}

/// `/forum/p/<id>/edit`: the author changes their post.
#[component]
pub fn EditPostPage() -> impl IntoView {
    let locale = use_locale();
    let id = id_param();
    if let Err(refusal) = require(Role::Member) {
        return refusal;
    }
    let me = use_user().map(|u| u.id);
    let data = load_once(async move {
        let pool = request::pool().ok()?;
        let post = store::post(&pool, id).await.ok()??;
        let title = store::thread(&pool, post.thread_id)
            .await
            .ok()?
            .map(|t| t.title)
            .unwrap_or_default();
        let input = request::take_form_input("edit").await;
        Some((post, title, input))
    });
    let error = last_error(ServerAction::<EditPost>::new());
    view! {
        <PageTitle text=td_string!(locale, forum_edit_title).to_string() />
        <Suspense>
            {move || { let data = data.clone(); Suspend::new(async move {
                let Some((post, title, input)) = data.await else {
                    set_status(404);
                    return view! { <p>{td_string!(locale, error_not_found)}</p> }.into_any();
                };
                if me != Some(post.author_id) || post.deleted_at.is_some() {
                    set_status(403);
                    return view! { <p>{td_string!(locale, forbidden_body)}</p> }.into_any();
                }
                // What was typed and refused wins over what is stored.
                let input = if input.values.is_empty() {
                    let p = post.practice.clone().unwrap_or_default();
                    FormInput::new("edit", &[("title", &title), ("body", &post.body), ("situation", &p.situation), ("practice", &p.practice), ("result", &p.result)])
                } else {
                    input
                };
                let practice = post.practice.is_some();
                view! {
                    <form method="post" action="/api/forum/edit_post" class="stack" data-test="edit-form">
                        <FormAlert error summary=td_string!(locale, form_error_summary).to_string() unreachable=td_string!(locale, error_internal).to_string() />
                        <input type="hidden" name="post" value=post.id />
                        {(post.number == 1).then(|| view! {
                            <div class="field">
                                <label for="field-title">{td_string!(locale, forum_thread_title)}</label>
                                <input id="field-title" name="title" type="text" required=true maxlength=150 value=input.get("title") />
                            </div>
                        })}
                        <WritingFields input practice body_label=if practice { td_string!(locale, forum_notes) } else { td_string!(locale, forum_body) } />
                        <p class="hint">{td_string!(locale, forum_edit_hint)}</p>
                        <button type="submit" class="button">{td_string!(locale, forum_save_edit)}</button>
                    </form>
                    <p><a href=forum::post_url(post.thread_id, post.number, post.id)>{td_string!(locale, forum_cancel_edit)}</a></p>
                }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}

/// `/forum/p/<id>/history`: every earlier version of a post, newest first.
#[component]
pub fn PostHistoryPage() -> impl IntoView {
    let locale = use_locale();
    let id = id_param();
    if let Err(refusal) = require(Role::Member) {
        return refusal;
    }
    let viewer = use_user();
    let data = load_once(async move {
        let pool = request::pool().ok()?;
        let post = store::post(&pool, id).await.ok()??;
        // A hidden post's earlier versions are as hidden as the post.
        if !may_read(&post, viewer.as_ref()) {
            return None;
        }
        Some((post, store::revisions(&pool, id).await.ok()?))
    });
    view! {
        <PageTitle text=td_string!(locale, forum_history_title).to_string() />
        <Suspense>
            {move || { let data = data.clone(); Suspend::new(async move {
                let Some((post, revisions)) = data.await else {
                    set_status(404);
                    return view! { <p>{td_string!(locale, error_not_found)}</p> }.into_any();
                };
                view! {
                    <p><a href=forum::post_url(post.thread_id, post.number, post.id)>{td_string!(locale, forum_back_to_post)}</a></p>
                    <ol class="revisions" data-test="revisions">
                        {revisions.into_iter().map(|r| {
                            let when = fill(td_string!(locale, forum_replaced_at), &[("when", &utc_minute(r.replaced_at))]);
                            view! {
                                <li class="card">
                                    <p class="meta">{when}</p>
                                    {r.title.map(|t| view! { <p><strong>{t}</strong></p> })}
                                    {r.situation.map(|s| view! { <PracticeCard situation=markup::render(&s) practice=markup::render(&r.practice.unwrap_or_default()) result=markup::render(&r.result.unwrap_or_default()) /> })}
                                    <div class="post-body" inner_html=markup::render(&r.body)></div>
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
