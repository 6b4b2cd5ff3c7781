//! The tenant of a request under `/t/{tenant}`, or the OpenID Provider's answer to an
//! unknown one.

use super::OAuthError;
use crate::grant::tenant::find;
use crate::store::Store;

/// A tenant as the OpenID Provider's endpoints receive it, resolved by [`lookup`].
pub use crate::store::tenants::Tenant;

/// Resolves a path's tenant slug; an invalid slug is an unknown tenant.
pub fn lookup(store: &Store, slug: &str) -> Result<Tenant, OAuthError> {
    find(store, slug)?.ok_or_else(|| OAuthError::UnknownTenant(slug.chars().take(63).collect()))
}
