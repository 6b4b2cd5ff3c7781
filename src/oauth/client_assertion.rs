//! `private_key_jwt` client assertions (RFC 7523 §3, OIDC Core §9): the checks of the
//! JWT itself, given the keys the client registered. Spending its `jti` is the caller's,
//! once everything else holds.

use crate::clock::UnixTime;
use crate::crypto::jose::{Unverified, VerifyingKey};
use serde_json::{Map, Value};

/// How far `nbf` and `iat` may be ahead of our clock.
const LEEWAY_SECS: u64 = 60;
/// The longest an assertion may live (SPEC: `exp` at most 3600 s after `iat`).
const MAX_LIFETIME_SECS: u64 = 3600;
/// The longest `jti` kept.
const MAX_JTI_LEN: usize = 256;
/// `typ` values of JWTs meant for something else, which an assertion must not be.
const OTHER_TYPES: [&str; 4] = ["dpop+jwt", "logout+jwt", "at+jwt", "oauth-authz-req+jwt"];

/// What a verified assertion leaves to spend: its id, until its expiry.
#[derive(Debug, PartialEq, Eq)]
pub struct Asserted {
    /// `jti`.
    pub jti: String,
    /// `exp`.
    pub exp: UnixTime,
}

/// Verifies `jwt` as an assertion of `client_id` signed by one of `keys`, addressed to
/// one of `audiences` (the issuer, the token endpoint, the endpoint receiving it), at
/// `now`. The error says what is wrong, for the log; clients see `invalid_client`.
pub fn verify(
    jwt: &str,
    client_id: &str,
    keys: &[VerifyingKey],
    audiences: &[String],
    now: UnixTime,
) -> Result<Asserted, String> {
    let unverified = Unverified::parse(jwt)
        .map_err(|e| format!("not a JWS signed with RS256, PS256, ES256 or EdDSA: {e}"))?;
    if let Some(typ) = unverified.header.typ.as_deref()
        && OTHER_TYPES.iter().any(|t| typ.eq_ignore_ascii_case(t))
    {
        return Err(format!("typ `{typ}` is not a client assertion's"));
    }
    let key = VerifyingKey::pick(keys, unverified.header.kid.as_deref(), unverified.alg())
        .ok_or("no key the client registered fits its kid and alg")?;
    let payload = unverified
        .verify(key)
        .map_err(|_| "the signature does not verify")?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&payload).map_err(|_| "the payload is not a JSON object")?;
    check_claims(&claims, client_id, audiences, now)
}

/// The claims' rules: who, to whom, when, and a `jti` to spend.
fn check_claims(
    claims: &Map<String, Value>,
    client_id: &str,
    audiences: &[String],
    now: UnixTime,
) -> Result<Asserted, String> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(client_id) || text("sub") != Some(client_id) {
        return Err("iss and sub must both be the client id".into());
    }
    let addressed = match claims.get("aud") {
        Some(Value::String(aud)) => audiences.contains(aud),
        Some(Value::Array(all)) => {
            !all.is_empty()
                && all
                    .iter()
                    .all(|a| a.as_str().is_some_and(|a| audiences.iter().any(|x| x == a)))
        }
        _ => false,
    };
    if !addressed {
        return Err("aud must be the issuer or this endpoint".into());
    }
    let time = |name: &str| match claims.get(name) {
        None => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or(format!("{name} is not a time")),
    };
    let exp = time("exp")?.ok_or("exp is missing")?;
    let iat = time("iat")?;
    if exp <= now {
        return Err("the assertion has expired".into());
    }
    if iat.is_some_and(|iat| iat > now + LEEWAY_SECS) {
        return Err("iat is in the future".into());
    }
    if exp > iat.unwrap_or(now) + MAX_LIFETIME_SECS {
        return Err(format!("exp is more than {MAX_LIFETIME_SECS} s after iat"));
    }
    if time("nbf")?.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
        return Err("the assertion is not valid yet".into());
    }
    match text("jti") {
        Some(jti) if !jti.is_empty() && jti.len() <= MAX_JTI_LEN => Ok(Asserted {
            jti: jti.to_owned(),
            exp,
        }),
        _ => Err(format!("jti must be 1 to {MAX_JTI_LEN} characters")),
    }
}

#[cfg(test)]
mod tests;
