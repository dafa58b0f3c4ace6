//! What the certificate pages, server functions and command line share: issuing with the
//! portal's settings, the PDF's wording in the holder's language, bulk and automatic issue.
use leptos_i18n::td_string;

use super::fonts;
use super::pdf::{self, CertificateDocument};
use super::store::{self, Request};
use super::{Actor, Certificate, code};
use crate::domain::dates::long_date;
use crate::domain::error::ErrorCode;
use crate::domain::language::parse_locale;
use crate::server::content::Issuing;
use crate::server::db::now;
use crate::server::{AppError, AppState, Settings};

/// The public address that verifies a certificate; also in its QR code.
pub fn verify_url(settings: &Settings, code: &str) -> String {
    format!("{}/verify/{}", settings.public_url, code::display(code))
}

/// The certificate's PDF, worded in the holder's language. A name the fonts cannot print
/// (one stored before registration checked) is refused with that reason, not as a fault.
pub fn render(settings: &Settings, c: &Certificate) -> Result<Vec<u8>, AppError> {
    if let Err(fonts::Unset::Character(_)) = fonts::printable(&c.holder_name) {
        return Err(ErrorCode::NameNotPrintable.into());
    }
    let locale = parse_locale(&c.language).unwrap_or_default();
    let lang = c.language.as_str();
    let (issued_on, expires_on) = (long_date(c.issued_at, lang), long_date(c.expires_at, lang));
    let (serial, display_code) = (c.serial(), c.display_code());
    let verify_url = verify_url(settings, &c.code);
    let document = CertificateDocument {
        language: lang,
        association: &settings.association_name,
        title: td_string!(locale, certificate_pdf_title),
        certifies: td_string!(locale, certificate_pdf_certifies),
        holder_name: &c.holder_name,
        completed: td_string!(locale, certificate_pdf_completed),
        programme_title: &c.programme_title,
        issued_label: td_string!(locale, certificate_issued),
        issued_on: &issued_on,
        expires_label: td_string!(locale, certificate_expires),
        expires_on: &expires_on,
        serial_label: td_string!(locale, certificate_serial),
        serial: &serial,
        code_label: td_string!(locale, certificate_code),
        code: &display_code,
        verify_label: td_string!(locale, certificate_pdf_verify_at),
        verify_url: &verify_url,
        signatory_name: &settings.signatory_name,
        signatory_title: &settings.signatory_title,
    };
    pdf::render(&document).map_err(|e| AppError::Internal(format!("certificate PDF: {e}")))
}

pub async fn issue(
    state: &AppState,
    user_id: i64,
    programme: &str,
    request: Request<'_>,
    actor: &Actor,
) -> Result<Certificate, AppError> {
    if state.settings.public_url_wrong {
        return Err(ErrorCode::PublicUrlWrong.into());
    }
    let catalogue = state.content.get();
    let programme = catalogue
        .programme(programme)
        .ok_or(ErrorCode::ProgrammeInvalid)?;
    store::issue(
        &state.pool,
        state.backend,
        user_id,
        programme,
        request,
        (actor, now()),
        |c| render(&state.settings, c),
    )
    .await
}

/// What a bulk issue did: the certificates issued, and each member refused with why.
#[derive(Debug, Default)]
pub struct Summary {
    pub issued: Vec<Certificate>,
    pub refused: Vec<(i64, ErrorCode)>,
}

/// Issues earned certificates to many members, each in its own transaction, so one
/// member's refusal (no longer eligible, issued meanwhile) does not hold back the rest.
/// Every member not issued is in the summary with why; a fault is logged and reported as
/// [`ErrorCode::Internal`], since the certificates before it are already issued.
pub async fn issue_many(
    state: &AppState,
    programme: &str,
    members: &[i64],
    actor: &Actor,
) -> Result<Summary, AppError> {
    // Refused as a whole, not member by member, while no certificate can be issued at all.
    if state.settings.public_url_wrong {
        return Err(ErrorCode::PublicUrlWrong.into());
    }
    let catalogue = state.content.get();
    catalogue
        .programme(programme)
        .ok_or(ErrorCode::ProgrammeInvalid)?;
    let mut summary = Summary::default();
    for &member in members {
        match issue(state, member, programme, Request::Earned, actor).await {
            Ok(certificate) => summary.issued.push(certificate),
            Err(AppError::Refused(code)) => summary.refused.push((member, code)),
            Err(e) => {
                tracing::error!(error = %e, member, programme, "bulk issue failed for a member");
                summary.refused.push((member, ErrorCode::Internal));
            }
        }
    }
    Ok(summary)
}

/// After a member passes a quiz: issues every automatic programme they have now earned.
pub async fn issue_automatic(state: &AppState, user_id: i64) {
    let catalogue = state.content.get();
    for programme in catalogue
        .programmes()
        .iter()
        .filter(|p| p.issuing == Issuing::Automatic)
    {
        match issue(
            state,
            user_id,
            &programme.slug,
            Request::Earned,
            &Actor::automatic(),
        )
        .await
        {
            Ok(c) => tracing::info!(certificate = c.id, member = user_id, "issued automatically"),
            // Only a name stored before registration checked the fonts: an admin must see it.
            Err(AppError::Refused(ErrorCode::NameNotPrintable)) => tracing::warn!(
                member = user_id,
                "not issued automatically: the name cannot be printed"
            ),
            Err(AppError::Refused(_)) => {}
            Err(e) => tracing::error!(error = %e, member = user_id, "automatic issue failed"),
        }
    }
}
