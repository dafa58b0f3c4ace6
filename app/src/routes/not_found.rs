use leptos::prelude::*;
use leptos_i18n::td_string;

use crate::components::page::{Forbidden, PageTitle, require, set_status};
use crate::context::use_locale;
use crate::domain::role::Role;
use crate::server::request;

/// Also the page that stands in for a refused file (a PDF or CSV link followed without the
/// right to it), so the member gets sign-in or a way back, not the browser's bare error.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let locale = use_locale();
    match request::refused_file() {
        Some(401) => {
            if let Err(refusal) = require(Role::Member) {
                return refusal;
            }
        }
        Some(403) => return view! { <Forbidden /> }.into_any(),
        _ => {}
    }
    set_status(404);
    view! {
        <PageTitle text=td_string!(locale, not_found_title).to_string() />
        <p>{td_string!(locale, not_found_body)}</p>
        <p><a href="/">{td_string!(locale, back_home)}</a></p>
    }
    .into_any()
}
