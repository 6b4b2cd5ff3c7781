//! `private_key_jwt` (RFC 7523, OIDC Core §9): a client that registered a public key
//! authenticates with assertions `jsonwebtoken` signs, at the token, introspection,
//! revocation and PAR endpoints, each assertion once; anything else is `invalid_client`.

#![allow(
    clippy::disallowed_methods,
    reason = "assertions carry real times, as a client's would"
)]

use crate::oidc_code::{Fixture, REDIRECT, begin, rp_client, start, start_with};
use crate::request_objects::{p256, sign};
use crate::support::server::Options;
use serde_json::{Value, json};
use std::sync::{Arc, Barrier};

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The fixture with client `svc` registered for `private_key_jwt` with a fresh P-256
/// key; that key's PKCS#8.
fn with_svc() -> (Fixture, Vec<u8>) {
    with_svc_on(start())
}

/// [`with_svc`] on a fixture of the caller's.
fn with_svc_on(f: Fixture) -> (Fixture, Vec<u8>) {
    let (pkcs8, jwk) = p256("svc-1");
    let created = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(
            &json!({"client_id": "svc", "name": "Service", "redirect_uris": [REDIRECT],
                     "grant_types": ["client_credentials", "authorization_code"],
                     "response_types": ["code"], "scopes": ["openid", "orders"],
                     "token_endpoint_auth_method": "private_key_jwt",
                     "jwks": {"keys": [jwk]}}),
        ),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(
        created.body.get("client_secret").is_none(),
        "no secret for a key-based client: {}",
        created.body
    );
    (f, pkcs8)
}

/// An assertion of `svc` for the audience `aud` (a path under the issuer, or "" for the
/// issuer itself), with `change` applied to its claims.
fn assertion(f: &Fixture, pkcs8: &[u8], aud: &str, change: Value) -> String {
    let issuer = format!("{}/t/acme", f.server.base);
    let mut claims = json!({"iss": "svc", "sub": "svc", "aud": format!("{issuer}{aud}"),
                            "iat": now(), "exp": now() + 120,
                            "jti": format!("{}-{}", now(), next_id())});
    for (k, v) in change.as_object().unwrap() {
        claims[k] = v.clone();
    }
    sign(pkcs8, "svc-1", None, &claims)
}

pub fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

/// POSTs `pairs` (form-encoded) to `/t/acme/{endpoint}`: status and JSON body.
fn post(f: &Fixture, endpoint: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let mut resp = f.server.post(
        &format!("/t/acme/{endpoint}"),
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    );
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn cc(jwt: &str) -> Vec<(&str, &str)> {
    vec![
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", jwt),
    ]
}

#[test]
fn an_assertion_authenticates_once_at_every_endpoint_that_takes_clients() {
    let (f, pkcs8) = with_svc();
    let jwt = assertion(&f, &pkcs8, "/token", json!({}));
    let (status, body) = post(&f, "token", &cc(&jwt));
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = post(&f, "token", &cc(&jwt));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "a replayed assertion: {body}"
    );
    assert!(
        body["error_description"].as_str().unwrap().contains("jti"),
        "{body}"
    );

    let at_issuer = assertion(&f, &pkcs8, "", json!({}));
    let (status, body) = post(
        &f,
        "introspect",
        &[
            ("token", &access),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &at_issuer),
        ],
    );
    assert_eq!(
        (status, body["active"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    assert_eq!(body["client_id"], "svc");

    let for_introspection = assertion(&f, &pkcs8, "/introspect", json!({}));
    let (status, body) = post(&f, "token", &cc(&for_introspection));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "an assertion for another endpoint: {body}"
    );

    let for_revocation = assertion(&f, &pkcs8, "/revoke", json!({}));
    let (status, body) = post(
        &f,
        "revoke",
        &[
            ("token", &access),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &for_revocation),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let check = assertion(&f, &pkcs8, "/introspect", json!({}));
    let (_, body) = post(
        &f,
        "introspect",
        &[
            ("token", &access),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &check),
        ],
    );
    assert_eq!(body["active"], false, "revoked with an assertion");

    let started = begin(&rp_client(&f), &[]);
    let mut pairs: Vec<(String, String)> = url::Url::parse(&started.url)
        .unwrap()
        .query_pairs()
        .filter(|(k, _)| k != "client_id")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.push(("client_assertion_type".into(), ASSERTION_TYPE.into()));
    pairs.push((
        "client_assertion".into(),
        assertion(&f, &pkcs8, "/par", json!({})),
    ));
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, body) = post(&f, "par", &borrowed);
    assert_eq!(status, 201, "{body}");
    assert!(body["request_uri"].as_str().unwrap().starts_with("urn:"));
}

#[test]
fn every_flawed_assertion_or_mixed_method_is_refused_and_the_client_still_works() {
    let lenient = Options {
        env: vec![
            ("LATCHKEY_RATE_LIMITS_FREE_FAILURES".into(), "100".into()),
            (
                "LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_ADDRESS".into(),
                "100".into(),
            ),
        ],
        ..Options::default()
    };
    let (f, pkcs8) = with_svc_on(start_with(lenient));
    let (stranger, _) = p256("svc-1");
    let issuer = format!("{}/t/acme", f.server.base);
    let flawed = [
        ("another key", assertion(&f, &stranger, "/token", json!({}))),
        (
            "expired",
            assertion(&f, &pkcs8, "/token", json!({"exp": now() - 5})),
        ),
        (
            "an hour and more",
            assertion(&f, &pkcs8, "/token", json!({"exp": now() + 3700})),
        ),
        (
            "another audience",
            assertion(
                &f,
                &pkcs8,
                "/token",
                json!({"aud": "https://elsewhere.example"}),
            ),
        ),
        (
            "an audience array with a stranger",
            assertion(
                &f,
                &pkcs8,
                "/token",
                json!({"aud": [issuer, "https://x.example"]}),
            ),
        ),
        (
            "another subject",
            assertion(&f, &pkcs8, "/token", json!({"sub": "web"})),
        ),
        (
            "no jti",
            assertion(&f, &pkcs8, "/token", json!({"jti": null})),
        ),
        (
            "typ dpop+jwt",
            sign(
                &pkcs8,
                "svc-1",
                Some("dpop+jwt"),
                &json!({"iss": "svc", "sub": "svc", "aud": issuer, "exp": now() + 60, "jti": "t"}),
            ),
        ),
        ("not a JWT", "not-a-jwt".to_owned()),
    ];
    for (why, jwt) in &flawed {
        let mut pairs = cc(jwt);
        pairs.push(("client_id", "svc"));
        let (status, body) = post(&f, "token", &pairs);
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{why}: {body}"
        );
    }
    let good = assertion(&f, &pkcs8, "/token", json!({}));
    let mut with_secret = cc(&good);
    with_secret.push(("client_secret", "guess"));
    let (status, body) = post(&f, "token", &with_secret);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let (status, body) = post(
        &f,
        "token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "svc"),
            ("client_secret", "guess"),
        ],
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "a secret for a key client: {body}"
    );
    let mut other_type = cc(&good);
    other_type[1] = (
        "client_assertion_type",
        "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
    );
    let (status, _) = post(&f, "token", &other_type);
    assert_eq!(status, 401);
    let (status, body) = post(&f, "token", &cc(&good));
    assert_eq!(status, 200, "the untouched assertion still works: {body}");
}

#[test]
fn refused_assertions_count_toward_the_limiter() {
    let (f, pkcs8) = with_svc();
    let (stranger, _) = p256("svc-1");
    let forged: Vec<String> = (0..12)
        .map(|_| assertion(&f, &stranger, "/token", json!({})))
        .collect();
    let good = assertion(&f, &pkcs8, "/token", json!({}));
    // Past the free failures each further one blocks for a doubling time, so on a slow
    // machine a block may run out before the next request: send until one is refused.
    let mut statuses = Vec::new();
    for jwt in &forged {
        statuses.push(post(&f, "token", &cc(jwt)).0);
        if statuses.last() == Some(&429) {
            break;
        }
    }
    assert_eq!(statuses[..6], [401; 6], "the free failures: {statuses:?}");
    assert_eq!(
        statuses.last(),
        Some(&429),
        "past the free failures: {statuses:?}"
    );
    let (status, _) = post(&f, "token", &cc(&good));
    assert_eq!(status, 429, "the client is slowed down from this address");
}

#[test]
fn of_two_simultaneous_uses_of_one_assertion_exactly_one_is_let_in() {
    let (f, pkcs8) = with_svc();
    let jwt = assertion(&f, &pkcs8, "/token", json!({}));
    let f = Arc::new(f);
    let gate = Arc::new(Barrier::new(2));
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let (f, gate, jwt) = (Arc::clone(&f), Arc::clone(&gate), jwt.clone());
            std::thread::spawn(move || {
                gate.wait();
                post(&f, "token", &cc(&jwt)).0
            })
        })
        .collect();
    let mut statuses: Vec<u16> = racers.into_iter().map(|r| r.join().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, vec![200, 401]);
}

#[test]
fn registration_and_discovery_know_private_key_jwt() {
    let f = start();
    let without_keys = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(
            &json!({"client_id": "nokeys", "name": "x", "grant_types": ["client_credentials"],
                     "scopes": [], "token_endpoint_auth_method": "private_key_jwt"}),
        ),
    );
    assert_eq!(without_keys.status, 400, "{}", without_keys.body);
    assert!(
        without_keys.body.to_string().contains("jwks"),
        "{}",
        without_keys.body
    );
    let (_, jwk) = p256("k");
    let created = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(
            &json!({"client_id": "keyed", "name": "x", "grant_types": ["client_credentials"],
                     "scopes": [], "token_endpoint_auth_method": "private_key_jwt",
                     "jwks": {"keys": [jwk]}}),
        ),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let rotate = f
        .api
        .call("POST", "/v2/admin/tenants/acme/clients/keyed/secret", None);
    assert_eq!(rotate.status, 400, "no secret to rotate: {}", rotate.body);
    let to_secret = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme/clients/keyed",
        Some(&json!({"token_endpoint_auth_method": "client_secret_post"})),
    );
    assert_eq!(to_secret.status, 200, "{}", to_secret.body);
    assert!(
        to_secret.body["client_secret"].as_str().is_some(),
        "a secret once it needs one"
    );

    let (_, body) = f.server.get("/t/acme/.well-known/openid-configuration");
    let doc: Value = serde_json::from_str(&body).unwrap();
    let algs = json!(["RS256", "PS256", "ES256", "EdDSA"]);
    for endpoint in ["token", "introspection", "revocation"] {
        let methods = doc[format!("{endpoint}_endpoint_auth_methods_supported")]
            .as_array()
            .unwrap();
        assert!(
            methods.contains(&json!("private_key_jwt")),
            "{endpoint}: {methods:?}"
        );
        assert_eq!(
            doc[format!("{endpoint}_endpoint_auth_signing_alg_values_supported")],
            algs
        );
    }
}
