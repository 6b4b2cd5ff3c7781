//! Ending sessions: RP-initiated logout, the admin's "end sessions", and disabling an
//! account; each revokes the refresh tokens it should and nothing becomes valid again.

use crate::oidc_code::{Fixture, begin, code_from, rp_client, start, tokens};
use crate::support::browser::{Browser, input_value, redirect_params};
use crate::support::rp;
use openidconnect::core::CoreTokenResponse;
use openidconnect::{AuthorizationCode, OAuth2TokenResponse, TokenResponse};
use serde_json::{Value, json};

pub(crate) fn refresh_works(f: &Fixture, t: &CoreTokenResponse) -> bool {
    rp_client(f)
        .exchange_refresh_token(t.refresh_token().unwrap())
        .unwrap()
        .request(&rp::http_client(f.server.agent()))
        .is_ok()
}

pub(crate) fn signed_in(f: &Fixture, browser: &Browser) -> bool {
    let silent = begin(&rp_client(f), &[]);
    let answer = browser.get(&format!("{}&prompt=none", silent.url));
    redirect_params(answer.location.as_deref().unwrap()).contains_key("code")
}

fn introspect(f: &Fixture, token: &str) -> Value {
    let resp = f.server.post(
        "/t/acme/introspect",
        "application/x-www-form-urlencoded",
        format!("client_id=web&client_secret={}&token={token}", f.secret).into_bytes(),
    );
    serde_json::from_str(&resp.into_body().read_to_string().unwrap()).unwrap()
}

#[test]
fn logout_with_an_id_token_hint_ends_the_session_and_its_refresh_tokens() {
    let f = start();
    let browser = Browser::new(&f.server);
    let t = tokens(&f, &browser, &[]);
    let offline = tokens(&f, &browser, &["offline_access"]);
    assert!(signed_in(&f, &browser));
    let bound_refresh = t.refresh_token().unwrap().secret().clone();
    assert_eq!(introspect(&f, &bound_refresh)["active"], true);
    let hint = t.id_token().unwrap().to_string();

    let bad = browser.get(&format!(
        "/t/acme/logout?id_token_hint={hint}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F"
    ));
    assert_eq!((bad.status, bad.location), (400, None));
    assert!(signed_in(&f, &browser), "a refused logout changes nothing");

    let out = browser.get(&format!("/t/acme/logout?id_token_hint={hint}&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye&state=s9"));
    assert_eq!(out.status, 303);
    assert_eq!(
        out.location.as_deref(),
        Some("https://app.example/bye?state=s9")
    );
    assert!(!signed_in(&f, &browser), "the session is gone");
    assert_eq!(
        introspect(&f, &bound_refresh),
        json!({"active": false}),
        "a refresh token bound to the ended session is inactive"
    );
    assert!(
        !refresh_works(&f, &t),
        "refresh tokens without offline_access end with the session"
    );
    assert!(
        refresh_works(&f, &offline),
        "offline_access outlives the session"
    );
    let audit = f.api.call("GET", "/v2/admin/audit?kind=logout", None);
    assert_eq!(
        audit.body["items"][0]["account"].as_str(),
        Some(f.alice.as_str())
    );
}

#[test]
fn logout_without_a_hint_asks_for_confirmation() {
    let f = start();
    let browser = Browser::new(&f.server);
    tokens(&f, &browser, &[]);
    let confirm = browser.get("/t/acme/logout");
    assert_eq!(confirm.status, 200);
    assert!(signed_in(&f, &browser), "showing the form changes nothing");
    assert!(confirm.body.contains("Sign out of Acme Corp?"));
    let forged = browser.post("/t/acme/logout", &[("csrf", "guess")]);
    assert_eq!(
        forged.status, 200,
        "a wrong CSRF token only shows the form again"
    );
    assert!(forged.body.contains("Sign out of Acme Corp?"));
    assert!(signed_in(&f, &browser));
    let csrf = input_value(&forged.body, "csrf");
    let done = browser.post("/t/acme/logout", &[("csrf", &csrf)]);
    assert_eq!(done.status, 200);
    assert!(done.body.contains("You are signed out"));
    assert!(!signed_in(&f, &browser));
}

#[test]
fn the_admin_ends_sessions_and_disabling_revokes_everything_for_good() {
    let f = start();
    let browser = Browser::new(&f.server);
    let t = tokens(&f, &browser, &[]);
    assert_eq!(
        f.api
            .call(
                "DELETE",
                &format!("/v2/admin/accounts/{}/sessions", f.alice),
                None
            )
            .status,
        204
    );
    assert!(!signed_in(&f, &browser));
    assert!(!refresh_works(&f, &t));
    assert_eq!(
        f.api
            .call("DELETE", "/v2/admin/accounts/nobody/sessions", None)
            .status,
        404
    );

    let browser = Browser::new(&f.server);
    let offline = tokens(&f, &browser, &["offline_access"]);
    let access = offline.access_token().secret().clone();
    assert_eq!(introspect(&f, &access)["active"], true);
    let disabled = f.api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", f.alice),
        Some(&json!({"disabled": true})),
    );
    assert_eq!(disabled.status, 200);
    assert_eq!(
        introspect(&f, &access),
        json!({"active": false}),
        "a disabled account's tokens are inactive"
    );
    assert!(
        !refresh_works(&f, &offline),
        "even offline_access is revoked"
    );
    assert!(!signed_in(&f, &browser));
    f.api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", f.alice),
        Some(&json!({"disabled": false})),
    );
    assert!(
        !refresh_works(&f, &offline),
        "re-enabling does not bring revoked tokens back"
    );
    let again = tokens(&f, &Browser::new(&f.server), &["offline_access"]);
    assert!(
        refresh_works(&f, &again),
        "a grant made after re-enabling works, in the same second too"
    );
    assert_eq!(
        introspect(&f, &access)["active"],
        true,
        "access tokens are self-contained: valid again until they expire"
    );
}

#[test]
fn refresh_tokens_introspect_and_revoke() {
    let f = start();
    let browser = Browser::new(&f.server);
    let t = tokens(&f, &browser, &[]);
    let refresh = t.refresh_token().unwrap().secret().clone();
    let live = introspect(&f, &refresh);
    assert_eq!(
        (live["active"].as_bool(), live["token_type"].as_str()),
        (Some(true), Some("refresh_token"))
    );
    assert_eq!(live["sub"].as_str(), Some(f.alice.as_str()));
    let revoked = f.server.post(
        "/t/acme/revoke",
        "application/x-www-form-urlencoded",
        format!("client_id=web&client_secret={}&token={refresh}", f.secret).into_bytes(),
    );
    assert_eq!(revoked.status(), 200);
    assert_eq!(introspect(&f, &refresh), json!({"active": false}));
    assert!(
        !refresh_works(&f, &t),
        "a revoked refresh token no longer works"
    );
}

#[test]
fn someone_elses_id_token_hint_does_not_sign_this_browser_out_unasked() {
    let f = start();
    let victim = Browser::new(&f.server);
    tokens(&f, &victim, &[]);
    let bob = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/accounts",
        Some(&json!({"username": "bob", "password": "bob's long password", "scopes": []})),
    );
    assert_eq!(bob.status, 201);
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let attacker = Browser::new(&f.server);
    let code = code_from(
        attacker
            .sign_in(&started.url, "bob", "bob's long password")
            .location
            .as_deref()
            .unwrap(),
        &started.state,
    );
    let bobs = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(started.verifier)
        .request(&rp::http_client(f.server.agent()))
        .unwrap();
    let page = victim.get(&format!(
        "/t/acme/logout?id_token_hint={}",
        bobs.id_token().unwrap()
    ));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Sign out of Acme Corp?"),
        "asks instead of signing out"
    );
    assert!(signed_in(&f, &victim));
}
