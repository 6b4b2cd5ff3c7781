//! Password hashing with argon2id (RFC 9106), PHC strings at rest. Hashing is slow on
//! purpose, so the async paths run it on the blocking pool, one hash per core at a time.

use super::CryptoError;
use crate::types::Secret;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Hashes a password with argon2id and the crate's default (OWASP) parameters. Blocking.
pub fn hash(password: &Secret) -> Result<String, CryptoError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| CryptoError::Password)
}

/// True if `password` matches the PHC string. Blocking.
pub fn verify(password: &Secret, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashes running at once: one per core. A flood of sign-ins waits here, on no thread,
/// instead of taking every blocking thread (which IdP calls need too) and 19 MiB of
/// memory per hash.
fn cores() -> Arc<Semaphore> {
    static CORES: OnceLock<Arc<Semaphore>> = OnceLock::new();
    Arc::clone(CORES.get_or_init(|| {
        let n = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Arc::new(Semaphore::new(n))
    }))
}

/// Runs `work` on the blocking pool once a core is free. The core is held by the
/// blocking job itself, so a caller that goes away (a cancelled request) does not free
/// it while the hash still runs.
async fn off_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CryptoError> {
    let core = cores()
        .acquire_owned()
        .await
        .map_err(|_| CryptoError::Password)?;
    tokio::task::spawn_blocking(move || {
        let _core = core;
        work()
    })
    .await
    .map_err(|_| CryptoError::Password)
}

/// [`hash`] on the blocking pool, so the async workers keep serving.
pub async fn hash_off_workers(password: Secret) -> Result<String, CryptoError> {
    off_workers(move || hash(&password)).await?
}

/// [`verify`] on a blocking thread, so argon2id never holds an async worker.
pub async fn verify_off_workers(password: Secret, phc: String) -> Result<bool, CryptoError> {
    off_workers(move || verify(&password, &phc)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let pw = Secret::new("correct horse battery staple");
        let (a, b) = (hash(&pw).unwrap(), hash(&pw).unwrap());
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify(&pw, &a));
        assert!(!verify(&Secret::new("wrong"), &a));
        assert!(!verify(&pw, "not a phc string"));
    }
}
