//! Tenant lookup: the tenant a request path's slug names, for every endpoint under
//! `/t/{tenant}` and the broker's sign-in. Each protocol answers "unknown" its own way.

use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};
use crate::types::TenantId;

/// The tenant `slug` names, if any; an invalid slug names none.
pub fn find(store: &Store, slug: &str) -> Result<Option<Tenant>, StoreError> {
    match TenantId::parse(slug) {
        Ok(id) => store.tenant(&id),
        Err(_) => Ok(None),
    }
}
