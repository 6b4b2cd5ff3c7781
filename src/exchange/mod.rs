//! Token exchange through introspection (SPEC "Token exchange through introspection"):
//! API-key authentication, the RFC 7662 call to the tenant's IdP, and the mapping of its
//! answer to the account provisioned with that `external_authentication_provider_id`.
//! Callers are admitted by [`admit`], the `/v2/sso` endpoints are in [`api`]; each takes
//! the request's [`Ctx`] and `now`. The foreign token is checked by
//! `auth::foreign_token`, the tokens are minted by `grant`.

mod admit;
pub mod api;
pub mod api_key;
mod ctx;
mod error;
pub mod probe;

pub use admit::admit;
pub use ctx::Ctx;
pub use error::ExchangeError;

use crate::auth::foreign_token;
use crate::clock::UnixTime;
use crate::store::tenants::Tenant;

/// Audits one `/v2/sso` exchange attempt by `caller` at `now` (see
/// [`foreign_token::audit`]).
pub fn audit(
    ctx: &Ctx<'_>,
    caller: Option<(&Tenant, &str)>,
    outcome: Result<&str, &ExchangeError>,
    now: UnixTime,
) -> Result<(), ExchangeError> {
    let outcome = outcome.map_err(ExchangeError::reason);
    foreign_token::audit(&ctx.foreign_token, caller, outcome, now)?;
    Ok(())
}
