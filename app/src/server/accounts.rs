//! Members' accounts: registration, sign-in, profile changes and roles.
use leptos_i18n::Locale as _;
use std::net::IpAddr;

use sqlx::{AnyPool, Row};
use tower_sessions::Session;

use super::db::{self, Backend, now};
use super::passwords::{self, PasswordHash};
use super::rate_limit;
use super::sessions::{self, SEEN_AT, SIGNED_IN_AT, USER_ID};
use super::{AppError, Settings};
use crate::domain::account::{check_password_length, normalise_email};
use crate::domain::error::ErrorCode;
use crate::domain::language::parse_locale;
use crate::domain::member::MemberRow;
use crate::domain::member::UserView;
use crate::domain::role::Role;

const USER_COLUMNS: &str = "id, display_name, email, language, role";

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<UserView, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Ok(UserView {
        id: row.try_get("id")?,
        name: row.try_get("display_name")?,
        email: row.try_get("email")?,
        language: row.try_get("language")?,
        role: Role::parse(&role).unwrap_or(Role::Member),
    })
}

/// A name as stored: the account rules, then composed (NFC), so that an accent typed as a
/// separate mark prints as one letter on certificates. A name the certificate fonts cannot
/// print is refused here, not when a certificate is issued months later.
fn stored_name(raw: &str) -> Result<String, ErrorCode> {
    use unicode_normalization::UnicodeNormalization;
    let name = crate::domain::account::normalise_name(&raw.nfc().collect::<String>())?;
    match super::certificates::fonts::printable(&name) {
        Ok(()) => Ok(name),
        Err(super::certificates::fonts::Unset::Character(_)) => Err(ErrorCode::NameNotPrintable),
        Err(super::certificates::fonts::Unset::Fonts) => Err(ErrorCode::Internal),
    }
}

pub async fn find_by_id(pool: &AnyPool, id: i64) -> Result<Option<UserView>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn find_by_email(pool: &AnyPool, email: &str) -> Result<Option<UserView>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    ))
    .bind(email.trim().to_lowercase())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

async fn find_with_hash(
    pool: &AnyPool,
    email: &str,
) -> Result<Option<(UserView, PasswordHash)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok((
            user_from_row(&row)?,
            PasswordHash::from_stored(row.try_get("password_hash")?),
        ))
    })
    .transpose()
}

async fn hash_of(pool: &AnyPool, user_id: i64) -> Result<PasswordHash, AppError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    stored
        .map(PasswordHash::from_stored)
        .ok_or(AppError::Refused(ErrorCode::Unauthorized))
}

/// A new member's details, checked and normalised.
pub struct NewAccount {
    pub name: String,
    pub email: String,
    pub password: String,
    pub language: String,
    pub role: Role,
}

impl NewAccount {
    pub fn check(
        name: &str,
        email: &str,
        password: &str,
        language: &str,
        role: Role,
    ) -> Result<Self, AppError> {
        let name = stored_name(name)?;
        let email = normalise_email(email)?;
        check_password_length(password)?;
        let language = parse_locale(language)
            .ok_or(ErrorCode::LanguageInvalid)?
            .as_str()
            .to_owned();
        if passwords::is_common(password, &[&email, &name]) {
            return Err(ErrorCode::PasswordCommon.into());
        }
        Ok(NewAccount {
            name,
            email,
            password: password.to_owned(),
            language,
            role,
        })
    }
}

const INSERT_USER: &str = "INSERT INTO users (email, display_name, password_hash, language, role, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6)";

fn insert_user<'q>(
    sql: &'q str,
    account: &'q NewAccount,
    hash: &'q PasswordHash,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(&account.email)
        .bind(&account.name)
        .bind(hash.as_stored())
        .bind(&account.language)
        .bind(account.role.as_str())
        .bind(now())
}

/// Creates the account. An email already in use is refused without saying more.
pub async fn create(pool: &AnyPool, account: NewAccount) -> Result<UserView, AppError> {
    let hash = passwords::hash(&account.password).await?;
    let sql = format!("{INSERT_USER} RETURNING id");
    let inserted = insert_user(&sql, &account, &hash).fetch_one(pool).await;
    match inserted {
        Ok(row) => Ok(UserView {
            id: row.try_get("id")?,
            name: account.name,
            email: account.email,
            language: account.language,
            role: account.role,
        }),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(ErrorCode::EmailUnavailable.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates many accounts sharing one password (demonstrations and load tests: one argon2
/// hash for all), skipping emails already in use. Returns how many were created.
pub async fn create_many(
    pool: &AnyPool,
    accounts: &[NewAccount],
    password: &str,
) -> Result<u64, AppError> {
    let hash = passwords::hash(password).await?;
    let sql = format!("{INSERT_USER} ON CONFLICT (email) DO NOTHING");
    let mut tx = pool.begin().await?;
    let mut created = 0;
    for account in accounts {
        created += insert_user(&sql, account, &hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(created)
}

/// `per_ip_hour`: accounts one client address may register in an hour.
pub async fn register(
    pool: &AnyPool,
    client: Option<IpAddr>,
    per_ip_hour: i64,
    name: &str,
    email: &str,
    password: &str,
    language: &str,
) -> Result<UserView, AppError> {
    if let Some(ip) = client {
        // Slows down both spam accounts and probing for registered addresses.
        if !rate_limit::allow(
            pool,
            &format!("register:ip:{}", rate_limit::network_of(ip)),
            per_ip_hour,
            std::time::Duration::from_secs(3600),
        )
        .await?
        {
            return Err(ErrorCode::RateLimited.into());
        }
    }
    create(
        pool,
        NewAccount::check(name, email, password, language, Role::Member)?,
    )
    .await
}

/// Checks an email and password. Every refusal looks the same, whether the email is
/// unknown, the password wrong or the attempts used up, and takes the same time.
pub async fn authenticate(
    pool: &AnyPool,
    settings: &Settings,
    client: Option<IpAddr>,
    email: &str,
    password: &str,
) -> Result<UserView, AppError> {
    let email = email.trim().to_lowercase();
    let window = settings.login_window;
    // The limits are for failures. Every attempt is counted before the password is checked,
    // so parallel guesses cannot slip past together; a success then takes its count back
    // from the address and clears the account's, so a room of colleagues behind one
    // address, or one member signing in all day, never runs into them.
    let account_bucket = format!("login:account:{email}");
    let address_bucket = client.map(|ip| format!("login:ip:{}", rate_limit::network_of(ip)));
    let mut allowed = rate_limit::allow(
        pool,
        &account_bucket,
        settings.login_attempts_per_account,
        window,
    )
    .await?;
    if let Some(bucket) = &address_bucket {
        allowed &= rate_limit::allow(pool, bucket, settings.login_attempts_per_ip, window).await?;
    }
    if !allowed {
        tracing::warn!(client = ?client, "sign-in attempts over the limit");
        return Err(ErrorCode::RateLimited.into());
    }
    let found = find_with_hash(pool, &email).await?;
    let hash = found.as_ref().map_or(passwords::decoy_hash(), |(_, h)| h);
    let matches = passwords::verify(password, hash).await?;
    match found {
        Some((user, _)) if matches => {
            rate_limit::reset(pool, &account_bucket).await?;
            if let Some(bucket) = &address_bucket {
                rate_limit::refund(pool, bucket).await?;
            }
            Ok(user)
        }
        found => {
            let (member, reason) = match found {
                Some((user, _)) => (Some(user.id), "wrong password"),
                None => (None, "no account with this email"),
            };
            tracing::warn!(member, client = ?client, reason, "failed sign-in");
            Err(ErrorCode::InvalidCredentials.into())
        }
    }
}

/// Starts a signed-in session under a fresh id, so an id planted before sign-in is useless.
pub async fn sign_in(session: &Session, user: &UserView) -> Result<(), AppError> {
    session.cycle_id().await?;
    let now = now();
    session.insert(USER_ID, user.id).await?;
    session.insert(SIGNED_IN_AT, now).await?;
    session.insert(SEEN_AT, now).await?;
    Ok(())
}

/// Ends the session on the server, not just in the browser.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await?;
    Ok(())
}

pub async fn update_profile(
    pool: &AnyPool,
    user_id: i64,
    name: &str,
    language: &str,
) -> Result<(), AppError> {
    let name = stored_name(name)?;
    let language = parse_locale(language).ok_or(ErrorCode::LanguageInvalid)?;
    sqlx::query("UPDATE users SET display_name = $1, language = $2, updated_at = $3 WHERE id = $4")
        .bind(name)
        .bind(language.as_str())
        .bind(now())
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn set_language(pool: &AnyPool, user_id: i64, language: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET language = $1, updated_at = $2 WHERE id = $3")
        .bind(language)
        .bind(now())
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Wrong current passwords one member may give (changing email or password) in 15 minutes:
/// each costs a password hash, and a stolen session must not guess the password forever.
const CURRENT_PASSWORD_TRIES: i64 = 10;

/// The member's current password, checked as sign-in checks it: failures are limited, and a
/// right answer clears them.
async fn check_current_password(
    pool: &AnyPool,
    member: i64,
    password: &str,
) -> Result<(), AppError> {
    let bucket = format!("current-password:{member}");
    let window = std::time::Duration::from_secs(15 * 60);
    if !rate_limit::allow(pool, &bucket, CURRENT_PASSWORD_TRIES, window).await? {
        tracing::warn!(member, "current-password attempts over the limit");
        return Err(ErrorCode::RateLimited.into());
    }
    if !passwords::verify(password, &hash_of(pool, member).await?).await? {
        tracing::warn!(member, "wrong current password");
        return Err(ErrorCode::WrongPassword.into());
    }
    rate_limit::reset(pool, &bucket).await?;
    Ok(())
}

pub async fn change_email(
    pool: &AnyPool,
    user_id: i64,
    email: &str,
    current_password: &str,
) -> Result<(), AppError> {
    let email = normalise_email(email)?;
    check_current_password(pool, user_id, current_password).await?;
    let updated = sqlx::query("UPDATE users SET email = $1, updated_at = $2 WHERE id = $3")
        .bind(email)
        .bind(now())
        .bind(user_id)
        .execute(pool)
        .await;
    match updated {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(ErrorCode::EmailUnavailable.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Changes the password and signs the member out everywhere else.
pub async fn change_password(
    pool: &AnyPool,
    session: &Session,
    user: &UserView,
    current_password: &str,
    new_password: &str,
) -> Result<(), AppError> {
    check_password_length(new_password)?;
    if passwords::is_common(new_password, &[&user.email, &user.name]) {
        return Err(ErrorCode::PasswordCommon.into());
    }
    check_current_password(pool, user.id, current_password).await?;
    let hash = passwords::hash(new_password).await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash.as_stored())
        .bind(now())
        .bind(user.id)
        .execute(pool)
        .await?;
    session.cycle_id().await?;
    sessions::end_other_sessions(pool, user.id, session.id()).await?;
    Ok(())
}

pub async fn list_members(pool: &AnyPool) -> Result<Vec<MemberRow>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, created_at FROM users ORDER BY display_name, id"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(MemberRow {
                user: user_from_row(row)?,
                joined_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// Changes a member's role; the last administrator cannot be demoted, so the portal always
/// has someone who can manage it.
pub async fn set_role(
    pool: &AnyPool,
    backend: Backend,
    user_id: i64,
    role: Role,
) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool, backend).await?;
    let current: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
    let current = current.ok_or(ErrorCode::NotFound)?;
    if current == Role::Admin.as_str() && role != Role::Admin {
        let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .fetch_one(&mut *tx)
            .await?;
        if admins <= 1 {
            return Err(ErrorCode::LastAdmin.into());
        }
    }
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
