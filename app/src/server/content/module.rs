//! Loading one module: its language files checked against English, and its quiz.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::{ContentError, Module, Translation, markdown, quiz, split_front_matter};
use crate::domain::language::LANGUAGES;

/// A module's front matter, between `+++` lines at the top of each language file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    summary: String,
    minutes: u32,
    order: u32,
    source: String,
    objectives: Vec<String>,
}

pub(super) struct PendingLink {
    pub(super) file: PathBuf,
    pub(super) line: usize,
    pub(super) from_slug: String,
    pub(super) target: String,
}

/// The module in `dir` and its problems. A module whose only problems are in its quiz still
/// comes back (without the quiz), so that links to and within it are checked.
pub(super) fn load_module(
    dir: &Path,
    links: &mut Vec<PendingLink>,
) -> (Option<Module>, Vec<ContentError>) {
    let slug = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let mut errors = Vec::new();
    if slug.is_empty()
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errors.push(ContentError::new(
            dir,
            0,
            "a module folder name may use only a-z, 0-9 and -",
        ));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();

    let mut parsed: BTreeMap<&'static str, (PathBuf, FrontMatter, markdown::Rendered)> =
        BTreeMap::new();
    let mut quiz_files = Vec::new();
    // Languages with a file, whether or not it loads: a quiz may be in those.
    let mut langs = Vec::new();
    for file in files {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if quiz::is_quiz_file(stem) {
            quiz_files.push(file);
            continue;
        }
        let Some(&(lang, _)) = LANGUAGES.iter().find(|(code, _)| *code == stem) else {
            let codes: Vec<_> = LANGUAGES.iter().map(|(c, _)| *c).collect();
            errors.push(ContentError::new(
                &file,
                0,
                format!(
                    "file name must be a language code: {}.md",
                    codes.join(".md, ")
                ),
            ));
            continue;
        };
        langs.push(lang);
        match load_file(&file) {
            Ok((front, rendered)) => {
                for link in &rendered.links {
                    links.push(PendingLink {
                        file: file.clone(),
                        line: link.line,
                        from_slug: slug.clone(),
                        target: link.target.clone(),
                    });
                }
                parsed.insert(lang, (file, front, rendered));
            }
            Err(mut e) => errors.append(&mut e),
        }
    }

    // The quiz is checked even when the module has problems, as far as it can be: its
    // sections only when en.md loads, nothing when there is no en.md.
    let mut module_quiz = None;
    let mut quiz_errors = Vec::new();
    if langs.contains(&"en") {
        let section_ids: Option<Vec<String>> = parsed
            .get("en")
            .map(|(_, _, doc)| doc.sections.iter().map(|s| s.id.clone()).collect());
        match quiz::load(
            dir,
            &slug,
            &quiz_files,
            &langs,
            section_ids.as_deref(),
            links,
        ) {
            Ok(q) => module_quiz = q.map(Arc::new),
            Err(e) => quiz_errors = e,
        }
    }

    let Some((en_file, en_front, en_doc)) = parsed.get("en") else {
        if errors.is_empty() {
            errors.push(ContentError::new(
                &dir.join("en.md"),
                0,
                "every module needs an English version (en.md)",
            ));
        }
        errors.append(&mut quiz_errors);
        return (None, errors);
    };
    let section_ids: Vec<String> = en_doc.sections.iter().map(|s| s.id.clone()).collect();
    for (lang, (file, front, doc)) in &parsed {
        if *lang == "en" {
            continue;
        }
        let ids: Vec<&str> = doc.sections.iter().map(|s| s.id.as_str()).collect();
        for id in &section_ids {
            if !ids.contains(&id.as_str()) {
                errors.push(ContentError::new(
                    file,
                    1,
                    format!("section #{id} of {} is missing here", en_file.display()),
                ));
            }
        }
        for section in &doc.sections {
            if !section_ids.contains(&section.id) {
                errors.push(ContentError::new(
                    file,
                    section.line,
                    format!("section #{} is not in {}", section.id, en_file.display()),
                ));
            }
        }
        if front.order != en_front.order {
            errors.push(ContentError::new(
                file,
                1,
                format!(
                    "order {} differs from en.md's {}",
                    front.order, en_front.order
                ),
            ));
        }
    }
    if !errors.is_empty() {
        errors.append(&mut quiz_errors);
        return (None, errors);
    }

    let (order, source) = (en_front.order, en_front.source.clone());
    let mut translations: Vec<Translation> = parsed
        .into_iter()
        .map(|(lang, (_, front, doc))| Translation {
            lang,
            title: front.title,
            summary: front.summary,
            minutes: front.minutes,
            objectives: front.objectives,
            reading_minutes: doc.words.div_ceil(200).max(1) as u32,
            intro_html: doc.intro_html,
            sections: doc.sections,
        })
        .collect();
    translations.sort_by_key(|t| (t.lang != "en", t.lang));
    let module = Module {
        slug,
        order,
        source,
        section_ids,
        translations,
        quiz: module_quiz,
    };
    (Some(module), quiz_errors)
}

fn load_file(file: &Path) -> Result<(FrontMatter, markdown::Rendered), Vec<ContentError>> {
    let text = super::read_text(file).map_err(|e| vec![e])?;
    let (front_text, body, body_line) =
        split_front_matter(&text).map_err(|(line, m)| vec![ContentError::new(file, line, m)])?;
    let front: FrontMatter = toml::from_str(front_text).map_err(|e| {
        // Lines inside the front matter start after the opening `+++` (line 1).
        let line = e
            .span()
            .map_or(1, |span| 2 + front_text[..span.start].matches('\n').count());
        vec![ContentError::new(
            file,
            line,
            format!("front matter: {}", e.message()),
        )]
    })?;
    let mut errors = Vec::new();
    for (field, value) in [
        ("title", &front.title),
        ("summary", &front.summary),
        ("source", &front.source),
    ] {
        if value.trim().is_empty() {
            errors.push(ContentError::new(
                file,
                1,
                format!("front matter: {field} is empty"),
            ));
        }
    }
    if front.objectives.is_empty() {
        errors.push(ContentError::new(
            file,
            1,
            "front matter: list at least one learning objective",
        ));
    }
    if front.minutes == 0 {
        errors.push(ContentError::new(
            file,
            1,
            "front matter: minutes must be at least 1",
        ));
    }
    match markdown::render(body, body_line) {
        Ok(doc) if errors.is_empty() => Ok((front, doc)),
        Ok(_) => Err(errors),
        Err(problems) => {
            errors.extend(
                problems
                    .into_iter()
                    .map(|(line, m)| ContentError::new(file, line, m)),
            );
            Err(errors)
        }
    }
}
