use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_location;

use crate::components::per_member::member_text;
use crate::context::{use_locale, use_unread_notes, use_user};
use crate::domain::language::LANGUAGES;
use crate::domain::language::fill;
use crate::domain::role::Role;
use crate::i18n::Locale;

/// Header with navigation, account menu and language choice; the page; the footer.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let locale = use_locale();
    view! {
        <a class="skip-link" href="#main">{td_string!(locale, skip_to_content)}</a>
        <header class="site-header">
            <a class="brand" href="/">{td_string!(locale, site_name)}</a>
            <MainNav />
            <AccountMenu />
            <LanguageSwitcher />
        </header>
        <main id="main" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <p>{td_string!(locale, footer_text)}</p>
        </footer>
    }
}

#[component]
fn MainNav() -> impl IntoView {
    let locale = use_locale();
    let path = use_location().pathname;
    let mut items = vec![
        ("/training", td_string!(locale, nav_training)),
        ("/certificates", td_string!(locale, nav_certificates)),
        ("/forum", td_string!(locale, nav_forum)),
    ];
    if use_user().is_some_and(|u| u.role >= Role::Moderator) {
        items.push(("/moderation", td_string!(locale, nav_moderation)));
    }
    if use_user().is_some_and(|u| u.role >= Role::Admin) {
        items.push(("/admin", td_string!(locale, nav_admin)));
    }
    view! {
        <nav class="main-nav" aria-label=td_string!(locale, nav_label)>
            <ul>
                {items
                    .into_iter()
                    .map(|(href, label)| {
                        let current = move || {
                            let p = path.get();
                            (p == href || p.starts_with(&format!("{href}/"))).then_some("page")
                        };
                        view! { <li><a href=href aria-current=current>{label}</a></li> }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

#[component]
fn AccountMenu() -> impl IntoView {
    let locale = use_locale();
    let menu = match use_user() {
        Some(user) => view! {
            <p class="signed-in-as" data-test="signed-in-as">{signed_in_as(locale, user.name)}</p>
            <ul>
                <li><a href="/account">{td_string!(locale, my_account)}</a></li>
                <li><a href="/notifications" data-test="notifications-link">{td_string!(locale, nav_notifications)} " " {member_text("unread", unread_label(locale, use_unread_notes()))}</a></li>
                <li>
                    <form method="post" action="/api/logout">
                        <button type="submit" class="link-button" data-test="sign-out">{td_string!(locale, sign_out)}</button>
                    </form>
                </li>
            </ul>
        }
        .into_any(),
        None => view! {
            <ul>
                <li><a href="/login">{td_string!(locale, sign_in)}</a></li>
                <li><a href="/register">{td_string!(locale, register)}</a></li>
            </ul>
        }
        .into_any(),
    };
    view! { <nav class="account-menu" aria-label=td_string!(locale, account_menu_label)>{menu}</nav> }
}

/// "Signed in as …", with the name left open in a shared template.
fn signed_in_as(locale: Locale, name: String) -> impl IntoView {
    const NAME: &str = "\u{0}name\u{0}";
    let text = fill(td_string!(locale, signed_in_as), &[("name", NAME)]);
    let (before, after) = text.split_once(NAME).unwrap_or((&text, ""));
    view! { {before.to_owned()} {member_text("name", name)} {after.to_owned()} }
}

/// "(2 unread)" after the notifications link, or nothing when all are read: words, so that
/// screen readers say it and nothing rests on a coloured badge.
pub fn unread_label(locale: Locale, count: i64) -> String {
    if count <= 0 {
        return String::new();
    }
    fill(
        td_string!(locale, notifications_unread_count),
        &[("count", &count.to_string())],
    )
}

/// A plain form: works without JavaScript; with it, `public/enhance.js` applies a choice
/// made with the pointer at once.
#[component]
fn LanguageSwitcher() -> impl IntoView {
    let locale = use_locale();
    view! {
        <form class="language-switcher" method="post" action="/api/set_language" data-test="language-switcher">
            <label for="site-language">{td_string!(locale, language_label)}</label>
            <select id="site-language" name="language">
                {LANGUAGES
                    .iter()
                    .map(|&(code, own_name)| {
                        view! { <option value=code lang=code selected=code == locale.as_str()>{own_name}</option> }
                    })
                    .collect_view()}
            </select>
            <button type="submit" class="button button-small">{td_string!(locale, language_apply)}</button>
        </form>
    }
}
