//! One question of a quiz body: its type, its heading's attributes, its checks on its own.
use pulldown_cmark::CowStr;

use super::Parsed;
use super::body::{BodyParser, Draft, collapse};
use super::kind::{Kind, TYPES};
use crate::server::quiz::model::{AnswerKey, QuestionText, normalise_text, parse_number};

impl BodyParser<'_> {
    pub(super) fn heading(
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

    /// Checks the question read so far on its own and keeps it.
    pub(super) fn finish(&mut self) {
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
