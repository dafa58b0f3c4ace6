use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use super::form_input;
use crate::components::auth_forms::{AuthText, LoginForm, RegisterForm};
use crate::components::page::PageTitle;
use crate::context::use_locale;
use crate::domain::link::is_local_path;
use crate::i18n::Locale;

fn auth_text(locale: Locale, submit: &str) -> AuthText {
    AuthText {
        name: td_string!(locale, field_name).into(),
        name_hint: td_string!(locale, field_name_hint).into(),
        email: td_string!(locale, field_email).into(),
        password: td_string!(locale, field_password).into(),
        password_hint: td_string!(locale, field_password_hint).into(),
        language: td_string!(locale, field_language).into(),
        submit: submit.into(),
        submitting: td_string!(locale, form_submitting).into(),
        error_summary: td_string!(locale, form_error_summary).into(),
        unreachable: td_string!(locale, form_unreachable).into(),
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let locale = use_locale();
    let text = auth_text(locale, td_string!(locale, register_submit));
    let input = form_input("register");
    view! {
        <PageTitle text=td_string!(locale, register_title).to_string() />
        <p>{td_string!(locale, register_intro)}</p>
        <Suspense>
            {move || {
                let text = text.clone();
                input.get().map(|input| view! { <RegisterForm text input language=locale.as_str().to_owned() /> })
            }}
        </Suspense>
        <p>{td_string!(locale, register_have_account)} " " <a href="/login">{td_string!(locale, sign_in)}</a></p>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let locale = use_locale();
    let text = auth_text(locale, td_string!(locale, login_submit));
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .filter(|n| is_local_path(n));
    let input = form_input("login");
    view! {
        <PageTitle text=td_string!(locale, login_title).to_string() />
        <Suspense>
            {move || {
                let (text, next) = (text.clone(), next.clone());
                input.get().map(|input| view! { <LoginForm text input next /> })
            }}
        </Suspense>
        <p>{td_string!(locale, login_no_account)} " " <a href="/register">{td_string!(locale, register)}</a></p>
    }
}
