//! A module's quiz (`/training/<slug>/quiz`) and the review of one attempt
//! (`/training/<slug>/quiz/attempts/<id>`), for members.
mod review;

pub use review::QuizReviewPage;

use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::quiz::{SaveAnswers, StartQuiz, SubmitQuiz};
use crate::components::form::{FormAlert, last_error};
use crate::components::page::{PageTitle, TableScroll, load_once, require, set_status};
use crate::components::quiz::{QuizForm, QuizLabels};
use crate::context::{PageLanguage, use_locale};
use crate::domain::dates::utc_minute;
use crate::domain::language::{LANGUAGES, fill};
use crate::domain::role::Role;
use crate::i18n::Locale;
use crate::server::db::now;
use crate::server::quiz::attempts::{Attempt, Availability, Item, Summary};
use crate::server::quiz::model::{Answer, AnswerKey, Question, Quiz};
use crate::server::quiz::service::{self, QuizContext};

/// The quiz's language: `?lang=` if the quiz has it, else the interface's, else English.
fn quiz_language(quiz: &Quiz, locale: Locale) -> String {
    let requested = use_query_map().with_untracked(|q| q.get("lang"));
    requested
        .filter(|l| quiz.titles.contains_key(l))
        .or_else(|| {
            quiz.titles
                .contains_key(locale.as_str())
                .then(|| locale.as_str().to_owned())
        })
        .unwrap_or_else(|| "en".to_owned())
}

/// The quiz's language (see `quiz_language`), which the page's `<html lang>` then follows.
fn page_in_quiz_language(quiz: &Quiz, locale: Locale) -> String {
    let lang = quiz_language(quiz, locale);
    if let Some(page_language) = use_context::<PageLanguage>() {
        page_language.0.set(Some(static_lang(&lang)));
    }
    lang
}

fn static_lang(lang: &str) -> &'static str {
    LANGUAGES
        .iter()
        .find(|(c, _)| *c == lang)
        .map_or("en", |(c, _)| c)
}

fn module_not_found(locale: Locale) -> AnyView {
    set_status(404);
    view! {
        <PageTitle text=td_string!(locale, not_found_title).to_string() />
        <p>{td_string!(locale, quiz_not_found)}</p>
        <p><a href="/training">{td_string!(locale, module_back)}</a></p>
    }
    .into_any()
}

#[component]
pub fn QuizPage() -> impl IntoView {
    let locale = use_locale();
    let slug = use_params_map()
        .with_untracked(|p| p.get("slug"))
        .unwrap_or_default();
    let Ok(context) = QuizContext::find(&slug) else {
        return module_not_found(locale);
    };
    let user = match require(Role::Member) {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
    let lang = page_in_quiz_language(&context.quiz, locale);
    let saved = use_query_map().with_untracked(|q| q.get("saved").is_some());
    let start_error = last_error(ServerAction::<StartQuiz>::new());
    let save_error = last_error(ServerAction::<SaveAnswers>::new());
    let submit_error = last_error(ServerAction::<SubmitQuiz>::new());
    let error = Signal::derive(move || {
        start_error
            .get()
            .or_else(|| save_error.get())
            .or_else(|| submit_error.get())
    });
    let title = context.quiz.title(&lang).to_owned();
    let module_title = context.module.translation_or_english(&lang).title.clone();
    let module_href = format!("/training/{slug}?lang={lang}");
    let loaded = load_once(quiz_state(context.clone(), user.id));

    view! {
        <p class="breadcrumb" lang=locale.as_str()>
            <a href="/training">{td_string!(locale, module_back)}</a> " › "
            <a href=module_href.clone() lang=lang.clone()>{module_title}</a>
        </p>
        <div lang=lang.clone()>
            <PageTitle text=title />
        </div>
        <FormAlert
            error=error
            summary=td_string!(locale, form_error_summary).to_string()
            unreachable=td_string!(locale, form_unreachable).to_string()
        />
        {saved.then(|| view! {
            <p class="alert alert-success" role="status" data-test="answers-saved">{td_string!(locale, quiz_saved_note)}</p>
        })}
        <QuizLanguages quiz=context.quiz.clone() slug=slug.clone() current=lang.clone() />
        <Suspense>
            {move || {
                let (context, lang, loaded) = (context.clone(), lang.clone(), loaded.clone());
                Suspend::new(async move {
                    match loaded.await {
                        QuizState::Open(attempt) => view! { <AttemptForm attempt lang /> }.into_any(),
                        QuizState::Closed { availability, history, passed } => view! {
                            <QuizIntro quiz=context.quiz.clone() slug=context.module.slug.clone() lang availability history passed rules_cooldown=context.rules().cooldown_seconds />
                        }.into_any(),
                        QuizState::Failed => view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

/// What the quiz page shows: the open attempt, or the way to start one.
#[derive(Clone)]
enum QuizState {
    Open(Attempt),
    Closed {
        availability: Availability,
        history: Vec<Summary>,
        passed: bool,
    },
    Failed,
}

async fn quiz_state(context: QuizContext, user_id: i64) -> QuizState {
    let store = context.store();
    let result = async {
        if let Some(attempt) = store.open(user_id, now()).await? {
            return Ok(QuizState::Open(attempt));
        }
        Ok::<_, crate::server::AppError>(QuizState::Closed {
            availability: store.availability(user_id, context.rules(), now()).await?,
            history: store.history(user_id).await?,
            passed: service::passed_now().await.contains(&context.module.slug),
        })
    }
    .await;
    result.unwrap_or_else(|e| {
        tracing::error!(error = %e, "quiz page");
        QuizState::Failed
    })
}

#[component]
fn QuizLanguages(quiz: std::sync::Arc<Quiz>, slug: String, current: String) -> impl IntoView {
    let locale = use_locale();
    (quiz.titles.len() > 1).then(|| {
        view! {
            <nav class="translations" aria-label=td_string!(locale, quiz_language) lang=locale.as_str()>
                <span>{td_string!(locale, quiz_language)} ": "</span>
                <ul>
                    {quiz.languages().map(|code| {
                        let name = LANGUAGES.iter().find(|(c, _)| *c == code).map_or(code, |(_, n)| n).to_owned();
                        let is_current = (code == current).then_some("page");
                        view! {
                            <li><a href=format!("/training/{slug}/quiz?lang={code}") hreflang=code.to_owned() lang=code.to_owned() aria-current=is_current data-test=format!("quiz-lang-{code}")>{name}</a></li>
                        }
                    }).collect_view()}
                </ul>
            </nav>
        }
    })
}

/// Before an attempt: the rules, whether the member may start, and their past attempts.
#[component]
fn QuizIntro(
    quiz: std::sync::Arc<Quiz>,
    slug: String,
    lang: String,
    availability: Availability,
    history: Vec<Summary>,
    passed: bool,
    rules_cooldown: i64,
) -> impl IntoView {
    let locale = use_locale();
    let settings = &quiz.settings;
    let about = fill(
        td_string!(locale, quiz_about),
        &[
            ("draw", &settings.draw.min(quiz.questions.len()).to_string()),
            ("pool", &quiz.questions.len().to_string()),
            ("pass_mark", &settings.pass_mark.to_string()),
        ],
    );
    let time_rule = match settings.time_limit_seconds {
        Some(limit) => fill(
            td_string!(locale, quiz_time_limit),
            &[("minutes", &(limit / 60).to_string())],
        ),
        None => td_string!(locale, quiz_no_time_limit).to_string(),
    };
    let attempts_rule = fill(
        td_string!(locale, quiz_attempts_rule),
        &[
            ("attempts", &settings.attempts_per_day.to_string()),
            ("wait", &rule_duration_words(locale, rules_cooldown)),
        ],
    );
    let start_label = if history.is_empty() {
        td_string!(locale, quiz_start)
    } else {
        td_string!(locale, quiz_try_again)
    };
    let now = now();
    let can_start = match availability {
        Availability::Allowed { remaining } => {
            view! {
                <form method="post" action="/api/quiz/start" class="quiz-start">
                    <input type="hidden" name="module" value=slug.clone() />
                    <input type="hidden" name="lang" value=lang.clone() />
                    <p class="hint" data-test="attempts-left">{fill(td_string!(locale, quiz_attempts_left), &[("n", &remaining.to_string())])}</p>
                    <button type="submit" class="button" data-test="start-quiz">{start_label}</button>
                </form>
            }
            .into_any()
        }
        Availability::DailyLimit { until } => view! {
            <p class="alert alert-info" role="status" data-test="quiz-wait">
                {fill(td_string!(locale, quiz_daily_limit), &[("time", &utc_minute(until)), ("wait", &duration_words(locale, until - now))])}
            </p>
        }
        .into_any(),
        Availability::Cooldown { until } => view! {
            <p class="alert alert-info" role="status" data-test="quiz-wait">
                {fill(td_string!(locale, quiz_cooldown), &[("time", &utc_minute(until)), ("wait", &duration_words(locale, until - now))])}
            </p>
        }
        .into_any(),
    };
    view! {
        <section class="quiz-intro" lang=locale.as_str() aria-labelledby="quiz-rules-heading">
            <h2 id="quiz-rules-heading">{td_string!(locale, quiz_rules_heading)}</h2>
            <ul>
                <li>{about}</li>
                <li>{time_rule}</li>
                <li>{attempts_rule}</li>
                <li>{td_string!(locale, quiz_saving_rule)}</li>
            </ul>
            {passed.then(|| view! { <p class="alert alert-success" data-test="quiz-passed">{td_string!(locale, quiz_passed_already)}</p> })}
            {can_start}
        </section>
        <AttemptHistory slug lang history />
    }
}

#[component]
fn AttemptHistory(slug: String, lang: String, history: Vec<Summary>) -> impl IntoView {
    let locale = use_locale();
    let body = if history.is_empty() {
        view! { <p class="empty-state">{td_string!(locale, quiz_history_empty)}</p> }.into_any()
    } else {
        view! {
            <TableScroll label=td_string!(locale, quiz_history_heading)>
                <table data-test="quiz-history">
                    <thead><tr>
                        <th scope="col">{td_string!(locale, quiz_history_started)}</th>
                        <th scope="col">{td_string!(locale, quiz_history_result)}</th>
                        <th scope="col"><span class="visually-hidden">{td_string!(locale, quiz_history_review)}</span></th>
                    </tr></thead>
                    <tbody>
                        {history.into_iter().map(|a| {
                            let result = match a.outcome {
                                Some(o) => result_words(locale, o.passed, o.correct, o.total, o.score),
                                None => td_string!(locale, quiz_history_open).to_string(),
                            };
                            view! {
                                <tr>
                                    <td>{utc_minute(a.started_at)}</td>
                                    <td>{result}</td>
                                    <td>{a.submitted_at.is_some().then(|| view! {
                                        <a href=service::review_page(&slug, a.id, Some(&lang))>{td_string!(locale, quiz_history_review)}</a>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </TableScroll>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="quiz-history-heading" lang=locale.as_str()>
            <h2 id="quiz-history-heading">{td_string!(locale, quiz_history_heading)}</h2>
            {body}
        </section>
    }
}

fn result_words(locale: Locale, passed: bool, correct: i64, total: i64, score: i64) -> String {
    let verdict = if passed {
        format!("✓ {}", td_string!(locale, quiz_passed))
    } else {
        format!("✗ {}", td_string!(locale, quiz_failed))
    };
    let detail = fill(
        td_string!(locale, quiz_score),
        &[
            ("correct", &correct.to_string()),
            ("total", &total.to_string()),
            ("score", &score.to_string()),
        ],
    );
    format!("{verdict}: {detail}")
}

/// "25 minutes", "2 hours", "1 day": rounded up, for waits and limits.
/// A rule's wait as words: under a minute is said so, not rounded up to "1 min".
fn rule_duration_words(locale: Locale, seconds: i64) -> String {
    if seconds < 60 {
        td_string!(locale, duration_under_a_minute).to_owned()
    } else {
        duration_words(locale, seconds)
    }
}

fn duration_words(locale: Locale, seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds < 2 * 3600 {
        fill(
            td_string!(locale, duration_minutes),
            &[("n", &((seconds + 59) / 60).to_string())],
        )
    } else {
        fill(
            td_string!(locale, duration_hours),
            &[("n", &((seconds + 3599) / 3600).to_string())],
        )
    }
}

/// An open attempt: one fieldset per question, saved as answered, handed in as a form.
#[component]
fn AttemptForm(attempt: Attempt, lang: String) -> impl IntoView {
    let locale = use_locale();
    let total = attempt.items.len();
    let labels = QuizLabels {
        lang: locale.as_str().to_owned(),
        idle: td_string!(locale, quiz_save_idle).to_string(),
        saving: td_string!(locale, quiz_save_saving).to_string(),
        saved: td_string!(locale, quiz_save_saved).to_string(),
        offline: td_string!(locale, quiz_save_offline).to_string(),
        offline_submit: td_string!(locale, quiz_save_offline_submit).to_string(),
        time_left: td_string!(locale, quiz_timer_left).to_string(),
        time_announce: td_string!(locale, quiz_timer_announce).to_string(),
        time_up: td_string!(locale, quiz_timer_up).to_string(),
        deadline: attempt.deadline.map_or_else(String::new, |deadline| {
            fill(
                td_string!(locale, quiz_deadline),
                &[("time", &utc_minute(deadline))],
            )
        }),
    };
    let seconds_left = attempt.deadline.map(|deadline| deadline - now());
    let quiz = attempt.quiz.clone();
    let questions = attempt
        .items
        .iter()
        .enumerate()
        .filter_map(|(n, item)| {
            let question = quiz.question(&item.question_id)?.clone();
            Some(view! { <QuestionFields number=n + 1 total question item=item.clone() lang=lang.clone() /> })
        })
        .collect_view();
    view! {
        <p class="hint" lang=locale.as_str()>{td_string!(locale, quiz_unanswered_note)}</p>
        <QuizForm module=attempt.module_slug.clone() attempt=attempt.id lang=lang.clone() labels seconds_left>
            <ol class="quiz-questions" lang=lang.clone()>{questions}</ol>
            <div class="quiz-actions" lang=locale.as_str()>
                <button type="submit" formaction="/api/quiz/save" class="button button-secondary" data-test="save-answers">{td_string!(locale, quiz_save_button)}</button>
                <button type="submit" class="button" data-test="submit-quiz">{td_string!(locale, quiz_submit_button)}</button>
            </div>
        </QuizForm>
    }
}

#[component]
fn QuestionFields(
    number: usize,
    total: usize,
    question: Question,
    item: Item,
    lang: String,
) -> impl IntoView {
    let locale = use_locale();
    let text = question.text(&lang).clone();
    let id = question.id.clone();
    let name = format!("answer[{id}][]");
    let chosen: Vec<usize> = match &item.answer {
        Some(Answer::Choices(c)) => c.clone(),
        _ => Vec::new(),
    };
    let typed = match &item.answer {
        Some(Answer::Text(t)) => t.clone(),
        _ => String::new(),
    };
    let hint_id = format!("q-{id}-hint");
    let (input_type, hint) = match &question.key {
        AnswerKey::Multiple { .. } => ("checkbox", Some(td_string!(locale, quiz_hint_multiple))),
        AnswerKey::Single { .. } | AnswerKey::TrueFalse { .. } => ("radio", None),
        AnswerKey::Text { .. } => ("text", Some(td_string!(locale, quiz_hint_text))),
        AnswerKey::Numeric { .. } => ("text", Some(td_string!(locale, quiz_hint_numeric))),
    };
    let numeric = matches!(question.key, AnswerKey::Numeric { .. });
    let inputs = if question.key.is_choice() {
        item.option_order
            .iter()
            .enumerate()
            .map(|(position, &index)| {
                let input_id = format!("q-{id}-{position}");
                let label = text.options.get(index).cloned().unwrap_or_default();
                view! {
                    <div class="choice">
                        <input type=input_type id=input_id.clone() name=name.clone() value=position checked=chosen.contains(&index) />
                        <label for=input_id>{label}</label>
                    </div>
                }
            })
            .collect_view()
            .into_any()
    } else {
        let input_id = format!("q-{id}-answer");
        view! {
            <div class="field">
                <label for=input_id.clone() lang=locale.as_str()>{td_string!(locale, quiz_your_answer)}</label>
                <input type="text" id=input_id name=name.clone() value=typed maxlength=crate::server::quiz::model::MAX_TEXT_ANSWER
                    autocomplete="off" spellcheck="false" inputmode=numeric.then_some("decimal") aria-describedby=hint_id.clone() />
            </div>
        }
        .into_any()
    };
    let legend_number = fill(
        td_string!(locale, quiz_question_number),
        &[("n", &number.to_string()), ("total", &total.to_string())],
    );
    view! {
        <li>
            <fieldset class="question" id=format!("q-{id}") aria-describedby=hint.map(|_| hint_id.clone()) data-test="question">
                <legend><span class="question-number" lang=locale.as_str()>{legend_number}</span> " " {text.prompt.clone()}</legend>
                {hint.map(|h| view! { <p class="hint" id=hint_id.clone() lang=locale.as_str()>{h}</p> })}
                // Sent even when nothing is chosen, so that clearing an answer is saved too.
                <input type="hidden" name=name.clone() value="" />
                {inputs}
            </fieldset>
        </li>
    }
}
