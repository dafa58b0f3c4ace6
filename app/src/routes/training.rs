use leptos::prelude::*;
use leptos_i18n::td_string;

use crate::app::use_locale;
use crate::components::page::PageTitle;

/// Empty until its feature lands; says so plainly rather than leaving the link dead.
#[component]
pub fn TrainingPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <PageTitle text=td_string!(locale, training_title).to_string() />
        <p class="empty-state">{td_string!(locale, training_empty)}</p>
    }
}
