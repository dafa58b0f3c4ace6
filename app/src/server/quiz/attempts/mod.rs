//! Members' attempts: drawn and stored on the server with the quiz version they came from,
//! answered one question at a time, graded once.
//!
//! Integrity rests on the database, not on the caller: at most one open attempt per member
//! and quiz (a unique index), every statement filtered by the owner, and every write to an
//! attempt first updating its row, which serialises saves against grading.
mod grading;

pub use grading::outcome;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rand::seq::SliceRandom;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};

use self::grading::{grade, lock_open, parse_answers, write_answers};
use super::model::{Answer, AnswerKey, Quiz};
use crate::domain::error::ErrorCode;
use crate::server::AppError;
use crate::server::db::{Backend, begin_write};

const DAY: i64 = 24 * 60 * 60;

/// One drawn question of an attempt, with the member's answer so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub question_id: String,
    /// Option indices (file order) in the order shown.
    pub option_order: Vec<usize>,
    pub answer: Option<Answer>,
    /// Set when the attempt is graded.
    pub correct: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub correct: i64,
    pub total: i64,
    /// Percent, rounded down.
    pub score: i64,
    pub passed: bool,
}

#[derive(Clone, Debug)]
pub struct Attempt {
    pub id: i64,
    pub module_slug: String,
    /// The quiz as it was when this attempt was drawn.
    pub quiz: Arc<Quiz>,
    pub started_at: i64,
    pub deadline: Option<i64>,
    pub submitted_at: Option<i64>,
    pub outcome: Option<Outcome>,
    pub items: Vec<Item>,
}

impl Attempt {
    pub fn is_open(&self) -> bool {
        self.submitted_at.is_none()
    }
}

/// A past or open attempt, for the member's history.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub id: i64,
    pub started_at: i64,
    pub submitted_at: Option<i64>,
    pub outcome: Option<Outcome>,
}

/// Whether the member may start an attempt now, and if not, from when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Availability {
    /// `remaining` attempts left in the rolling day.
    Allowed {
        remaining: u32,
    },
    DailyLimit {
        until: i64,
    },
    Cooldown {
        until: i64,
    },
}

/// Where the rules come from: the quiz's settings, with the cooldown overridable by the
/// server's configuration (short in tests and demonstrations).
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    pub attempts_per_day: u32,
    pub cooldown_seconds: i64,
    pub time_limit_seconds: Option<i64>,
}

impl Rules {
    pub fn of(quiz: &Quiz, cooldown_override: Option<i64>) -> Rules {
        Rules {
            attempts_per_day: quiz.settings.attempts_per_day,
            cooldown_seconds: cooldown_override.unwrap_or(quiz.settings.cooldown_seconds),
            time_limit_seconds: quiz.settings.time_limit_seconds,
        }
    }
}

/// The database and the quiz currently loaded for one module.
#[derive(Clone)]
pub struct Store<'a> {
    pub pool: &'a AnyPool,
    pub backend: Backend,
    pub module_slug: &'a str,
    pub current: &'a Arc<Quiz>,
}

/// Draws `draw` questions and, if the quiz says so, shuffles each one's options.
pub fn draw(quiz: &Quiz) -> Vec<Item> {
    let mut rng = rand::thread_rng();
    let mut items: Vec<Item> = quiz
        .questions
        .choose_multiple(&mut rng, quiz.settings.draw.min(quiz.questions.len()))
        .map(|q| {
            let mut order: Vec<usize> = (0..q.option_count()).collect();
            // True comes before false in every language; shuffling them would only confuse.
            if quiz.settings.shuffle_options && !matches!(q.key, AnswerKey::TrueFalse { .. }) {
                order.shuffle(&mut rng);
            }
            Item {
                question_id: q.id.clone(),
                option_order: order,
                answer: None,
                correct: None,
            }
        })
        .collect();
    items.shuffle(&mut rng);
    items
}

impl Store<'_> {
    /// The member's open attempt, or a new one if the rules allow. Returns its id.
    pub async fn start(&self, user_id: i64, rules: Rules, now: i64) -> Result<i64, AppError> {
        self.close_if_expired(user_id, now).await?;
        let items = draw(self.current);
        let mut tx = begin_write(self.pool, self.backend).await?;
        if let Some(id) = open_attempt_id(&mut tx, user_id, self.module_slug).await? {
            tx.commit().await?;
            return Ok(id);
        }
        match availability_in(&mut tx, user_id, self.module_slug, rules, now).await? {
            Availability::DailyLimit { .. } => return Err(ErrorCode::QuizAttemptLimit.into()),
            Availability::Cooldown { .. } => return Err(ErrorCode::QuizCooldown.into()),
            Availability::Allowed { .. } => {}
        }
        let snapshot = serde_json::to_string(self.current.as_ref())
            .map_err(|e| AppError::Internal(format!("quiz snapshot: {e}")))?;
        sqlx::query(
            "INSERT INTO quiz_versions (module_slug, version, quiz, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (module_slug, version) DO NOTHING",
        )
        .bind(self.module_slug)
        .bind(&self.current.version)
        .bind(snapshot)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO quiz_attempts (user_id, module_slug, quiz_version, started_at, deadline, question_count) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (user_id, module_slug) WHERE submitted_at IS NULL DO NOTHING RETURNING id",
        )
        .bind(user_id)
        .bind(self.module_slug)
        .bind(&self.current.version)
        .bind(now)
        .bind(rules.time_limit_seconds.map(|limit| now + limit))
        .bind(items.len() as i64)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = inserted else {
            // A parallel request opened one first: that is the member's attempt.
            let id = open_attempt_id(&mut tx, user_id, self.module_slug).await?;
            tx.commit().await?;
            return id.ok_or_else(|| AppError::Internal("open attempt vanished".into()));
        };
        let id: i64 = row.try_get("id")?;
        for (position, item) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO quiz_answers (attempt_id, position, question_id, option_order) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(position as i64)
            .bind(&item.question_id)
            .bind(to_json(&item.option_order)?)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Whether the member could start an attempt now (pages show an open one instead).
    pub async fn availability(
        &self,
        user_id: i64,
        rules: Rules,
        now: i64,
    ) -> Result<Availability, AppError> {
        let mut conn = self.pool.acquire().await?;
        availability_in(&mut conn, user_id, self.module_slug, rules, now).await
    }

    /// The member's open attempt, if any (an expired one is graded first).
    pub async fn open(&self, user_id: i64, now: i64) -> Result<Option<Attempt>, AppError> {
        self.close_if_expired(user_id, now).await?;
        let id: Option<i64> = sqlx::query(
            "SELECT id FROM quiz_attempts WHERE user_id = $1 AND module_slug = $2 AND submitted_at IS NULL",
        )
        .bind(user_id)
        .bind(self.module_slug)
        .fetch_optional(self.pool)
        .await?
        .map(|row| row.try_get("id"))
        .transpose()?;
        match id {
            Some(id) => self.load(user_id, id).await.map(Some),
            None => Ok(None),
        }
    }

    /// One of the member's attempts at this quiz; anybody else's is "not found".
    pub async fn load(&self, user_id: i64, attempt_id: i64) -> Result<Attempt, AppError> {
        let row = sqlx::query(
            "SELECT id, quiz_version, started_at, deadline, submitted_at, correct_count, question_count, score, passed \
             FROM quiz_attempts WHERE id = $1 AND user_id = $2 AND module_slug = $3",
        )
        .bind(attempt_id)
        .bind(user_id)
        .bind(self.module_slug)
        .fetch_optional(self.pool)
        .await?
        .ok_or(ErrorCode::NotFound)?;
        let version: String = row.try_get("quiz_version")?;
        let quiz = self.version(&version).await?;
        let answers = sqlx::query(
            "SELECT question_id, option_order, answer, correct FROM quiz_answers \
             WHERE attempt_id = $1 ORDER BY position",
        )
        .bind(attempt_id)
        .fetch_all(self.pool)
        .await?;
        let items = answers
            .iter()
            .map(|a| {
                Ok(Item {
                    question_id: a.try_get("question_id")?,
                    option_order: from_json(&a.try_get::<String, _>("option_order")?)?,
                    answer: a
                        .try_get::<Option<String>, _>("answer")?
                        .map(|json| from_json(&json))
                        .transpose()?,
                    correct: a.try_get::<Option<i64>, _>("correct")?.map(|c| c != 0),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(Attempt {
            id: row.try_get("id")?,
            module_slug: self.module_slug.to_owned(),
            quiz,
            started_at: row.try_get("started_at")?,
            deadline: row.try_get("deadline")?,
            submitted_at: row.try_get("submitted_at")?,
            outcome: outcome_of(&row)?,
            items,
        })
    }

    /// Saves answers given by question id (raw form values; choices are positions as shown).
    /// Refused whole if the attempt is not the member's, is closed, or an answer does not fit.
    pub async fn save(
        &self,
        user_id: i64,
        attempt_id: i64,
        answers: &BTreeMap<String, Vec<String>>,
        now: i64,
    ) -> Result<(), AppError> {
        let attempt = self.load(user_id, attempt_id).await?;
        let parsed = parse_answers(&attempt, answers)?;
        let mut tx = begin_write(self.pool, self.backend).await?;
        lock_open(&mut tx, user_id, attempt_id, now).await?;
        write_answers(&mut tx, attempt_id, &parsed, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves the last answers (if time allows) and grades the attempt. Submitting again
    /// returns the first grading unchanged.
    pub async fn submit(
        &self,
        user_id: i64,
        attempt_id: i64,
        answers: &BTreeMap<String, Vec<String>>,
        now: i64,
    ) -> Result<Outcome, AppError> {
        let attempt = self.load(user_id, attempt_id).await?;
        if let Some(outcome) = attempt.outcome {
            return Ok(outcome);
        }
        // Past the deadline nothing sent now counts, so nothing sent now can fail the grading.
        let late = attempt.deadline.is_some_and(|deadline| now > deadline);
        let parsed = if late {
            Vec::new()
        } else {
            parse_answers(&attempt, answers)?
        };
        let mut tx = begin_write(self.pool, self.backend).await?;
        match lock_open(&mut tx, user_id, attempt_id, now).await {
            Ok(()) => write_answers(&mut tx, attempt_id, &parsed, now).await?,
            // Out of time: what was saved before the deadline is graded, nothing later.
            Err(AppError::Refused(ErrorCode::AttemptClosed)) => {}
            Err(e) => return Err(e),
        }
        let closed_at = attempt.deadline.map_or(now, |d| d.min(now));
        let graded = grade(&mut tx, &attempt.quiz, attempt_id, closed_at).await?;
        tx.commit().await?;
        match graded {
            Some(outcome) => Ok(outcome),
            // Graded by a parallel submission in the meantime.
            None => self
                .load(user_id, attempt_id)
                .await?
                .outcome
                .ok_or_else(|| AppError::Internal("submitted attempt has no outcome".into())),
        }
    }

    /// The member's attempts at this quiz, newest first.
    pub async fn history(&self, user_id: i64) -> Result<Vec<Summary>, AppError> {
        let rows = sqlx::query(
            "SELECT id, started_at, submitted_at, correct_count, question_count, score, passed \
             FROM quiz_attempts WHERE user_id = $1 AND module_slug = $2 ORDER BY started_at DESC, id DESC",
        )
        .bind(user_id)
        .bind(self.module_slug)
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Summary {
                    id: row.try_get("id")?,
                    started_at: row.try_get("started_at")?,
                    submitted_at: row.try_get("submitted_at")?,
                    outcome: outcome_of(row)?,
                })
            })
            .collect()
    }

    /// The quiz as stored for `version` (the loaded one when it is current).
    async fn version(&self, version: &str) -> Result<Arc<Quiz>, AppError> {
        if version == self.current.version {
            return Ok(Arc::clone(self.current));
        }
        let json: String =
            sqlx::query("SELECT quiz FROM quiz_versions WHERE module_slug = $1 AND version = $2")
                .bind(self.module_slug)
                .bind(version)
                .fetch_one(self.pool)
                .await?
                .try_get("quiz")?;
        Ok(Arc::new(from_json(&json)?))
    }

    /// Grades the member's open attempt if its time ran out, with what was saved in time.
    async fn close_if_expired(&self, user_id: i64, now: i64) -> Result<(), AppError> {
        let expired: Option<i64> = sqlx::query(
            "SELECT id FROM quiz_attempts WHERE user_id = $1 AND module_slug = $2 \
             AND submitted_at IS NULL AND deadline < $3",
        )
        .bind(user_id)
        .bind(self.module_slug)
        .bind(now)
        .fetch_optional(self.pool)
        .await?
        .map(|row| row.try_get("id"))
        .transpose()?;
        if let Some(id) = expired {
            self.submit(user_id, id, &BTreeMap::new(), now).await?;
        }
        Ok(())
    }
}

/// Modules whose quiz the member has passed at least once.
pub async fn passed_modules(pool: &AnyPool, user_id: i64) -> Result<HashSet<String>, AppError> {
    let rows = sqlx::query(
        "SELECT DISTINCT module_slug FROM quiz_attempts WHERE user_id = $1 AND passed = 1",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| row.try_get("module_slug").map_err(AppError::from))
        .collect()
}

/// Grades every attempt whose time ran out unsubmitted (members who closed the tab).
pub async fn close_all_expired(
    pool: &AnyPool,
    backend: Backend,
    current: impl Fn(&str) -> Option<Arc<Quiz>>,
    now: i64,
) -> Result<usize, AppError> {
    let rows = sqlx::query(
        "SELECT t.user_id, t.module_slug, t.id, v.quiz FROM quiz_attempts t \
         JOIN quiz_versions v ON v.module_slug = t.module_slug AND v.version = t.quiz_version \
         WHERE t.submitted_at IS NULL AND t.deadline < $1",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut closed = 0;
    for row in rows {
        let (user_id, slug, id): (i64, String, i64) = (
            row.try_get("user_id")?,
            row.try_get("module_slug")?,
            row.try_get("id")?,
        );
        // The attempt is graded against its own stored version; the loaded quiz is passed
        // only as the module's current one (and the stored copy when it was removed).
        let quiz = match current(&slug) {
            Some(quiz) => quiz,
            None => Arc::new(from_json::<Quiz>(&row.try_get::<String, _>("quiz")?)?),
        };
        let store = Store {
            pool,
            backend,
            module_slug: &slug,
            current: &quiz,
        };
        store.submit(user_id, id, &BTreeMap::new(), now).await?;
        closed += 1;
    }
    Ok(closed)
}

async fn open_attempt_id(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    slug: &str,
) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query(
        "SELECT id FROM quiz_attempts WHERE user_id = $1 AND module_slug = $2 AND submitted_at IS NULL",
    )
    .bind(user_id)
    .bind(slug)
    .fetch_optional(&mut **tx)
    .await?
    .map(|row| row.try_get("id"))
    .transpose()?)
}

async fn availability_in(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    slug: &str,
    rules: Rules,
    now: i64,
) -> Result<Availability, AppError> {
    let recent: Vec<i64> = sqlx::query(
        "SELECT started_at FROM quiz_attempts WHERE user_id = $1 AND module_slug = $2 AND started_at > $3 \
         ORDER BY started_at",
    )
    .bind(user_id)
    .bind(slug)
    .bind(now - DAY)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| row.try_get("started_at"))
    .collect::<Result<_, _>>()?;
    if recent.len() as u32 >= rules.attempts_per_day {
        // The oldest attempt in the day leaves the window first.
        return Ok(Availability::DailyLimit {
            until: recent[recent.len() - rules.attempts_per_day as usize] + DAY,
        });
    }
    let last = sqlx::query(
        "SELECT submitted_at, passed FROM quiz_attempts WHERE user_id = $1 AND module_slug = $2 \
         AND submitted_at IS NOT NULL ORDER BY submitted_at DESC, id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(slug)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = last {
        let submitted: i64 = row.try_get("submitted_at")?;
        let passed: Option<i64> = row.try_get("passed")?;
        let until = submitted + rules.cooldown_seconds;
        if passed != Some(1) && until > now {
            return Ok(Availability::Cooldown { until });
        }
    }
    Ok(Availability::Allowed {
        remaining: rules.attempts_per_day - recent.len() as u32,
    })
}

fn outcome_of(row: &AnyRow) -> Result<Option<Outcome>, AppError> {
    let correct: Option<i64> = row.try_get("correct_count")?;
    let score: Option<i64> = row.try_get("score")?;
    let passed: Option<i64> = row.try_get("passed")?;
    Ok(match (correct, score, passed) {
        (Some(correct), Some(score), Some(passed)) => Some(Outcome {
            correct,
            total: row.try_get("question_count")?,
            score,
            passed: passed == 1,
        }),
        _ => None,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(format!("json: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, AppError> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(format!("stored json: {e}")))
}
