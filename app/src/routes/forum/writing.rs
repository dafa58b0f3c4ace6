//! Writing and revisiting posts: opening a thread, editing, a post's history, flagging it.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::{
    Pager, PostContent, PracticeCard, accept_first, accepted_current, catalogue, internal_error,
    page_param,
};
use crate::api::forum::{CreateThread, EditPost, FlagPost};
use crate::components::form::{FormAlert, last_error};
use crate::components::page::{PageTitle, escape_text, id_param, load_once, require, set_status};
use crate::context::{use_locale, use_user};
use crate::domain::dates::utc_minute;
use crate::domain::error::ErrorCode;
use crate::domain::form::FormInput;
use crate::domain::language::fill;
use crate::domain::role::Role;
use crate::i18n::Locale;
use crate::server::forum::{self, Post, markup, store};
use crate::server::request;

/// The practice fields and markdown text a member writes, kept after a refusal or preview.
#[component]
pub(super) fn WritingFields(
    input: FormInput,
    practice: bool,
    body_label: &'static str,
) -> impl IntoView {
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
pub(super) fn preview_view(
    locale: Locale,
    input: &FormInput,
    practice: bool,
) -> impl IntoView + use<> {
    let render = |name: &str| markup::render(&input.get(name));
    view! {
        <section id="preview" class="card preview" aria-labelledby="preview-heading" data-test="preview">
            <h2 id="preview-heading">{td_string!(locale, forum_preview_heading)}</h2>
            {practice.then(|| view! { <PracticeCard situation=render("situation") practice=render("practice") result=render("result") /> })}
            <div class="post-body" inner_html=render("body")></div>
        </section>
    }
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

/// Deleted posts are gone for everyone; hidden ones stay readable to their author and to
/// moderators only.
fn may_read(post: &Post, viewer: Option<&crate::domain::member::UserView>) -> bool {
    post.deleted_at.is_none()
        && (post.hidden_at.is_none()
            || viewer.is_some_and(|v| {
                v.id == post.author_id || v.role >= crate::domain::role::Role::Moderator
            }))
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
    let data = load_once({
        let catalogue = catalogue.clone();
        async move {
            let pool = request::pool().ok()?;
            let post = store::post(&pool, id).await.ok()??;
            // A hidden post is as hidden here as in its thread.
            if !may_read(&post, viewer.as_ref()) {
                return None;
            }
            let accepted = accepted_current(&catalogue).await;
            Some((post, accepted, request::take_form_input("flag").await))
        }
    });
    let error = last_error(ServerAction::<FlagPost>::new());
    view! {
        <PageTitle text=td_string!(locale, forum_flag_title).to_string() />
        <Suspense>
            {move || { let (data, catalogue) = (data.clone(), catalogue.clone()); Suspend::new(async move {
                let Some((post, accepted, input)) = data.await.filter(|(p, _, _)| p.deleted_at.is_none()) else {
                    set_status(404);
                    return view! { <p>{td_string!(locale, error_not_found)}</p> }.into_any();
                };
                // Flags cite the code, so the member accepts it before filling in the form.
                if !accepted {
                    return accept_first(locale, &format!("/forum/p/{id}/flag"));
                }
                let Some(code) = catalogue.code_of_conduct() else { return internal_error(locale) };
                let lang = locale.as_str();
                let chosen = input.get("clause");
                view! {
                    <p>{td_string!(locale, forum_flag_intro)}</p>
                    <blockquote class="quoted-post"><PostContent post=post.clone() /></blockquote>
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
        let thread = store::thread(&pool, post.thread_id).await.ok()??;
        let input = request::take_form_input("edit").await;
        Some((post, thread.title, thread.locked, input))
    });
    let error = last_error(ServerAction::<EditPost>::new());
    view! {
        <PageTitle text=td_string!(locale, forum_edit_title).to_string() />
        <Suspense>
            {move || { let data = data.clone(); Suspend::new(async move {
                let Some((post, title, locked, input)) = data.await else {
                    set_status(404);
                    return view! { <p>{td_string!(locale, error_not_found)}</p> }.into_any();
                };
                if me != Some(post.author_id) || post.deleted_at.is_some() {
                    set_status(403);
                    return view! { <p>{td_string!(locale, forbidden_body)}</p> }.into_any();
                }
                let back = view! { <p><a href=forum::post_url(post.thread_id, post.number, post.id)>{td_string!(locale, forum_back_to_post)}</a></p> };
                if locked {
                    set_status(403);
                    return view! {
                        <p class="alert alert-info" data-test="edit-locked">{ErrorCode::ThreadLocked.message(locale)}</p>
                        {back}
                    }.into_any();
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
    let page = page_param();
    let data = load_once(async move {
        let pool = request::pool().ok()?;
        let post = store::post(&pool, id).await.ok()??;
        // A hidden post's earlier versions are as hidden as the post.
        if !may_read(&post, viewer.as_ref()) {
            return None;
        }
        Some((post, store::revisions(&pool, id, page).await.ok()?))
    });
    view! {
        <PageTitle text=td_string!(locale, forum_history_title).to_string() />
        <Suspense>
            {move || { let data = data.clone(); Suspend::new(async move {
                let Some((post, (revisions, total))) = data.await else {
                    set_status(404);
                    return view! { <p>{td_string!(locale, error_not_found)}</p> }.into_any();
                };
                let pages = (total + store::REVISIONS_PER_PAGE - 1) / store::REVISIONS_PER_PAGE;
                let link = |page: i64| format!("/forum/p/{id}/history?page={page}");
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
                    <Pager page pages link=link(page - 1) next=link(page + 1) />
                }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}
