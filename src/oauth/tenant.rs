//! Tenant lookup: the tenant a request path's slug names, for every endpoint under
//! `/t/{tenant}` and the broker's sign-in.

use super::OAuthError;
use crate::state::State;
use crate::store::tenants::Tenant;
use crate::types::TenantId;

/// Resolves a path's tenant slug; an invalid slug is an unknown tenant.
pub fn lookup(state: &State, slug: &str) -> Result<Tenant, OAuthError> {
    let unknown = || OAuthError::UnknownTenant(slug.chars().take(63).collect());
    let id = TenantId::parse(slug).map_err(|_| unknown())?;
    state.store.tenant(&id)?.ok_or_else(unknown)
}
