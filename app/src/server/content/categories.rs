//! Forum categories: `content/forum/categories.toml`, in the order shown at `/forum`, each
//! named in every language and optionally tied to a training module.
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::{ContentError, Module};
use crate::domain::language::LANGUAGES;

#[derive(Clone, Debug, PartialEq)]
pub struct Category {
    pub slug: String,
    pub module: Option<String>,
    pub names: BTreeMap<String, String>,
    pub descriptions: BTreeMap<String, String>,
}

impl Category {
    pub fn name(&self, lang: &str) -> &str {
        self.names.get(lang).map_or(&self.slug, String::as_str)
    }

    pub fn description(&self, lang: &str) -> &str {
        self.descriptions.get(lang).map_or("", String::as_str)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    category: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    slug: String,
    module: Option<String>,
    name: BTreeMap<String, String>,
    description: BTreeMap<String, String>,
}

/// Loads `file` (a missing file means no categories), checking slugs, languages and modules.
pub fn load(
    file: &Path,
    modules: &[Module],
    reported: &std::collections::HashSet<String>,
) -> (Vec<Category>, Vec<ContentError>) {
    if !file.exists() {
        return (Vec::new(), Vec::new());
    }
    let text = match super::read_text(file) {
        Ok(text) => text,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let line_at = |offset: usize| 1 + text[..offset.min(text.len())].matches('\n').count();
    let parsed: File = match toml::from_str(&text) {
        Ok(parsed) => parsed,
        Err(e) => {
            let line = e.span().map_or(1, |s| line_at(s.start));
            return (
                Vec::new(),
                vec![ContentError::new(file, line, e.message().to_owned())],
            );
        }
    };
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    // Entries start at their `[[category]]` line, in order.
    let starts: Vec<usize> = text
        .match_indices("[[category]]")
        .map(|(at, _)| line_at(at))
        .collect();
    let categories = parsed
        .category
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let line = starts.get(i).copied().unwrap_or(1);
            let mut problem = |m: String| errors.push(ContentError::new(file, line, m));
            if entry.slug.is_empty()
                || !entry
                    .slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                problem(format!(
                    "category slug {:?} may use only a-z, 0-9 and -",
                    entry.slug
                ));
            }
            if !seen.insert(entry.slug.clone()) {
                problem(format!("category {:?} is listed twice", entry.slug));
            }
            for (lang, _) in LANGUAGES {
                for (field, values) in [("name", &entry.name), ("description", &entry.description)]
                {
                    if values.get(lang).is_none_or(|v| v.trim().is_empty()) {
                        problem(format!(
                            "category {:?} has no {field} in {lang}",
                            entry.slug
                        ));
                    }
                }
            }
            // A module with problems of its own was reported already: naming it is no error.
            if let Some(module) = &entry.module
                && !modules.iter().any(|m| &m.slug == module)
                && !reported.contains(module)
            {
                problem(format!(
                    "category {:?}: there is no module {module:?}",
                    entry.slug
                ));
            }
            Category {
                slug: entry.slug,
                module: entry.module,
                names: entry.name,
                descriptions: entry.description,
            }
        })
        .collect();
    (categories, errors)
}
