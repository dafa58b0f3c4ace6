//! Text made safe to place inside HTML.

/// Text for the elements whose content Leptos writes out as it is (`<title>`, `<textarea>`):
/// a `</title>` or `</textarea>` in what a member typed would otherwise end the element.
pub fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
