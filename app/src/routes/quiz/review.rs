//! One attempt's review (`/training/<slug>/quiz/attempts/<id>`): its score and its answers.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;
use leptos_router::hooks::use_params_map;

use super::{module_not_found, page_in_quiz_language};
use crate::components::page::{PageTitle, load_once, require};
use crate::context::use_locale;
use crate::domain::language::fill;
use crate::domain::role::Role;
use crate::server::quiz::attempts::Attempt;
use crate::server::quiz::model::{Answer, AnswerKey, QuestionText, ReviewPolicy};
use crate::server::quiz::service::{self, QuizContext};

#[component]
pub fn QuizReviewPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let slug = params.with_untracked(|p| p.get("slug")).unwrap_or_default();
    let attempt_id = params
        .with_untracked(|p| p.get("id"))
        .and_then(|id| id.parse::<i64>().ok());
    let (Ok(context), Some(attempt_id)) = (QuizContext::find(&slug), attempt_id) else {
        return module_not_found(locale);
    };
    let user = match require(Role::Member) {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
    let lang = page_in_quiz_language(&context.quiz, locale);
    let loaded = {
        let context = context.clone();
        load_once(async move {
            match context.store().load(user.id, attempt_id).await {
                Ok(attempt) => {
                    let passed_ever = service::passed_now().await.contains(&context.module.slug);
                    Ok((attempt, passed_ever))
                }
                Err(e) => {
                    if e.code() != crate::domain::error::ErrorCode::NotFound {
                        tracing::error!(error = %e, "quiz review");
                    }
                    Err(e.code())
                }
            }
        })
    };
    view! {
        <Suspense>
            {move || {
                let (context, lang, loaded) = (context.clone(), lang.clone(), loaded.clone());
                Suspend::new(async move {
                    match loaded.await {
                        Ok((attempt, _)) if attempt.is_open() => {
                            leptos_axum::redirect(&service::quiz_page(&context.module.slug, Some(&lang)));
                            view! { <p>{td_string!(locale, quiz_still_open)}</p> }.into_any()
                        }
                        Ok((attempt, passed_ever)) => view! { <Review context attempt lang passed_ever /> }.into_any(),
                        Err(crate::domain::error::ErrorCode::NotFound) => module_not_found(locale),
                        Err(_) => view! { <p class="alert alert-error" role="alert">{td_string!(locale, error_internal)}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

#[component]
fn Review(
    context: QuizContext,
    attempt: Attempt,
    lang: String,
    passed_ever: bool,
) -> impl IntoView {
    let locale = use_locale();
    let quiz = attempt.quiz.clone();
    let outcome = attempt
        .outcome
        .unwrap_or(crate::server::quiz::attempts::outcome(0, 0, 100));
    let policy = quiz.settings.review;
    let show_correctness = policy != ReviewPolicy::ScoreOnly;
    let show_answers =
        policy == ReviewPolicy::AfterSubmit || (policy == ReviewPolicy::AfterPass && passed_ever);
    let slug = context.module.slug.clone();
    let translation = context.module.translation_or_english(&lang).clone();
    let title = fill(
        td_string!(locale, quiz_review_title),
        &[("quiz", quiz.title(&lang))],
    );
    let summary = fill(
        td_string!(locale, quiz_review_summary),
        &[
            ("correct", &outcome.correct.to_string()),
            ("total", &outcome.total.to_string()),
            ("score", &outcome.score.to_string()),
            ("pass_mark", &quiz.settings.pass_mark.to_string()),
        ],
    );
    let policy_note = match policy {
        ReviewPolicy::ScoreOnly => Some(td_string!(locale, quiz_review_score_only)),
        ReviewPolicy::AfterPass if !passed_ever => Some(td_string!(locale, quiz_review_after_pass)),
        _ => None,
    };
    let items = show_correctness.then(|| {
        attempt.items.iter().enumerate().filter_map(|(n, item)| {
            let question = quiz.question(&item.question_id)?;
            let text = question.text(&lang);
            let verdict = match (item.correct, &item.answer) {
                (_, None) => format!("– {}", td_string!(locale, quiz_review_unanswered)),
                (Some(true), _) => format!("✓ {}", td_string!(locale, quiz_review_correct)),
                _ => format!("✗ {}", td_string!(locale, quiz_review_incorrect)),
            };
            let verdict_class = if item.correct == Some(true) { "verdict verdict-right" } else { "verdict verdict-wrong" };
            let given = match &item.answer {
                Some(Answer::Choices(c)) => c.iter().filter_map(|i| text.options.get(*i).cloned()).collect::<Vec<_>>().join("; "),
                Some(Answer::Text(t)) => t.clone(),
                None => String::new(),
            };
            let expected = show_answers.then(|| correct_answer_words(&question.key, text));
            let section = translation.sections.iter().find(|s| s.id == question.section).map(|s| s.title.clone());
            let section_href = format!("/training/{slug}?lang={lang}#{}", question.section);
            let explanation = text.explanation_html.clone();
            Some(view! {
                <li class="review-item" data-test="review-item">
                    <h2 class="question-prompt"><span class="question-number" lang=locale.as_str()>{fill(td_string!(locale, quiz_question_number), &[("n", &(n + 1).to_string()), ("total", &attempt.items.len().to_string())])}</span> " " {text.prompt.clone()}</h2>
                    <p class=verdict_class lang=locale.as_str() data-test="verdict">{verdict}</p>
                    {(!given.is_empty()).then(|| view! { <p><span lang=locale.as_str()>{td_string!(locale, quiz_review_your_answer)} ": "</span>{given}</p> })}
                    {expected.map(|expected| view! { <p><span lang=locale.as_str()>{td_string!(locale, quiz_review_right_answer)} ": "</span>{expected}</p> })}
                    {show_answers.then(|| view! { <div class="explanation" inner_html=explanation></div> })}
                    {show_answers.then(|| view! {
                        <p><a href=section_href lang=locale.as_str()>{td_string!(locale, quiz_review_read_section)}</a>
                        {section.map(|s| view! { ": " <span lang=lang.clone()>{s}</span> })}</p>
                    })}
                </li>
            })
        }).collect_view()
    });
    view! {
        <p class="breadcrumb" lang=locale.as_str()>
            <a href="/training">{td_string!(locale, module_back)}</a> " › "
            <a href=format!("/training/{slug}?lang={lang}") lang=lang.clone()>{translation.title.clone()}</a>
        </p>
        <PageTitle text=title />
        <div class=if outcome.passed { "result result-pass" } else { "result result-fail" } role="status" data-test="quiz-result" lang=locale.as_str()>
            <p><strong>{if outcome.passed { format!("✓ {}", td_string!(locale, quiz_passed)) } else { format!("✗ {}", td_string!(locale, quiz_failed)) }}</strong></p>
            <p>{summary}</p>
        </div>
        {policy_note.map(|note| view! { <p class="note" lang=locale.as_str()>{note}</p> })}
        {items.map(|items| view! { <ol class="review-list" lang=lang.clone()>{items}</ol> })}
        <p class="actions" lang=locale.as_str()>
            <a class="button" href=service::quiz_page(&slug, Some(&lang)) data-test="back-to-quiz">{if outcome.passed { td_string!(locale, quiz_back_to_quiz) } else { td_string!(locale, quiz_try_again) }}</a>
            <a class="button button-secondary" href=format!("/training/{slug}?lang={lang}")>{td_string!(locale, quiz_back_to_module)}</a>
        </p>
    }
}

fn correct_answer_words(key: &AnswerKey, text: &QuestionText) -> String {
    let pick = |indices: &[usize]| {
        indices
            .iter()
            .filter_map(|i| text.options.get(*i).cloned())
            .collect::<Vec<_>>()
            .join("; ")
    };
    match key {
        AnswerKey::Single { correct, .. } | AnswerKey::TrueFalse { correct, .. } => {
            pick(&[*correct])
        }
        AnswerKey::Multiple { correct, .. } => pick(correct),
        AnswerKey::Text { accepted } => text
            .accepted
            .first()
            .or(accepted.first())
            .cloned()
            .unwrap_or_default(),
        AnswerKey::Numeric { answer, tolerance } if *tolerance > 0.0 => {
            format!("{answer} (± {tolerance})")
        }
        AnswerKey::Numeric { answer, .. } => answer.to_string(),
    }
}
