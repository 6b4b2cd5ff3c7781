//! Minting and checking tokens: RFC 9068 JWT access tokens (`typ: at+jwt`), signed with
//! the tenant's access-token algorithm and checked against the key set and the denylist.

use super::{ErrorCode, OAuthError};
use crate::clock::UnixTime;
use crate::crypto::jose::Unverified;
use crate::crypto::keys::KeySet;
use crate::crypto::random;
use crate::store::Store;
use crate::store::tenants::Tenant;
use serde::{Deserialize, Serialize};

/// The JOSE `typ` of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// Leeway for clock skew when checking `exp`.
const LEEWAY_SECS: u64 = 0;

/// The claims of an access token (RFC 9068 §2.2, plus `tenant`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The tenant's issuer.
    pub iss: String,
    /// The account id, or the client id for `client_credentials`.
    pub sub: String,
    /// The tenant's issuer (SPEC: an access token's audience is its issuer).
    pub aud: String,
    /// The client it was issued to.
    pub client_id: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// Expiry.
    pub exp: UnixTime,
    /// Issue time.
    pub iat: UnixTime,
    /// Unique id, for revocation.
    pub jti: String,
    /// The tenant slug.
    pub tenant: String,
    /// The SSO session it came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// When the user authenticated, if a user did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<UnixTime>,
}

impl AccessClaims {
    /// Claims for a token issued now for `sub`, lasting the tenant's access-token lifetime.
    pub fn new(
        issuer: &str,
        tenant: &Tenant,
        sub: &str,
        client_id: &str,
        scopes: &[String],
        now: UnixTime,
    ) -> Result<Self, OAuthError> {
        Ok(AccessClaims {
            iss: issuer.to_owned(),
            sub: sub.to_owned(),
            aud: issuer.to_owned(),
            client_id: client_id.to_owned(),
            scope: scopes.join(" "),
            exp: now + tenant.access_token_ttl_secs,
            iat: now,
            jti: random::uuid()?,
            tenant: tenant.id.to_string(),
            sid: None,
            auth_time: None,
        })
    }

    /// The scopes as a list.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(' ').filter(|s| !s.is_empty())
    }
}

/// Signs access-token claims with the tenant's algorithm.
pub fn sign_access(
    keys: &KeySet,
    tenant: &Tenant,
    claims: &AccessClaims,
) -> Result<String, OAuthError> {
    let signer = keys
        .signer(tenant.access_token_alg)
        .ok_or(OAuthError::Internal(
            "no active key for the access token algorithm",
        ))?;
    let payload =
        serde_json::to_vec(claims).map_err(|_| OAuthError::Internal("claims not serialisable"))?;
    signer
        .sign_compact(Some(ACCESS_TOKEN_TYP), &payload)
        .map_err(|_| OAuthError::Internal("signing an access token failed"))
}

fn invalid(description: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidToken, description)
}

/// Checks an access token for `tenant`: signature by a published key, `typ`, issuer,
/// expiry and the denylist. Any failure is `invalid_token` with no detail of which.
pub fn verify_access(
    keys: &KeySet,
    store: &Store,
    tenant: &Tenant,
    issuer: &str,
    token: &str,
    now: UnixTime,
) -> Result<AccessClaims, OAuthError> {
    let unverified =
        Unverified::parse(token).map_err(|_| invalid("the access token is malformed"))?;
    if unverified
        .header
        .typ
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
        != Some(ACCESS_TOKEN_TYP)
    {
        return Err(invalid("not an access token"));
    }
    let key = unverified
        .header
        .kid
        .as_deref()
        .and_then(|kid| keys.verifier(kid))
        .ok_or_else(|| invalid("the access token is not signed by this appliance"))?;
    let payload = unverified
        .verify(key)
        .map_err(|_| invalid("the access token signature is invalid"))?;
    let claims: AccessClaims = serde_json::from_slice(&payload)
        .map_err(|_| invalid("the access token claims are malformed"))?;
    if claims.iss != issuer || claims.tenant != tenant.id.as_str() {
        return Err(invalid("the access token belongs to another issuer"));
    }
    if claims.exp + LEEWAY_SECS <= now {
        return Err(invalid("the access token has expired"));
    }
    if store.is_revoked(tenant.uid, &claims.jti)? {
        return Err(invalid("the access token was revoked"));
    }
    Ok(claims)
}
