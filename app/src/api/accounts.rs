use leptos::prelude::*;

use super::ApiError;

/// Public: anyone may register; a per-address rate limit holds back abuse.
#[server(endpoint = "register", prefix = "/api")]
pub async fn register(
    name: String,
    email: String,
    password: String,
    language: String,
) -> Result<(), ApiError> {
    use crate::server::{accounts, request};
    let result = async {
        let state = request::state()?;
        let user = accounts::register(
            &state.pool,
            request::client_ip(),
            state.settings.registrations_per_ip_hour,
            &name,
            &email,
            &password,
            &language,
        )
        .await?;
        accounts::sign_in(&request::session()?, &user).await
    }
    .await;
    let keep = [
        ("name", name.as_str()),
        ("email", email.as_str()),
        ("language", language.as_str()),
    ];
    super::finish_form(result, "register", &keep, "/account").await
}

/// Public: signing in is how a caller becomes known. `next` may only be a path on this site.
#[server(endpoint = "login", prefix = "/api")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), ApiError> {
    use crate::server::{accounts, request};
    let result = async {
        let state = request::state()?;
        let user = accounts::authenticate(
            &state.pool,
            &state.settings,
            request::client_ip(),
            &email,
            &password,
        )
        .await?;
        accounts::sign_in(&request::session()?, &user).await
    }
    .await;
    let next = next
        .filter(|n| crate::domain::link::is_local_path(n))
        .unwrap_or_else(|| "/account".into());
    super::finish_form(result, "login", &[("email", email.as_str())], &next).await
}

/// Public and idempotent: signing out without a session simply lands on the home page.
#[server(endpoint = "logout", prefix = "/api")]
pub async fn logout() -> Result<(), ApiError> {
    use crate::server::{accounts, request};
    let result = async { accounts::sign_out(&request::session()?).await }.await;
    super::finish_form(result, "logout", &[], "/").await
}

/// Public: visitors choose a language by cookie; for a signed-in member it also becomes
/// their preference.
#[server(endpoint = "set_language", prefix = "/api")]
pub async fn set_language(language: String) -> Result<(), ApiError> {
    use crate::domain::error::ErrorCode;
    use crate::domain::language::parse_locale;
    use crate::server::{accounts, identity::LANGUAGE_COOKIE, request};
    use leptos_i18n::Locale as _;
    let result = async {
        let locale = parse_locale(&language).ok_or(ErrorCode::LanguageInvalid)?;
        if let Some(user) = request::current_user() {
            accounts::set_language(&request::pool()?, user.id, locale.as_str()).await?;
        }
        let secure = if request::state()?.settings.https() {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{LANGUAGE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
            locale.as_str()
        );
        if let (Some(res), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            cookie.parse(),
        ) {
            res.append_header(axum::http::header::SET_COOKIE, value);
        }
        Ok(())
    }
    .await;
    result.map_err(|e: crate::server::AppError| e.into())
}

/// Members: their own name and language.
#[server(endpoint = "update_profile", prefix = "/api")]
pub async fn update_profile(name: String, language: String) -> Result<(), ApiError> {
    use crate::server::{accounts, request};
    let result = async {
        let user = request::require_user()?;
        accounts::update_profile(&request::pool()?, user.id, &name, &language).await
    }
    .await;
    let keep = [("name", name.as_str()), ("language", language.as_str())];
    super::finish_form(result, "profile", &keep, "/account?saved=profile").await
}

/// Members: their own email address, confirmed with their password.
#[server(endpoint = "change_email", prefix = "/api")]
pub async fn change_email(email: String, current_password: String) -> Result<(), ApiError> {
    use crate::server::{accounts, request};
    let result = async {
        let user = request::require_user()?;
        accounts::change_email(&request::pool()?, user.id, &email, &current_password).await
    }
    .await;
    super::finish_form(
        result,
        "email",
        &[("email", email.as_str())],
        "/account?saved=email",
    )
    .await
}

/// Members: their own password; every other session of theirs ends.
#[server(endpoint = "change_password", prefix = "/api")]
pub async fn change_password(current_password: String, password: String) -> Result<(), ApiError> {
    use crate::server::{accounts, request};
    let result = async {
        let user = request::require_user()?;
        accounts::change_password(
            &request::pool()?,
            &request::session()?,
            &user,
            &current_password,
            &password,
        )
        .await
    }
    .await;
    super::finish_form(result, "password", &[], "/account?saved=password").await
}
