//! Cryptography on ring: JOSE, signing keys, sealing at rest, hashing and randomness.

pub mod cert_expiry;
pub mod client_jwks;
mod error;
pub mod hash;
pub mod jose;
pub mod keys;
pub mod password;
pub mod pem;
pub mod random;
pub mod seal;
pub mod self_signed;

pub use error::CryptoError;
