//! Assertions made by `jsonwebtoken` (an independent JOSE library) with a P-256 key,
//! each rule of RFC 7523 §3 and SPEC broken once.

use super::*;
use base64::Engine;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::json;

const NOW: UnixTime = 1_800_000_000;
const ISSUER: &str = "https://sso.example/t/acme";

/// A P-256 key pair: its PKCS#8 for `jsonwebtoken`, and our verifying key of its JWK.
fn key(kid: &str) -> (Vec<u8>, VerifyingKey) {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let point = pair.public_key().as_ref();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwk = json!({"kty": "EC", "crv": "P-256", "kid": kid,
                     "x": b64(&point[1..33]), "y": b64(&point[33..])});
    let verifying = VerifyingKey::from_jwk(&serde_json::from_value(jwk).unwrap()).unwrap();
    (pkcs8.as_ref().to_vec(), verifying)
}

fn sign(pkcs8: &[u8], typ: Option<&str>, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("k1".into());
    header.typ = typ.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_ec_der(pkcs8),
    )
    .unwrap()
}

fn good() -> Value {
    json!({"iss": "svc", "sub": "svc", "aud": format!("{ISSUER}/token"),
           "iat": NOW, "exp": NOW + 300, "jti": "j-1"})
}

fn with(change: Value) -> Value {
    let mut claims = good();
    for (k, v) in change.as_object().unwrap() {
        match v {
            Value::Null => {
                claims.as_object_mut().unwrap().remove(k);
            }
            v => claims[k] = v.clone(),
        }
    }
    claims
}

fn audiences() -> Vec<String> {
    vec![
        ISSUER.to_owned(),
        format!("{ISSUER}/token"),
        format!("{ISSUER}/introspect"),
    ]
}

fn check(jwt: &str, keys: &[VerifyingKey]) -> Result<Asserted, String> {
    verify(jwt, "svc", keys, &audiences(), NOW)
}

#[test]
fn a_good_assertion_leaves_its_jti_and_exp() {
    let (pkcs8, key) = key("k1");
    let keys = [key];
    assert_eq!(
        check(&sign(&pkcs8, None, &good()), &keys),
        Ok(Asserted {
            jti: "j-1".into(),
            exp: NOW + 300
        })
    );
    for aud in [
        json!(ISSUER),
        json!([ISSUER, format!("{ISSUER}/introspect")]),
    ] {
        let jwt = sign(&pkcs8, Some("JWT"), &with(json!({"aud": aud})));
        assert!(check(&jwt, &keys).is_ok(), "{aud}");
    }
    let no_iat = with(json!({"iat": null, "exp": NOW + 3600}));
    assert!(check(&sign(&pkcs8, None, &no_iat), &keys).is_ok());
}

#[test]
fn every_broken_rule_is_refused() {
    let (other, _) = key("k1");
    let (pkcs8, verifying) = key("k1");
    let keys = [verifying];
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let unsigned = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(&good().to_string()));
    let hmac = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &good(),
        &jsonwebtoken::EncodingKey::from_secret(b"shared"),
    )
    .unwrap();
    let cases = [
        ("alg none", unsigned),
        ("HMAC", hmac),
        ("another key", sign(&other, None, &good())),
        ("typ dpop+jwt", sign(&pkcs8, Some("dpop+jwt"), &good())),
        ("typ at+jwt", sign(&pkcs8, Some("at+jwt"), &good())),
        ("typ logout+jwt", sign(&pkcs8, Some("logout+jwt"), &good())),
        (
            "typ oauth-authz-req+jwt",
            sign(&pkcs8, Some("oauth-authz-req+jwt"), &good()),
        ),
        (
            "another iss",
            sign(&pkcs8, None, &with(json!({"iss": "x"}))),
        ),
        (
            "another sub",
            sign(&pkcs8, None, &with(json!({"sub": "x"}))),
        ),
        ("no aud", sign(&pkcs8, None, &with(json!({"aud": null})))),
        (
            "another aud",
            sign(&pkcs8, None, &with(json!({"aud": "https://x"}))),
        ),
        (
            "an empty aud array",
            sign(&pkcs8, None, &with(json!({"aud": []}))),
        ),
        (
            "an aud array with a stranger",
            sign(&pkcs8, None, &with(json!({"aud": [ISSUER, "https://x"]}))),
        ),
        ("no exp", sign(&pkcs8, None, &with(json!({"exp": null})))),
        (
            "exp as text",
            sign(&pkcs8, None, &with(json!({"exp": "soon"}))),
        ),
        ("expired", sign(&pkcs8, None, &with(json!({"exp": NOW})))),
        (
            "too long a life",
            sign(&pkcs8, None, &with(json!({"exp": NOW + 3601}))),
        ),
        (
            "too long a life without iat",
            sign(&pkcs8, None, &with(json!({"iat": null, "exp": NOW + 3601}))),
        ),
        (
            "iat in the future",
            sign(
                &pkcs8,
                None,
                &with(json!({"iat": NOW + 61, "exp": NOW + 120})),
            ),
        ),
        (
            "nbf ahead",
            sign(&pkcs8, None, &with(json!({"nbf": NOW + 61}))),
        ),
        ("no jti", sign(&pkcs8, None, &with(json!({"jti": null})))),
        ("empty jti", sign(&pkcs8, None, &with(json!({"jti": ""})))),
        (
            "a huge jti",
            sign(&pkcs8, None, &with(json!({"jti": "j".repeat(257)}))),
        ),
        ("not a JWT", "abc".to_owned()),
        ("a huge token", "a".repeat(20_000)),
    ];
    for (why, jwt) in cases {
        assert!(check(&jwt, &keys).is_err(), "{why} was accepted");
    }
    assert!(
        check(&sign(&pkcs8, None, &with(json!({"nbf": NOW + 60}))), &keys).is_ok(),
        "60 s of leeway for nbf"
    );
}
