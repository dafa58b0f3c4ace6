//! `/moderation` for moderators and admins: flagged and hidden posts with their flags, and
//! one form per post to act citing a clause. `/notifications` for every member.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::forum::{PostContent, clause_label};
use crate::components::page::{PageTitle, escape_text, load_once, require};
use crate::context::use_locale;
use crate::domain::dates::utc_minute;
use crate::domain::language::fill;
use crate::domain::role::Role;
use crate::i18n::Locale;
use crate::server::forum;
use crate::server::forum::moderation::{self, Action, Waiting};
use crate::server::request;

pub fn action_name(locale: Locale, action: &str) -> &'static str {
    match Action::parse(action) {
        Some(Action::Hide) => td_string!(locale, moderation_action_hide),
        Some(Action::Restore) => td_string!(locale, moderation_action_restore),
        Some(Action::Lock) => td_string!(locale, moderation_action_lock),
        Some(Action::Unlock) => td_string!(locale, moderation_action_unlock),
        Some(Action::Delete) => td_string!(locale, moderation_action_delete),
        Some(Action::Dismiss) => td_string!(locale, moderation_action_dismiss),
        Some(Action::Warn) => td_string!(locale, moderation_action_warn),
        Some(Action::Suspend) | None => td_string!(locale, moderation_action_suspend),
    }
}

#[component]
pub fn ModerationPage() -> impl IntoView {
    let locale = use_locale();
    if let Err(refusal) = require(Role::Moderator) {
        return refusal;
    }
    let done = use_query_map().with_untracked(|q| q.get("done")).is_some();
    let queue = load_once(async {
        let pool = request::pool().ok()?;
        let queue = moderation::queue(&pool)
            .await
            .inspect_err(|e| tracing::error!(error = %e, "moderation queue"))
            .ok()?;
        // A refused decision comes back to its own post's form.
        let mut inputs = Vec::with_capacity(queue.len());
        for item in &queue {
            inputs.push(request::take_form_input(&format!("moderate-{}", item.post.id)).await);
        }
        Some((queue, inputs))
    });
    let catalogue = request::state()
        .map(|s| s.content.get())
        .unwrap_or_default();
    view! {
        <PageTitle text=td_string!(locale, moderation_title).to_string() />
        <p>{td_string!(locale, moderation_intro)}</p>
        {done.then(|| view! { <p class="alert alert-success" role="status" data-test="moderated">{td_string!(locale, moderation_done)}</p> })}
        <Suspense>
            {move || { let (queue, catalogue) = (queue.clone(), catalogue.clone()); Suspend::new(async move {
                let Some((queue, inputs)) = queue.await else {
                    return view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any();
                };
                if queue.is_empty() {
                    return view! { <p class="empty-state" data-test="queue-empty">{td_string!(locale, moderation_empty)}</p> }.into_any();
                }
                let clauses: Vec<(String, String)> = catalogue
                    .code_of_conduct()
                    .map(|c| c.clauses(locale.as_str()).map(|c| (c.id.clone(), c.title.clone())).collect())
                    .unwrap_or_default();
                let items = queue.into_iter().zip(inputs).map(|(item, input)| view! { <QueueItem item clauses=clauses.clone() input /> }).collect_view();
                view! { <ol class="moderation-queue" data-test="moderation-queue">{items}</ol> }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}

#[component]
fn QueueItem(
    item: Waiting,
    clauses: Vec<(String, String)>,
    input: crate::domain::form::FormInput,
) -> impl IntoView {
    let locale = use_locale();
    let post = item.post;
    let id = post.id;
    let field = |name: &str| format!("{name}-{id}");
    let error = (!input.values.is_empty()).then(|| view! {
        <p class="alert alert-error" role="alert">{td_string!(locale, moderation_form_error)}</p>
    });
    let status = match (&post.hidden_at, &post.hidden_clause) {
        (Some(_), None) => td_string!(locale, forum_hidden_pending),
        (Some(_), Some(_)) => td_string!(locale, moderation_hidden),
        _ => td_string!(locale, moderation_visible),
    };
    let chosen_clause = input.get("clause");
    let chosen_action = input.get("action");
    view! {
        <li class="card" data-test="queue-item">
            <h2><a href=forum::post_url(post.thread_id, post.number, post.id)>{item.thread_title}</a></h2>
            <p class="meta">{post.author_name.clone()} " · " {utc_minute(post.created_at)} " · " {status}</p>
            <blockquote class="quoted-post"><PostContent post=post.clone() /></blockquote>
            <h3>{td_string!(locale, moderation_flags)}</h3>
            <ul>
                {item.flags.into_iter().map(|f| view! {
                    <li>
                        <strong>{fill(td_string!(locale, moderation_flag_clause), &[("clause", &clause_label(&f.clause))])}</strong>
                        " · " {f.member_name} " · " {utc_minute(f.created_at)}
                        {f.comment.map(|c| view! { <p>{c}</p> })}
                    </li>
                }).collect_view()}
            </ul>
            <form method="post" action="/api/forum/moderate" class="stack" data-test="moderate-form">
                {error}
                <input type="hidden" name="post" value=id />
                <div class="field">
                    <label for=field("action")>{td_string!(locale, moderation_action)}</label>
                    <select id=field("action") name="action" required=true>
                        {Action::ALL.into_iter().map(|a| view! {
                            <option value=a.as_str() selected=a.as_str() == chosen_action>{action_name(locale, a.as_str())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=field("clause")>{td_string!(locale, forum_clause)}</label>
                    <select id=field("clause") name="clause" required=true>
                        <option value="">{td_string!(locale, forum_choose_clause)}</option>
                        {clauses.into_iter().map(|(cid, title)| {
                            let selected = cid == chosen_clause;
                            view! { <option value=cid selected=selected>{title}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=field("reason")>{td_string!(locale, admin_certificates_reason)}</label>
                    <textarea id=field("reason") name="reason" rows=2 required=true maxlength=500 inner_html=escape_text(&input.get("reason"))></textarea>
                </div>
                <div class="field">
                    <label for=field("days")>{td_string!(locale, moderation_days)}</label>
                    <input id=field("days") name="days" type="number" min=1 max=365 value="7" inputmode="numeric" />
                </div>
                <button type="submit" class="button">{td_string!(locale, moderation_submit)}</button>
            </form>
        </li>
    }
}

/// `/notifications`: replies, endorsements and moderation outcomes, with the clause cited.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let locale = use_locale();
    let user = match require(Role::Member) {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
    let data = load_once(async move {
        let pool = request::pool().ok()?;
        let notes = crate::server::forum::notifications::notifications(&pool, user.id)
            .await
            .ok()?;
        let actions = moderation::actions_on(&pool, user.id).await.ok()?;
        let until = moderation::suspended_until(&pool, user.id, crate::server::db::now())
            .await
            .ok()?;
        Some((notes, actions, until))
    });
    view! {
        <PageTitle text=td_string!(locale, notifications_title).to_string() />
        <Suspense>
            {move || { let data = data.clone(); Suspend::new(async move {
                let Some((notes, actions, until)) = data.await else {
                    return view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any();
                };
                let suspended = until.map(|t| view! {
                    <p class="alert alert-error" role="alert" data-test="suspended">{fill(td_string!(locale, notifications_suspended), &[("until", &utc_minute(t))])}</p>
                });
                let unread = notes.iter().any(|n| !n.read);
                let list = if notes.is_empty() {
                    view! { <p class="empty-state">{td_string!(locale, notifications_empty)}</p> }.into_any()
                } else {
                    view! {
                        <ul class="notifications" data-test="notifications">
                            {notes.into_iter().map(|n| {
                                let text = match n.kind.as_str() {
                                    "reply" => fill(td_string!(locale, notifications_reply), &[("name", &n.detail)]),
                                    "endorsement" => fill(td_string!(locale, notifications_endorsement), &[("name", &n.detail)]),
                                    _ => {
                                        let (action, clause) = n.detail.split_once(':').unwrap_or((&n.detail, ""));
                                        fill(td_string!(locale, notifications_moderation), &[("action", action_name(locale, action)), ("clause", &clause_label(clause))])
                                    }
                                };
                                view! {
                                    <li class=if n.read { "read" } else { "unread" }>
                                        {(!n.read).then(|| view! { <span class="badge">{td_string!(locale, notifications_new)}</span> " " })}
                                        {match n.link.clone() {
                                            Some(href) => view! { <a href=href>{text}</a> }.into_any(),
                                            None => view! { <span>{text}</span> }.into_any(),
                                        }}
                                        " · " <span class="meta">{utc_minute(n.created_at)}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                };
                let records = (!actions.is_empty()).then(|| view! {
                    <h2>{td_string!(locale, notifications_moderation_heading)}</h2>
                    <ul data-test="moderation-records">
                        {actions.into_iter().map(|a| view! {
                            <li>
                                <strong>{action_name(locale, &a.action)}</strong> " · "
                                <a href=format!("/code-of-conduct#{}", a.clause)>{fill(td_string!(locale, moderation_flag_clause), &[("clause", &clause_label(&a.clause))])}</a>
                                " · " {utc_minute(a.created_at)}
                                <p>{a.reason}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                });
                view! {
                    {suspended}
                    {unread.then(|| view! {
                        <form method="post" action="/api/notifications/read"><button type="submit" class="button button-secondary">{td_string!(locale, notifications_mark_read)}</button></form>
                    })}
                    {list}
                    {records}
                }.into_any()
            })}}
        </Suspense>
    }
    .into_any()
}
