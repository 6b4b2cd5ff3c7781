//! Validation of the upstream's ID token (OIDC Core §3.1.3.7): a signature by a key the
//! upstream publishes (RS256, ES256 or EdDSA; `none` and HMAC never), then `iss`, `aud`,
//! `azp`, `exp`, `iat` with a minute of leeway for clock skew, `nonce` and `sub`.

use super::BrokerError;
use super::provider::ProviderCache;
use crate::clock::UnixTime;
use crate::crypto::jose::Unverified;
use crate::outbound::Outbound;
use crate::store::settings::UpstreamSettings;
use crate::types::secret::constant_time_eq;
use serde_json::Value;

/// Clock skew tolerated on `exp` and `iat`.
const LEEWAY_SECS: u64 = 60;

/// What the token must say.
pub struct Expected<'a> {
    /// The upstream's issuer.
    pub issuer: &'a str,
    /// Our client id there.
    pub client_id: &'a str,
    /// The nonce sent with the request.
    pub nonce: &'a str,
    /// Now.
    pub now: UnixTime,
}

/// Verifies `token`'s signature with the upstream's keys and checks its claims.
pub async fn verify(
    cache: &ProviderCache,
    outbound: &Outbound,
    settings: &UpstreamSettings,
    token: &str,
    expected: &Expected<'_>,
) -> Result<Value, BrokerError> {
    let bad = |why: &str| BrokerError::Page(format!("The identity provider's ID token {why}."));
    let unverified =
        Unverified::parse(token).map_err(|_| bad("is not a signed JWT latchkey accepts"))?;
    let alg = unverified.alg();
    let key = cache
        .key(
            outbound,
            settings,
            unverified.header.kid.as_deref(),
            alg,
            expected.now,
        )
        .await?;
    let payload = unverified
        .verify(&key)
        .map_err(|_| bad("has a signature that does not verify"))?;
    let claims: Value = serde_json::from_slice(&payload).map_err(|_| bad("is not JSON"))?;
    check_claims(&claims, expected).map_err(|why| bad(&why))?;
    Ok(claims)
}

/// The claim checks, on an already verified payload.
pub fn check_claims(claims: &Value, expected: &Expected<'_>) -> Result<(), String> {
    if claims["iss"].as_str() != Some(expected.issuer) {
        return Err(format!(
            "was issued by `{}`, not `{}`",
            claims["iss"], expected.issuer
        ));
    }
    let audiences: Vec<&str> = match &claims["aud"] {
        Value::String(a) => vec![a.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expected.client_id) {
        return Err("is meant for another client (aud)".into());
    }
    let azp = claims["azp"].as_str();
    if azp.is_some_and(|a| a != expected.client_id) || (audiences.len() > 1 && azp.is_none()) {
        return Err("names another authorized party (azp)".into());
    }
    match claims["exp"].as_u64() {
        Some(exp) if expected.now < exp + LEEWAY_SECS => {}
        _ => return Err("has expired".into()),
    }
    match claims["iat"].as_u64() {
        Some(iat) if iat <= expected.now + LEEWAY_SECS => {}
        _ => return Err("was issued in the future or without iat".into()),
    }
    let nonce_ok = claims["nonce"]
        .as_str()
        .is_some_and(|n| constant_time_eq(n.as_bytes(), expected.nonce.as_bytes()));
    if !nonce_ok {
        return Err("does not carry the nonce of this sign-in".into());
    }
    if claims["sub"].as_str().is_none_or(str::is_empty) {
        return Err("has no subject".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EXPECTED: Expected<'static> = Expected {
        issuer: "https://up.example",
        client_id: "latchkey",
        nonce: "n-1",
        now: 10_000,
    };

    fn good() -> Value {
        json!({"iss": "https://up.example", "aud": "latchkey", "exp": 10_300, "iat": 9_990,
               "nonce": "n-1", "sub": "u-1"})
    }

    fn with(key: &str, value: Value) -> Value {
        let mut c = good();
        c[key] = value;
        c
    }

    #[test]
    fn a_good_token_passes_and_each_claim_is_checked() {
        assert_eq!(check_claims(&good(), &EXPECTED), Ok(()));
        for (key, value) in [
            ("iss", json!("https://evil.example")),
            ("aud", json!("someone-else")),
            ("aud", json!(["latchkey", "other"])),
            ("exp", json!(9_900)),
            ("exp", json!("10300")),
            ("iat", json!(10_100)),
            ("nonce", json!("n-2")),
            ("nonce", Value::Null),
            ("sub", json!("")),
        ] {
            assert!(
                check_claims(&with(key, value.clone()), &EXPECTED).is_err(),
                "{key}: {value}"
            );
        }
    }

    #[test]
    fn several_audiences_need_azp_and_skew_is_tolerated() {
        let mut c = with("aud", json!(["latchkey", "other"]));
        c["azp"] = json!("latchkey");
        assert_eq!(check_claims(&c, &EXPECTED), Ok(()));
        c["azp"] = json!("other");
        assert!(check_claims(&c, &EXPECTED).is_err());
        assert_eq!(check_claims(&with("exp", json!(9_950)), &EXPECTED), Ok(()));
        assert_eq!(check_claims(&with("iat", json!(10_050)), &EXPECTED), Ok(()));
    }
}
