//! What the OpenID Provider's endpoints need for one request, handed down by `http`
//! instead of the whole `State`: the grant layer's context, the rate limits of sign-in
//! and the token endpoint, the pending-request quota, the dummy password hash, and what
//! checking a foreign token needs (RFC 8693 grant).

use crate::auth::{client_keys, foreign_token};
use crate::crypto::seal::MasterKey;
use crate::grant;
use crate::guard::{Limiter, Quota};
use crate::store::Store;
use std::sync::Arc;

/// The OpenID Provider's context for one request.
pub struct Ctx<'a> {
    /// The store (shared, so a flush can wait for the disk off the async workers).
    pub store: &'a Arc<Store>,
    /// Store, signing keys, public origin and token-issue ledger.
    pub grant: grant::Ctx<'a>,
    /// Failure counters for sign-in and the token endpoint.
    pub limiter: &'a Limiter,
    /// Pending authorizations created per client address.
    pub pending_quota: &'a Quota,
    /// An argon2id hash verified for unknown usernames, so timing tells nothing.
    pub dummy_password_hash: &'a str,
    /// The master key, which seals TOTP secrets.
    pub master: &'a MasterKey,
    /// The WebAuthn relying party, for passkeys.
    pub passkeys: &'a crate::auth::webauthn::Passkeys,
    /// What checking a foreign access token needs (the token-exchange grant).
    pub foreign_token: foreign_token::Ctx<'a>,
    /// Where the keys clients sign with come from (request objects, assertions).
    pub client_keys: client_keys::Ctx<'a>,
    /// What a password the user chooses must satisfy.
    pub passwords: crate::auth::password_policy::Policy,
}
