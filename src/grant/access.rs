//! Checking a presented access token (RFC 9068 §4): signature by a published key,
//! `typ`, issuer and tenant incarnation, expiry, the denylist, and its client.

use super::GrantError;
use super::claims::{ACCESS_TOKEN_TYP, AccessClaims};
use crate::clock::UnixTime;
use crate::crypto::jose::{JoseError, Unverified};
use crate::crypto::keys::KeySet;
use crate::store::Store;
use crate::store::tenants::Tenant;

/// Leeway for clock skew when checking `exp`.
const LEEWAY_SECS: u64 = 0;

/// Checks an access token for `tenant`: signature by a published key, `typ`, issuer,
/// expiry and the denylist. Any failure is `invalid_token` with no detail of which.
pub fn verify_access(
    keys: &KeySet,
    store: &Store,
    tenant: &Tenant,
    issuer: &str,
    token: &str,
    now: UnixTime,
) -> Result<AccessClaims, GrantError> {
    let unverified = Unverified::parse(token)
        .map_err(|_| GrantError::InvalidToken("the access token is malformed"))?;
    if unverified
        .header
        .typ
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
        != Some(ACCESS_TOKEN_TYP)
    {
        return Err(GrantError::InvalidToken("not an access token"));
    }
    let payload = keys.verify(token).map_err(|e| match e {
        JoseError::UnknownKey => {
            GrantError::InvalidToken("the access token is not signed by this appliance")
        }
        _ => GrantError::InvalidToken("the access token signature is invalid"),
    })?;
    let claims: AccessClaims = serde_json::from_slice(&payload)
        .map_err(|_| GrantError::InvalidToken("the access token claims are malformed"))?;
    if claims.iss != issuer
        || claims.tenant != tenant.id.as_str()
        || claims.iat < tenant.created_at
        || claims.tenant_uid.is_some_and(|uid| uid != tenant.uid)
    {
        return Err(GrantError::InvalidToken(
            "the access token belongs to another issuer",
        ));
    }
    if claims.exp + LEEWAY_SECS <= now {
        return Err(GrantError::InvalidToken("the access token has expired"));
    }
    if store.is_revoked(tenant.uid, &claims.jti)? {
        return Err(GrantError::InvalidToken("the access token was revoked"));
    }
    // A deleted client's tokens die with it, and a client registered again under the
    // same id does not inherit them.
    if store
        .client(tenant.uid, &claims.client_id)?
        .is_none_or(|c| c.created_at > claims.iat)
    {
        return Err(GrantError::InvalidToken(
            "the access token's client no longer exists",
        ));
    }
    Ok(claims)
}
