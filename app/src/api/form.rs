//! How a form's server function ends, for browsers with and without JavaScript.
use crate::server::request;

/// Ends a form's server function: on success sends the browser on to `next`; on failure of a
/// plain form post keeps what the member typed (never passwords) for the form to show again.
pub async fn finish_form<T>(
    result: Result<T, crate::server::AppError>,
    form: &str,
    keep: &[(&str, &str)],
    next: &str,
) -> Result<T, super::ApiError> {
    match result {
        Ok(value) => {
            leptos_axum::redirect(next);
            Ok(value)
        }
        Err(err) => {
            if request::is_plain_form_post() {
                request::keep_form_input(form, keep).await;
            }
            Err(err.into())
        }
    }
}
