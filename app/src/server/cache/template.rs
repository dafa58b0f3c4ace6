//! A rendered page cut where its member-specific parts are (see `components::per_member`),
//! so that one rendering serves every member: each copy gets the member's own parts and
//! the response's CSP nonce.
use axum::body::Bytes;

use crate::domain::html::escape_text;

/// Written into a template where the CSP nonce goes; each response gets its own. Random per
/// process, so that no member can write it: text equal to a fixed mark would be replaced
/// by the live nonce on every kept page it appears on.
pub fn nonce_mark() -> &'static str {
    static MARK: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut bytes = [0u8; 16];
        OsRng.fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("guildhall-nonce-{hex}")
    });
    &MARK
}
pub const TEXT_OPEN: &str = "<gh-text data-key=\"";
pub const TEXT_CLOSE: &str = "\"></gh-text>";
pub const CHOICE_OPEN: &str = "<gh-choice data-key=\"";
pub const CHOICE_CLOSE: &str = "</gh-choice>";

/// Present while a page is rendered as a template shared by members: no real member is
/// signed in, and their parts are left as markers.
#[derive(Clone, Copy, Debug)]
pub struct SharedTemplate;

pub fn rendering_template() -> bool {
    leptos::prelude::use_context::<SharedTemplate>().is_some()
}

#[derive(Debug, PartialEq)]
enum Segment {
    /// Shared by every copy: filling a page hands out references, not copies.
    Static(Bytes),
    Nonce,
    /// Free text such as the member's name, escaped when filled in.
    Text(String),
    /// The markup for each value of one fact.
    Choice {
        key: String,
        variants: Vec<(String, Bytes)>,
    },
}

#[derive(Debug, PartialEq)]
pub struct Template {
    segments: Vec<Segment>,
    bytes: usize,
}

type Rule = Box<dyn Fn(&str) -> Option<&'static str> + Send + Sync>;

/// One member's values for the keys a template leaves open: given one by one, or worked out
/// from the key by a rule (for keys such as `me:<author id>`, one per post on a page).
#[derive(Default)]
pub struct Facts {
    given: Vec<(String, String)>,
    rule: Option<Rule>,
}

impl Facts {
    pub fn set(&mut self, key: impl Into<String>, value: impl ToString) {
        self.given.push((key.into(), value.to_string()));
    }

    /// Answers the keys not given.
    pub fn rule(&mut self, rule: impl Fn(&str) -> Option<&'static str> + Send + Sync + 'static) {
        self.rule = Some(Box::new(rule));
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.given
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .or_else(|| self.rule.as_ref().and_then(|rule| rule(key)))
    }
}

/// Pieces at least this long are handed out shared; shorter ones are copied together, so a
/// page is a few large writes rather than one per marker.
const SHARE_FROM: usize = 1024;

/// A filled page: the shared pieces and this member's, in order.
#[derive(Debug, Default)]
pub struct Filled {
    pub chunks: Vec<Bytes>,
    pub len: usize,
    small: Vec<u8>,
}

impl Filled {
    fn push(&mut self, piece: &[u8], shared: Option<&Bytes>) {
        self.len += piece.len();
        match shared {
            Some(bytes) if piece.len() >= SHARE_FROM => {
                self.end_small();
                self.chunks.push(bytes.clone());
            }
            _ => self.small.extend_from_slice(piece),
        }
    }

    fn end_small(&mut self) {
        if !self.small.is_empty() {
            self.chunks
                .push(Bytes::from(std::mem::take(&mut self.small)));
        }
    }

    /// One string, for tests and for whoever needs the page whole.
    pub fn concat(&self) -> String {
        let bytes: Vec<u8> = self.chunks.iter().flat_map(|c| c.iter().copied()).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Template {
    /// Cuts `html` at its markers; a marker left open is an error (a bug in a page).
    pub fn parse(html: &str) -> Result<Template, String> {
        let mut segments = Vec::new();
        let mut rest = html;
        while let Some(at) = rest.find("<gh-") {
            push_static(&mut segments, &rest[..at]);
            rest = &rest[at..];
            if let Some(after) = rest.strip_prefix(TEXT_OPEN) {
                let (key, after) = after
                    .split_once(TEXT_CLOSE)
                    .ok_or("a member text marker is not closed")?;
                segments.push(Segment::Text(key.to_owned()));
                rest = after;
            } else if let Some(after) = rest.strip_prefix(CHOICE_OPEN) {
                let (key, after) = after
                    .split_once("\" data-value=\"")
                    .ok_or("a choice has no value")?;
                let (value, after) = after.split_once("\">").ok_or("a choice is not closed")?;
                let (markup, after) = after
                    .split_once(CHOICE_CLOSE)
                    .ok_or("a choice's markup is not closed")?;
                let variant = (value.to_owned(), Bytes::copy_from_slice(markup.as_bytes()));
                match segments.last_mut() {
                    Some(Segment::Choice {
                        key: last,
                        variants,
                    }) if last == key => variants.push(variant),
                    _ => segments.push(Segment::Choice {
                        key: key.to_owned(),
                        variants: vec![variant],
                    }),
                }
                rest = after;
            } else {
                // Not ours after all; keep it as it is.
                push_static(&mut segments, "<gh-");
                rest = &rest[4..];
            }
        }
        push_static(&mut segments, rest);
        Ok(Template {
            segments,
            bytes: html.len(),
        })
    }

    /// The page for one member, or `None` if a fact it needs is missing.
    pub fn fill(&self, nonce: &str, facts: &Facts) -> Option<Filled> {
        let mut out = Filled {
            chunks: Vec::with_capacity(self.segments.len()),
            ..Filled::default()
        };
        for segment in &self.segments {
            match segment {
                Segment::Static(text) => out.push(text, Some(text)),
                Segment::Nonce => out.push(nonce.as_bytes(), None),
                Segment::Text(key) => {
                    let text = escape_text(facts.get(key)?).replace('"', "&quot;");
                    out.push(text.as_bytes(), None);
                }
                Segment::Choice { key, variants } => {
                    let value = facts.get(key)?;
                    let (_, markup) = variants.iter().find(|(v, _)| v == value)?;
                    out.push(markup, Some(markup));
                }
            }
        }
        out.end_small();
        Some(out)
    }

    /// Whether any part differs per member.
    pub fn is_shared(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::Text(_) | Segment::Choice { .. }))
    }

    /// Roughly the memory it takes.
    pub fn weight(&self) -> u32 {
        u32::try_from(self.bytes).unwrap_or(u32::MAX)
    }
}

/// Static text, split where the nonce goes.
fn push_static(segments: &mut Vec<Segment>, text: &str) {
    let mut parts = text.split(nonce_mark());
    if let Some(first) = parts.next() {
        push_text(segments, first);
    }
    for part in parts {
        segments.push(Segment::Nonce);
        push_text(segments, part);
    }
}

fn push_text(segments: &mut Vec<Segment>, text: &str) {
    if text.is_empty() {
        return;
    }
    match segments.last_mut() {
        Some(Segment::Static(last)) => {
            *last = Bytes::from([last.as_ref(), text.as_bytes()].concat());
        }
        _ => segments.push(Segment::Static(Bytes::copy_from_slice(text.as_bytes()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pairs: &[(&str, &str)]) -> Facts {
        let mut facts = Facts::default();
        for (k, v) in pairs {
            facts.set(*k, v);
        }
        facts
    }

    const PAGE: &str = concat!(
        r#"<script nonce="MARK"></script><p>Hello <gh-text data-key="name"></gh-text>!</p>"#,
        r#"<gh-choice data-key="read:a" data-value="true"><p>read</p></gh-choice>"#,
        r#"<gh-choice data-key="read:a" data-value="false"><form>mark</form></gh-choice>"#,
        r#"<gh-choice data-key="read:b" data-value="true">B</gh-choice><gh-choice data-key="read:b" data-value="false">b</gh-choice><footer></footer>"#,
    );

    /// The page as rendered in this process, with its nonce mark.
    fn page() -> String {
        PAGE.replace("MARK", nonce_mark())
    }

    #[test]
    fn each_member_gets_their_own_parts() {
        let template = Template::parse(&page()).unwrap();
        assert!(template.is_shared());
        let ona = facts(&[("name", "Ona <b>"), ("read:a", "true"), ("read:b", "false")]);
        assert_eq!(
            template.fill("N1", &ona).unwrap().concat(),
            r#"<script nonce="N1"></script><p>Hello Ona &lt;b&gt;!</p><p>read</p>b<footer></footer>"#
        );
        let jan = facts(&[("name", "Jan"), ("read:a", "false"), ("read:b", "true")]);
        assert_eq!(
            template.fill("N2", &jan).unwrap().concat(),
            r#"<script nonce="N2"></script><p>Hello Jan!</p><form>mark</form>B<footer></footer>"#
        );
    }

    #[test]
    fn a_missing_fact_or_value_fills_nothing() {
        let template = Template::parse(&page()).unwrap();
        assert!(
            template
                .fill("N", &facts(&[("name", "Ona"), ("read:a", "true")]))
                .is_none()
        );
        assert!(
            template
                .fill(
                    "N",
                    &facts(&[("name", "Ona"), ("read:a", "maybe"), ("read:b", "true")])
                )
                .is_none()
        );
    }

    #[test]
    fn a_rule_answers_the_keys_not_given() {
        let template = Template::parse(concat!(
            r#"<gh-choice data-key="me:7" data-value="true">mine</gh-choice>"#,
            r#"<gh-choice data-key="me:7" data-value="false">theirs</gh-choice>|"#,
            r#"<gh-choice data-key="me:8" data-value="true">mine</gh-choice>"#,
            r#"<gh-choice data-key="me:8" data-value="false">theirs</gh-choice>"#,
        ))
        .unwrap();
        let mut facts = Facts::default();
        facts.rule(|key| Some(if key == "me:7" { "true" } else { "false" }));
        let filled = template.fill("N", &facts).unwrap();
        assert_eq!(filled.concat(), "mine|theirs");
        assert_eq!(filled.len, "mine|theirs".len());
        assert_eq!(filled.chunks.len(), 1, "short pieces are sent together");
        facts.set("me:7", "false");
        assert_eq!(
            template.fill("N", &facts).unwrap().concat(),
            "theirs|theirs",
            "a given value wins over the rule"
        );
    }

    #[test]
    fn long_pieces_are_shared_not_copied() {
        let long = "x".repeat(SHARE_FROM);
        let html = format!(r#"<p nonce="{}">{long}</p>"#, nonce_mark());
        let template = Template::parse(&html).unwrap();
        let filled = template.fill("N", &Facts::default()).unwrap();
        assert_eq!(filled.concat(), format!(r#"<p nonce="N">{long}</p>"#));
        assert_eq!(filled.len, filled.concat().len());
        let Segment::Static(kept) = &template.segments[2] else {
            panic!("{:?}", template.segments)
        };
        assert!(
            filled.chunks.iter().any(|c| c.as_ptr() == kept.as_ptr()),
            "the long piece is the template's own"
        );
    }

    #[test]
    fn a_page_without_markers_is_the_same_for_everyone() {
        let template = Template::parse("<p>plain <gh-nothing> text</p>").unwrap();
        assert!(!template.is_shared());
        assert_eq!(
            template.fill("N", &Facts::default()).unwrap().concat(),
            "<p>plain <gh-nothing> text</p>"
        );
    }

    #[test]
    fn an_unclosed_marker_is_an_error() {
        assert!(Template::parse(r#"<gh-text data-key="name">"#).is_err());
        assert!(Template::parse(r#"<gh-choice data-key="a" data-value="1">x"#).is_err());
    }
}
