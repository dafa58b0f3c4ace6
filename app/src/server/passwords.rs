use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash as ParsedHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use zxcvbn::matching::patterns::MatchPattern;

use super::AppError;
use crate::domain::error::ErrorCode;

/// A stored argon2id hash. Deliberately neither `Serialize` nor `Display`: it never leaves
/// the server and never reaches a log.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_stored(s: String) -> Self {
        PasswordHash(s)
    }
    pub fn as_stored(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// Argon2 runs at most once per core at a time: a burst of sign-ins queues here instead of
/// starting hundreds of blocking threads of 19 MiB each, which would only contend for the
/// same cores and leave the process holding the memory afterwards.
static ARGON2_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(slots()));

fn slots() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

/// Hashes waiting for a slot (for the operators' metrics).
static WAITING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Password hashing now: how many run and how many wait for a slot.
#[derive(Clone, Copy, Debug)]
pub struct HashingQueue {
    pub running: usize,
    pub waiting: usize,
}

pub fn queue() -> HashingQueue {
    HashingQueue {
        running: slots().saturating_sub(ARGON2_SLOTS.available_permits()),
        waiting: WAITING.load(std::sync::atomic::Ordering::Relaxed),
    }
}

/// How long a password check waits for a slot before the caller is told to come back: a
/// queue without a bound would let one member's flood of checks hold up everyone's sign-in.
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

async fn argon2_slot() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    slot_of(&ARGON2_SLOTS, SLOT_WAIT).await
}

async fn slot_of(
    slots: &'static tokio::sync::Semaphore,
    wait: std::time::Duration,
) -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    /// Counts a waiter for as long as it waits, even if its request is dropped meanwhile.
    struct Waiting;
    impl Drop for Waiting {
        fn drop(&mut self) {
            WAITING.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
    WAITING.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let waiting = Waiting;
    let slot = match tokio::time::timeout(wait, slots.acquire()).await {
        Ok(slot) => slot.map_err(|e| AppError::Internal(format!("password slots closed: {e}"))),
        Err(_) => {
            tracing::warn!(waited = ?wait, "no password-hashing slot came free; answered busy");
            Err(ErrorCode::Busy.into())
        }
    };
    drop(waiting);
    slot
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes), on a blocking thread so that
/// hashing never stalls the async workers.
pub async fn hash(password: &str) -> Result<PasswordHash, AppError> {
    let password = password.to_owned();
    let _slot = argon2_slot().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| PasswordHash(h.to_string()))
            .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?
}

pub async fn verify(password: &str, hash: &PasswordHash) -> Result<bool, AppError> {
    let password = password.to_owned();
    let hash = hash.0.clone();
    let _slot = argon2_slot().await?;
    tokio::task::spawn_blocking(move || {
        let parsed = ParsedHash::new(&hash)
            .map_err(|e| AppError::Internal(format!("stored hash unreadable: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| AppError::Internal(format!("verify task failed: {e}")))?
}

/// A hash of a random password, verified against when an email is unknown so that a failed
/// sign-in takes as long whether or not the account exists.
pub fn decoy_hash() -> &'static PasswordHash {
    static DECOY: std::sync::OnceLock<PasswordHash> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let h = Argon2::default()
            .hash_password(salt.as_str().as_bytes(), &salt)
            .expect("argon2 hashes");
        PasswordHash(h.to_string())
    })
}

/// True when the whole password is one entry of zxcvbn's list of the most used passwords
/// (case, common letter substitutions and reversal included), or the member's own name or email.
pub fn is_common(password: &str, user_inputs: &[&str]) -> bool {
    let entropy = zxcvbn::zxcvbn(password, user_inputs);
    let whole = entropy.sequence();
    whole.len() == 1
        && matches!(whole[0].pattern, MatchPattern::Dictionary(_))
        && whole[0].token.chars().count() == password.chars().count()
        && entropy.guesses_log10() < 6.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_refused_and_phrases_are_not() {
        for common in [
            "password",
            "Password1",
            "12345678",
            "qwertyuiop",
            "iloveyou",
            "P@ssw0rd",
            "drowssap",
        ] {
            assert!(is_common(common, &[]), "{common} should count as common");
        }
        for fine in [
            "correct horse battery staple",
            "Jiří má rád kávu 42",
            "zx81-spectrum-c64",
        ] {
            assert!(!is_common(fine, &[]), "{fine} should be allowed");
        }
        assert!(is_common("dvorakjiri", &["dvorakjiri"]));
    }

    // Paused time: the wait passes at once when nothing else can happen.
    #[tokio::test(start_paused = true)]
    async fn a_check_that_finds_no_slot_in_time_is_told_to_come_back() {
        static ONE: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
        let held = ONE.acquire().await.unwrap();
        let wait = std::time::Duration::from_secs(10);
        let refused = slot_of(&ONE, wait).await.err().map(|e| e.code());
        assert_eq!(refused, Some(ErrorCode::Busy));
        drop(held);
        assert!(slot_of(&ONE, wait).await.is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() {
        let h = hash("Jiří má rád kávu").await.unwrap();
        assert!(h.as_stored().starts_with("$argon2id$"));
        assert!(verify("Jiří má rád kávu", &h).await.unwrap());
        assert!(!verify("jiří má rád kávu", &h).await.unwrap());
        assert_eq!(format!("{h:?}"), "PasswordHash(..)");
    }
}
