//! The end user's own pages beside the OpenID Provider (SPEC "Account console and
//! recovery"): the recovery link's page, where a user an admin sent a link sets a
//! password without an e-mail server, and the account console's own sessions.

mod error;
pub mod factors;
pub mod passkeys;
pub mod password;
pub mod recover;
pub mod sessions;

pub use error::AccountError;

/// What the account pages need for one request.
pub struct Ctx<'a> {
    /// The store (shared, so a flush can wait for the disk off the async workers).
    pub store: &'a std::sync::Arc<crate::store::Store>,
    /// Seals the TOTP secret being set up.
    pub master: &'a crate::crypto::seal::MasterKey,
    /// The per-address failure counters of sign-in, which these pages share.
    pub limiter: &'a crate::guard::Limiter,
    /// What a new password must satisfy.
    pub passwords: crate::auth::password_policy::Policy,
    /// `[admin] require_mfa`: an admin account sets up a second factor with its password.
    pub admin_require_mfa: bool,
}
