use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::form_input;
use crate::components::account_forms::{AccountFormText, EmailForm, PasswordForm, ProfileForm};
use crate::components::page::{PageTitle, require};
use crate::context::use_locale;
use crate::domain::role::Role;
use crate::i18n::Locale;

pub fn role_name(locale: Locale, role: Role) -> &'static str {
    match role {
        Role::Member => td_string!(locale, role_member),
        Role::Moderator => td_string!(locale, role_moderator),
        Role::Admin => td_string!(locale, role_admin),
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let locale = use_locale();
    let user = match require(Role::Member) {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
    let saved = use_query_map().with_untracked(|q| q.get("saved"));
    let saved_note = move |form: &str| {
        (saved.as_deref() == Some(form))
            .then(|| view! { <p class="alert alert-success" role="status">{td_string!(locale, account_saved)}</p> })
    };
    let t = |first: &str, first_hint: &str, second: &str, submit: &str| AccountFormText {
        first: first.into(),
        first_hint: first_hint.into(),
        second: second.into(),
        submit: submit.into(),
        submitting: td_string!(locale, form_submitting).into(),
        error_summary: td_string!(locale, form_error_summary).into(),
        unreachable: td_string!(locale, form_unreachable).into(),
    };
    let profile_text = t(
        td_string!(locale, field_name),
        td_string!(locale, field_name_hint),
        td_string!(locale, field_language),
        td_string!(locale, account_save_profile),
    );
    let email_text = t(
        td_string!(locale, account_new_email),
        "",
        td_string!(locale, account_current_password),
        td_string!(locale, account_save_email),
    );
    let password_text = t(
        td_string!(locale, account_new_password),
        td_string!(locale, field_password_hint),
        td_string!(locale, account_current_password),
        td_string!(locale, account_save_password),
    );
    // After a refused plain submission, the form shows what was typed, not what is stored.
    let (profile_input, email_input) = (form_input("profile"), form_input("email"));
    let (name, language, email) = (user.name.clone(), user.language.clone(), user.email.clone());
    let profile_form = move || {
        profile_input.get().map(|input| {
            let typed = |field: &str, stored: &String| input.values.get(field).cloned().unwrap_or_else(|| stored.clone());
            view! { <ProfileForm text=profile_text.clone() name=typed("name", &name) language=typed("language", &language) /> }
        })
    };
    let email_form = move || {
        email_input.get().map(|input| {
            let email = input
                .values
                .get("email")
                .cloned()
                .unwrap_or_else(|| email.clone());
            view! { <EmailForm text=email_text.clone() email /> }
        })
    };
    view! {
        <PageTitle text=td_string!(locale, account_title).to_string() />
        <p>{td_string!(locale, account_intro)}</p>
        <dl class="summary" data-test="account-summary">
            <dt>{td_string!(locale, field_name)}</dt><dd data-test="account-name">{user.name.clone()}</dd>
            <dt>{td_string!(locale, field_email)}</dt><dd>{user.email.clone()}</dd>
            <dt>{td_string!(locale, account_role)}</dt><dd>{role_name(locale, user.role)}</dd>
        </dl>
        <section aria-labelledby="profile-heading">
            <h2 id="profile-heading">{td_string!(locale, account_profile_heading)}</h2>
            {saved_note("profile")}
            <Suspense>{profile_form}</Suspense>
        </section>
        <section aria-labelledby="email-heading">
            <h2 id="email-heading">{td_string!(locale, account_email_heading)}</h2>
            {saved_note("email")}
            <Suspense>{email_form}</Suspense>
        </section>
        <section aria-labelledby="password-heading">
            <h2 id="password-heading">{td_string!(locale, account_password_heading)}</h2>
            {saved_note("password")}
            <p>{td_string!(locale, account_password_note)}</p>
            <PasswordForm text=password_text />
        </section>
        <section aria-labelledby="sign-out-heading">
            <h2 id="sign-out-heading">{td_string!(locale, account_sign_out_heading)}</h2>
            <p>{td_string!(locale, account_sign_out_note)}</p>
            <form method="post" action="/api/logout">
                <button type="submit" class="button button-secondary">{td_string!(locale, sign_out)}</button>
            </form>
        </section>
    }
    .into_any()
}
