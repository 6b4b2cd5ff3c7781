//! Token exchange through introspection (SPEC "Token exchange through introspection"):
//! API-key authentication, the RFC 7662 call to the tenant's IdP, and the mapping of its
//! answer to the account provisioned with that `external_authentication_provider_id`.
//! The `/v2/sso` endpoints are in [`api`]; the foreign token is checked by
//! `auth::foreign_token`, the tokens are minted by `grant`.

pub mod api;
pub mod api_key;
mod error;
pub mod probe;

pub use error::ExchangeError;

use crate::auth::foreign_token;
use crate::state::State;

/// Audits one `/v2/sso` exchange attempt by `caller` (see [`foreign_token::audit`]).
pub fn audit(
    state: &State,
    caller: Option<(&crate::store::tenants::Tenant, &str)>,
    outcome: Result<&str, &ExchangeError>,
) -> Result<(), ExchangeError> {
    let outcome = outcome.map_err(ExchangeError::reason);
    foreign_token::audit(&state.foreign_token(), caller, outcome, state.clock.now())?;
    Ok(())
}
