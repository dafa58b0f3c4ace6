//! What every page and server function may ask about the request being served: its
//! language, the signed-in member, their unread notes, the language of the page's content.
//! `server::request::provide_request_context` puts these in Leptos's context.
use leptos::prelude::*;

use crate::domain::member::UserView;
use crate::i18n::Locale;

/// The language of this request, as `identify` resolved it on the server.
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

/// The signed-in member, if any.
pub fn use_user() -> Option<UserView> {
    use_context::<Option<UserView>>().flatten()
}

/// How many of the signed-in member's notifications are unread, for the header.
#[derive(Clone, Copy, Debug, Default)]
pub struct UnreadNotes(pub i64);

pub fn use_unread_notes() -> i64 {
    use_context::<UnreadNotes>().unwrap_or_default().0
}

/// A page whose main content is in another language than the interface (a module read in
/// Latvian, say) names it here; `<html lang>` follows it.
#[derive(Clone, Copy)]
pub struct PageLanguage(pub RwSignal<Option<&'static str>>);
