//! A thread's page: its posts as each member sees them, the reply form, moderators' tools.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::writing::{WritingFields, preview_view};
use super::{
    Pager, PostContent, accept_first, accepted_current, catalogue, internal_error, page_param,
};
use crate::api::forum::{DeletePost, EditPost, Moderate, Reply};
use crate::components::form::{FormAlert, last_error};
use crate::components::page::{PageTitle, id_param, load_once, require, set_status};
use crate::components::per_member::choice;
use crate::context::{use_locale, use_user};
use crate::domain::dates::utc_minute;
use crate::domain::form::FormInput;
use crate::domain::language::fill;
use crate::domain::role::Role;
use crate::i18n::Locale;
use crate::server::content::Catalogue;
use crate::server::forum::store;
use crate::server::forum::{self, Kind, Post, ThreadSummary};
use crate::server::request;

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
                <PostContent post=post.clone() />
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

/// `clause-3-2` as people cite it: `3.2`.
pub fn clause_label(id: &str) -> String {
    id.trim_start_matches("clause-").replace('-', ".")
}
