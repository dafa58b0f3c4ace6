use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::account::role_name;
use crate::api::admin::list_members;
use crate::app::{use_locale, use_user};
use crate::components::page::{Forbidden, PageTitle, redirect_to_sign_in};
use crate::domain::language::fill;
use crate::domain::role::Role;

#[component]
pub fn AdminPage() -> impl IntoView {
    let locale = use_locale();
    match use_user() {
        None => {
            redirect_to_sign_in("/admin");
            view! { <p>{td_string!(locale, sign_in_required)}</p> }.into_any()
        }
        Some(user) if user.role < Role::Admin => view! { <Forbidden /> }.into_any(),
        Some(_) => view! { <Members /> }.into_any(),
    }
}

#[component]
fn Members() -> impl IntoView {
    let locale = use_locale();
    let members = Resource::new(|| (), |_| list_members());
    let saved = use_query_map().with_untracked(|q| q.get("saved")).is_some();
    view! {
        <PageTitle text=td_string!(locale, admin_title).to_string() />
        <h2>{td_string!(locale, admin_members_heading)}</h2>
        {saved.then(|| view! { <p class="alert alert-success" role="status">{td_string!(locale, account_saved)}</p> })}
        <Suspense>
            {move || members.get().map(|result| match result {
                Err(e) => view! { <p class="alert alert-error" role="alert">{e.message}</p> }.into_any(),
                Ok(rows) if rows.is_empty() => view! { <p class="empty-state">{td_string!(locale, admin_empty)}</p> }.into_any(),
                Ok(rows) => view! {
                    <div class="table-scroll">
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
                    </div>
                }.into_any(),
            })}
        </Suspense>
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
