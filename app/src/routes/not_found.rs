use leptos::prelude::*;
use leptos_i18n::td_string;

use crate::components::page::{PageTitle, set_status};
use crate::context::use_locale;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let locale = use_locale();
    set_status(404);
    view! {
        <PageTitle text=td_string!(locale, not_found_title).to_string() />
        <p>{td_string!(locale, not_found_body)}</p>
        <p><a href="/">{td_string!(locale, back_home)}</a></p>
    }
}
