//! Answering and grading: form values checked into answers, saved while open, graded once.
use std::collections::BTreeMap;

use sqlx::{Any, Row, Transaction};

use super::{Attempt, Outcome, from_json, to_json};
use crate::domain::error::ErrorCode;
use crate::server::AppError;
use crate::server::quiz::model::{Answer, Quiz};

/// Takes the attempt's row for this transaction if it is the member's and still open.
pub(super) async fn lock_open(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    attempt_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let updated = sqlx::query(
        "UPDATE quiz_attempts SET last_saved_at = $3 WHERE id = $1 AND user_id = $2 \
         AND submitted_at IS NULL AND (deadline IS NULL OR deadline >= $3)",
    )
    .bind(attempt_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 1 {
        Ok(())
    } else {
        Err(ErrorCode::AttemptClosed.into())
    }
}

pub(super) async fn write_answers(
    tx: &mut Transaction<'static, Any>,
    attempt_id: i64,
    answers: &[(String, Answer)],
    now: i64,
) -> Result<(), AppError> {
    for (question_id, answer) in answers {
        sqlx::query(
            "UPDATE quiz_answers SET answer = $3, saved_at = $4 WHERE attempt_id = $1 AND question_id = $2",
        )
        .bind(attempt_id)
        .bind(question_id)
        .bind((!answer.is_blank()).then(|| to_json(answer)).transpose()?)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Grades an open attempt; `None` if it was graded already.
pub(super) async fn grade(
    tx: &mut Transaction<'static, Any>,
    quiz: &Quiz,
    attempt_id: i64,
    closed_at: i64,
) -> Result<Option<Outcome>, AppError> {
    let closed = sqlx::query(
        "UPDATE quiz_attempts SET submitted_at = $2 WHERE id = $1 AND submitted_at IS NULL",
    )
    .bind(attempt_id)
    .bind(closed_at)
    .execute(&mut **tx)
    .await?;
    if closed.rows_affected() == 0 {
        return Ok(None);
    }
    let rows = sqlx::query("SELECT question_id, answer FROM quiz_answers WHERE attempt_id = $1")
        .bind(attempt_id)
        .fetch_all(&mut **tx)
        .await?;
    let mut correct = 0;
    for row in &rows {
        let question_id: String = row.try_get("question_id")?;
        let answer: Option<Answer> = row
            .try_get::<Option<String>, _>("answer")?
            .map(|json| from_json(&json))
            .transpose()?;
        let right = match (quiz.question(&question_id), answer) {
            (Some(question), Some(answer)) => question.key.grade(&answer),
            _ => false,
        };
        correct += i64::from(right);
        sqlx::query(
            "UPDATE quiz_answers SET correct = $3 WHERE attempt_id = $1 AND question_id = $2",
        )
        .bind(attempt_id)
        .bind(&question_id)
        .bind(i64::from(right))
        .execute(&mut **tx)
        .await?;
    }
    let outcome = outcome(correct, rows.len() as i64, quiz.settings.pass_mark);
    sqlx::query(
        "UPDATE quiz_attempts SET correct_count = $2, score = $3, passed = $4 WHERE id = $1",
    )
    .bind(attempt_id)
    .bind(outcome.correct)
    .bind(outcome.score)
    .bind(i64::from(outcome.passed))
    .execute(&mut **tx)
    .await?;
    Ok(Some(outcome))
}

pub fn outcome(correct: i64, total: i64, pass_mark: u32) -> Outcome {
    let total_for_share = total.max(1);
    Outcome {
        correct,
        total,
        score: correct * 100 / total_for_share,
        // Compared without rounding: 7 of 10 meets a pass mark of 70, 6.9 of 10 would not.
        passed: total > 0 && correct * 100 >= i64::from(pass_mark) * total,
    }
}

/// Turns form values into answers, refusing questions outside the attempt and answers that
/// do not fit. Choice values are positions as shown; they are stored as file indices.
pub(super) fn parse_answers(
    attempt: &Attempt,
    answers: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<(String, Answer)>, AppError> {
    answers
        .iter()
        .map(|(question_id, values)| {
            let item = attempt
                .items
                .iter()
                .find(|i| &i.question_id == question_id)
                .ok_or(ErrorCode::QuestionNotInAttempt)?;
            let question = attempt
                .quiz
                .question(question_id)
                .ok_or(ErrorCode::QuestionNotInAttempt)?;
            let values: Vec<&str> = values
                .iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            let answer = if question.key.is_choice() {
                let chosen = values
                    .iter()
                    .map(|v| {
                        v.parse::<usize>()
                            .ok()
                            .and_then(|position| item.option_order.get(position).copied())
                            .ok_or(ErrorCode::AnswerInvalid)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Answer::Choices(chosen)
            } else if values.len() <= 1 {
                Answer::Text(values.first().map_or_else(String::new, |v| (*v).to_owned()))
            } else {
                return Err(ErrorCode::AnswerInvalid.into());
            };
            if !question.key.accepts_shape(&answer) {
                return Err(ErrorCode::AnswerInvalid.into());
            }
            Ok((question_id.clone(), answer))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_mark_is_met_without_rounding() {
        assert!(outcome(7, 10, 70).passed);
        assert!(!outcome(6, 10, 70).passed);
        assert_eq!(outcome(2, 3, 70).score, 66);
        assert!(!outcome(0, 0, 70).passed);
        assert_eq!(outcome(10, 10, 100).score, 100);
    }
}
