//! What discovery promises about claims and authorization responses holds (issue 20,
//! item 8): `claims_supported` lists exactly the claims ID tokens and userinfo carry,
//! and every authorization response carries `iss` (RFC 9207), as
//! `authorization_response_iss_parameter_supported` says.

use crate::exchange::jwt_claims;
use crate::oidc_code::{Fixture, begin, code_from, rp_client, start};
use crate::support::browser::{Browser, input_value, redirect_params};
use openidconnect::{OAuth2TokenResponse, TokenResponse};
use serde_json::Value;
use std::collections::BTreeSet;

const PASSWORD: &str = "correct horse battery";

fn discovery(f: &Fixture) -> Value {
    let (status, body) = f.server.get("/t/acme/.well-known/openid-configuration");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn issuer(f: &Fixture) -> String {
    format!("{}/t/acme", f.server.base)
}

/// The keys of a JSON object.
fn keys(object: &Value) -> BTreeSet<String> {
    object.as_object().unwrap().keys().cloned().collect()
}

/// The claims of an ID token from a browser sign-in with a nonce, and of userinfo, with
/// every scope that adds claims.
fn issued_claims(f: &Fixture) -> BTreeSet<String> {
    let client = rp_client(f);
    let started = begin(&client, &["profile", "email"]);
    let answer = Browser::new(&f.server).sign_in(&started.url, "alice", PASSWORD);
    let code = code_from(answer.location.as_deref().unwrap(), &started.state);
    let tokens = crate::oidc_code::redeem(f, &client, code, started.verifier);
    let id_token = tokens.id_token().unwrap().to_string();
    let mut claims = keys(&jwt_claims(&id_token));
    claims.extend(keys(&userinfo(f, tokens.access_token().secret())));
    claims
}

fn userinfo(f: &Fixture, access_token: &str) -> Value {
    let mut resp = f
        .server
        .agent()
        .get(&format!("{}/userinfo", issuer(f)))
        .header("authorization", &format!("Bearer {access_token}"))
        .call()
        .unwrap();
    serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap()
}

#[test]
fn discovery_lists_exactly_the_claims_issued_and_the_iss_parameter() {
    let f = start();
    let doc = discovery(&f);
    assert_eq!(
        doc["authorization_response_iss_parameter_supported"], true,
        "{doc}"
    );
    let listed: BTreeSet<String> = doc["claims_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, issued_claims(&f));
}

/// `iss` of the answer `location`, whose `error` (or `code`) is checked too.
fn redirect_iss(location: &str, expect: &str) -> String {
    let params = redirect_params(location);
    assert!(params.contains_key(expect), "{location}");
    params["iss"].clone()
}

#[test]
fn every_authorization_response_carries_iss() {
    let f = start();
    let issuer = issuer(&f);
    let client = rp_client(&f);
    let silent = |extra: &str| {
        let url = format!("{}&prompt=none{extra}", begin(&client, &[]).url);
        Browser::new(&f.server).get(&url)
    };

    let query_error = silent("").location.unwrap();
    assert_eq!(redirect_iss(&query_error, "error"), issuer, "error, query");
    let fragment_error = silent("&response_mode=fragment").location.unwrap();
    assert!(fragment_error.contains('#'), "{fragment_error}");
    assert_eq!(
        redirect_iss(&fragment_error, "error"),
        issuer,
        "error, fragment"
    );
    let posted_error = silent("&response_mode=form_post").body;
    assert!(!input_value(&posted_error, "error").is_empty());
    assert_eq!(
        input_value(&posted_error, "iss"),
        issuer,
        "error, form_post"
    );

    let browser = Browser::new(&f.server);
    let success = browser.sign_in(&begin(&client, &[]).url, "alice", PASSWORD);
    let location = success.location.unwrap();
    assert_eq!(redirect_iss(&location, "code"), issuer, "success, query");
    let posted = browser.get(&format!(
        "{}&response_mode=form_post",
        begin(&client, &[]).url
    ));
    assert!(!input_value(&posted.body, "code").is_empty());
    assert_eq!(
        input_value(&posted.body, "iss"),
        issuer,
        "success, form_post"
    );
}
