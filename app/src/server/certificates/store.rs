//! Certificates in the database. Issuing is one transaction: the row, the PDF with its
//! hash, the history entry, and the certificate it supersedes, all or nothing.
use std::collections::HashMap;

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};

use super::eligibility::add_months;
use super::{Actor, Basis, Certificate, Eligibility, Event, Status, code};
use crate::domain::error::ErrorCode;
use crate::server::AppError;
use crate::server::content::Programme;
use crate::server::db::{Backend, begin_write};

const COLUMNS: &str = "c.id, c.code, c.user_id, c.programme, c.holder_name, c.programme_title, \
     c.language, c.issued_at, c.expires_at, c.basis, c.revoked_at, c.superseded_at, \
     c.superseded_by, f.sha256";
const FROM: &str = "certificates c JOIN certificate_files f ON f.certificate_id = c.id";

fn from_row(row: &AnyRow) -> Result<Certificate, sqlx::Error> {
    let basis: String = row.try_get("basis")?;
    Ok(Certificate {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        user_id: row.try_get("user_id")?,
        programme: row.try_get("programme")?,
        holder_name: row.try_get("holder_name")?,
        programme_title: row.try_get("programme_title")?,
        language: row.try_get("language")?,
        issued_at: row.try_get("issued_at")?,
        expires_at: row.try_get("expires_at")?,
        basis: Basis::parse(&basis).unwrap_or(Basis::Manual),
        revoked_at: row.try_get("revoked_at")?,
        superseded_at: row.try_get("superseded_at")?,
        superseded_by: row.try_get("superseded_by")?,
        sha256: row.try_get("sha256")?,
    })
}

/// What to issue.
pub enum Request<'a> {
    /// Earned by passing the required quizzes (a first certificate or a renewal); refused
    /// unless the member is eligible at this moment.
    Earned,
    /// An admin's decision with a reason; refused while the member holds a valid one.
    Manual { reason: &'a str },
    /// A fresh copy of current certificate `of` (e.g. a corrected name), same dates.
    Reissue { of: i64, reason: &'a str },
}

/// Printed text in the holder's language, from the programme and the holder's profile.
pub struct Holder {
    pub name: String,
    pub language: String,
}

/// Issues a certificate to `user_id`. `render` makes the PDF once the certificate has its
/// number and code; if anything fails, nothing is stored.
pub async fn issue(
    pool: &AnyPool,
    backend: Backend,
    user_id: i64,
    programme: &Programme,
    request: Request<'_>,
    (actor, now): (&Actor, i64),
    render: impl FnOnce(&Certificate) -> Result<Vec<u8>, AppError>,
) -> Result<Certificate, AppError> {
    let mut tx = begin_write(pool, backend).await?;
    let holder = holder(&mut tx, user_id).await?;
    let current = current(&mut *tx, user_id, &programme.slug).await?;
    let live = current.as_ref().filter(|c| c.revoked_at.is_none());

    let (basis, issued_at, expires_at, supersedes, reason) = match request {
        Request::Earned => {
            let passes = latest_passes(&mut *tx, user_id).await?;
            match Eligibility::of(programme, &passes, current.as_ref(), now) {
                Eligibility::New => (
                    Basis::Quizzes,
                    now,
                    add_months(now, programme.validity_months),
                    None,
                    None,
                ),
                Eligibility::Renewal { of } => {
                    let old = live.filter(|c| c.id == of).ok_or(ErrorCode::Internal)?;
                    // Renewing early loses no time: the new validity runs on from the old.
                    let from = old.expires_at.max(now);
                    let expires = add_months(from, programme.validity_months);
                    (Basis::Renewal, now, expires, Some(of), None)
                }
                Eligibility::Held { .. } => return Err(ErrorCode::CertificateHeld.into()),
                Eligibility::Missing { .. } => {
                    return Err(ErrorCode::CertificateNotEligible.into());
                }
            }
        }
        Request::Manual { reason } => {
            if live.is_some_and(|c| c.status(now) == Status::Valid) {
                return Err(ErrorCode::CertificateHeld.into());
            }
            let expires = add_months(now, programme.validity_months);
            (
                Basis::Manual,
                now,
                expires,
                live.map(|c| c.id),
                Some(reason),
            )
        }
        Request::Reissue { of, reason } => {
            let old = live
                .filter(|c| c.id == of)
                .ok_or(ErrorCode::CertificateNotCurrent)?;
            (
                Basis::Reissue,
                old.issued_at,
                old.expires_at,
                Some(of),
                Some(reason),
            )
        }
    };

    if let Some(old) = supersedes {
        let done = sqlx::query(
            "UPDATE certificates SET superseded_at = $1 \
             WHERE id = $2 AND revoked_at IS NULL AND superseded_at IS NULL",
        )
        .bind(now)
        .bind(old)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(ErrorCode::CertificateNotCurrent.into());
        }
    }

    let mut certificate = Certificate {
        id: 0,
        code: code::generate(),
        user_id,
        programme: programme.slug.clone(),
        holder_name: holder.name,
        programme_title: programme.title(&holder.language).to_owned(),
        language: holder.language,
        issued_at,
        expires_at,
        basis,
        revoked_at: None,
        superseded_at: None,
        superseded_by: None,
        sha256: String::new(),
    };
    let inserted = sqlx::query_scalar(
        "INSERT INTO certificates (code, user_id, programme, holder_name, programme_title, \
           language, issued_at, expires_at, basis) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(&certificate.code)
    .bind(user_id)
    .bind(&certificate.programme)
    .bind(&certificate.holder_name)
    .bind(&certificate.programme_title)
    .bind(&certificate.language)
    .bind(issued_at)
    .bind(expires_at)
    .bind(basis.as_str())
    .fetch_one(&mut *tx)
    .await;
    certificate.id = match inserted {
        Ok(id) => id,
        // The one-current index: a parallel request issued first.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(ErrorCode::CertificateHeld.into());
        }
        Err(e) => return Err(e.into()),
    };

    let pdf = render(&certificate)?;
    certificate.sha256 = hex(&Sha256::digest(&pdf));
    sqlx::query("INSERT INTO certificate_files (certificate_id, pdf, sha256) VALUES ($1, $2, $3)")
        .bind(certificate.id)
        .bind(pdf)
        .bind(&certificate.sha256)
        .execute(&mut *tx)
        .await?;
    record(&mut tx, certificate.id, "issued", actor, reason, now).await?;
    if let Some(old) = supersedes {
        sqlx::query("UPDATE certificates SET superseded_by = $1 WHERE id = $2")
            .bind(certificate.id)
            .bind(old)
            .execute(&mut *tx)
            .await?;
        record(&mut tx, old, "superseded", actor, reason, now).await?;
    }
    tx.commit().await?;
    Ok(certificate)
}

/// Revokes a current certificate; a revoked or superseded one cannot be revoked again.
pub async fn revoke(
    pool: &AnyPool,
    backend: Backend,
    id: i64,
    actor: &Actor,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(pool, backend).await?;
    let done = sqlx::query(
        "UPDATE certificates SET revoked_at = $1 \
         WHERE id = $2 AND revoked_at IS NULL AND superseded_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        let exists = sqlx::query("SELECT 1 FROM certificates WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        return Err(match exists {
            Some(_) => ErrorCode::CertificateNotCurrent,
            None => ErrorCode::NotFound,
        }
        .into());
    }
    record(&mut tx, id, "revoked", actor, Some(reason), now).await?;
    tx.commit().await?;
    Ok(())
}

async fn record(
    tx: &mut Transaction<'static, Any>,
    certificate: i64,
    action: &str,
    actor: &Actor,
    reason: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO certificate_events (certificate_id, action, actor_id, actor, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(certificate)
    .bind(action)
    .bind(actor.id)
    .bind(&actor.label)
    .bind(reason)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn holder(tx: &mut Transaction<'static, Any>, user_id: i64) -> Result<Holder, AppError> {
    let row = sqlx::query("SELECT display_name, language FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(ErrorCode::MemberNotFound)?;
    Ok(Holder {
        name: row.try_get("display_name")?,
        language: row.try_get("language")?,
    })
}

/// The member's latest certificate for `programme` that nothing superseded, revoked or not.
pub async fn current<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    user_id: i64,
    programme: &str,
) -> Result<Option<Certificate>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE c.user_id = $1 AND c.programme = $2 \
         AND c.superseded_at IS NULL ORDER BY c.id DESC LIMIT 1"
    ))
    .bind(user_id)
    .bind(programme)
    .fetch_optional(executor)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// When the member last passed each quiz.
pub async fn latest_passes<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    user_id: i64,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT module_slug, MAX(submitted_at) AS at FROM quiz_attempts \
         WHERE user_id = $1 AND passed = 1 GROUP BY module_slug",
    )
    .bind(user_id)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("module_slug")?, r.try_get("at")?)))
        .collect()
}

pub async fn find(pool: &AnyPool, id: i64) -> Result<Option<Certificate>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_code(pool: &AnyPool, code: &str) -> Result<Option<Certificate>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE c.code = $1"))
        .bind(code)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every certificate the member was ever issued, newest first.
pub async fn of_member(pool: &AnyPool, user_id: i64) -> Result<Vec<Certificate>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE c.user_id = $1 ORDER BY c.id DESC"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The PDF exactly as issued.
pub async fn pdf(pool: &AnyPool, id: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar("SELECT pdf FROM certificate_files WHERE certificate_id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn history(pool: &AnyPool, id: i64) -> Result<Vec<Event>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT action, actor, reason, at FROM certificate_events \
         WHERE certificate_id = $1 ORDER BY at, id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                action: r.try_get("action")?,
                actor: r.try_get("actor")?,
                reason: r.try_get("reason")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// The admin list's filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub status: Option<Status>,
    pub programme: Option<String>,
    /// Valid certificates that expire within this many days.
    pub expiring_within_days: Option<u32>,
}

/// A certificate with its holder's email, for admins.
#[derive(Clone, Debug)]
pub struct Listed {
    pub certificate: Certificate,
    pub email: String,
}

pub async fn list(pool: &AnyPool, filter: &Filter, now: i64) -> Result<Vec<Listed>, sqlx::Error> {
    let mut sql = format!(
        "SELECT {COLUMNS}, u.email FROM {FROM} JOIN users u ON u.id = c.user_id WHERE 1 = 1"
    );
    let current = " AND c.revoked_at IS NULL AND c.superseded_at IS NULL";
    match filter.status {
        Some(Status::Valid) => sql += &format!("{current} AND c.expires_at > $1"),
        Some(Status::Expired) => sql += &format!("{current} AND c.expires_at <= $1"),
        Some(Status::Revoked) => sql += " AND c.revoked_at IS NOT NULL AND $1 = $1",
        Some(Status::Superseded) => sql += " AND c.superseded_at IS NOT NULL AND $1 = $1",
        None => sql += " AND $1 = $1",
    }
    if filter.expiring_within_days.is_some() {
        sql += &format!("{current} AND c.expires_at > $1 AND c.expires_at <= $2");
    } else {
        sql += " AND $2 = $2";
    }
    if filter.programme.is_some() {
        sql += " AND c.programme = $3";
    } else {
        sql += " AND $3 = $3";
    }
    sql += " ORDER BY c.id DESC";
    let horizon = now + i64::from(filter.expiring_within_days.unwrap_or(0)) * super::DAY;
    let rows = sqlx::query(&sql)
        .bind(now)
        .bind(horizon)
        .bind(filter.programme.clone().unwrap_or_default())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Listed {
                certificate: from_row(r)?,
                email: r.try_get("email")?,
            })
        })
        .collect()
}

/// A member waiting for an admin to issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub programme: String,
    pub renewal: bool,
}

/// Members eligible for `programmes` (a first certificate or a renewal) with nothing
/// issued yet for that eligibility.
pub async fn queue(
    pool: &AnyPool,
    programmes: &[Programme],
    now: i64,
) -> Result<Vec<Waiting>, sqlx::Error> {
    let pass_rows = sqlx::query(
        "SELECT q.user_id, q.module_slug, MAX(q.submitted_at) AS at, u.display_name, u.email \
         FROM quiz_attempts q JOIN users u ON u.id = q.user_id \
         WHERE q.passed = 1 GROUP BY q.user_id, q.module_slug, u.display_name, u.email",
    )
    .fetch_all(pool)
    .await?;
    let mut members: HashMap<i64, (String, String, HashMap<String, i64>)> = HashMap::new();
    for row in &pass_rows {
        let entry = members.entry(row.try_get("user_id")?).or_insert_with(|| {
            (
                row.try_get("display_name").unwrap_or_default(),
                row.try_get("email").unwrap_or_default(),
                HashMap::new(),
            )
        });
        entry
            .2
            .insert(row.try_get("module_slug")?, row.try_get("at")?);
    }
    let current_rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE c.superseded_at IS NULL ORDER BY c.id"
    ))
    .fetch_all(pool)
    .await?;
    let mut currents: HashMap<(i64, String), Certificate> = HashMap::new();
    for row in &current_rows {
        let c = from_row(row)?;
        currents.insert((c.user_id, c.programme.clone()), c);
    }
    let mut waiting = Vec::new();
    for (user_id, (name, email, passes)) in &members {
        for programme in programmes {
            let current = currents.get(&(*user_id, programme.slug.clone()));
            let eligibility = Eligibility::of(programme, passes, current, now);
            if eligibility.can_issue() {
                waiting.push(Waiting {
                    user_id: *user_id,
                    name: name.clone(),
                    email: email.clone(),
                    programme: programme.slug.clone(),
                    renewal: matches!(eligibility, Eligibility::Renewal { .. }),
                });
            }
        }
    }
    waiting.sort_by(|a, b| {
        (&a.programme, &a.name, a.user_id).cmp(&(&b.programme, &b.name, b.user_id))
    });
    Ok(waiting)
}

/// Valid certificates of members who chose to be listed publicly.
pub async fn register(pool: &AnyPool, now: i64) -> Result<Vec<Certificate>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} JOIN users u ON u.id = c.user_id \
         WHERE u.listed_in_register = 1 AND c.revoked_at IS NULL AND c.superseded_at IS NULL \
         AND c.expires_at > $1 ORDER BY c.holder_name, c.id"
    ))
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn listed_in_register(pool: &AnyPool, user_id: i64) -> Result<bool, sqlx::Error> {
    let listed: Option<i64> =
        sqlx::query_scalar("SELECT listed_in_register FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(listed == Some(1))
}

pub async fn set_listed_in_register(
    pool: &AnyPool,
    user_id: i64,
    listed: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET listed_in_register = $1 WHERE id = $2")
        .bind(i64::from(listed))
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
