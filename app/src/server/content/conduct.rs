//! The code of conduct: `content/code-of-conduct/<lang>.md` in every language, one version
//! for all, numbered sections (`## 1. Title {#clause-1}`) and clauses
//! (`### 1.1 Title {#clause-1-1}`) whose ids flags and moderators cite.
use std::collections::BTreeMap;
use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Deserialize;

use super::{ContentError, split_front_matter};
use crate::domain::language::LANGUAGES;

#[derive(Clone, Debug, PartialEq)]
pub struct CodeOfConduct {
    pub version: u32,
    /// `2026-11-23`
    pub effective: String,
    /// English first, then the others by language code.
    pub translations: Vec<ConductText>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConductText {
    pub lang: &'static str,
    pub title: String,
    pub summary: String,
    pub intro_html: String,
    pub sections: Vec<ConductSection>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConductSection {
    /// `clause-3`
    pub id: String,
    /// The heading as written, e.g. `3. Respect`.
    pub title: String,
    /// Any text between the heading and the first clause.
    pub intro_html: String,
    pub clauses: Vec<Clause>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    /// `clause-3-2`, stable across versions and languages.
    pub id: String,
    /// `3.2 No advertising`
    pub title: String,
    pub html: String,
}

impl CodeOfConduct {
    /// The text in `lang`, or else English.
    pub fn text(&self, lang: &str) -> &ConductText {
        self.translations
            .iter()
            .find(|t| t.lang == lang)
            .unwrap_or(&self.translations[0])
    }

    pub fn clauses(&self, lang: &str) -> impl Iterator<Item = &Clause> {
        self.text(lang).sections.iter().flat_map(|s| &s.clauses)
    }

    pub fn clause(&self, lang: &str, id: &str) -> Option<&Clause> {
        self.clauses(lang).find(|c| c.id == id)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    version: u32,
    effective: toml::value::Datetime,
    summary: String,
}

/// Loads the code from `dir` (a missing folder means there is none yet).
pub fn load(dir: &Path) -> (Option<CodeOfConduct>, Vec<ContentError>) {
    if !dir.exists() {
        return (None, Vec::new());
    }
    let mut errors = Vec::new();
    let mut texts: BTreeMap<&'static str, (ConductText, u32, String, std::path::PathBuf)> =
        BTreeMap::new();
    for &(lang, _) in &LANGUAGES {
        let file = dir.join(format!("{lang}.md"));
        match load_file(&file, lang) {
            Ok((text, version, effective)) => {
                texts.insert(lang, (text, version, effective, file));
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    let Some((english, version, effective, english_file)) = texts.get("en").cloned() else {
        return (None, errors);
    };
    let ids = |t: &ConductText| -> Vec<String> {
        t.sections
            .iter()
            .flat_map(|s| {
                std::iter::once(s.id.clone()).chain(s.clauses.iter().map(|c| c.id.clone()))
            })
            .collect()
    };
    let english_ids = ids(&english);
    for (lang, (text, v, e, file)) in &texts {
        if *v != version || *e != effective {
            errors.push(ContentError::new(
                file,
                1,
                format!("version {v} of {e} differs from en.md (version {version} of {effective}): every language states the same version"),
            ));
        }
        if ids(text) != english_ids && *lang != "en" {
            errors.push(ContentError::new(
                file,
                1,
                format!(
                    "sections and clauses differ from en.md: expected {}",
                    english_ids.join(", ")
                ),
            ));
        }
    }
    let _ = english_file;
    if !errors.is_empty() {
        return (None, errors);
    }
    let mut translations: Vec<ConductText> = texts.into_values().map(|(t, ..)| t).collect();
    translations.sort_by_key(|t| (t.lang != "en", t.lang));
    (
        Some(CodeOfConduct {
            version,
            effective,
            translations,
        }),
        Vec::new(),
    )
}

fn load_file(
    file: &Path,
    lang: &'static str,
) -> Result<(ConductText, u32, String), Vec<ContentError>> {
    let error = |line: usize, message: String| ContentError::new(file, line, message);
    let source = super::read_text(file).map_err(|e| vec![e])?;
    let (front_text, body, body_line) =
        split_front_matter(&source).map_err(|(line, m)| vec![error(line, m)])?;
    let front: FrontMatter = toml::from_str(front_text).map_err(|e| {
        let line = e
            .span()
            .map_or(1, |span| 2 + front_text[..span.start].matches('\n').count());
        vec![error(line, format!("front matter: {}", e.message()))]
    })?;
    let mut problems = Vec::new();
    if front.title.trim().is_empty() || front.summary.trim().is_empty() {
        problems.push(error(
            1,
            "front matter: title and summary must not be empty".into(),
        ));
    }
    let Some(date) = front
        .effective
        .date
        .filter(|_| front.effective.time.is_none())
    else {
        return Err(vec![error(
            1,
            "front matter: effective must be a date, e.g. 2026-11-23".into(),
        )]);
    };

    let line_of = |offset: usize| body_line + body[..offset].matches('\n').count();
    let mut text = ConductText {
        lang,
        title: front.title,
        summary: front.summary,
        intro_html: String::new(),
        sections: Vec::new(),
    };
    let mut chunk: Vec<Event> = Vec::new();
    // (level, id, line, title so far) of the heading being read.
    let mut heading: Option<(HeadingLevel, String, usize, String)> = None;
    let mut links = Vec::new();
    let flush = |chunk: &mut Vec<Event>, text: &mut ConductText| {
        let mut out = String::new();
        html::push_html(&mut out, chunk.drain(..));
        match text.sections.last_mut() {
            None => text.intro_html = out,
            Some(section) => match section.clauses.last_mut() {
                Some(clause) => clause.html = out,
                None => section.intro_html = out,
            },
        }
    };
    let options = Options::ENABLE_HEADING_ATTRIBUTES | Options::ENABLE_SMART_PUNCTUATION;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        let line = line_of(range.start);
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                flush(&mut chunk, &mut text);
                if !matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                    problems.push(error(
                        line,
                        "use ## for sections and ### for clauses only".into(),
                    ));
                }
                let id = id.map(|i| i.to_string()).unwrap_or_default();
                heading = Some((level, id, line, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, id, line, title)) = heading.take() else {
                    continue;
                };
                let title = title.trim().to_owned();
                let number = title
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches('.');
                let expected = format!("clause-{}", number.replace('.', "-"));
                match level {
                    HeadingLevel::H2 => {
                        let n = text.sections.len() + 1;
                        if number != n.to_string() || id != expected {
                            problems.push(error(
                                line,
                                format!("section {n} must read `## {n}. Title {{#clause-{n}}}`"),
                            ));
                        }
                        text.sections.push(ConductSection {
                            id,
                            title,
                            intro_html: String::new(),
                            clauses: Vec::new(),
                        });
                    }
                    HeadingLevel::H3 => {
                        let n = text.sections.len();
                        let Some(section) = text.sections.last_mut() else {
                            problems
                                .push(error(line, "a ### clause must follow a ## section".into()));
                            continue;
                        };
                        let m = section.clauses.len() + 1;
                        if number != format!("{n}.{m}") || id != expected {
                            problems.push(error(line, format!("clause {n}.{m} must read `### {n}.{m} Title {{#clause-{n}-{m}}}`")));
                        }
                        section.clauses.push(Clause {
                            id,
                            title,
                            html: String::new(),
                        });
                    }
                    _ => {}
                }
            }
            Event::Text(ref t) | Event::Code(ref t) if heading.is_some() => {
                if let Some((.., title)) = heading.as_mut() {
                    title.push_str(t);
                }
            }
            _ if heading.is_some() => {}
            Event::Html(_) | Event::InlineHtml(_) => {
                problems.push(error(line, "raw HTML is not allowed; use markdown".into()));
            }
            Event::Start(Tag::Link { ref dest_url, .. }) => {
                if let Some(anchor) = dest_url.strip_prefix('#') {
                    links.push((anchor.to_owned(), line));
                }
                chunk.push(event);
            }
            other => chunk.push(other),
        }
    }
    flush(&mut chunk, &mut text);
    for section in &text.sections {
        if section.clauses.is_empty() {
            problems.push(error(
                body_line,
                format!("section {} has no clauses", section.title),
            ));
        }
    }
    for (anchor, line) in links {
        let known = text
            .sections
            .iter()
            .any(|s| s.id == anchor || s.clauses.iter().any(|c| c.id == anchor));
        if !known {
            problems.push(error(
                line,
                format!("link to #{anchor}: there is no such clause"),
            ));
        }
    }
    if text.sections.is_empty() {
        problems.push(error(body_line, "the code has no sections".into()));
    }
    if problems.is_empty() {
        Ok((text, front.version, date.to_string()))
    } else {
        Err(problems)
    }
}
