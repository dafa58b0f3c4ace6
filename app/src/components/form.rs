//! Form pieces used inside the form islands. Labels come in already translated: context does
//! not cross into islands.
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::ApiError;
use crate::domain::language::LANGUAGES;

/// The error of the last submission of `action`, if it failed. Without JavaScript the
/// server puts it in the URL of the page it sends the browser back to, and this reads it there.
pub fn last_error<S>(action: ServerAction<S>) -> Signal<Option<ApiError>>
where
    S: ServerFn<Error = ApiError> + Send + Sync + Clone + 'static,
    S::Output: Send + Sync + Clone + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// `"true"` once the island runs in the browser: styles and tests can tell a page that
/// hydrated from one that did not.
pub fn hydration_marker() -> Signal<Option<&'static str>> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    Signal::derive(move || hydrated.get().then_some("true"))
}

/// The error summary at the top of a form: announced at once, each entry links to its field.
#[component]
pub fn FormAlert(
    error: Signal<Option<ApiError>>,
    summary: String,
    unreachable: String,
    /// On a page with several forms, their fields' ids are `field-<form>-<name>`.
    #[prop(optional)]
    form: Option<&'static str>,
) -> impl IntoView {
    move || {
        error.get().map(|mut e| {
            if e.message.is_empty() {
                e.message = unreachable.clone();
            }
            let body = match e.field.clone() {
                Some(field) => view! {
                    <p>{summary.clone()}</p>
                    <ul><li><a href=match form {
                        Some(form) => format!("#field-{form}-{field}"),
                        None => format!("#field-{field}"),
                    }>{e.message.clone()}</a></li></ul>
                }
                .into_any(),
                None => view! { <p>{e.message.clone()}</p> }.into_any(),
            };
            view! { <div class="alert alert-error" role="alert" data-test="form-error">{body}</div> }
        })
    }
}

/// A labelled input with its hint and its error, tied together for screen readers.
#[component]
pub fn Field(
    name: &'static str,
    label: String,
    error: Signal<Option<ApiError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<String>,
    #[prop(optional)] value: String,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
    /// On a page with several forms, the form's name keeps ids unique: `field-<form>-<name>`.
    #[prop(optional)]
    form: Option<&'static str>,
) -> impl IntoView {
    let id = match form {
        Some(form) => format!("field-{form}-{name}"),
        None => format!("field-{name}"),
    };
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let message = move || {
        error
            .get()
            .filter(|e| e.field.as_deref() == Some(name))
            .map(|e| e.message)
    };
    let described_by = {
        let (hint_id, error_id, has_hint) = (hint_id.clone(), error_id.clone(), hint.is_some());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {move || message().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
            <input
                id=id.clone()
                name=name
                type=kind
                value=value
                required=true
                autocomplete=autocomplete
                minlength=minlength
                maxlength=maxlength
                aria-invalid=move || message().map(|_| "true")
                aria-describedby=described_by
            />
        </div>
    }
}

/// A choice among the association's languages, each named in itself.
#[component]
pub fn LanguageSelect(name: &'static str, label: String, selected: String) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                {LANGUAGES
                    .iter()
                    .map(|&(code, own_name)| {
                        view! { <option value=code selected=code == selected lang=code>{own_name}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

#[component]
pub fn SubmitButton(label: String, pending_label: String, pending: Signal<bool>) -> impl IntoView {
    view! {
        <button type="submit" class="button" aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() { pending_label.clone() } else { label.clone() }}
        </button>
    }
}
