//! A module's quiz: `quiz.<lang>.md` beside the module's own files, checked file by file and
//! then across languages, and turned into the [`Quiz`] that attempts are graded against.
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{ContentError, PendingLink, split_front_matter};
use crate::domain::language::LANGUAGES;
use crate::server::quiz::model::{
    AnswerKey, Question, QuestionText, Quiz, ReviewPolicy, Settings, normalise_text, parse_number,
};

/// The front matter of `quiz.en.md`: the title and every setting.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFront {
    title: String,
    draw: usize,
    shuffle_options: bool,
    pass_mark: u32,
    attempts_per_day: u32,
    cooldown_minutes: u32,
    time_limit_minutes: Option<u32>,
    review: ReviewPolicy,
}

/// The front matter of the other languages: only their title.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TitleFront {
    title: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Single,
    Multiple,
    TrueFalse,
    Text,
    Numeric,
}

impl Kind {
    fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "single" => Kind::Single,
            "multiple" => Kind::Multiple,
            "truefalse" => Kind::TrueFalse,
            "text" => Kind::Text,
            "numeric" => Kind::Numeric,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::TrueFalse => "truefalse",
            Kind::Text => "text",
            Kind::Numeric => "numeric",
        }
    }
}

const TYPES: &str = "single, multiple, truefalse, text or numeric";

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

/// Reports every way `q` (a translation) differs from `original` (in quiz.en.md) in what is
/// graded. Questions with problems of their own are not compared.
fn compare(file: &Path, q: &Parsed, original: &Parsed, errors: &mut Vec<ContentError>) {
    if q.section != original.section && !q.section.is_empty() && !original.section.is_empty() {
        errors.push(ContentError::new(
            file,
            q.line,
            format!(
                "question #{}: section={} differs from quiz.en.md's section={}",
                q.id, q.section, original.section
            ),
        ));
    }
    let (Some(key), Some(en_key)) = (&q.key, &original.key) else {
        return;
    };
    if key.kind() != en_key.kind() {
        errors.push(ContentError::new(
            file,
            q.line,
            format!(
                "question #{}: type={} differs from quiz.en.md's type={}",
                q.id,
                key.kind(),
                en_key.kind()
            ),
        ));
        return;
    }
    let (line, message) = match (key, en_key) {
        (AnswerKey::Text { .. }, _) => return,
        (
            AnswerKey::Numeric { answer, tolerance },
            AnswerKey::Numeric {
                answer: en_answer,
                tolerance: en_tolerance,
            },
        ) => {
            if answer == en_answer && tolerance == en_tolerance {
                return;
            }
            (
                q.line,
                format!(
                    "question #{}: answer={answer} tolerance={tolerance} differ from \
                     quiz.en.md's answer={en_answer} tolerance={en_tolerance}",
                    q.id
                ),
            )
        }
        _ if q.text.options.len() != original.text.options.len() => (
            q.answers_line,
            format!(
                "question #{}: {} options, but quiz.en.md has {}; the options are the same, \
                 in the same order, in every language",
                q.id,
                q.text.options.len(),
                original.text.options.len()
            ),
        ),
        _ if key != en_key => (
            q.answers_line,
            format!(
                "question #{}: the options marked [x] differ from quiz.en.md, where {} right",
                q.id,
                correct_list(en_key)
            ),
        ),
        _ => return,
    };
    errors.push(ContentError::new(file, line, message));
}

/// "option 2 is", "options 1, 2 and 4 are": counted from 1, as a writer counts them.
fn correct_list(key: &AnswerKey) -> String {
    let correct = match key {
        AnswerKey::Single { correct, .. } | AnswerKey::TrueFalse { correct, .. } => {
            vec![*correct]
        }
        AnswerKey::Multiple { correct, .. } => correct.clone(),
        AnswerKey::Text { .. } | AnswerKey::Numeric { .. } => Vec::new(),
    };
    let numbers: Vec<String> = correct.iter().map(|i| (i + 1).to_string()).collect();
    match numbers.as_slice() {
        [one] => format!("option {one} is"),
        [init @ .., last] => format!("options {} and {last} are", init.join(", ")),
        [] => "no option is".to_owned(),
    }
}

/// Reads one quiz file. Its own problems go to `errors`; what could be read comes back.
fn load_file(
    path: &Path,
    lang: &'static str,
    slug: &str,
    section_ids: Option<&[String]>,
    links: &mut Vec<PendingLink>,
    errors: &mut Vec<ContentError>,
) -> QuizFile {
    let mut out = QuizFile {
        path: path.to_owned(),
        lang,
        bytes: String::new(),
        title: String::new(),
        settings: None,
        questions: Vec::new(),
        read: false,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            errors.push(ContentError::new(path, 0, format!("cannot read: {e}")));
            return out;
        }
    };
    let (front_text, body, body_line) = match split_front_matter(&text) {
        Ok(parts) => parts,
        Err((line, message)) => {
            errors.push(ContentError::new(path, line, message));
            return out;
        }
    };
    let front_error = |e: toml::de::Error| {
        // Lines inside the front matter start after the opening `+++` (line 1).
        let line = e
            .span()
            .map_or(1, |span| 2 + front_text[..span.start].matches('\n').count());
        let mut message = format!("front matter: {}", e.message());
        if lang != "en" && message.contains("unknown field") {
            message
                .push_str(" (the settings are in quiz.en.md; other languages give only a title)");
        }
        ContentError::new(path, line, message)
    };
    let title = if lang == "en" {
        toml::from_str::<SettingsFront>(front_text).map(|front| {
            let title = front.title.clone();
            out.settings = Some(front);
            title
        })
    } else {
        toml::from_str::<TitleFront>(front_text).map(|front| front.title)
    };
    let title_ok = match title {
        Ok(title) => {
            out.title = title;
            true
        }
        Err(e) => {
            errors.push(front_error(e));
            false
        }
    };
    let body = parse_body(body, body_line, lang, slug, section_ids);
    let mut problems = body.problems;
    if title_ok && out.title.trim().is_empty() {
        problems.push((
            field_line(front_text, "title"),
            "front matter: title is empty".into(),
        ));
    }
    if let Some(front) = &out.settings {
        check_settings(front, front_text, body.questions.len(), &mut problems);
    }
    errors.extend(
        problems
            .into_iter()
            .map(|(line, m)| ContentError::new(path, line, m)),
    );
    links.extend(body.links.into_iter().map(|(line, target)| PendingLink {
        file: path.to_owned(),
        line,
        from_slug: slug.to_owned(),
        target,
    }));
    out.questions = body.questions;
    out.read = true;
    out.bytes = text;
    out
}

fn check_settings(
    front: &SettingsFront,
    front_text: &str,
    pool: usize,
    problems: &mut Vec<(usize, String)>,
) {
    let mut problem = |field: &str, message: String| {
        problems.push((
            field_line(front_text, field),
            format!("front matter: {message}"),
        ));
    };
    if front.draw == 0 {
        problem("draw", "draw must be at least 1".into());
    } else if front.draw > pool {
        problem(
            "draw",
            format!(
                "draw = {} but the pool has only {pool} question{}",
                front.draw,
                if pool == 1 { "" } else { "s" }
            ),
        );
    }
    if !(1..=100).contains(&front.pass_mark) {
        problem(
            "pass_mark",
            format!(
                "pass_mark is a percentage from 1 to 100, not {}",
                front.pass_mark
            ),
        );
    }
    if front.attempts_per_day == 0 {
        problem(
            "attempts_per_day",
            "attempts_per_day must be at least 1".into(),
        );
    }
    if front.time_limit_minutes == Some(0) {
        problem(
            "time_limit_minutes",
            "time_limit_minutes must be at least 1; leave it out for no limit".into(),
        );
    }
}

/// The file line of `field = …` in the front matter (which starts on line 2), else line 1.
fn field_line(front_text: &str, field: &str) -> usize {
    front_text
        .lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(field)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 2)
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_TASKLISTS
}

/// A quiz body, read: its questions, the internal links of its explanations (line, target),
/// and its problems (line, message).
struct Body {
    questions: Vec<Parsed>,
    links: Vec<(usize, String)>,
    problems: Vec<(usize, String)>,
}

/// A question while its heading, answers and explanation are read.
struct Draft {
    line: usize,
    id: String,
    kind: Option<Kind>,
    section: String,
    answer: Option<f64>,
    tolerance: Option<f64>,
    prompt: String,
    /// The list's line and its items.
    list: Option<(usize, Vec<Item>)>,
    explanation: Option<String>,
    /// It has problems of its own, already reported.
    broken: bool,
}

#[derive(Default)]
struct Item {
    line: usize,
    /// `[x]` or `[ ]`; `None` in a plain list.
    task: Option<bool>,
    text: String,
    /// It holds more than a line of text (a nested list, a quote…).
    nested: bool,
}

/// The top-level block being read.
enum Block<'a> {
    Heading,
    List(usize, Vec<Item>),
    Quote(Vec<Event<'a>>),
    /// Refused (already reported) or of no interest.
    Other,
}

struct BodyParser<'s> {
    newlines: Vec<usize>,
    first_line: usize,
    /// In quiz.en.md, true/false options must read True, False.
    english: bool,
    slug: &'s str,
    section_ids: Option<&'s [String]>,
    current: Option<Draft>,
    seen_ids: HashSet<String>,
    out: Body,
}

impl BodyParser<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.first_line + self.newlines.partition_point(|&n| n < offset)
    }

    /// Reports a problem, which also keeps the question being read out of later comparisons.
    fn problem(&mut self, line: usize, message: impl Into<String>) {
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

    fn heading(
        &mut self,
        line: usize,
        id: Option<CowStr>,
        classes: Vec<CowStr>,
        attrs: Vec<(CowStr, Option<CowStr>)>,
    ) {
        self.current = Some(Draft {
            line,
            id: id.as_deref().unwrap_or_default().to_owned(),
            kind: None,
            section: String::new(),
            answer: None,
            tolerance: None,
            prompt: String::new(),
            list: None,
            explanation: None,
            broken: false,
        });
        let id = id.map(|i| i.to_string()).unwrap_or_default();
        if id.is_empty() {
            self.problem(
                line,
                "every question needs an id: ## Question? {#question-id type=… section=…}",
            );
        } else if !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            self.problem(
                line,
                format!("question id #{id} may use only a-z, 0-9 and -"),
            );
        } else if !self.seen_ids.insert(id.clone()) {
            self.problem(line, format!("question id #{id} is used twice"));
        }
        for class in classes {
            self.problem(
                line,
                format!(
                    "unknown attribute .{class}: a question takes type=, section=, answer= and \
                     tolerance="
                ),
            );
        }
        let (mut kind, mut section, mut answer, mut tolerance) = (None, None, None, None);
        let mut type_given = false;
        let mut answer_given = false;
        for (name, value) in attrs {
            let Some(value) = value else {
                self.problem(line, format!("attribute {name} needs a value: {name}=…"));
                continue;
            };
            match name.as_ref() {
                "type" if type_given => self.problem(line, "type= is given twice"),
                "type" => {
                    type_given = true;
                    match Kind::parse(&value) {
                        Some(k) => kind = Some(k),
                        None => self.problem(line, format!("unknown type={value}: use {TYPES}")),
                    }
                }
                "section" => section = Some(value.to_string()),
                "answer" if answer_given => self.problem(line, "answer= is given twice"),
                "answer" => {
                    answer_given = true;
                    match parse_number(&value) {
                        Some(n) => answer = Some(n),
                        None => self.problem(line, format!("answer={value} is not a number")),
                    }
                }
                "tolerance" => match parse_number(&value) {
                    Some(n) if n >= 0.0 => tolerance = Some(n),
                    _ => self.problem(
                        line,
                        format!("tolerance={value} must be a number, 0 or more"),
                    ),
                },
                _ => self.problem(
                    line,
                    format!(
                        "unknown attribute {name}=: a question takes type=, section=, answer= \
                         and tolerance="
                    ),
                ),
            }
        }
        let label = if id.is_empty() {
            "a question".to_owned()
        } else {
            format!("question #{id}")
        };
        match kind {
            None if !type_given => {
                self.problem(line, format!("{label} needs a type: type= {TYPES}"));
            }
            Some(k) if k != Kind::Numeric && (answer.is_some() || tolerance.is_some()) => {
                self.problem(
                    line,
                    format!(
                        "answer= and tolerance= belong to type=numeric, not type={}",
                        k.name()
                    ),
                );
            }
            Some(Kind::Numeric) if !answer_given => {
                self.problem(line, format!("{label} is type=numeric and needs answer=…"));
            }
            _ => {}
        }
        match (&section, self.section_ids) {
            (None, _) => self.problem(
                line,
                format!("{label} needs the module section it tests: section=<section id>"),
            ),
            (Some(s), Some(ids)) if !ids.contains(s) => {
                let ids: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
                self.problem(
                    line,
                    format!(
                        "section={s} is not a section of this module; it has {}",
                        ids.join(", ")
                    ),
                );
            }
            _ => {}
        }
        if let Some(draft) = self.current.as_mut() {
            draft.kind = kind;
            draft.section = section.unwrap_or_default();
            draft.answer = answer;
            draft.tolerance = tolerance;
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

    /// Checks the question read so far on its own and keeps it.
    fn finish(&mut self) {
        let Some(draft) = self.current.take() else {
            return;
        };
        let mut problems = Vec::new();
        let label = if draft.id.is_empty() {
            "this question".to_owned()
        } else {
            format!("question #{}", draft.id)
        };
        if draft.prompt.is_empty() {
            problems.push((draft.line, format!("{label} has no words in its heading")));
        }
        let explanation = draft.explanation.unwrap_or_default();
        if explanation.trim().is_empty() {
            problems.push((
                draft.line,
                format!("{label} needs an explanation: a > blockquote after its answers"),
            ));
        }
        let has_list = draft.list.is_some();
        let (answers_line, items) = draft.list.unwrap_or((draft.line, Vec::new()));
        let options: Vec<String> = items.iter().map(|i| collapse(&i.text)).collect();
        for (item, option) in items.iter().zip(&options) {
            if item.nested {
                problems.push((
                    item.line,
                    "an answer is one line of text: no nested lists, quotes or code".into(),
                ));
            } else if option.is_empty() {
                problems.push((item.line, "this answer is empty".into()));
            }
        }
        let correct: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.task == Some(true))
            .map(|(n, _)| n)
            .collect();
        let plain = items.iter().any(|i| i.task.is_none());
        let key = match draft.kind {
            None => None,
            Some(kind @ (Kind::Single | Kind::Multiple | Kind::TrueFalse)) => {
                let name = kind.name();
                if !has_list {
                    problems.push((
                        draft.line,
                        format!(
                            "{label} is type={name}: list its options as - [x] right / - [ ] wrong"
                        ),
                    ));
                } else if plain {
                    problems.push((
                        answers_line,
                        format!(
                            "the options of type={name} are a task list: start each with \
                             - [x] or - [ ]"
                        ),
                    ));
                } else if kind == Kind::TrueFalse && items.len() != 2 {
                    problems.push((
                        answers_line,
                        format!(
                            "type=truefalse has two options, true then false, not {}",
                            items.len()
                        ),
                    ));
                } else if kind == Kind::TrueFalse
                    && self.english
                    && !(options[0].eq_ignore_ascii_case("true")
                        && options[1].eq_ignore_ascii_case("false"))
                {
                    problems.push((
                        answers_line,
                        "the options of type=truefalse are True, then False".into(),
                    ));
                } else if items.len() < 2 {
                    problems.push((
                        answers_line,
                        format!("type={name} needs at least two options"),
                    ));
                } else if kind != Kind::Multiple && correct.len() != 1 {
                    problems.push((
                        answers_line,
                        format!("type={name} has exactly one [x], not {}", correct.len()),
                    ));
                } else if correct.is_empty() {
                    problems.push((answers_line, "type=multiple needs at least one [x]".into()));
                }
                Some(match kind {
                    Kind::Single => AnswerKey::Single {
                        options: options.len(),
                        correct: correct.first().copied().unwrap_or_default(),
                    },
                    Kind::TrueFalse => AnswerKey::TrueFalse {
                        options: options.len(),
                        correct: correct.first().copied().unwrap_or_default(),
                    },
                    _ => AnswerKey::Multiple {
                        options: options.len(),
                        correct,
                    },
                })
            }
            Some(Kind::Text) => {
                if !has_list {
                    problems.push((
                        draft.line,
                        format!(
                            "{label} is type=text: list the accepted answers as a plain list \
                             (- answer)"
                        ),
                    ));
                } else if items.iter().any(|i| i.task.is_some()) {
                    problems.push((
                        answers_line,
                        "the accepted answers of type=text are a plain list, without [ ] or [x]"
                            .into(),
                    ));
                }
                let mut accepted: Vec<String> = Vec::new();
                for option in &options {
                    let answer = normalise_text(option);
                    if !answer.is_empty() && !accepted.contains(&answer) {
                        accepted.push(answer);
                    }
                }
                Some(AnswerKey::Text { accepted })
            }
            Some(Kind::Numeric) => {
                if has_list {
                    problems.push((
                        answers_line,
                        "type=numeric takes no list: its answer is answer=… in the heading".into(),
                    ));
                }
                Some(AnswerKey::Numeric {
                    answer: draft.answer.unwrap_or_default(),
                    tolerance: draft.tolerance.unwrap_or_default(),
                })
            }
        };
        let broken = draft.broken || !problems.is_empty();
        self.out.problems.extend(problems);
        let is_choice = key.as_ref().is_some_and(AnswerKey::is_choice);
        self.out.questions.push(Parsed {
            id: draft.id,
            line: draft.line,
            answers_line,
            section: draft.section,
            key: key.filter(|_| !broken),
            text: if is_choice {
                QuestionText {
                    prompt: draft.prompt,
                    options,
                    accepted: Vec::new(),
                    explanation_html: explanation,
                }
            } else {
                QuestionText {
                    prompt: draft.prompt,
                    options: Vec::new(),
                    accepted: options,
                    explanation_html: explanation,
                }
            },
        });
    }
}

/// Reads the body of a quiz file, whose first line is line `first_line` of the file.
fn parse_body(
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
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What smart punctuation makes of `'`, `"`, `--`, `---` and `...`.
fn is_smart(text: &str) -> bool {
    matches!(text, "‘" | "’" | "“" | "”" | "–" | "—" | "…")
}

fn is_internal(url: &str) -> bool {
    url.starts_with('/') || url.starts_with('#')
}
