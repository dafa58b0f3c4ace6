//! One pass over a module's markdown: splits it into `##` sections, renders each to HTML,
//! and collects what the loader checks (section ids, links, words).
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub html: String,
    /// Where its heading stands in the file.
    pub line: usize,
}

#[derive(Debug, Default)]
pub struct Rendered {
    pub intro_html: String,
    pub sections: Vec<Section>,
    pub links: Vec<Link>,
    pub words: usize,
}

#[derive(Debug)]
pub struct Link {
    pub target: String,
    pub line: usize,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
}

/// Renders `text`, whose first line is line `first_line` of its file. Problems come back as
/// (line, message), all of them.
pub fn render(text: &str, first_line: usize) -> Result<Rendered, Vec<(usize, String)>> {
    let line_of = |offset: usize| first_line + text[..offset].matches('\n').count();
    let mut out = Rendered::default();
    let mut problems = Vec::new();
    let mut chunk: Vec<Event> = Vec::new();
    let mut heading: Option<(String, usize, String)> = None; // id, line, title so far
    let mut seen_ids = Vec::<String>::new();

    let flush = |chunk: &mut Vec<Event>, out: &mut Rendered| {
        let mut html_out = String::new();
        html::push_html(&mut html_out, chunk.drain(..));
        match out.sections.last_mut() {
            Some(section) => section.html = html_out,
            None => out.intro_html = html_out,
        }
    };

    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        let line = line_of(range.start);
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) => {
                problems.push((
                    line,
                    "use ## for sections: the page supplies the # title from the front matter"
                        .into(),
                ));
            }
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                id,
                ..
            }) => {
                flush(&mut chunk, &mut out);
                let id = id.map(|i| i.to_string()).unwrap_or_default();
                if id.is_empty() {
                    problems.push((
                        line,
                        "every ## section needs an id: ## Title {#section-id}".into(),
                    ));
                } else if !id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    problems.push((
                        line,
                        format!("section id #{id} may use only a-z, 0-9 and -"),
                    ));
                } else if seen_ids.contains(&id) {
                    problems.push((line, format!("section id #{id} is used twice")));
                }
                seen_ids.push(id.clone());
                heading = Some((id, line, String::new()));
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                if let Some((id, line, title)) = heading.take() {
                    out.sections.push(Section {
                        id,
                        title: title.trim().to_owned(),
                        html: String::new(),
                        line,
                    });
                }
            }
            Event::Text(ref t) | Event::Code(ref t) if heading.is_some() => {
                if let Some((_, _, title)) = heading.as_mut() {
                    title.push_str(t);
                }
                out.words += t.split_whitespace().count();
            }
            _ if heading.is_some() => {}
            Event::Html(_) | Event::InlineHtml(_) => {
                problems.push((
                    line,
                    "raw HTML is not allowed in modules; use markdown".into(),
                ));
            }
            Event::Start(Tag::Link { ref dest_url, .. }) => {
                if is_internal(dest_url) {
                    out.links.push(Link {
                        target: dest_url.to_string(),
                        line,
                    });
                }
                chunk.push(event);
            }
            Event::Text(ref t) => {
                out.words += t.split_whitespace().count();
                chunk.push(event);
            }
            // A wide table scrolls inside its own box on a phone. That box must be reachable
            // by keyboard to scroll, and named for screen readers by its section's heading.
            Event::Start(Tag::Table(_)) => {
                let named = match out.sections.last() {
                    Some(section) => format!(
                        " role=\"region\" aria-labelledby=\"{}-heading\"",
                        section.id
                    ),
                    None => String::new(),
                };
                chunk.push(Event::Html(
                    format!("<div class=\"table-scroll\" tabindex=\"0\"{named}>").into(),
                ));
                chunk.push(event);
            }
            Event::End(TagEnd::Table) => {
                chunk.push(event);
                chunk.push(Event::Html("</div>".into()));
            }
            other => chunk.push(other),
        }
    }
    flush(&mut chunk, &mut out);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn is_internal(url: &CowStr) -> bool {
    url.starts_with('/') || url.starts_with('#')
}
