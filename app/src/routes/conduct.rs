//! `/code-of-conduct`: the current code, clause by clause, and for members whether they have
//! accepted this version (with the form to do so).
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_query_map;

use crate::components::page::{PageTitle, load_once};
use crate::context::{PageLanguage, use_locale, use_user};
use crate::domain::language::fill;
use crate::server::forum::store;
use crate::server::request;

#[component]
pub fn CodeOfConductPage() -> impl IntoView {
    let locale = use_locale();
    let lang = locale.as_str();
    let user = use_user();
    let query = use_query_map().get_untracked();
    let accepted_now = query.get("accepted").is_some();
    let next = query
        .get("next")
        .filter(|n| crate::domain::link::is_local_path(n));
    let catalogue = request::state()
        .map(|s| s.content.get())
        .unwrap_or_default();
    let Some(code) = catalogue.code_of_conduct().cloned() else {
        return view! {
            <PageTitle text=td_string!(locale, conduct_title).to_string() />
            <p class="empty-state">{td_string!(locale, conduct_missing)}</p>
        }
        .into_any();
    };
    let text = code.text(lang).clone();
    if text.lang != lang
        && let Some(page) = use_context::<PageLanguage>()
    {
        page.0.set(Some(text.lang));
    }
    let accepted = load_once({
        let user = user.clone();
        async move {
            match (user, request::pool()) {
                (Some(user), Ok(pool)) => {
                    store::accepted_version(&pool, user.id).await.ok().flatten()
                }
                _ => None,
            }
        }
    });
    let version_line = fill(
        td_string!(locale, conduct_version),
        &[
            ("version", &code.version.to_string()),
            ("date", &code.effective),
        ],
    );
    let toc = text
        .sections
        .iter()
        .map(|s| view! { <li><a href=format!("#{}", s.id)>{s.title.clone()}</a></li> })
        .collect_view();
    let sections = text
        .sections
        .iter()
        .map(|s| {
            let clauses = s
                .clauses
                .iter()
                .map(|c| {
                    view! {
                        <section class="clause" id=c.id.clone() aria-labelledby=format!("{}-title", c.id)>
                            <h3 id=format!("{}-title", c.id)>{c.title.clone()} " " <a class="anchor" href=format!("#{}", c.id) aria-label=td_string!(locale, conduct_link_to_clause)>"#"</a></h3>
                            <div inner_html=c.html.clone()></div>
                        </section>
                    }
                })
                .collect_view();
            view! {
                <section id=s.id.clone() aria-labelledby=format!("{}-title", s.id)>
                    <h2 id=format!("{}-title", s.id)>{s.title.clone()}</h2>
                    <div inner_html=s.intro_html.clone()></div>
                    {clauses}
                </section>
            }
        })
        .collect_view();
    let version = code.version;
    let signed_in = user.is_some();
    view! {
        <PageTitle text=text.title.clone() />
        <p class="meta" data-test="conduct-version">{version_line}</p>
        {accepted_now.then(|| view! { <p class="alert alert-success" role="status" data-test="accepted">{td_string!(locale, conduct_accepted_now)}</p> })}
        <Suspense>
            {move || { let (accepted, next) = (accepted.clone(), next.clone()); Suspend::new(async move {
                let accepted = accepted.await;
                if !signed_in {
                    return view! { <p class="note"><a href="/login?next=/code-of-conduct">{td_string!(locale, sign_in)}</a> " · " {td_string!(locale, conduct_sign_in_note)}</p> }.into_any();
                }
                if accepted == Some(i64::from(version)) {
                    return view! { <p class="alert alert-info" data-test="already-accepted">{td_string!(locale, conduct_already_accepted)}</p> }.into_any();
                }
                let changed = accepted.is_some();
                view! { <AcceptForm version changed next /> }.into_any()
            })}}
        </Suspense>
        <div class="module-intro" inner_html=text.intro_html.clone()></div>
        <nav aria-labelledby="conduct-contents"><h2 id="conduct-contents">{td_string!(locale, conduct_contents)}</h2><ol class="toc">{toc}</ol></nav>
        {sections}
    }
    .into_any()
}

#[component]
fn AcceptForm(version: u32, changed: bool, next: Option<String>) -> impl IntoView {
    let locale = use_locale();
    let label = fill(
        td_string!(locale, conduct_accept_checkbox),
        &[("version", &version.to_string())],
    );
    view! {
        <form method="post" action="/api/forum/accept_code" class="card stack" data-test="accept-code">
            <p>{if changed { td_string!(locale, conduct_changed) } else { td_string!(locale, conduct_accept_intro) }}</p>
            <input type="hidden" name="version" value=version />
            {next.map(|next| view! { <input type="hidden" name="next" value=next /> })}
            <div class="field field-checkbox">
                <input id="field-agree" type="checkbox" name="agree" required=true />
                <label for="field-agree">{label}</label>
            </div>
            <button type="submit" class="button">{td_string!(locale, conduct_accept)}</button>
        </form>
    }
}
