//! A quiz file's markdown body, read event by event into questions, links and problems.
use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

use super::Parsed;
use super::kind::Kind;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_TASKLISTS
}

/// A quiz body, read: its questions, the internal links of its explanations (line, target),
/// and its problems (line, message).
pub(super) struct Body {
    pub(super) questions: Vec<Parsed>,
    pub(super) links: Vec<(usize, String)>,
    pub(super) problems: Vec<(usize, String)>,
}

/// A question while its heading, answers and explanation are read.
pub(super) struct Draft {
    pub(super) line: usize,
    pub(super) id: String,
    pub(super) kind: Option<Kind>,
    pub(super) section: String,
    pub(super) answer: Option<f64>,
    pub(super) tolerance: Option<f64>,
    pub(super) prompt: String,
    /// The list's line and its items.
    pub(super) list: Option<(usize, Vec<Item>)>,
    pub(super) explanation: Option<String>,
    /// It has problems of its own, already reported.
    pub(super) broken: bool,
}

#[derive(Default)]
pub(super) struct Item {
    pub(super) line: usize,
    /// `[x]` or `[ ]`; `None` in a plain list.
    pub(super) task: Option<bool>,
    pub(super) text: String,
    /// It holds more than a line of text (a nested list, a quote…).
    pub(super) nested: bool,
}

/// The top-level block being read.
enum Block<'a> {
    Heading,
    List(usize, Vec<Item>),
    Quote(Vec<Event<'a>>),
    /// Refused (already reported) or of no interest.
    Other,
}

pub(super) struct BodyParser<'s> {
    newlines: Vec<usize>,
    first_line: usize,
    /// In quiz.en.md, true/false options must read True, False.
    pub(super) english: bool,
    slug: &'s str,
    pub(super) section_ids: Option<&'s [String]>,
    pub(super) current: Option<Draft>,
    pub(super) seen_ids: HashSet<String>,
    pub(super) out: Body,
}

impl BodyParser<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.first_line + self.newlines.partition_point(|&n| n < offset)
    }

    /// Reports a problem, which also keeps the question being read out of later comparisons.
    pub(super) fn problem(&mut self, line: usize, message: impl Into<String>) {
        if let Some(draft) = self.current.as_mut() {
            draft.broken = true;
        }
        self.out.problems.push((line, message.into()));
    }

    fn begin<'a>(&mut self, tag: Tag<'a>, line: usize) -> Block<'a> {
        let in_question = self.current.is_some();
        let has_list = self.current.as_ref().is_some_and(|d| d.list.is_some());
        let has_explanation = self
            .current
            .as_ref()
            .is_some_and(|d| d.explanation.is_some());
        match tag {
            // Its HTML is reported as such.
            Tag::HtmlBlock => Block::Other,
            Tag::Heading {
                level: HeadingLevel::H2,
                id,
                classes,
                attrs,
            } => {
                self.finish();
                self.heading(line, id, classes, attrs);
                Block::Heading
            }
            Tag::Heading { .. } => {
                self.problem(
                    line,
                    "every question is a ## heading; quizzes use no other headings",
                );
                Block::Other
            }
            _ if !in_question => {
                self.unexpected(line);
                Block::Other
            }
            Tag::List(_) if has_explanation => {
                self.problem(
                    line,
                    "the answers come before the explanation (the > blockquote)",
                );
                Block::Other
            }
            Tag::List(_) if has_list => {
                self.problem(line, "a question has one list of answers");
                Block::Other
            }
            Tag::List(_) => Block::List(line, Vec::new()),
            Tag::BlockQuote(_) if has_explanation => {
                self.problem(line, "a question has one explanation (one > blockquote)");
                Block::Other
            }
            Tag::BlockQuote(_) => Block::Quote(Vec::new()),
            _ => {
                self.unexpected(line);
                Block::Other
            }
        }
    }

    /// A paragraph, table, rule… where only answers and an explanation may stand.
    fn unexpected(&mut self, line: usize) {
        if self.current.is_some() {
            self.problem(
                line,
                "after a question's heading come only its answers (a list) and its \
                 explanation (a > blockquote)",
            );
        } else {
            self.problem(
                line,
                "nothing comes before the first question: it starts with a ## heading",
            );
        }
    }

    /// Ends a top-level block.
    fn end(&mut self, block: Block) {
        match block {
            Block::Heading => {
                if let Some(draft) = self.current.as_mut() {
                    draft.prompt = collapse(&draft.prompt);
                }
            }
            Block::List(line, items) => {
                if let Some(draft) = self.current.as_mut() {
                    draft.list = Some((line, items));
                }
            }
            Block::Quote(events) => {
                let mut html_out = String::new();
                html::push_html(&mut html_out, events.into_iter());
                if let Some(draft) = self.current.as_mut() {
                    draft.explanation = Some(html_out);
                }
            }
            Block::Other => {}
        }
    }
}

/// Reads the body of a quiz file, whose first line is line `first_line` of the file.
pub(super) fn parse_body(
    text: &str,
    first_line: usize,
    lang: &str,
    slug: &str,
    section_ids: Option<&[String]>,
) -> Body {
    let mut p = BodyParser {
        newlines: text.match_indices('\n').map(|(i, _)| i).collect(),
        first_line,
        english: lang == "en",
        slug,
        section_ids,
        current: None,
        seen_ids: HashSet::new(),
        out: Body {
            questions: Vec::new(),
            links: Vec::new(),
            problems: Vec::new(),
        },
    };
    let mut depth = 0usize;
    let mut block = Block::Other;
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        match event {
            Event::Html(_) | Event::InlineHtml(_) => {
                let line = p.line_of(range.start);
                p.problem(line, "raw HTML is not allowed in quizzes; use markdown");
            }
            Event::Start(tag) => {
                depth += 1;
                if depth == 1 {
                    let line = p.line_of(range.start);
                    block = p.begin(tag, line);
                    continue;
                }
                match &mut block {
                    Block::List(_, items) => {
                        let line = p.line_of(range.start);
                        match tag {
                            Tag::Item if depth == 2 => items.push(Item {
                                line,
                                ..Item::default()
                            }),
                            Tag::Paragraph => push_space(items.last_mut()),
                            Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } => {
                            }
                            _ => {
                                if let Some(item) = items.last_mut() {
                                    item.nested = true;
                                }
                            }
                        }
                    }
                    Block::Quote(events) => {
                        let tag = match tag {
                            Tag::Link {
                                link_type,
                                dest_url,
                                title,
                                id,
                            } if is_internal(&dest_url) => {
                                let line = p.line_of(range.start);
                                p.out.links.push((line, dest_url.to_string()));
                                // The review is not on the module's page: `#section` goes there.
                                let dest_url = if dest_url.starts_with('#') {
                                    CowStr::from(format!("/training/{}{dest_url}", p.slug))
                                } else {
                                    dest_url
                                };
                                Tag::Link {
                                    link_type,
                                    dest_url,
                                    title,
                                    id,
                                }
                            }
                            tag => tag,
                        };
                        events.push(Event::Start(tag));
                    }
                    Block::Heading | Block::Other => {}
                }
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    p.end(std::mem::replace(&mut block, Block::Other));
                    continue;
                }
                match &mut block {
                    Block::List(_, items) if tag == TagEnd::Paragraph => {
                        push_space(items.last_mut());
                    }
                    Block::Quote(events) => events.push(Event::End(tag)),
                    _ => {}
                }
            }
            Event::Rule if depth == 0 => {
                let line = p.line_of(range.start);
                p.unexpected(line);
            }
            event => match &mut block {
                Block::Heading => {
                    if let Some(draft) = p.current.as_mut() {
                        push_inline(&mut draft.prompt, &event);
                    }
                }
                Block::List(_, items) => {
                    let Some(item) = items.last_mut() else {
                        continue;
                    };
                    match event {
                        Event::TaskListMarker(done)
                            if item.task.is_none() && item.text.trim().is_empty() =>
                        {
                            item.task = Some(done);
                        }
                        // Accepted answers are compared with what members type: keep the
                        // straight quotes and dashes that smart punctuation would curl.
                        Event::Text(ref t) if item.task.is_none() && is_smart(t) => {
                            item.text.push_str(&text[range]);
                        }
                        event => push_inline(&mut item.text, &event),
                    }
                }
                Block::Quote(events) => events.push(event),
                Block::Other => {}
            },
        }
    }
    p.finish();
    p.out
}

fn push_inline(out: &mut String, event: &Event) {
    match event {
        Event::Text(t) | Event::Code(t) => out.push_str(t),
        Event::SoftBreak | Event::HardBreak => out.push(' '),
        _ => {}
    }
}

fn push_space(item: Option<&mut Item>) {
    if let Some(item) = item {
        item.text.push(' ');
    }
}

/// Single spaces between words, none around them.
pub(super) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What smart punctuation makes of `'`, `"`, `--`, `---` and `...`.
fn is_smart(text: &str) -> bool {
    matches!(text, "‘" | "’" | "“" | "”" | "–" | "—" | "…")
}

fn is_internal(url: &str) -> bool {
    url.starts_with('/') || url.starts_with('#')
}
