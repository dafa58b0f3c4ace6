//! Bulk issues as kept: what each one issued and refused, for its summary page.
use sqlx::{AnyPool, Row};

use super::service::Summary;
use crate::domain::error::ErrorCode;
use crate::server::db::{Backend, begin_write, now};

/// A certificate a batch issued, as the summary lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    pub certificate_id: i64,
    pub holder_name: String,
    pub code: String,
}

/// A member a batch did not issue to, and why. Name and email are today's, if the member exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub user_id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub reason: ErrorCode,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub id: i64,
    pub programme: String,
    pub created_at: i64,
    pub issued: Vec<Issued>,
    pub refused: Vec<Refused>,
}

/// Keeps what a bulk issue did; returns the batch's id.
pub async fn record(
    pool: &AnyPool,
    backend: Backend,
    programme: &str,
    admin_id: Option<i64>,
    summary: &Summary,
) -> Result<i64, sqlx::Error> {
    let mut tx = begin_write(pool, backend).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO certificate_batches (programme, admin_id, created_at) VALUES ($1, $2, $3) \
         RETURNING id",
    )
    .bind(programme)
    .bind(admin_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let issued = summary.issued.iter().map(|c| (c.user_id, Some(c.id), None));
    let refused =
        (summary.refused.iter()).map(|&(member, code)| (member, None, Some(code_name(code))));
    for (position, (member, certificate, refusal)) in issued.chain(refused).enumerate() {
        sqlx::query(
            "INSERT INTO certificate_batch_members (batch_id, position, user_id, certificate_id, refusal) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(member)
        .bind(certificate)
        .bind(refusal)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub async fn find(pool: &AnyPool, id: i64) -> Result<Option<Batch>, sqlx::Error> {
    let Some(row) =
        sqlx::query("SELECT id, programme, created_at FROM certificate_batches WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT m.user_id, m.certificate_id, m.refusal, c.holder_name, c.code, \
         u.display_name, u.email \
         FROM certificate_batch_members m \
         LEFT JOIN certificates c ON c.id = m.certificate_id \
         LEFT JOIN users u ON u.id = m.user_id \
         WHERE m.batch_id = $1 ORDER BY m.position",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let mut batch = Batch {
        id: row.try_get("id")?,
        programme: row.try_get("programme")?,
        created_at: row.try_get("created_at")?,
        issued: Vec::new(),
        refused: Vec::new(),
    };
    for row in &rows {
        match row.try_get::<Option<i64>, _>("certificate_id")? {
            Some(certificate_id) => batch.issued.push(Issued {
                certificate_id,
                holder_name: row.try_get("holder_name")?,
                code: row.try_get("code")?,
            }),
            None => batch.refused.push(Refused {
                user_id: row.try_get("user_id")?,
                name: row.try_get("display_name")?,
                email: row.try_get("email")?,
                reason: parse_code(&row.try_get::<String, _>("refusal")?),
            }),
        }
    }
    Ok(Some(batch))
}

/// An error code as stored: its name, as serde writes it.
fn code_name(code: ErrorCode) -> String {
    format!("{code:?}")
}

fn parse_code(name: &str) -> ErrorCode {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .unwrap_or(ErrorCode::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_stored_by_name_and_read_back() {
        for code in [
            ErrorCode::NameNotPrintable,
            ErrorCode::CertificateHeld,
            ErrorCode::Internal,
        ] {
            assert_eq!(parse_code(&code_name(code)), code);
        }
        assert_eq!(code_name(ErrorCode::NameNotPrintable), "NameNotPrintable");
        assert_eq!(parse_code("NoSuchCode"), ErrorCode::Internal);
    }
}
