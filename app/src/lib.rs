//! Guildhall's user interface and server functions, shared by the server (feature `ssr`)
//! and the browser bundle (feature `hydrate`, islands only).
#![recursion_limit = "256"]

// Pages, translations and everything behind them exist only on the server: the browser
// bundle carries the islands alone (and what they use from `api`, `components`, `domain`).
#[cfg(feature = "ssr")]
#[allow(deprecated)] // the build-script generator pulls ICU data tooling; the macro does the same job
mod i18n_gen {
    leptos_i18n::load_locales!();
}
#[cfg(feature = "ssr")]
pub use i18n_gen::i18n;

pub mod api;
#[cfg(feature = "ssr")]
pub mod app;
pub mod components;
#[cfg(feature = "ssr")]
pub mod context;
pub mod domain;
#[cfg(all(test, feature = "ssr"))]
mod layering_tests;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
