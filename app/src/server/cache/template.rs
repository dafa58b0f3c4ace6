//! A rendered page cut where its member-specific parts are (see `components::per_member`),
//! so that one rendering serves every member: each copy gets the member's own parts and
//! the response's CSP nonce.
use crate::components::per_member::{CHOICE_CLOSE, CHOICE_OPEN, NONCE_MARK, TEXT_CLOSE, TEXT_OPEN};
use crate::domain::html::escape_text;

#[derive(Debug, PartialEq)]
enum Segment {
    Static(String),
    Nonce,
    /// Free text such as the member's name, escaped when filled in.
    Text(String),
    /// The markup for each value of one fact.
    Choice {
        key: String,
        variants: Vec<(String, String)>,
    },
}

#[derive(Debug, PartialEq)]
pub struct Template {
    segments: Vec<Segment>,
    bytes: usize,
}

/// One member's values for the keys a template leaves open.
#[derive(Debug, Default)]
pub struct Facts(Vec<(String, String)>);

impl Facts {
    pub fn set(&mut self, key: impl Into<String>, value: impl ToString) {
        self.0.push((key.into(), value.to_string()));
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
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
                let variant = (value.to_owned(), markup.to_owned());
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
    pub fn fill(&self, nonce: &str, facts: &Facts) -> Option<String> {
        let mut out = String::with_capacity(self.bytes);
        for segment in &self.segments {
            match segment {
                Segment::Static(text) => out.push_str(text),
                Segment::Nonce => out.push_str(nonce),
                Segment::Text(key) => {
                    out.push_str(&escape_text(facts.get(key)?).replace('"', "&quot;"))
                }
                Segment::Choice { key, variants } => {
                    let value = facts.get(key)?;
                    let (_, markup) = variants.iter().find(|(v, _)| v == value)?;
                    out.push_str(markup);
                }
            }
        }
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
    let mut parts = text.split(NONCE_MARK);
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
        Some(Segment::Static(last)) => last.push_str(text),
        _ => segments.push(Segment::Static(text.to_owned())),
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
        r#"<script nonce="guildhall-nonce-mark"></script><p>Hello <gh-text data-key="name"></gh-text>!</p>"#,
        r#"<gh-choice data-key="read:a" data-value="true"><p>read</p></gh-choice>"#,
        r#"<gh-choice data-key="read:a" data-value="false"><form>mark</form></gh-choice>"#,
        r#"<gh-choice data-key="read:b" data-value="true">B</gh-choice><gh-choice data-key="read:b" data-value="false">b</gh-choice><footer></footer>"#,
    );

    #[test]
    fn each_member_gets_their_own_parts() {
        let template = Template::parse(PAGE).unwrap();
        assert!(template.is_shared());
        let ona = facts(&[("name", "Ona <b>"), ("read:a", "true"), ("read:b", "false")]);
        assert_eq!(
            template.fill("N1", &ona).unwrap(),
            r#"<script nonce="N1"></script><p>Hello Ona &lt;b&gt;!</p><p>read</p>b<footer></footer>"#
        );
        let jan = facts(&[("name", "Jan"), ("read:a", "false"), ("read:b", "true")]);
        assert_eq!(
            template.fill("N2", &jan).unwrap(),
            r#"<script nonce="N2"></script><p>Hello Jan!</p><form>mark</form>B<footer></footer>"#
        );
    }

    #[test]
    fn a_missing_fact_or_value_fills_nothing() {
        let template = Template::parse(PAGE).unwrap();
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
    fn a_page_without_markers_is_the_same_for_everyone() {
        let template = Template::parse("<p>plain <gh-nothing> text</p>").unwrap();
        assert!(!template.is_shared());
        assert_eq!(
            template.fill("N", &Facts::default()).unwrap(),
            "<p>plain <gh-nothing> text</p>"
        );
    }

    #[test]
    fn an_unclosed_marker_is_an_error() {
        assert!(Template::parse(r#"<gh-text data-key="name">"#).is_err());
        assert!(Template::parse(r#"<gh-choice data-key="a" data-value="1">x"#).is_err());
    }
}
