//! The public keys a client registers inline (`jwks`, RFC 7591 §2; SPEC "Client
//! registration"): a JWK Set of signing keys latchkey can verify with, and nothing a
//! client should never hand over: a private member or a symmetric key is refused, so
//! it is never stored.

use super::jose::{Jwk, JwkSet, VerifyingKey};
use serde_json::Value;

/// The most keys a client may register.
pub const MAX_KEYS: usize = 10;

/// Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1;
/// RFC 8037 §2).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The keys of a client's JWK Set latchkey can verify with; the others are skipped, so
/// one odd key in a fetched set does not lock the client out.
pub fn verifying_keys(set: &JwkSet) -> Vec<VerifyingKey> {
    set.keys
        .iter()
        .filter_map(|k| VerifyingKey::from_jwk(k).ok())
        .collect()
}

/// Checks a registered JWK Set: an object whose `keys` hold up to [`MAX_KEYS`] public
/// RSA (2048 to 8192 bits), P-256 or Ed25519 signing keys, with distinct `kid`s when
/// there are several. The error says which key and why, for a field-named 400.
pub fn check(value: &Value) -> Result<JwkSet, String> {
    let keys = value
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("must be a JWK Set: an object with a `keys` array")?;
    if keys.len() > MAX_KEYS {
        return Err(format!("must hold at most {MAX_KEYS} keys"));
    }
    let mut checked: Vec<Jwk> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let object = key.as_object().ok_or(format!("key {i} is not an object"))?;
        if object.get("kty").and_then(Value::as_str) == Some("oct") {
            return Err(format!("key {i} is symmetric; register public keys only"));
        }
        if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| object.contains_key(**m)) {
            return Err(format!(
                "key {i} holds the private member `{member}`; register public keys only"
            ));
        }
        let jwk: Jwk =
            serde_json::from_value(key.clone()).map_err(|_| format!("key {i} is not a JWK"))?;
        VerifyingKey::from_jwk(&jwk).map_err(|e| format!("key {i} cannot be used: {e}"))?;
        checked.push(jwk);
    }
    if checked.len() > 1 {
        let mut kids: Vec<&str> = checked.iter().filter_map(|k| k.kid.as_deref()).collect();
        kids.sort_unstable();
        kids.dedup();
        if kids.len() != checked.len() {
            return Err("with several keys, each needs a `kid` of its own".into());
        }
    }
    Ok(JwkSet { keys: checked })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    #[test]
    fn public_signing_keys_pass_and_what_is_secret_or_unusable_does_not() {
        let ed = json!({"kty": "OKP", "crv": "Ed25519", "x": ED_X, "kid": "a"});
        assert_eq!(check(&json!({"keys": [ed]})).unwrap().keys.len(), 1);
        assert!(check(&json!({"keys": []})).unwrap().keys.is_empty());
        let refused = [
            json!([ed]),
            json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}),
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": ED_X, "d": ED_X}]}),
            json!({"keys": [{"kty": "OKP", "crv": "X25519", "x": ED_X}]}),
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": ED_X, "use": "enc"}]}),
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": ED_X, "alg": "RS256"}]}),
            json!({"keys": [ed, ed]}),
            json!({"keys": [ed, {"kty": "OKP", "crv": "Ed25519", "x": ED_X}]}),
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": ED_X}, ed]}),
            json!({"keys": vec![ed.clone(); MAX_KEYS + 1]}),
        ];
        for value in refused {
            assert!(check(&value).is_err(), "{value}");
        }
    }
}
