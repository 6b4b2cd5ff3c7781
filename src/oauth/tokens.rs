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
    /// The tenant's incarnation: a tenant deleted and made again under the same slug
    /// has another, even within the same second. Absent from tokens minted before it
    /// was added, which the issue-time check alone judges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_uid: Option<u64>,
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
            tenant_uid: Some(tenant.uid),
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
    let payload = keys.verify(token).map_err(|e| match e {
        crate::crypto::jose::JoseError::UnknownKey => {
            invalid("the access token is not signed by this appliance")
        }
        _ => invalid("the access token signature is invalid"),
    })?;
    let claims: AccessClaims = serde_json::from_slice(&payload)
        .map_err(|_| invalid("the access token claims are malformed"))?;
    if claims.iss != issuer
        || claims.tenant != tenant.id.as_str()
        || claims.iat < tenant.created_at
        || claims.tenant_uid.is_some_and(|uid| uid != tenant.uid)
    {
        return Err(invalid("the access token belongs to another issuer"));
    }
    if claims.exp + LEEWAY_SECS <= now {
        return Err(invalid("the access token has expired"));
    }
    if store.is_revoked(tenant.uid, &claims.jti)? {
        return Err(invalid("the access token was revoked"));
    }
    // A deleted client's tokens die with it, and a client registered again under the
    // same id does not inherit them.
    if store
        .client(tenant.uid, &claims.client_id)?
        .is_none_or(|c| c.created_at > claims.iat)
    {
        return Err(invalid("the access token's client no longer exists"));
    }
    Ok(claims)
}

/// The claims of an ID token (OIDC Core §2, §3.1.3.6, §5.1).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdClaims {
    /// Issuer.
    pub iss: String,
    /// The account id.
    pub sub: String,
    /// The client id.
    pub aud: String,
    /// Authorized party: the client id.
    pub azp: String,
    /// Expiry.
    pub exp: UnixTime,
    /// Issue time.
    pub iat: UnixTime,
    /// When the user authenticated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<UnixTime>,
    /// The request's nonce.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The SSO session (absent for tokens from the exchange).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Half-hash of the access token issued with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// Half-hash of the code issued with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c_hash: Option<String>,
    /// Profile and email claims, by scope.
    #[serde(flatten)]
    pub user: super::userinfo::UserInfo,
}

/// The OIDC half-hash (`at_hash`, `c_hash`): the left half of the hash the ID token's
/// algorithm uses, base64url. SHA-512 for EdDSA (Ed25519), SHA-256 otherwise.
pub fn half_hash(alg: crate::types::Alg, value: &str) -> String {
    use base64::Engine;
    let algorithm = match alg {
        crate::types::Alg::EdDSA => &ring::digest::SHA512,
        _ => &ring::digest::SHA256,
    };
    let digest = ring::digest::digest(algorithm, value.as_bytes());
    let half = &digest.as_ref()[..digest.as_ref().len() / 2];
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(half)
}

/// Signs ID-token claims with the client's registered algorithm.
pub fn sign_id(
    keys: &KeySet,
    alg: crate::types::Alg,
    claims: &IdClaims,
) -> Result<String, OAuthError> {
    let signer = keys.signer(alg).ok_or(OAuthError::Internal(
        "no active key for the ID token algorithm",
    ))?;
    let payload =
        serde_json::to_vec(claims).map_err(|_| OAuthError::Internal("claims not serialisable"))?;
    signer
        .sign_compact(Some("JWT"), &payload)
        .map_err(|_| OAuthError::Internal("signing an ID token failed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_hash_follows_oidc_core_3_1_3_6() {
        // Expected values computed independently with Python's hashlib.
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNuucdNgHSdMG5HZ5kP1";
        assert_eq!(
            half_hash(crate::types::Alg::RS256, token),
            "F31eaT8joVx4bt4d35gDHA"
        );
        assert_eq!(
            half_hash(crate::types::Alg::ES256, token),
            "F31eaT8joVx4bt4d35gDHA"
        );
        assert_eq!(
            half_hash(crate::types::Alg::EdDSA, "x"),
            "pKvURIxJVi2CgRXROh_M6pJ_UrTVRZKX-LQ-QtqJI4s"
        );
    }
}
