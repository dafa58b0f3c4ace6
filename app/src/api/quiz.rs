use crate::domain::quiz::FormAnswers;

use leptos::prelude::*;

use super::ApiError;

/// Members: open an attempt at a module's quiz (or resume the open one), then show it.
#[server(endpoint = "quiz/start", prefix = "/api")]
pub async fn start_quiz(module: String, lang: Option<String>) -> Result<i64, ApiError> {
    use crate::server::quiz::service;
    let result = service::start(&module).await;
    let page = service::quiz_page(&module, lang.as_deref());
    super::finish_form(result, "quiz", &[], &page).await
}

/// Members: save answers to an open attempt. The page saves each answer as it is given;
/// without JavaScript the form's "Save" button sends them all.
#[server(endpoint = "quiz/save", prefix = "/api")]
pub async fn save_answers(
    module: String,
    attempt: i64,
    lang: Option<String>,
    answer: Option<FormAnswers>,
) -> Result<(), ApiError> {
    use crate::server::quiz::service;
    let result = service::save(&module, attempt, &answer.unwrap_or_default()).await;
    let page = service::quiz_page(&module, lang.as_deref()) + "&saved=1";
    super::finish_form(result, "quiz", &[], &page).await
}

/// Members: hand in an attempt with its last answers; it is graded once, on the server.
#[server(endpoint = "quiz/submit", prefix = "/api")]
pub async fn submit_quiz(
    module: String,
    attempt: i64,
    lang: Option<String>,
    answer: Option<FormAnswers>,
) -> Result<i64, ApiError> {
    use crate::server::quiz::service;
    let result = service::submit(&module, attempt, &answer.unwrap_or_default())
        .await
        .map(|_| attempt);
    let review = service::review_page(&module, attempt, lang.as_deref());
    super::finish_form(result, "quiz", &[], &review).await
}
