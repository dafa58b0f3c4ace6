use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::account::role_name;
use crate::api::admin::list_members;
use crate::components::page::{PageTitle, TableScroll, load_once, require};
use crate::context::use_locale;
use crate::domain::error::ErrorCode;
use crate::domain::language::fill;
use crate::domain::role::Role;

#[component]
pub fn AdminPage() -> impl IntoView {
    let locale = use_locale();
    match require(Role::Admin) {
        Err(refusal) => refusal,
        Ok(_) => view! {
            <PageTitle text=td_string!(locale, admin_title).to_string() />
            <AdminNav />
            <Members />
        }
        .into_any(),
    }
}

/// The admin area's sections.
#[component]
pub fn AdminNav() -> impl IntoView {
    let locale = use_locale();
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    let current = |href: &str| (path == href).then_some("page");
    // Every admin page says why no certificate can be issued while the address is wrong.
    let public_url_wrong =
        crate::server::request::state().is_ok_and(|s| s.settings.public_url_wrong);
    view! {
        <nav class="subnav" aria-label=td_string!(locale, admin_title)>
            <ul>
                <li><a href="/admin" aria-current=current("/admin")>{td_string!(locale, admin_members_heading)}</a></li>
                <li><a href="/admin/quizzes" aria-current=current("/admin/quizzes")>{td_string!(locale, admin_quizzes_heading)}</a></li>
                <li><a href="/admin/certificates" aria-current=current("/admin/certificates")>{td_string!(locale, admin_certificates_heading)}</a></li>
            </ul>
        </nav>
        {public_url_wrong.then(|| view! {
            <p class="alert alert-error" role="alert" data-test="public-url-wrong">{ErrorCode::PublicUrlWrong.message(locale)}</p>
        })}
    }
}

/// Every module's quiz: attempts, pass rate, and the share right of each question.
#[component]
pub fn AdminQuizzesPage() -> impl IntoView {
    let locale = use_locale();
    if let Err(refusal) = require(Role::Admin) {
        return refusal;
    }
    let Ok(state) = crate::server::request::state() else {
        return view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any();
    };
    let catalogue = state.content.get();
    let lang = locale.as_str();
    let stats = {
        let (catalogue, pool) = (catalogue.clone(), state.pool.clone());
        load_once(async move {
            let mut all = std::collections::HashMap::new();
            for module in catalogue.modules().iter().filter(|m| m.quiz.is_some()) {
                match crate::server::quiz::report::stats(&pool, &module.slug).await {
                    Ok(stats) => all.insert(module.slug.clone(), stats),
                    Err(e) => {
                        tracing::error!(error = %e, "quiz statistics");
                        return None;
                    }
                };
            }
            Some(all)
        })
    };
    view! {
        <PageTitle text=td_string!(locale, admin_quizzes_heading).to_string() />
        <AdminNav />
        <Suspense>
            {move || { let (catalogue, stats) = (catalogue.clone(), stats.clone()); Suspend::new(async move {
                let Some(stats) = stats.await else {
                    return view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any();
                };
                let mut sections = Vec::new();
                for (module, quiz) in catalogue.modules().iter().filter_map(|m| m.quiz.clone().map(|q| (m, q))) {
                    let stats = stats.get(&module.slug).cloned().unwrap_or_default();
                    let summary = fill(td_string!(locale, admin_quiz_summary), &[
                        ("graded", &stats.graded.to_string()),
                        ("members", &stats.members.to_string()),
                        ("passed", &stats.passed.to_string()),
                        ("open", &stats.open.to_string()),
                        ("mean", &stats.mean_score.map_or("–".to_owned(), |m| m.to_string())),
                    ]);
                    let rows = quiz.questions.iter().map(|q| {
                        let s = stats.questions.iter().find(|s| s.question_id == q.id);
                        let drawn = s.map_or(0, |s| s.drawn);
                        let share = s.and_then(|s| s.share_right()).map_or("–".to_owned(), |p| format!("{p} %"));
                        view! {
                            <tr>
                                <th scope="row"><code>{q.id.clone()}</code> " " <span lang=if q.texts.contains_key(lang) { lang } else { "en" }>{q.text(lang).prompt.clone()}</span></th>
                                <td>{kind_name(locale, &q.key)}</td>
                                <td class="number">{drawn}</td>
                                <td class="number">{share}</td>
                            </tr>
                        }
                    }).collect_view();
                    let heading_id = format!("quiz-{}", module.slug);
                    let labelled_by = heading_id.clone();
                    sections.push(view! {
                        <section aria-labelledby=labelled_by data-test="quiz-stats">
                            <h2 id=heading_id>{quiz.title(lang).to_owned()}</h2>
                            <p>{summary}</p>
                            <p><a href=format!("/admin/quizzes/{}/attempts.csv", module.slug) download="" data-test="quiz-csv">{td_string!(locale, admin_quiz_csv)}</a></p>
                            <TableScroll label=quiz.title(lang).to_owned()>
                                <table>
                                    <caption>{td_string!(locale, admin_quiz_questions_caption)}</caption>
                                    <thead><tr>
                                        <th scope="col">{td_string!(locale, admin_quiz_col_question)}</th>
                                        <th scope="col">{td_string!(locale, admin_quiz_col_type)}</th>
                                        <th scope="col">{td_string!(locale, admin_quiz_col_drawn)}</th>
                                        <th scope="col">{td_string!(locale, admin_quiz_col_right)}</th>
                                    </tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </TableScroll>
                        </section>
                    });
                }
                if sections.is_empty() {
                    view! { <p class="empty-state">{td_string!(locale, admin_quizzes_empty)}</p> }.into_any()
                } else {
                    sections.collect_view().into_any()
                }
            })}}
        </Suspense>
    }
    .into_any()
}

#[component]
fn Members() -> impl IntoView {
    let locale = use_locale();
    let members = Resource::new(|| (), |_| list_members());
    let saved = use_query_map().with_untracked(|q| q.get("saved")).is_some();
    view! {
        <h2>{td_string!(locale, admin_members_heading)}</h2>
        {saved.then(|| view! { <p class="alert alert-success" role="status">{td_string!(locale, account_saved)}</p> })}
        <Suspense>
            {move || members.get().map(|result| match result {
                Err(e) => view! { <p class="alert alert-error" role="alert">{e.message}</p> }.into_any(),
                Ok(rows) if rows.is_empty() => view! { <p class="empty-state">{td_string!(locale, admin_empty)}</p> }.into_any(),
                Ok(rows) => view! {
                    <TableScroll label=td_string!(locale, admin_members_heading)>
                        <table data-test="members-table">
                            <thead><tr>
                                <th scope="col">{td_string!(locale, admin_col_name)}</th>
                                <th scope="col">{td_string!(locale, admin_col_email)}</th>
                                <th scope="col">{td_string!(locale, admin_col_joined)}</th>
                                <th scope="col">{td_string!(locale, admin_col_role)}</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|row| {
                                    let select_id = format!("role-{}", row.user.id);
                                    let label = fill(td_string!(locale, admin_change_role), &[("name", &row.user.name)]);
                                    view! {
                                        <tr>
                                            <th scope="row">{row.user.name.clone()}</th>
                                            <td>{row.user.email.clone()}</td>
                                            <td>{format_date(row.joined_at)}</td>
                                            <td>
                                                <form method="post" action="/api/admin/set_role" class="inline-form">
                                                    <input type="hidden" name="user_id" value=row.user.id />
                                                    <label class="visually-hidden" for=select_id.clone()>{label}</label>
                                                    <select id=select_id name="role">
                                                        {Role::ALL.into_iter().map(|r| view! {
                                                            <option value=r.as_str() selected=r == row.user.role>{role_name(locale, r)}</option>
                                                        }).collect_view()}
                                                    </select>
                                                    <button type="submit" class="button button-small">{td_string!(locale, admin_save_role)}</button>
                                                </form>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </TableScroll>
                }.into_any(),
            })}
        </Suspense>
    }
}

fn kind_name(
    locale: crate::i18n::Locale,
    key: &crate::server::quiz::model::AnswerKey,
) -> &'static str {
    use crate::server::quiz::model::AnswerKey;
    match key {
        AnswerKey::Single { .. } => td_string!(locale, quiz_kind_single),
        AnswerKey::Multiple { .. } => td_string!(locale, quiz_kind_multiple),
        AnswerKey::TrueFalse { .. } => td_string!(locale, quiz_kind_truefalse),
        AnswerKey::Text { .. } => td_string!(locale, quiz_kind_text),
        AnswerKey::Numeric { .. } => td_string!(locale, quiz_kind_numeric),
    }
}

/// ISO dates read the same in all five languages.
fn format_date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_iso() {
        assert_eq!(super::format_date(0), "1970-01-01");
        assert_eq!(super::format_date(1_795_392_000), "2026-11-23");
        assert_eq!(super::format_date(951_782_400), "2000-02-29");
    }
}
