//! Every reason a request can be refused, shared by the server, the API and the views.
use serde::{Deserialize, Serialize};

use crate::domain::account::AccountRule;
#[cfg(feature = "ssr")]
use crate::i18n::Locale;

/// Every reason a request can be refused, as the person using the portal should hear it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    NameRequired,
    NameTooLong,
    NameInvalid,
    /// A script the certificate fonts do not cover (checked on the server).
    NameNotPrintable,
    EmailInvalid,
    PasswordTooShort,
    PasswordTooLong,
    PasswordCommon,
    EmailUnavailable,
    InvalidCredentials,
    WrongPassword,
    LanguageInvalid,
    RoleInvalid,
    LastAdmin,
    QuizAttemptLimit,
    QuizCooldown,
    AttemptClosed,
    QuestionNotInAttempt,
    AnswerInvalid,
    CertificateHeld,
    CertificateNotEligible,
    CertificateNotCurrent,
    ReasonRequired,
    ReasonTooLong,
    MemberNotFound,
    ProgrammeInvalid,
    CodeInvalid,
    ConductNotAccepted,
    TitleRequired,
    TitleTooLong,
    BodyRequired,
    BodyTooLong,
    PracticeFieldsRequired,
    CategoryInvalid,
    ThreadLocked,
    OwnPost,
    AlreadyFlagged,
    ClauseInvalid,
    ActionInvalid,
    OutranksModerator,
    Suspended,
    RateLimited,
    Busy,
    PublicUrlWrong,
    TooLarge,
    TextInvalid,
    Unauthorized,
    Forbidden,
    NotFound,
    BadRequest,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::EmailUnavailable | ErrorCode::LastAdmin => 409,
            ErrorCode::RateLimited | ErrorCode::QuizAttemptLimit | ErrorCode::QuizCooldown => 429,
            ErrorCode::AttemptClosed
            | ErrorCode::CertificateHeld
            | ErrorCode::CertificateNotCurrent
            | ErrorCode::ThreadLocked
            | ErrorCode::AlreadyFlagged => 409,
            ErrorCode::OwnPost | ErrorCode::Suspended | ErrorCode::OutranksModerator => 403,
            ErrorCode::ConductNotAccepted => 403,
            ErrorCode::BadRequest | ErrorCode::TextInvalid => 400,
            ErrorCode::TooLarge => 413,
            ErrorCode::Busy | ErrorCode::PublicUrlWrong => 503,
            ErrorCode::Internal => 500,
            _ => 422,
        }
    }

    /// The form field the error belongs to, so a form can point at it.
    pub fn field(self) -> Option<&'static str> {
        match self {
            ErrorCode::NameRequired
            | ErrorCode::NameTooLong
            | ErrorCode::NameInvalid
            | ErrorCode::NameNotPrintable => Some("name"),
            ErrorCode::EmailInvalid | ErrorCode::EmailUnavailable => Some("email"),
            ErrorCode::PasswordTooShort
            | ErrorCode::PasswordTooLong
            | ErrorCode::PasswordCommon => Some("password"),
            ErrorCode::WrongPassword => Some("current_password"),
            ErrorCode::LanguageInvalid => Some("language"),
            ErrorCode::RoleInvalid => Some("role"),
            ErrorCode::ReasonRequired | ErrorCode::ReasonTooLong => Some("reason"),
            ErrorCode::MemberNotFound => Some("email"),
            ErrorCode::ProgrammeInvalid => Some("programme"),
            ErrorCode::CodeInvalid => Some("code"),
            ErrorCode::TitleRequired | ErrorCode::TitleTooLong => Some("title"),
            ErrorCode::BodyRequired | ErrorCode::BodyTooLong => Some("body"),
            ErrorCode::PracticeFieldsRequired => Some("situation"),
            ErrorCode::CategoryInvalid => Some("category"),
            ErrorCode::ClauseInvalid => Some("clause"),
            ErrorCode::ActionInvalid => Some("action"),
            _ => None,
        }
    }

    #[cfg(feature = "ssr")]
    pub fn message(self, locale: Locale) -> &'static str {
        use leptos_i18n::td_string;
        match self {
            ErrorCode::NameRequired => td_string!(locale, error_name_required),
            ErrorCode::NameTooLong => td_string!(locale, error_name_too_long),
            ErrorCode::NameInvalid => td_string!(locale, error_name_invalid),
            ErrorCode::NameNotPrintable => td_string!(locale, error_name_not_printable),
            ErrorCode::EmailInvalid => td_string!(locale, error_email_invalid),
            ErrorCode::PasswordTooShort => td_string!(locale, error_password_too_short),
            ErrorCode::PasswordTooLong => td_string!(locale, error_password_too_long),
            ErrorCode::PasswordCommon => td_string!(locale, error_password_common),
            ErrorCode::EmailUnavailable => td_string!(locale, error_email_unavailable),
            ErrorCode::InvalidCredentials => td_string!(locale, error_invalid_credentials),
            ErrorCode::WrongPassword => td_string!(locale, error_wrong_password),
            ErrorCode::LanguageInvalid => td_string!(locale, error_language_invalid),
            ErrorCode::RoleInvalid => td_string!(locale, error_role_invalid),
            ErrorCode::LastAdmin => td_string!(locale, error_last_admin),
            ErrorCode::QuizAttemptLimit => td_string!(locale, error_quiz_attempt_limit),
            ErrorCode::QuizCooldown => td_string!(locale, error_quiz_cooldown),
            ErrorCode::AttemptClosed => td_string!(locale, error_attempt_closed),
            ErrorCode::QuestionNotInAttempt => td_string!(locale, error_question_not_in_attempt),
            ErrorCode::AnswerInvalid => td_string!(locale, error_answer_invalid),
            ErrorCode::CertificateHeld => td_string!(locale, error_certificate_held),
            ErrorCode::CertificateNotEligible => td_string!(locale, error_certificate_not_eligible),
            ErrorCode::CertificateNotCurrent => td_string!(locale, error_certificate_not_current),
            ErrorCode::ReasonRequired => td_string!(locale, error_reason_required),
            ErrorCode::ReasonTooLong => td_string!(locale, error_reason_too_long),
            ErrorCode::MemberNotFound => td_string!(locale, error_member_not_found),
            ErrorCode::ProgrammeInvalid => td_string!(locale, error_programme_invalid),
            ErrorCode::CodeInvalid => td_string!(locale, error_code_invalid),
            ErrorCode::ConductNotAccepted => td_string!(locale, error_conduct_not_accepted),
            ErrorCode::TitleRequired => td_string!(locale, error_title_required),
            ErrorCode::TitleTooLong => td_string!(locale, error_title_too_long),
            ErrorCode::BodyRequired => td_string!(locale, error_body_required),
            ErrorCode::BodyTooLong => td_string!(locale, error_body_too_long),
            ErrorCode::PracticeFieldsRequired => td_string!(locale, error_practice_fields_required),
            ErrorCode::CategoryInvalid => td_string!(locale, error_category_invalid),
            ErrorCode::ThreadLocked => td_string!(locale, error_thread_locked),
            ErrorCode::OwnPost => td_string!(locale, error_own_post),
            ErrorCode::AlreadyFlagged => td_string!(locale, error_already_flagged),
            ErrorCode::ClauseInvalid => td_string!(locale, error_clause_invalid),
            ErrorCode::ActionInvalid => td_string!(locale, error_action_invalid),
            ErrorCode::OutranksModerator => td_string!(locale, error_outranks_moderator),
            ErrorCode::Suspended => td_string!(locale, error_suspended),
            ErrorCode::RateLimited => td_string!(locale, error_rate_limited),
            ErrorCode::Busy => td_string!(locale, error_busy),
            ErrorCode::PublicUrlWrong => td_string!(locale, error_public_url_wrong),
            ErrorCode::TooLarge => td_string!(locale, error_too_large),
            ErrorCode::TextInvalid => td_string!(locale, error_text_invalid),
            ErrorCode::Unauthorized => td_string!(locale, error_unauthorized),
            ErrorCode::Forbidden => td_string!(locale, error_forbidden),
            ErrorCode::NotFound => td_string!(locale, error_not_found),
            ErrorCode::BadRequest => td_string!(locale, error_bad_request),
            ErrorCode::Internal => td_string!(locale, error_internal),
        }
    }
}

impl From<AccountRule> for ErrorCode {
    fn from(rule: AccountRule) -> Self {
        match rule {
            AccountRule::NameRequired => ErrorCode::NameRequired,
            AccountRule::NameTooLong => ErrorCode::NameTooLong,
            AccountRule::NameInvalid => ErrorCode::NameInvalid,
            AccountRule::EmailInvalid => ErrorCode::EmailInvalid,
            AccountRule::PasswordTooShort => ErrorCode::PasswordTooShort,
            AccountRule::PasswordTooLong => ErrorCode::PasswordTooLong,
        }
    }
}
