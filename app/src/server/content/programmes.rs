//! Certificate programmes: `content/programs/<slug>.toml`, each naming the modules whose
//! quizzes a member must pass, how long a certificate is valid and how it is issued.
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ContentError, Module};
use crate::domain::language::LANGUAGES;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issuing {
    /// An admin reviews eligible members and issues (the default).
    Approval,
    /// Issued as soon as a member becomes eligible.
    Automatic,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Programme {
    pub slug: String,
    /// Per language code; every language has one.
    pub titles: BTreeMap<String, String>,
    pub descriptions: BTreeMap<String, String>,
    /// Modules whose quiz must be passed, in teaching order (sorted by the catalogue).
    pub modules: Vec<String>,
    pub validity_months: u32,
    pub renewal_window_days: u32,
    pub issuing: Issuing,
}

impl Programme {
    pub fn title(&self, lang: &str) -> &str {
        self.titles.get(lang).map_or("", String::as_str)
    }

    pub fn description(&self, lang: &str) -> &str {
        self.descriptions.get(lang).map_or("", String::as_str)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    title: BTreeMap<String, String>,
    description: BTreeMap<String, String>,
    modules: Vec<String>,
    validity_months: u32,
    renewal_window_days: u32,
    #[serde(default = "approval")]
    issuing: Issuing,
}

fn approval() -> Issuing {
    Issuing::Approval
}

/// Loads every `*.toml` under `dir` (a missing folder means no programmes), checking each
/// against the loaded modules; modules in `reported` have problems of their own, already
/// reported, and are not reported again.
pub fn load(
    dir: &Path,
    modules: &[Module],
    reported: &HashSet<String>,
) -> (Vec<Programme>, Vec<ContentError>) {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Vec::new(), Vec::new()),
        Err(e) => {
            return (
                Vec::new(),
                vec![ContentError::new(
                    dir,
                    0,
                    format!("cannot read the folder: {e}"),
                )],
            );
        }
    };
    files.sort();
    let mut programmes = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        match load_file(&file, modules, reported) {
            Ok(programme) => programmes.push(programme),
            Err(mut e) => errors.append(&mut e),
        }
    }
    (programmes, errors)
}

fn load_file(
    file: &Path,
    modules: &[Module],
    reported: &HashSet<String>,
) -> Result<Programme, Vec<ContentError>> {
    let error = |line: usize, message: String| ContentError::new(file, line, message);
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if file.extension().is_none_or(|x| x != "toml") {
        return Err(vec![error(
            0,
            "only <slug>.toml files belong in programs/".into(),
        )]);
    }
    if stem.is_empty()
        || !stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(vec![error(
            0,
            "a programme file name may use only a-z, 0-9 and -".into(),
        )]);
    }
    let text = super::read_text(file).map_err(|e| vec![e])?;
    let line_of = |offset: usize| 1 + text[..offset.min(text.len())].matches('\n').count();
    let parsed: File = toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(1, |span| line_of(span.start));
        vec![error(line, e.message().to_owned())]
    })?;
    // The line where a key is set, for messages about its value.
    let key_line = |key: &str| {
        text.lines()
            .position(|l| {
                let l = l.trim_start();
                l.starts_with(key) && l[key.len()..].trim_start().starts_with(['=', ']'])
                    || l == format!("[{key}]")
            })
            .map_or(1, |i| i + 1)
    };
    let mut errors = Vec::new();
    for (field, texts) in [
        ("title", &parsed.title),
        ("description", &parsed.description),
    ] {
        for (code, _) in LANGUAGES {
            match texts.get(code) {
                Some(t) if !t.trim().is_empty() => {}
                _ => errors.push(error(
                    key_line(field),
                    format!("{field} needs a text for every language; {code} is missing"),
                )),
            }
        }
        for code in texts.keys() {
            if !LANGUAGES.iter().any(|(c, _)| c == code) {
                errors.push(error(
                    key_line(field),
                    format!("{field}.{code}: not one of the portal's languages"),
                ));
            }
        }
    }
    if parsed.modules.is_empty() {
        errors.push(error(
            key_line("modules"),
            "list at least one required module".into(),
        ));
    }
    for slug in &parsed.modules {
        if reported.contains(slug) {
            continue;
        }
        match modules.iter().find(|m| &m.slug == slug) {
            None => errors.push(error(
                key_line("modules"),
                format!("there is no module {slug:?}"),
            )),
            Some(m) if m.quiz.is_none() => errors.push(error(
                key_line("modules"),
                format!("module {slug:?} has no quiz to pass"),
            )),
            Some(_) => {}
        }
        if parsed.modules.iter().filter(|s| *s == slug).count() > 1 {
            errors.push(error(
                key_line("modules"),
                format!("module {slug:?} is listed twice"),
            ));
        }
    }
    if parsed.validity_months == 0 {
        errors.push(error(
            key_line("validity_months"),
            "validity_months must be at least 1".into(),
        ));
    }
    if parsed.renewal_window_days == 0
        || u64::from(parsed.renewal_window_days) >= u64::from(parsed.validity_months) * 28
    {
        errors.push(error(
            key_line("renewal_window_days"),
            "renewal_window_days must be at least 1 and shorter than the validity".into(),
        ));
    }
    if !errors.is_empty() {
        errors.dedup();
        return Err(errors);
    }
    Ok(Programme {
        slug: stem.to_owned(),
        titles: parsed.title,
        descriptions: parsed.description,
        modules: parsed.modules,
        validity_months: parsed.validity_months,
        renewal_window_days: parsed.renewal_window_days,
        issuing: parsed.issuing,
    })
}
