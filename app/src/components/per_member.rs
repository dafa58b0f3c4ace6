//! The parts of a page that differ per member, on pages every member otherwise sees alike.
//!
//! Rendered for one member they are just that member's markup. Rendered as a shared
//! template (`server::cache::template::SharedTemplate` in context) they are marked, with every variant a choice can
//! take, so that the page cache (`server::cache::template`) can fill in each member's own.
use leptos::prelude::*;

use crate::server::cache::template::rendering_template;

/// `view(value)` for this member; in a template, `view(v)` for each of `all`, marked with
/// `key` and `v`. The page cache must be able to tell `key`'s value for any member.
pub fn choice<V, I>(key: String, value: V, all: I, view: impl Fn(V) -> AnyView) -> AnyView
where
    V: ToString,
    I: IntoIterator<Item = V>,
{
    if !rendering_template() {
        return view(value);
    }
    all.into_iter()
        .map(|v| {
            let marked = v.to_string();
            view! { <gh-choice data-key=key.clone() data-value=marked>{view(v)}</gh-choice> }
        })
        .collect_view()
        .into_any()
}

/// Text for this member (their name, say); in a template, a marker for `key`.
pub fn member_text(key: &'static str, text: String) -> AnyView {
    if rendering_template() {
        view! { <gh-text data-key=key></gh-text> }.into_any()
    } else {
        text.into_any()
    }
}
