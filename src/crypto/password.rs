//! Password hashing with argon2id (RFC 9106), PHC strings at rest. Hashing is slow on
//! purpose, so the async paths run it on the blocking pool.

use super::CryptoError;
use crate::types::Secret;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

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

/// [`hash`] on the blocking pool, so the async workers keep serving.
pub async fn hash_off_workers(password: Secret) -> Result<String, CryptoError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|_| CryptoError::Password)?
}

/// [`verify`] on a blocking thread, so argon2id never holds an async worker.
pub async fn verify_off_workers(password: Secret, phc: String) -> Result<bool, CryptoError> {
    tokio::task::spawn_blocking(move || verify(&password, &phc))
        .await
        .map_err(|_| CryptoError::Password)
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
