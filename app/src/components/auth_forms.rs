use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::form::{Field, FormAlert, LanguageSelect, SubmitButton, hydration_marker, last_error};
use crate::api::accounts::{Login, Register};
use crate::domain::account::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::domain::form::FormInput;

/// The translated labels of the account forms.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AuthText {
    pub name: String,
    pub name_hint: String,
    pub email: String,
    pub password: String,
    pub password_hint: String,
    pub language: String,
    pub submit: String,
    pub submitting: String,
    pub error_summary: String,
    /// Shown when the server could not be reached or gave no reason.
    pub unreachable: String,
}

#[island]
pub fn RegisterForm(text: AuthText, input: FormInput, language: String) -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let error = last_error(action);
    let language = if input.get("language").is_empty() {
        language
    } else {
        input.get("language")
    };
    view! {
        <ActionForm action=action attr:class="form" attr:data-test="register-form" attr:data-hydrated=hydration_marker()>
            <FormAlert error summary=text.error_summary unreachable=text.unreachable />
            <Field name="name" label=text.name hint=text.name_hint value=input.get("name") autocomplete="name" error maxlength=120 />
            <Field name="email" kind="email" label=text.email value=input.get("email") autocomplete="email" error />
            <Field
                name="password"
                kind="password"
                label=text.password
                hint=text.password_hint
                autocomplete="new-password"
                error
                minlength=PASSWORD_MIN_CHARS as u32
                maxlength=PASSWORD_MAX_CHARS as u32
            />
            <LanguageSelect name="language" label=text.language selected=language />
            <SubmitButton label=text.submit pending_label=text.submitting pending=action.pending().into() />
        </ActionForm>
    }
}

#[island]
pub fn LoginForm(text: AuthText, input: FormInput, next: Option<String>) -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let error = last_error(action);
    view! {
        <ActionForm action=action attr:class="form" attr:data-test="login-form" attr:data-hydrated=hydration_marker()>
            <FormAlert error summary=text.error_summary unreachable=text.unreachable />
            <Field name="email" kind="email" label=text.email value=input.get("email") autocomplete="username" error />
            <Field name="password" kind="password" label=text.password autocomplete="current-password" error />
            {next.map(|next| view! { <input type="hidden" name="next" value=next /> })}
            <SubmitButton label=text.submit pending_label=text.submitting pending=action.pending().into() />
        </ActionForm>
    }
}
