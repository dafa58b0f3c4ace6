//! Plain HTTP endpoints around certificates: the stored PDF, the public "is this PDF the one
//! issued?" check, and the admins' CSV export.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use super::store::{self, Filter};
use super::{LOOKUP_WINDOW, Status, code};
use crate::domain::dates::iso_date;
use crate::domain::role::Role;
use crate::server::db::now;
use crate::server::identity::Identity;
use crate::server::spreadsheet::{csv_download_of, spreadsheet_safe};
use crate::server::{AppState, rate_limit};

/// PDF checks one address may make per window.
const CHECKS: i64 = 30;

/// The session key that carries a PDF check's result to the verification page.
pub const PDF_CHECK: &str = "pdf_check";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfCheck {
    pub code: String,
    pub matches: bool,
    pub sha256: String,
}

pub fn lookup_bucket(client: Option<std::net::IpAddr>) -> String {
    format!(
        "verify:{}",
        client
            .map(|ip| rate_limit::network_of(ip).to_string())
            .unwrap_or_default()
    )
}

/// `GET /certificates/<id>/certificate.pdf`: the bytes stored at issue, for the holder and
/// for admins.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    identity: Option<axum::Extension<Identity>>,
) -> Response {
    let Some(user) = identity.and_then(|i| i.0.user) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let certificate = match store::find(&state.pool, id).await {
        Ok(Some(c)) if c.user_id == user.id || user.role >= Role::Admin => c,
        // Someone else's certificate is as absent as a missing one.
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return internal(e),
    };
    match store::pdf(&state.pool, id).await {
        Ok(Some(pdf)) => {
            let disposition = format!(
                "attachment; filename=\"certificate-{}.pdf\"",
                certificate.serial()
            );
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/pdf"),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_str(&disposition)
                            .unwrap_or(HeaderValue::from_static("attachment")),
                    ),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("private, no-store"),
                    ),
                ],
                pdf,
            )
                .into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => internal(e),
    }
}

/// A file over the body limit is refused before `check_pdf` reads it. No certificate we issue
/// comes near that size, so the verification page says the file is not the issued PDF,
/// instead of the browser showing a bare 413.
pub async fn oversized_check(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let checked = (req.method() == axum::http::Method::POST)
        .then(|| {
            req.uri()
                .path()
                .strip_prefix("/verify/")?
                .strip_suffix("/check")
        })
        .flatten()
        .and_then(code::normalise);
    let res = next.run(req).await;
    match checked {
        Some(code) if res.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let page = format!("/verify/{}?toolarge=1#check", code::display(&code));
            Redirect::to(&page).into_response()
        }
        _ => res,
    }
}

/// `POST /verify/<code>/check` (multipart, field `pdf`): compares the file's SHA-256 with the
/// issued PDF's and shows the answer on the verification page. The answer travels in the
/// session, never in the address, so nobody can send a link that claims a match.
pub async fn check_pdf(
    State(state): State<AppState>,
    Path(typed): Path<String>,
    identity: Option<axum::Extension<Identity>>,
    session: Session,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    // Every answer is a page: the verification form, or the certificate's page saying what
    // happened. A bare status would leave the browser on an empty error screen.
    let Some(code) = code::normalise(&typed) else {
        return Redirect::to("/verify").into_response();
    };
    let page = format!("/verify/{}", code::display(&code));
    // Not a file upload at all (a hand-made request, a form without its encoding).
    let Ok(mut form) = form else {
        return Redirect::to(&format!("{page}?nofile=1#check")).into_response();
    };
    let bucket = format!(
        "{}:check",
        lookup_bucket(identity.and_then(|i| i.0.client_ip))
    );
    match rate_limit::allow(&state.pool, &bucket, CHECKS, LOOKUP_WINDOW).await {
        Ok(true) => {}
        Ok(false) => return Redirect::to(&format!("{page}?limited=1")).into_response(),
        Err(e) => return internal(e),
    }
    let certificate = match store::find_by_code(&state.pool, &code).await {
        Ok(Some(c)) => c,
        // The page says no certificate has this code.
        Ok(None) => return Redirect::to(&page).into_response(),
        Err(e) => return internal(e),
    };
    let mut hasher = Sha256::new();
    let mut received = false;
    loop {
        match form.next_field().await {
            Ok(Some(mut field)) if field.name() == Some("pdf") => loop {
                match field.chunk().await {
                    Ok(Some(bytes)) => {
                        received |= !bytes.is_empty();
                        hasher.update(&bytes);
                    }
                    Ok(None) => break,
                    // Larger than any certificate we issue (the body limit cut it off).
                    Err(_) => {
                        hasher.update(b"\0truncated");
                        break;
                    }
                }
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(_) => {
                hasher.update(b"\0truncated");
                break;
            }
        }
    }
    if !received {
        return Redirect::to(&format!("{page}?nofile=1#check")).into_response();
    }
    let sha256 = store::hex(&hasher.finalize());
    let result = PdfCheck {
        matches: sha256 == certificate.sha256,
        code,
        sha256,
    };
    if let Err(e) = session.insert(PDF_CHECK, result).await {
        tracing::error!(error = %e, "could not keep a PDF check's result");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    Redirect::to(&format!("{page}#check")).into_response()
}

/// The admin list's filters as the page's form sends them; empty fields mean "any".
#[derive(Default, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub programme: Option<String>,
    pub expiring: Option<String>,
}

impl ListQuery {
    pub fn filter(self) -> Filter {
        Filter {
            status: self.status.as_deref().and_then(Status::parse),
            programme: self.programme.filter(|p| !p.is_empty()),
            expiring_within_days: self.expiring.and_then(|d| d.trim().parse().ok()),
        }
    }
}

/// `GET /admin/certificates.csv?status=…&programme=…&expiring=…`, admins only: the list as
/// filtered on the page.
pub async fn csv_download(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
    identity: Option<axum::Extension<Identity>>,
) -> Response {
    match identity.and_then(|i| i.0.user.map(|u| u.role)) {
        None => return StatusCode::UNAUTHORIZED.into_response(),
        Some(role) if role < Role::Admin => return StatusCode::FORBIDDEN.into_response(),
        Some(_) => {}
    }
    let now = now();
    let rows = match store::list(&state.pool, &query.filter(), now).await {
        Ok(rows) => rows,
        Err(e) => return internal(e),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let header_row = [
        "serial",
        "code",
        "holder",
        "email",
        "programme",
        "status",
        "basis",
        "issued",
        "expires",
        "sha256",
    ];
    let mut result = out.write_record(header_row);
    for row in &rows {
        let c = &row.certificate;
        if result.is_err() {
            break;
        }
        result = out.write_record([
            c.serial(),
            c.display_code(),
            spreadsheet_safe(c.holder_name.clone()),
            spreadsheet_safe(row.email.clone()),
            c.programme.clone(),
            c.status(now).as_str().to_owned(),
            c.basis.as_str().to_owned(),
            iso_date(c.issued_at),
            iso_date(c.expires_at),
            c.sha256.clone(),
        ]);
    }
    let body = match (result, out.into_inner()) {
        (Ok(()), Ok(body)) => body,
        _ => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    csv_download_of("certificates.csv", body)
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "certificate request failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
