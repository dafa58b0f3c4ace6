//! The account page's forms: rendered on the server as plain forms (no wasm); a refused
//! submission comes back with the reason and, where safe, what was typed.
use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::form::{Field, FormAlert, LanguageSelect, SubmitButton, last_error};
use crate::api::accounts::{ChangeEmail, ChangePassword, UpdateProfile};
use crate::domain::account::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};

/// The translated labels of one account form.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AccountFormText {
    pub first: String,
    pub first_hint: String,
    pub second: String,
    pub submit: String,
    pub submitting: String,
    pub error_summary: String,
    /// Shown when the server could not be reached or gave no reason.
    pub unreachable: String,
}

#[component]
pub fn ProfileForm(text: AccountFormText, name: String, language: String) -> impl IntoView {
    let action = ServerAction::<UpdateProfile>::new();
    let error = last_error(action);
    view! {
        <ActionForm action=action attr:class="form" attr:data-test="profile-form">
            <FormAlert form="profile" error summary=text.error_summary unreachable=text.unreachable />
            <Field form="profile" name="name" label=text.first hint=text.first_hint value=name autocomplete="name" error maxlength=120 />
            <LanguageSelect name="language" label=text.second selected=language />
            <SubmitButton label=text.submit pending_label=text.submitting pending=action.pending().into() />
        </ActionForm>
    }
}

#[component]
pub fn EmailForm(text: AccountFormText, email: String) -> impl IntoView {
    let action = ServerAction::<ChangeEmail>::new();
    let error = last_error(action);
    view! {
        <ActionForm action=action attr:class="form" attr:data-test="email-form">
            <FormAlert form="email" error summary=text.error_summary unreachable=text.unreachable />
            <Field form="email" name="email" kind="email" label=text.first value=email autocomplete="email" error />
            <Field form="email" name="current_password" kind="password" label=text.second autocomplete="current-password" error />
            <SubmitButton label=text.submit pending_label=text.submitting pending=action.pending().into() />
        </ActionForm>
    }
}

#[component]
pub fn PasswordForm(text: AccountFormText) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = last_error(action);
    view! {
        <ActionForm action=action attr:class="form" attr:data-test="password-form">
            <FormAlert form="password" error summary=text.error_summary unreachable=text.unreachable />
            <Field form="password" name="current_password" kind="password" label=text.second autocomplete="current-password" error />
            <Field
                form="password"
                name="password"
                kind="password"
                label=text.first
                hint=text.first_hint
                autocomplete="new-password"
                error
                minlength=PASSWORD_MIN_CHARS as u32
                maxlength=PASSWORD_MAX_CHARS as u32
            />
            <SubmitButton label=text.submit pending_label=text.submitting pending=action.pending().into() />
        </ActionForm>
    }
}
