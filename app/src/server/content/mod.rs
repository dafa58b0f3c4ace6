//! Training content: markdown files under `content/`, checked as a whole and rendered once
//! into memory. A broken file is reported with its name and line; nothing half-loaded is
//! ever served.
pub mod categories;
pub mod conduct;
mod markdown;
mod module;
pub mod programmes;
mod quiz;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use self::module::{PendingLink, load_module};
use crate::server::quiz::model::Quiz;
pub use categories::Category;
pub use conduct::CodeOfConduct;
pub use markdown::Section;
pub use programmes::{Issuing, Programme};

/// One problem in one file, at one line (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl ContentError {
    fn new(file: &Path, line: usize, message: impl Into<String>) -> Self {
        ContentError {
            file: file.to_owned(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// One module in one language, rendered.
#[derive(Clone, Debug)]
pub struct Translation {
    pub lang: &'static str,
    pub title: String,
    pub summary: String,
    pub minutes: u32,
    pub objectives: Vec<String>,
    pub intro_html: String,
    pub sections: Vec<Section>,
    pub reading_minutes: u32,
}

#[derive(Clone, Debug)]
pub struct Module {
    pub slug: String,
    pub order: u32,
    pub source: String,
    /// Section ids in reading order, the same in every language.
    pub section_ids: Vec<String>,
    /// English first, then the others by language code.
    pub translations: Vec<Translation>,
    /// From `quiz.<lang>.md`, in the module's languages; `None` when it has none.
    pub quiz: Option<Arc<Quiz>>,
}

impl Module {
    pub fn translation(&self, lang: &str) -> Option<&Translation> {
        self.translations.iter().find(|t| t.lang == lang)
    }

    /// The translation in `lang`, or else English (every module has it).
    pub fn translation_or_english(&self, lang: &str) -> &Translation {
        self.translation(lang).unwrap_or(&self.translations[0])
    }
}

#[derive(Debug, Default)]
pub struct Catalogue {
    modules: Vec<Module>,
    programmes: Vec<Programme>,
    code_of_conduct: Option<CodeOfConduct>,
    categories: Vec<Category>,
}

impl Catalogue {
    /// Modules in their teaching order.
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    pub fn module(&self, slug: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.slug == slug)
    }

    /// Certificate programmes, by file name.
    pub fn programmes(&self) -> &[Programme] {
        &self.programmes
    }

    pub fn programme(&self, slug: &str) -> Option<&Programme> {
        self.programmes.iter().find(|p| p.slug == slug)
    }

    /// The code of conduct, if `content/code-of-conduct/` has one.
    pub fn code_of_conduct(&self) -> Option<&CodeOfConduct> {
        self.code_of_conduct.as_ref()
    }

    /// Forum categories in the order shown.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    pub fn category(&self, slug: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.slug == slug)
    }

    /// The quiz of the module `slug`, if it has one.
    pub fn quiz(&self, slug: &str) -> Option<&Arc<Quiz>> {
        self.module(slug)?.quiz.as_ref()
    }

    /// Reads and checks everything under `dir`; all problems at once, or a whole catalogue.
    pub fn load(dir: &Path) -> Result<Catalogue, Vec<ContentError>> {
        let modules_dir = dir.join("modules");
        let mut errors = Vec::new();
        let mut modules = Vec::new();
        let entries = match std::fs::read_dir(&modules_dir) {
            Ok(entries) => entries,
            Err(e) => {
                return Err(vec![ContentError::new(
                    &modules_dir,
                    0,
                    format!("cannot read the folder: {e}"),
                )]);
            }
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        let mut links = Vec::new();
        let mut failed = HashSet::new();
        // Modules with any problem: a programme naming one does not report it again.
        let mut reported = HashSet::new();
        for module_dir in dirs {
            let (module, mut e) = load_module(&module_dir, &mut links);
            if !e.is_empty() {
                reported.extend(
                    module_dir
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned()),
                );
            }
            match module {
                Some(module) => modules.push(module),
                None => failed.extend(
                    module_dir
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned()),
                ),
            }
            errors.append(&mut e);
        }
        let (programmes, programme_errors) =
            programmes::load(&dir.join("programs"), &modules, &reported);
        let (code_of_conduct, conduct_errors) = conduct::load(&dir.join("code-of-conduct"));
        let (categories, category_errors) =
            categories::load(&dir.join("forum/categories.toml"), &modules, &reported);
        let catalogue = Catalogue {
            modules,
            programmes,
            code_of_conduct,
            categories,
        };
        // Links into a module that failed to load are not reported again.
        let into_failed = |link: &PendingLink| {
            let path = link.target.split('#').next().unwrap_or_default();
            let slug = path
                .strip_prefix("/training/")
                .unwrap_or(if path.is_empty() {
                    &link.from_slug
                } else {
                    path
                });
            failed.contains(slug.trim_end_matches('/'))
        };
        for link in links.iter().filter(|l| !into_failed(l)) {
            if let Err(message) = catalogue.check_link(&link.from_slug, &link.target) {
                errors.push(ContentError::new(&link.file, link.line, message));
            }
        }
        let mut orders = HashSet::new();
        for m in &catalogue.modules {
            if !orders.insert(m.order) {
                errors.push(ContentError::new(
                    &modules_dir.join(&m.slug).join("en.md"),
                    1,
                    format!("order {} is used by another module too", m.order),
                ));
            }
        }
        // Modules first, in file and line order, then what builds on them in the order it
        // was loaded: a cause is printed before anything that follows from it.
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        for mut later in [programme_errors, conduct_errors, category_errors] {
            later.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            errors.append(&mut later);
        }
        if errors.is_empty() {
            let mut catalogue = catalogue;
            catalogue.modules.sort_by_key(|m| m.order);
            let position = |slug: &String| catalogue.modules.iter().position(|m| &m.slug == slug);
            let mut programmes = std::mem::take(&mut catalogue.programmes);
            for programme in &mut programmes {
                programme.modules.sort_by_key(position);
            }
            catalogue.programmes = programmes;
            Ok(catalogue)
        } else {
            Err(errors)
        }
    }

    fn check_link(&self, from_slug: &str, target: &str) -> Result<(), String> {
        let (path, anchor) = target
            .split_once('#')
            .map_or((target, None), |(p, a)| (p, Some(a)));
        let slug = if path.is_empty() {
            from_slug
        } else if let Some(slug) = path.strip_prefix("/training/") {
            slug.trim_end_matches('/')
        } else if path == "/training" || path == "/training/" {
            return Ok(());
        } else {
            return Err(format!(
                "link to {target:?}: links inside the portal go to /training/<module> or #section"
            ));
        };
        let module = self
            .module(slug)
            .ok_or_else(|| format!("link to {target:?}: there is no module {slug:?}"))?;
        match anchor {
            Some(id) if !module.section_ids.iter().any(|s| s == id) => Err(format!(
                "link to {target:?}: module {slug:?} has no section #{id}"
            )),
            _ => Ok(()),
        }
    }
}

/// A content file's text. Editors on Windows often save a byte-order mark, which is dropped;
/// a file in another encoding (Latin-1, Windows-1250) is named with the line and column of its
/// first byte that is not UTF-8.
pub(super) fn read_text(file: &Path) -> Result<String, ContentError> {
    let bytes =
        std::fs::read(file).map_err(|e| ContentError::new(file, 0, format!("cannot read: {e}")))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = 1 + String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count();
            Err(ContentError::new(
                file,
                line,
                format!(
                    "column {column}: byte 0x{:02X} is not UTF-8; save the file as UTF-8",
                    bytes[e.valid_up_to()]
                ),
            ))
        }
    }
}

/// Splits `+++\n<toml>\n+++\n<markdown>`; returns the body's first line number too.
pub(super) fn split_front_matter(text: &str) -> Result<(&str, &str, usize), (usize, String)> {
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
        .ok_or((
            1,
            "the file must start with a +++ line opening the front matter".to_owned(),
        ))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let body_line = 2 + front.matches('\n').count() + 1;
            return Ok((front, body, body_line));
        }
        offset += line.len();
    }
    Err((1, "the front matter is not closed by a +++ line".to_owned()))
}

/// The catalogue being served; replaced whole when the files change (in development).
#[derive(Clone, Default)]
pub struct Content(Arc<RwLock<Arc<Catalogue>>>);

impl Content {
    pub fn new(catalogue: Catalogue) -> Self {
        Content(Arc::new(RwLock::new(Arc::new(catalogue))))
    }

    pub fn get(&self) -> Arc<Catalogue> {
        self.0.read().map(|c| Arc::clone(&c)).unwrap_or_default()
    }

    pub fn replace(&self, catalogue: Catalogue) {
        if let Ok(mut current) = self.0.write() {
            *current = Arc::new(catalogue);
        }
    }
}

/// Newest modification time of any file under `dir`, to notice edits in development.
pub fn last_modified(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = std::fs::metadata(dir).ok()?.modified().ok();
    for entry in std::fs::read_dir(dir).ok()?.filter_map(Result::ok) {
        let path = entry.path();
        let time = if path.is_dir() {
            last_modified(&path)
        } else {
            entry.metadata().ok()?.modified().ok()
        };
        newest = newest.max(time);
    }
    newest
}

#[cfg(test)]
mod conduct_tests;
#[cfg(test)]
mod programme_tests;
#[cfg(test)]
mod quiz_tests;
#[cfg(test)]
mod tests;
