use leptos::prelude::*;

use super::ApiError;

/// Members: mark a section of a module as read, then go on to the next unread one.
#[server(endpoint = "training/mark_read", prefix = "/api")]
pub async fn mark_section_read(
    module: String,
    section: String,
    lang: Option<String>,
) -> Result<(), ApiError> {
    use crate::domain::error::ErrorCode;
    use crate::server::{request, training};
    let result = async {
        let user = request::require_user()?;
        let state = request::state()?;
        let catalogue = state.content.get();
        let module = catalogue.module(&module).ok_or(ErrorCode::NotFound)?;
        training::mark_read(&state.pool, user.id, module, &section).await?;
        let read = training::read_sections(&state.pool, user.id).await?;
        let next = training::progress(module, read.get(&module.slug))
            .resume_at
            .unwrap_or(section.clone());
        let lang = lang
            .filter(|l| module.translation(l).is_some())
            .unwrap_or_else(|| "en".into());
        Ok(format!("/training/{}?lang={lang}#{next}", module.slug))
    }
    .await;
    match result {
        Ok(next) => super::finish_form(Ok(()), "mark_read", &[], &next).await,
        Err(e) => super::finish_form(Err(e), "mark_read", &[], "/training").await,
    }
}
