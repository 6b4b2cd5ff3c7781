//! Keys by reference: a client registers `jwks_uri` (a real HTTPS server, trusted through
//! `SSL_CERT_FILE`), and latchkey fetches the set when a signed JWT of the client needs
//! it: `private_key_jwt` assertions and request objects. Fetched sets are cached; an
//! unknown `kid` does not make latchkey ask again within a minute; a broken answer is
//! refused; registration takes only an https URL, and never beside inline keys.

use crate::oidc_code::{Fixture, REDIRECT, start_with};
use crate::private_key_jwt::{ASSERTION_TYPE, next_id, now};
use crate::request_objects::{p256, sign};
use crate::support::browser::{Browser, redirect_params};
use crate::support::server::Options;
use crate::support::test_idp::{Answer, TestIdp};
use serde_json::{Value, json};

/// latchkey trusting the key server's CA through `SSL_CERT_FILE`, with client `svc`
/// (`private_key_jwt`, code flow too) keyed by `{server}/jwks`.
struct Setup {
    f: Fixture,
    keys: TestIdp,
    _ca: tempfile::TempDir,
}

fn setup() -> Setup {
    let keys = TestIdp::start();
    let ca = tempfile::tempdir().unwrap();
    let ca_file = ca.path().join("ca.pem");
    std::fs::write(&ca_file, &keys.ca_pem).unwrap();
    let f = start_with(Options {
        env: vec![(
            "SSL_CERT_FILE".into(),
            ca_file.to_string_lossy().into_owned(),
        )],
        ..Options::default()
    });
    let created = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(
            &json!({"client_id": "svc", "name": "Service", "redirect_uris": [REDIRECT],
                     "grant_types": ["client_credentials", "authorization_code"],
                     "response_types": ["code"], "scopes": ["openid"],
                     "token_endpoint_auth_method": "private_key_jwt",
                     "jwks_uri": format!("{}/jwks", keys.base)}),
        ),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["jwks_uri"], format!("{}/jwks", keys.base));
    Setup { f, keys, _ca: ca }
}

fn serve_keys(server: &TestIdp, keys: Vec<Value>) {
    server.answer(move |r| match r.path.as_str() {
        "/jwks" => Answer::Json(200, json!({"keys": keys})),
        _ => Answer::Json(404, Value::Null),
    });
}

/// A client-credentials request of `svc` with an assertion signed by `pkcs8` as `kid`.
fn token(f: &Fixture, pkcs8: &[u8], kid: &str) -> (u16, Value) {
    let claims = json!({"iss": "svc", "sub": "svc", "aud": format!("{}/t/acme", f.server.base),
                        "exp": now() + 60, "jti": format!("{kid}-{}", next_id())});
    let jwt = sign(pkcs8, kid, None, &claims);
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &jwt),
        ])
        .finish();
    let mut resp = f.server.post(
        "/t/acme/token",
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    );
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

fn fetches(server: &TestIdp) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path == "/jwks")
        .count()
}

#[test]
fn keys_are_fetched_once_cached_and_an_unknown_kid_waits_a_minute() {
    let s = setup();
    let (first, first_jwk) = p256("a");
    serve_keys(&s.keys, vec![first_jwk]);
    let (status, body) = token(&s.f, &first, "a");
    assert_eq!(status, 200, "{body}");
    let (status, body) = token(&s.f, &first, "a");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        fetches(&s.keys),
        1,
        "the second assertion used the cached set"
    );
    let fetched = &s.keys.requests()[0];
    assert_eq!(fetched.method, "GET");
    assert!(
        fetched.header("authorization").is_none(),
        "no credentials sent"
    );

    let (second, second_jwk) = p256("b");
    serve_keys(&s.keys, vec![second_jwk]);
    let (status, body) = token(&s.f, &second, "b");
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    assert_eq!(
        fetches(&s.keys),
        1,
        "an unknown kid within a minute of the last fetch asks nobody"
    );
}

#[test]
fn a_request_object_verifies_with_a_key_from_jwks_uri() {
    let s = setup();
    let (pkcs8, jwk) = p256("ro");
    serve_keys(&s.keys, vec![jwk]);
    let issuer = format!("{}/t/acme", s.f.server.base);
    let object = sign(
        &pkcs8,
        "ro",
        None,
        &json!({"iss": "svc", "aud": issuer, "exp": now() + 120, "client_id": "svc",
                "response_type": "code", "scope": "openid", "redirect_uri": REDIRECT,
                "state": "by-reference", "nonce": "n"}),
    );
    let url = format!("/t/acme/authorize?client_id=svc&request={object}");
    let answer = Browser::new(&s.f.server).sign_in(&url, "alice", "correct horse battery");
    let params = redirect_params(answer.location.as_deref().expect("a redirect"));
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(params["state"], "by-reference");
}

#[test]
fn a_key_server_that_fails_or_serves_private_keys_lets_nobody_in() {
    let s = setup();
    let (pkcs8, jwk) = p256("a");
    s.keys.answer(|r| match r.path.as_str() {
        "/jwks" => Answer::Json(503, json!({"detail": "internal host 10.0.0.7 down"})),
        _ => Answer::Json(404, Value::Null),
    });
    for attempt in ["first", "within the minute"] {
        let (status, body) = token(&s.f, &pkcs8, "a");
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{attempt}"
        );
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description.contains("could not be obtained") && !description.contains("503"),
            "what the key server said stays in the log: {description}"
        );
    }
    assert_eq!(
        fetches(&s.keys),
        1,
        "a failure is not retried within a minute"
    );

    let mut private = jwk.clone();
    private["d"] = json!("AAAA");
    let leaky = json!({"keys": [private]});
    s.keys.answer(move |r| match r.path.as_str() {
        "/leaky" => Answer::Json(200, leaky.clone()),
        _ => Answer::Json(404, Value::Null),
    });
    let patched = s.f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme/clients/svc",
        Some(&json!({"jwks_uri": format!("{}/leaky", s.keys.base)})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    let (status, body) = token(&s.f, &pkcs8, "a");
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "a set holding a private key is never used: {body}"
    );
}

#[test]
fn jwks_uri_is_https_only_and_never_beside_jwks() {
    let s = setup();
    let (_, jwk) = p256("a");
    let patch = |body: Value| {
        s.f.api
            .call("PATCH", "/v2/admin/tenants/acme/clients/svc", Some(&body))
    };
    for bad in [
        json!({"jwks_uri": "http://keys.example/jwks"}),
        json!({"jwks_uri": "https://keys.example/jwks#frag"}),
        json!({"jwks_uri": "https://user:pw@keys.example/jwks"}),
        json!({"jwks_uri": "/jwks"}),
        json!({"jwks_uri": 7}),
        json!({"jwks": {"keys": [jwk.clone()]}}),
    ] {
        let refused = patch(bad.clone());
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
        let text = refused.body.to_string();
        assert!(text.contains("jwks_uri"), "{bad}: {text}");
    }
    let switched = patch(json!({"jwks_uri": "", "jwks": {"keys": [jwk]}}));
    assert_eq!(switched.status, 200, "{}", switched.body);
    assert_eq!(switched.body["jwks_uri"], Value::Null);
    assert_eq!(switched.body["jwks"]["keys"][0]["kid"], "a");
}
