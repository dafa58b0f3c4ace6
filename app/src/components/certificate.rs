//! How a certificate is shown wherever it appears: its status in words (never colour
//! alone) and the facts printed on it.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_i18n::td_string;

use crate::context::use_locale;
use crate::domain::dates::long_date;
use crate::i18n::Locale;
use crate::server::certificates::{Basis, Certificate, Status};

pub fn status_name(locale: Locale, status: Status) -> &'static str {
    match status {
        Status::Valid => td_string!(locale, certificate_status_valid),
        Status::Expired => td_string!(locale, certificate_status_expired),
        Status::Revoked => td_string!(locale, certificate_status_revoked),
        Status::Superseded => td_string!(locale, certificate_status_superseded),
    }
}

pub fn basis_name(locale: Locale, basis: Basis) -> &'static str {
    match basis {
        Basis::Quizzes => td_string!(locale, certificate_basis_quizzes),
        Basis::Renewal => td_string!(locale, certificate_basis_renewal),
        Basis::Manual => td_string!(locale, certificate_basis_manual),
        Basis::Reissue => td_string!(locale, certificate_basis_reissue),
    }
}

#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    let locale = use_locale();
    let symbol = match status {
        Status::Valid => "✓",
        Status::Expired => "⌛",
        Status::Revoked => "✗",
        Status::Superseded => "↻",
    };
    view! {
        <span class=format!("status status-{}", status.as_str()) data-test="certificate-status" data-status=status.as_str()>
            <span aria-hidden="true">{symbol} " "</span>{status_name(locale, status)}
        </span>
    }
}

/// What the certificate says, as printed, plus its status now.
#[component]
pub fn CertificateFacts(certificate: Certificate, now: i64) -> impl IntoView {
    let locale = use_locale();
    let lang = locale.as_str();
    let c = certificate;
    view! {
        <dl class="facts">
            <dt>{td_string!(locale, certificate_status)}</dt>
            <dd><StatusBadge status=c.status(now) /></dd>
            <dt>{td_string!(locale, certificate_holder)}</dt>
            <dd data-test="certificate-holder" lang=c.language.clone()>{c.holder_name.clone()}</dd>
            <dt>{td_string!(locale, certificate_programme)}</dt>
            <dd lang=c.language.clone()>{c.programme_title.clone()}</dd>
            <dt>{td_string!(locale, certificate_issued)}</dt>
            <dd>{long_date(c.issued_at, lang)}</dd>
            <dt>{td_string!(locale, certificate_expires)}</dt>
            <dd>{long_date(c.expires_at, lang)}</dd>
            <dt>{td_string!(locale, certificate_serial)}</dt>
            <dd>{c.serial()}</dd>
            <dt>{td_string!(locale, certificate_code)}</dt>
            <dd><code data-test="certificate-code">{c.display_code()}</code></dd>
        </dl>
    }
}
