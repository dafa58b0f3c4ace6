//! A module's quiz: `quiz.<lang>.md` beside the module's own files, checked file by file and
//! then across languages, and turned into the [`Quiz`] that attempts are graded against.
mod body;
mod file;
mod kind;
mod question;
mod validate;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use self::file::{SettingsFront, load_file};
use self::validate::compare;
use super::{ContentError, PendingLink};
use crate::domain::language::LANGUAGES;
use crate::server::quiz::model::{AnswerKey, Question, QuestionText, Quiz, Settings};

/// One question of one file, checked on its own.
#[derive(Debug)]
struct Parsed {
    id: String,
    line: usize,
    /// The line of its list of answers, or of its heading when it has none.
    answers_line: usize,
    section: String,
    /// `None` when the question has problems of its own (already reported).
    key: Option<AnswerKey>,
    text: QuestionText,
}

/// One quiz file, as far as it could be read.
struct QuizFile {
    path: PathBuf,
    lang: &'static str,
    bytes: String,
    title: String,
    /// Only in `quiz.en.md`.
    settings: Option<SettingsFront>,
    questions: Vec<Parsed>,
    /// Whether its body could be read: only then is it compared with the others.
    read: bool,
}

/// Whether a file of a module folder belongs to its quiz (`quiz.<lang>.md`, or a misnamed try).
pub(super) fn is_quiz_file(stem: &str) -> bool {
    stem == "quiz" || stem.starts_with("quiz.")
}

/// Loads the quiz of the module in `dir` from its `files` (`quiz.*.md`). `module_langs` are the
/// languages the module has a file for, `section_ids` the module's sections (unknown when its
/// `en.md` is broken, and then not checked). Internal links in explanations go to `links`.
/// `Ok(None)`: the module has no quiz.
pub(super) fn load(
    dir: &Path,
    slug: &str,
    files: &[PathBuf],
    module_langs: &[&'static str],
    section_ids: Option<&[String]>,
    links: &mut Vec<PendingLink>,
) -> Result<Option<Quiz>, Vec<ContentError>> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let mut parsed: BTreeMap<&'static str, QuizFile> = BTreeMap::new();
    for file in files {
        let code = file
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.strip_prefix("quiz."))
            .unwrap_or_default();
        let Some(&(lang, _)) = LANGUAGES.iter().find(|(c, _)| *c == code) else {
            let names: Vec<_> = LANGUAGES
                .iter()
                .map(|(c, _)| format!("quiz.{c}.md"))
                .collect();
            errors.push(ContentError::new(
                file,
                0,
                format!("a quiz file is named by its language: {}", names.join(", ")),
            ));
            continue;
        };
        if !module_langs.contains(&lang) {
            errors.push(ContentError::new(
                file,
                0,
                format!("there is no {lang}.md: a quiz is only in the languages of its module"),
            ));
        }
        let quiz_file = load_file(file, lang, slug, section_ids, links, &mut errors);
        parsed.insert(lang, quiz_file);
    }

    let Some(en) = parsed.get("en") else {
        if !parsed.is_empty() || errors.is_empty() {
            errors.push(ContentError::new(
                &dir.join("quiz.en.md"),
                0,
                "a quiz needs an English version (quiz.en.md), which also holds its settings",
            ));
        }
        return Err(errors);
    };
    for lang in module_langs {
        if !parsed.contains_key(lang) {
            errors.push(ContentError::new(
                &dir.join(format!("quiz.{lang}.md")),
                0,
                format!(
                    "the module is in this language ({lang}.md) but its quiz is not: \
                     write quiz.{lang}.md"
                ),
            ));
        }
    }

    for (lang, file) in &parsed {
        if *lang == "en" || !file.read || !en.read {
            continue;
        }
        let ids: HashSet<&str> = file.questions.iter().map(|q| q.id.as_str()).collect();
        for q in &en.questions {
            if !q.id.is_empty() && !ids.contains(q.id.as_str()) {
                errors.push(ContentError::new(
                    &file.path,
                    1,
                    format!("question #{} of quiz.en.md is missing here", q.id),
                ));
            }
        }
        for q in &file.questions {
            if q.id.is_empty() {
                continue;
            }
            match en.questions.iter().find(|e| e.id == q.id) {
                Some(original) => compare(&file.path, q, original, &mut errors),
                None => errors.push(ContentError::new(
                    &file.path,
                    q.line,
                    format!("question #{} is not in quiz.en.md", q.id),
                )),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Some(build(parsed)))
}

/// The quiz of files that passed every check.
fn build(parsed: BTreeMap<&'static str, QuizFile>) -> Quiz {
    let mut files: Vec<QuizFile> = parsed.into_values().collect();
    let version = version(&files);
    // English first: its order is the pool's, and its accepted answers come first.
    files.sort_by_key(|f| f.lang != "en");
    let mut files = files.into_iter();
    let en = files.next().expect("checked: quiz.en.md is there");
    let front = en.settings.expect("checked: quiz.en.md has settings");
    let settings = Settings {
        draw: front.draw,
        shuffle_options: front.shuffle_options,
        pass_mark: front.pass_mark,
        attempts_per_day: front.attempts_per_day,
        cooldown_seconds: i64::from(front.cooldown_minutes) * 60,
        time_limit_seconds: front.time_limit_minutes.map(|m| i64::from(m) * 60),
        review: front.review,
    };
    let mut titles = BTreeMap::from([("en".to_owned(), en.title)]);
    let mut questions: Vec<Question> = en
        .questions
        .into_iter()
        .map(|q| Question {
            id: q.id,
            section: q.section,
            key: q.key.expect("checked: every question is whole"),
            texts: BTreeMap::from([("en".to_owned(), q.text)]),
        })
        .collect();
    for file in files {
        titles.insert(file.lang.to_owned(), file.title);
        for q in file.questions {
            let Some(question) = questions.iter_mut().find(|x| x.id == q.id) else {
                continue;
            };
            if let (AnswerKey::Text { accepted }, Some(AnswerKey::Text { accepted: more })) =
                (&mut question.key, q.key)
            {
                for answer in more {
                    if !accepted.contains(&answer) {
                        accepted.push(answer);
                    }
                }
            }
            question.texts.insert(file.lang.to_owned(), q.text);
        }
    }
    Quiz {
        version,
        settings,
        titles,
        questions,
    }
}

/// The first 16 hex digits of a SHA-256 over every file's name and bytes, in name order.
fn version(files: &[QuizFile]) -> String {
    let mut named: Vec<(String, &str)> = files
        .iter()
        .map(|f| {
            let name = f
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, f.bytes.as_str())
        })
        .collect();
    named.sort();
    let mut hasher = Sha256::new();
    for (name, bytes) in named {
        // The name, then the length-prefixed bytes: no two different sets of files hash alike.
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes.as_bytes());
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
