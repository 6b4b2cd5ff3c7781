//! Proving who someone is, below the protocols that need it. Today: a foreign access
//! token checked at its tenant's IdP (RFC 7662), which both `/v2/sso/exchange-token` and
//! the token endpoint's RFC 8693 grant accept; the public keys a client signs with; and
//! TOTP and passkeys, second factors at sign-in (a passkey also signs in alone);
//! the policy every new password must meet.

pub mod client_keys;
mod error;
pub mod factors;
pub mod foreign_token;
pub mod introspection;
pub mod introspection_cache;
pub mod new_password;
pub mod password_policy;
pub mod recovery_codes;
pub mod recovery_link;
pub mod totp;
pub mod webauthn;

pub use error::ForeignTokenError;
