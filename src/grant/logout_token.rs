//! Logout tokens (OIDC Back-Channel Logout 1.0 §2.4): signed with the client's ID-token
//! algorithm, a fresh `jti` and two minutes of life for each attempt, never a `nonce`,
//! typed `logout+jwt` unless the client registered `backchannel_logout_untyped`.

use super::{Ctx, GrantError};
use crate::clock::UnixTime;
use crate::crypto::random;
use crate::store::clients::Client;
use crate::types::TenantId;
use serde::Serialize;
use serde_json::{Map, Value};

/// The event a logout token carries (BCL §2.4).
pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// A logout token's lifetime.
pub const LIFETIME_SECS: u64 = 120;

/// The claims of a logout token.
#[derive(Debug, Serialize)]
struct LogoutClaims<'a> {
    iss: String,
    aud: &'a str,
    iat: UnixTime,
    exp: UnixTime,
    jti: String,
    sub: &'a str,
    sid: &'a str,
    events: Map<String, Value>,
}

/// Signs a logout token telling `client` of tenant `tenant` that session `sid` of
/// account `sub` ended.
pub fn sign(
    ctx: &Ctx<'_>,
    tenant: &TenantId,
    client: &Client,
    sub: &str,
    sid: &str,
    now: UnixTime,
) -> Result<String, GrantError> {
    let claims = LogoutClaims {
        iss: ctx.issuer(tenant),
        aud: &client.client_id,
        iat: now,
        exp: now + LIFETIME_SECS,
        jti: random::uuid().map_err(|_| GrantError::Internal("no randomness for a jti"))?,
        sub,
        sid,
        events: Map::from_iter([(EVENT.to_owned(), Value::Object(Map::new()))]),
    };
    let signer = ctx
        .keys
        .signer(client.id_token_alg)
        .ok_or(GrantError::Internal(
            "no active key for the ID token algorithm",
        ))?;
    let payload =
        serde_json::to_vec(&claims).map_err(|_| GrantError::Internal("claims not serialisable"))?;
    let typ = match client.backchannel_logout_untyped {
        true => "JWT",
        false => "logout+jwt",
    };
    signer
        .sign_compact(Some(typ), &payload)
        .map_err(|_| GrantError::Internal("signing a logout token failed"))
}
