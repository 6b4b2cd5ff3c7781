//! The claims latchkey signs: RFC 9068 JWT access tokens (`typ: at+jwt`) with the
//! tenant's access-token algorithm, ID tokens (OIDC Core §2) with the client's, and the
//! UserInfo claims (OIDC Core §5.1) that ID tokens and the UserInfo endpoint share.

use super::GrantError;
use crate::clock::UnixTime;
use crate::crypto::keys::KeySet;
use crate::crypto::random;
use crate::store::accounts::Account;
use crate::store::tenants::Tenant;
use crate::types::Jkt;
use serde::{Deserialize, Serialize};

/// The JOSE `typ` of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

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
    /// The DPoP key it is bound to (RFC 9449 §6.1), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
    /// `acr` of the browser sign-in behind it: `pwd` or `mfa`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// `amr` of the browser sign-in behind it (RFC 8176).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
}

/// The key a token is bound to (RFC 7800 §3.1 `cnf`, with RFC 9449 §6.1's `jkt`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The RFC 7638 thumbprint of the client's DPoP key.
    pub jkt: Jkt,
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
    ) -> Result<Self, GrantError> {
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
            cnf: None,
            acr: None,
            amr: None,
        })
    }

    /// Binds the token to the DPoP key `jkt`, when there is one.
    pub fn bind(&mut self, jkt: Option<&Jkt>) {
        self.cnf = jkt.map(|jkt| Confirmation { jkt: jkt.clone() });
    }

    /// The token type a response names: `DPoP` for a bound token (RFC 9449 §5).
    pub fn token_type(&self) -> &'static str {
        if self.cnf.is_some() { "DPoP" } else { "Bearer" }
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
) -> Result<String, GrantError> {
    let signer = keys
        .signer(tenant.access_token_alg)
        .ok_or(GrantError::Internal(
            "no active key for the access token algorithm",
        ))?;
    let payload =
        serde_json::to_vec(claims).map_err(|_| GrantError::Internal("claims not serialisable"))?;
    signer
        .sign_compact(Some(ACCESS_TOKEN_TYP), &payload)
        .map_err(|_| GrantError::Internal("signing an access token failed"))
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
    /// `pwd`, or `mfa` after a second factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// How the user authenticated (RFC 8176).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// Profile and email claims, by scope.
    #[serde(flatten)]
    pub user: UserInfo,
}

/// UserInfo claims (OIDC Core §5.1).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UserInfo {
    /// The account id (left out when flattened into an ID token, which has its own).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub sub: String,
    /// With `profile`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// With `profile`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// With `email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// With `email`: whether an admin vouched for the address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

impl UserInfo {
    /// The claims of `account` that `scopes` allow.
    pub fn of(account: &Account, scopes: &[&str]) -> Self {
        let profile = scopes.contains(&"profile");
        let email = scopes.contains(&"email") && account.email.is_some();
        UserInfo {
            sub: account.id.clone(),
            name: account.name.clone().filter(|_| profile),
            preferred_username: profile.then(|| account.username.clone()),
            email: account.email.clone().filter(|_| email),
            email_verified: email.then_some(account.email_verified),
        }
    }
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
) -> Result<String, GrantError> {
    let signer = keys.signer(alg).ok_or(GrantError::Internal(
        "no active key for the ID token algorithm",
    ))?;
    let payload =
        serde_json::to_vec(claims).map_err(|_| GrantError::Internal("claims not serialisable"))?;
    signer
        .sign_compact(Some("JWT"), &payload)
        .map_err(|_| GrantError::Internal("signing an ID token failed"))
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
