//! Requests passed by reference at the authorization endpoint (OIDC Core §6, RFC 9101,
//! RFC 9126): never silently ignored. A request object signed (by `jsonwebtoken`) with a
//! key its client registered replaces the query; every way it can be wrong is
//! `invalid_request_object`; a client without keys gets `request_not_supported`; no
//! `request_uri` is ever fetched. Each error goes to the client's redirect URI with the
//! query's `state` and `iss`.

#![allow(
    clippy::disallowed_methods,
    reason = "request objects carry real times, as a client's would"
)]

use crate::oidc_code::{begin, rp_client, start};
use crate::support::browser::{Browser, redirect_params};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// A JWT-shaped request object; its signature is never looked at, as no key could check it.
const OBJECT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJjbGllbnRfaWQiOiJ3ZWIifQ.c2ln";

#[test]
fn request_and_request_uri_get_their_errors_at_the_redirect_uri_with_state_and_iss() {
    let f = start();
    let client = rp_client(&f);
    let issuer = format!("{}/t/acme", f.server.base);
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    let cases = [
        (format!("&request={OBJECT}"), "request_not_supported"),
        (
            format!("&request_uri={}", enc("https://app.example/request.jwt")),
            "request_uri_not_supported",
        ),
        (
            format!(
                "&request_uri={}",
                enc("urn:ietf:params:oauth:request_uri:bm90LWlzc3VlZA")
            ),
            "invalid_request_uri",
        ),
        (
            format!(
                "&request={OBJECT}&request_uri={}",
                enc("urn:ietf:params:oauth:request_uri:x")
            ),
            "invalid_request",
        ),
    ];
    for (extra, error) in cases {
        let started = begin(&client, &[]);
        let answer = Browser::new(&f.server).get(&format!("{}{extra}", started.url));
        assert_eq!(answer.status, 303, "{extra}: {}", answer.body);
        let location = answer.location.unwrap();
        assert!(
            location.starts_with(crate::oidc_code::REDIRECT),
            "{location}"
        );
        let params = redirect_params(&location);
        assert_eq!(
            params.get("error").map(String::as_str),
            Some(error),
            "{extra}"
        );
        assert_eq!(params.get("state"), Some(started.state.secret()), "{extra}");
        assert_eq!(params.get("iss"), Some(&issuer), "{extra}");
    }

    let unregistered = format!(
        "/t/acme/authorize?response_type=code&client_id=web&redirect_uri={}&request={OBJECT}",
        enc("https://evil.example/cb")
    );
    let page = Browser::new(&f.server).get(&unregistered);
    assert_eq!(
        (page.status, page.location),
        (400, None),
        "no redirect to an unregistered URI"
    );

    let (_, body) = f.server.get("/t/acme/.well-known/openid-configuration");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["request_parameter_supported"], true);
    assert_eq!(
        doc["request_object_signing_alg_values_supported"],
        serde_json::json!(["RS256", "PS256", "ES256", "EdDSA"])
    );
    assert_eq!(doc["request_uri_parameter_supported"], false);
}

/// A P-256 key: the PKCS#8 `jsonwebtoken` signs with, and its public JWK.
pub fn p256(kid: &str) -> (Vec<u8>, serde_json::Value) {
    use base64::Engine;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let point = pair.public_key().as_ref();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwk = serde_json::json!({"kty": "EC", "crv": "P-256", "kid": kid,
                                 "x": b64(&point[1..33]), "y": b64(&point[33..])});
    (pkcs8.as_ref().to_vec(), jwk)
}

pub fn sign(pkcs8: &[u8], kid: &str, typ: Option<&str>, claims: &serde_json::Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(kid.into());
    header.typ = typ.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_ec_der(pkcs8),
    )
    .unwrap()
}

#[test]
fn a_signed_request_object_replaces_the_query_and_every_flaw_is_invalid_request_object() {
    let f = start();
    let (pkcs8, jwk) = p256("rp-1");
    let patched = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme/clients/web",
        Some(&serde_json::json!({"jwks": {"keys": [jwk]}})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    let issuer = format!("{}/t/acme", f.server.base);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let good = serde_json::json!({
        "iss": "web", "aud": issuer, "exp": now + 300, "nbf": now - 10,
        "client_id": "web", "response_type": "code", "scope": "openid",
        "redirect_uri": crate::oidc_code::REDIRECT, "state": "from-the-object", "nonce": "n-1",
    });
    let query = |object: &str, extra: &str| {
        format!(
            "/t/acme/authorize?client_id=web&response_type=code&state=from-the-query&request={object}{extra}"
        )
    };
    let object = sign(&pkcs8, "rp-1", Some("oauth-authz-req+jwt"), &good);
    let answer = Browser::new(&f.server).sign_in(
        &query(
            &object,
            "&scope=openid&redirect_uri=https%3A%2F%2Fignored.example%2Fcb",
        ),
        "alice",
        "correct horse battery",
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    let params = redirect_params(answer.location.as_deref().unwrap());
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(
        params["state"], "from-the-object",
        "only the object's parameters count"
    );
    assert_eq!(params["iss"], issuer);

    let with = |change: serde_json::Value| {
        let mut claims = good.clone();
        for (k, v) in change.as_object().unwrap() {
            claims[k] = v.clone();
        }
        claims
    };
    let (other_key, _) = p256("rp-1");
    let unsigned = {
        use base64::Engine;
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        format!(
            "{}.{}.",
            b64(br#"{"alg":"none"}"#),
            b64(good.to_string().as_bytes())
        )
    };
    let flawed = [
        (
            "a key it did not register",
            sign(&other_key, "rp-1", None, &good),
            "",
        ),
        ("alg none", unsigned, ""),
        (
            "typ dpop+jwt",
            sign(&pkcs8, "rp-1", Some("dpop+jwt"), &good),
            "",
        ),
        (
            "another audience",
            sign(
                &pkcs8,
                "rp-1",
                None,
                &with(serde_json::json!({"aud": "https://elsewhere.example"})),
            ),
            "",
        ),
        (
            "another issuer",
            sign(
                &pkcs8,
                "rp-1",
                None,
                &with(serde_json::json!({"iss": "spa"})),
            ),
            "",
        ),
        (
            "expired",
            sign(
                &pkcs8,
                "rp-1",
                None,
                &with(serde_json::json!({"exp": now - 120})),
            ),
            "",
        ),
        (
            "not yet valid",
            sign(
                &pkcs8,
                "rp-1",
                None,
                &with(serde_json::json!({"nbf": now + 600})),
            ),
            "",
        ),
        (
            "another client_id",
            sign(
                &pkcs8,
                "rp-1",
                None,
                &with(serde_json::json!({"client_id": "spa"})),
            ),
            "",
        ),
        (
            "a response_type the query contradicts",
            sign(
                &pkcs8,
                "rp-1",
                None,
                &with(serde_json::json!({"response_type": "id_token"})),
            ),
            "",
        ),
        (
            "a scope the query contradicts",
            object.clone(),
            "&scope=openid+profile",
        ),
    ];
    for (why, object, extra) in flawed {
        let url = query(&object, extra).replace("scope=openid&state", "state");
        let url = if extra.is_empty() {
            url.replace("&state=", "&scope=openid&state=")
        } else {
            url
        };
        let answer = Browser::new(&f.server).get(&url);
        let location = answer
            .location
            .unwrap_or_else(|| panic!("{why}: {}", answer.body));
        let params = redirect_params(&location);
        assert_eq!(
            params.get("error").map(String::as_str),
            Some("invalid_request_object"),
            "{why}: {location}"
        );
        assert_eq!(
            params.get("state").map(String::as_str),
            Some("from-the-query"),
            "{why}"
        );
        assert_eq!(params.get("iss"), Some(&issuer), "{why}");
    }
}
