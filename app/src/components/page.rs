use leptos::prelude::*;
use leptos_i18n::td_string;
use leptos_meta::Title;

use crate::context::{use_locale, use_user};
use crate::domain::member::UserView;
use crate::domain::role::Role;

/// A page's `<title>` and its one `<h1>`.
#[component]
pub fn PageTitle(text: String) -> impl IntoView {
    let locale = use_locale();
    let full = format!("{text} · {}", td_string!(locale, site_name));
    view! {
        <Title text=escape_text(&full) />
        <h1>{text}</h1>
    }
}

/// A page's server data, loaded once. `<Suspense>` polls its children more than once while it
/// renders (to find what they wait for, then to render), and a `Suspend` built from a fresh
/// future each time would repeat every query: children await a clone of this instead.
pub fn load_once<T, F>(load: F) -> futures::future::Shared<futures::future::BoxFuture<'static, T>>
where
    T: Clone + Send + Sync + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    use futures::FutureExt;
    load.boxed().shared()
}

/// Sets the HTTP status of the page being rendered.
pub fn set_status(code: u16) {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::from_u16(code).unwrap_or_default());
    }
}

pub use crate::domain::html::escape_text;

/// The one guard of every page that needs a member: the signed-in member if their role is at
/// least `role`; otherwise what to show instead. A visitor is sent to sign in and brought
/// back to this very page, query and all; a member below `role` is told it is not for them.
pub fn require(role: Role) -> Result<UserView, AnyView> {
    match use_user() {
        Some(user) if user.role >= role => Ok(user),
        Some(_) => Err(view! { <Forbidden /> }.into_any()),
        None => {
            let location = leptos_router::hooks::use_location();
            let path = location.pathname.get_untracked();
            let query = location.search.get_untracked();
            let query = query.trim_start_matches('?');
            if query.is_empty() {
                redirect_to_sign_in(&path);
            } else {
                redirect_to_sign_in(&format!("{path}?{query}"));
            }
            let locale = use_locale();
            Err(view! { <p>{td_string!(locale, sign_in_required)}</p> }.into_any())
        }
    }
}

/// Sends a visitor who is not signed in to the sign-in page, to come back here afterwards.
pub fn redirect_to_sign_in(back_to: &str) {
    leptos_axum::redirect(&format!("/login?next={}", urlencode(back_to)));
}

fn urlencode(s: &str) -> String {
    percent_encode(s, b"/")
}

/// `s` as one value in a query string.
pub fn query_value(s: &str) -> String {
    percent_encode(s, b"")
}

fn percent_encode(s: &str, also_keep: &[u8]) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b if also_keep.contains(&b) => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Shown instead of a page that needs a role the member does not have.
#[component]
pub fn Forbidden() -> impl IntoView {
    let locale = use_locale();
    set_status(403);
    view! {
        <PageTitle text=td_string!(locale, forbidden_title).to_string() />
        <p>{td_string!(locale, forbidden_body)}</p>
        <p><a href="/">{td_string!(locale, back_home)}</a></p>
    }
}

/// The page's numeric `:id`; 0 (which no row has) when it is not a number.
pub fn id_param() -> i64 {
    leptos_router::hooks::use_params_map()
        .with_untracked(|p| p.get("id"))
        .and_then(|id| id.parse().ok())
        .unwrap_or(0)
}

/// A row a page loaded by id, or what to show instead: not found (404), or a fault when
/// loading failed (`None`, already logged).
pub fn found<T>(loaded: Option<Option<T>>) -> Result<T, AnyView> {
    let locale = use_locale();
    match loaded {
        Some(Some(row)) => Ok(row),
        Some(None) => {
            set_status(404);
            Err(view! { <PageTitle text=td_string!(locale, error_not_found).to_string() /> }.into_any())
        }
        None => Err(view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any()),
    }
}

/// A table's box, scrolling sideways on a narrow screen: keyboards reach it to scroll, and
/// screen readers hear what it holds.
#[component]
pub fn TableScroll(#[prop(into)] label: String, children: Children) -> impl IntoView {
    view! { <div class="table-scroll" tabindex="0" role="region" aria-label=label>{children()}</div> }
}
