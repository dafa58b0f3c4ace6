//! One quiz file: its front matter (every setting in English, elsewhere a title), its body.
use std::path::Path;

use serde::Deserialize;

use super::QuizFile;
use super::body::parse_body;
use crate::server::content::{ContentError, PendingLink, split_front_matter};
use crate::server::quiz::model::ReviewPolicy;

/// The front matter of `quiz.en.md`: the title and every setting.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SettingsFront {
    title: String,
    pub(super) draw: usize,
    pub(super) shuffle_options: bool,
    pub(super) pass_mark: u32,
    pub(super) attempts_per_day: u32,
    pub(super) cooldown_minutes: u32,
    pub(super) time_limit_minutes: Option<u32>,
    pub(super) review: ReviewPolicy,
}

/// The front matter of the other languages: only their title.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TitleFront {
    title: String,
}

/// Reads one quiz file. Its own problems go to `errors`; what could be read comes back.
pub(super) fn load_file(
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
    let text = match crate::server::content::read_text(path) {
        Ok(text) => text,
        Err(e) => {
            errors.push(e);
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

/// The file line of `field = …` in the front matter (which starts on line 2), else line 1.
pub(super) fn field_line(front_text: &str, field: &str) -> usize {
    front_text
        .lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(field)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 2)
}

/// The front matter's own checks, given the size of the question pool.
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
