//! What members write: markdown rendered on the server, then cleaned by an allowlist, so
//! nothing a member writes can run in another member's browser.
use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, html};

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .add_tags([
            "p",
            "br",
            "strong",
            "em",
            "del",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
            "a",
            "h3",
            "h4",
            "hr",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        ])
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("ol", ["start"])
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("nofollow ugc noopener noreferrer"))
        .strip_comments(true);
    builder
});

/// Safe HTML for a member's markdown. Raw HTML in the text is shown as text, not dropped:
/// the writer sees what they typed.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        // Headings inside a post sit below the page's own.
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    CLEANER.clean(&out).to_string()
}

/// Plain text for titles, feeds and notifications: whitespace collapsed.
pub fn plain(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_becomes_clean_html() {
        assert_eq!(
            render("**Hello** _you_"),
            "<p><strong>Hello</strong> <em>you</em></p>\n"
        );
        let link = render("[site](https://example.org)");
        assert!(link.contains("href=\"https://example.org\""), "{link}");
        assert!(
            link.contains("rel=\"nofollow ugc noopener noreferrer\""),
            "{link}"
        );
    }

    /// Every `<` left in the output opens a real tag (text is escaped): no tag may be a
    /// script or image, carry an event handler, or point at a script or data URL.
    pub fn live_markup_is_safe(html: &str) -> bool {
        html.split('<').skip(1).all(|rest| {
            let tag = rest
                .split('>')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let name = tag.split_whitespace().next().unwrap_or_default();
            !["script", "img", "iframe", "svg", "style", "object", "embed"].contains(&name)
                && !tag.contains("javascript:")
                && !tag.contains("data:")
                && !tag
                    .split_whitespace()
                    .skip(1)
                    .any(|attr| attr.starts_with("on"))
        })
    }

    #[test]
    fn script_never_survives() {
        for payload in [
            "<script>alert(1)</script>",
            "[x](javascript:alert(1))",
            "<img src=x onerror=alert(1)>",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "<a href=\"javascript:alert(1)\">x</a>",
            "![x](https://example.org/x.png)",
        ] {
            let html = render(payload);
            assert!(live_markup_is_safe(&html), "{payload} -> {html}");
        }
        // Raw HTML is shown as the text it was.
        assert!(render("<b>hi</b>").contains("&lt;b&gt;hi&lt;/b&gt;"));
    }
}
