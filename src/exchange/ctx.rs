//! What `/v2/sso` and the exchange probe need, handed down by the HTTP layer: the grant
//! layer for minting and rotation, the foreign-token check, the store for API keys and
//! durability, and the limiter.

use crate::auth::foreign_token;
use crate::grant;
use crate::guard::Limiter;
use crate::store::Store;
use std::sync::Arc;

/// The exchange's context for one request.
pub struct Ctx<'a> {
    /// Minting and rotating tokens.
    pub grant: grant::Ctx<'a>,
    /// Checking a foreign access token at the tenant's IdP.
    pub foreign_token: foreign_token::Ctx<'a>,
    /// The store: API keys, limiter records, and the flush before a rotation answers.
    pub store: &'a Arc<Store>,
    /// Failure counters of API keys and addresses.
    pub limiter: &'a Limiter,
}
