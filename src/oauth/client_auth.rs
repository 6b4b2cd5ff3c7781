//! Client authentication at the token, introspection and revocation endpoints: the
//! credentials read at the edge ([`ClientAuth`]) checked against the tenant's client,
//! `client_secret_basic` and `client_secret_post` alike, and `none` for public clients.

use super::request::ClientAuth;
use super::{ErrorCode, OAuthError};
use crate::crypto::hash;
use crate::store::Store;
use crate::store::clients::Client;
use crate::store::tenants::Tenant;
use crate::types::AuthMethod;
use crate::types::secret::constant_time_eq;

/// Checks presented credentials against the tenant's client. Confidential clients must
/// give their secret (by either secret method); public clients give none. Unknown
/// client and wrong secret get the same answer.
pub fn authenticate(store: &Store, tenant: &Tenant, p: &ClientAuth) -> Result<Client, OAuthError> {
    let failed = || OAuthError::new(ErrorCode::InvalidClient, "client authentication failed");
    let client = store.client(tenant.uid, &p.client_id)?.ok_or_else(failed)?;
    match (client.auth_method, &p.secret, &client.secret_hash) {
        (AuthMethod::None, None, _) => Ok(client),
        (AuthMethod::None, Some(_), _) => Err(failed()),
        (_, Some(secret), Some(stored))
            if constant_time_eq(&hash::sha256(secret.expose().as_bytes()), stored) =>
        {
            Ok(client)
        }
        _ => Err(failed()),
    }
}
