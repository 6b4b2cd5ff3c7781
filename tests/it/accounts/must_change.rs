//! `email_verified` (admin-set, the claim, reset by a new address) and
//! `must_change_password`: the forced change inside a code flow whose tokens the
//! `openidconnect` crate reads, its refusals, and `prompt=none`.

use crate::admin_ui::signed_in;
use crate::oidc_code::{Fixture, REDIRECT, begin, code_from, redeem, rp_client, start, tokens};
use crate::support::browser::{Browser, Page, attribute, input_value, redirect_params};
use openidconnect::TokenResponse;
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

fn patch_alice(f: &Fixture, body: serde_json::Value) -> serde_json::Value {
    let r = f.api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", f.alice),
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// Signs alice in through a new code flow; the `email_verified` claim of the ID token
/// the relying party validated.
fn email_verified_claim(f: &Fixture) -> Option<bool> {
    let client = rp_client(f);
    let started = begin(&client, &["email"]);
    let answer = Browser::new(&f.server).sign_in(&started.url, "alice", PASSWORD);
    let code = code_from(answer.location.as_deref().unwrap(), &started.state);
    let tokens = redeem(f, &client, code, started.verifier);
    let id_token = tokens.id_token().unwrap();
    let claims = id_token
        .claims(&client.id_token_verifier(), &started.nonce)
        .unwrap();
    claims.email_verified()
}

#[test]
fn email_verified_is_the_claim_and_a_new_address_clears_it() {
    let f = start();
    assert_eq!(email_verified_claim(&f), Some(false), "default false");
    let body = patch_alice(&f, json!({"email_verified": true}));
    assert_eq!(body["email_verified"], true);
    assert_eq!(email_verified_claim(&f), Some(true));
    let moved = patch_alice(&f, json!({"email": "alice@elsewhere.example"}));
    assert_eq!(moved["email_verified"], false, "{moved}");
    let both = patch_alice(
        &f,
        json!({"email": "alice@third.example", "email_verified": true}),
    );
    assert_eq!(both["email_verified"], true, "{both}");
    let same = patch_alice(&f, json!({"email": "alice@third.example"}));
    assert_eq!(
        same["email_verified"], true,
        "the same address is no change"
    );
    let path = format!("/v2/admin/accounts/{}", f.alice);
    let wrong = f
        .api
        .call("PATCH", &path, Some(&json!({"email_verified": "yes"})));
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    let nothing = f.api.call(
        "PATCH",
        &path,
        Some(&json!({"email": null, "email_verified": true})),
    );
    assert_eq!(nothing.status, 400, "{}", nothing.body);
    assert!(
        nothing.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("email_verified: "),
        "{}",
        nothing.body
    );
    assert_eq!(
        f.api.call("GET", &path, None).body["email"],
        "alice@third.example",
        "nothing changed"
    );
    let made = f.api.call(
        "POST",
        "/v2/admin/accounts",
        Some(
            &json!({"username": "bob", "email": "bob@example.com", "email_verified": true,
                     "must_change_password": true}),
        ),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(
        (
            &made.body["email_verified"],
            &made.body["must_change_password"]
        ),
        (&json!(true), &json!(true))
    );
}

#[test]
fn the_admin_ui_edit_form_sets_both_flags() {
    let f = start();
    let (browser, csrf) = signed_in(&f.server);
    let done = browser.post(
        &format!("/admin/accounts/{}/edit", f.alice),
        &[
            ("csrf", &csrf),
            ("username", "Alice"),
            ("email", "alice@example.com"),
            ("name", "Alice Liddell"),
            ("email_verified", "yes"),
            ("must_change_password", "yes"),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let page = browser.get(&format!("/admin/accounts/{}", f.alice));
    assert!(page.body.contains("must change") && page.body.contains("(verified)"));
    let seen = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(seen.body["email_verified"], true);
    assert_eq!(seen.body["must_change_password"], true);
}

/// Posts the new-password form on `page`.
fn choose(browser: &Browser, page: &Page, password: &str, confirm: &str) -> Page {
    let action = attribute(&page.body, "form", "action");
    browser.post(
        &action,
        &[
            ("csrf", &input_value(&page.body, "csrf")),
            ("request", &input_value(&page.body, "request")),
            ("password", password),
            ("confirm", confirm),
        ],
    )
}

#[test]
fn a_forced_change_keeps_the_pending_request_and_the_tokens_validate() {
    let f = start();
    patch_alice(&f, json!({"must_change_password": true}));
    let client = rp_client(&f);
    let started = begin(&client, &["email"]);
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let location = answer.location.unwrap();
    assert!(
        location.starts_with("/t/acme/password?request="),
        "{location}"
    );
    let page = browser.get(&location);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Choose a new password"));
    assert!(!page.headers["content-security-policy"].contains("unsafe-inline"));

    let forged = browser.post(
        &attribute(&page.body, "form", "action"),
        &[
            ("request", &input_value(&page.body, "request")),
            ("password", "a fresh long password"),
            ("confirm", "a fresh long password"),
        ],
    );
    assert_eq!(forged.status, 400, "without CSRF: {}", forged.body);
    assert!(forged.body.contains("security token"), "{}", forged.body);
    let mut page = page;
    for (password, confirm, why) in [
        (
            "a fresh long password",
            "another long password",
            "are not the same",
        ),
        (
            "password123",
            "password123",
            "The new password is one of the 10,000 most common",
        ),
        (PASSWORD, PASSWORD, "must differ from the current one"),
        (
            "alice",
            "alice",
            "The new password must be 10 to 1024 characters long",
        ),
    ] {
        let refused = choose(&browser, &page, password, confirm);
        assert_eq!(refused.status, 400, "{why}: {}", refused.body);
        assert!(refused.body.contains(why), "{why}: {}", refused.body);
        page = refused;
    }
    let still = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(still.body["must_change_password"], true, "nothing changed");

    let done = choose(
        &browser,
        &page,
        "a fresh long password",
        "a fresh long password",
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let code = code_from(done.location.as_deref().unwrap(), &started.state);
    let tokens = redeem(&f, &client, code, started.verifier);
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), &started.nonce)
        .unwrap();
    assert_eq!(claims.subject().as_str(), f.alice);

    let after = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(after.body["must_change_password"], false);
    let audit = f.api.call(
        "GET",
        &format!("/v2/admin/audit?kind=password.changed&account={}", f.alice),
        None,
    );
    assert_eq!(audit.body["items"][0]["detail"], "user", "{}", audit.body);
    assert_eq!(audit.body["items"][0]["actor"]["type"], "account");
    assert!(!f.server.log().contains("a fresh long password"));
    let replay = choose(
        &browser,
        &page,
        "yet another password",
        "yet another password",
    );
    assert_eq!(replay.status, 400, "the request was taken: {}", replay.body);

    let again = begin(&client, &[]);
    let fresh = Browser::new(&f.server).sign_in(&again.url, "alice", "a fresh long password");
    code_from(fresh.location.as_deref().unwrap(), &again.state);
}

#[test]
fn prompt_none_while_a_change_is_due_is_interaction_required() {
    let f = start();
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let started = begin(&client, &[]);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    code_from(answer.location.as_deref().unwrap(), &started.state);
    patch_alice(&f, json!({"must_change_password": true}));
    let silent = begin(&client, &[]);
    let answer = browser.get(&format!("{}&prompt=none", silent.url));
    let location = answer.location.unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(redirect_params(&location)["error"], "interaction_required");
    // With a prompt allowed, the session cookie alone leads to the change.
    let shown = browser.get(&begin(&client, &[]).url);
    assert!(
        shown
            .location
            .as_deref()
            .unwrap()
            .starts_with("/t/acme/password?"),
        "{:?}",
        shown.location
    );
}

#[test]
fn a_change_due_waits_until_the_second_factor_is_in() {
    let f = start();
    let mfa = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({"mfa": "required"})),
    );
    assert_eq!(mfa.status, 200, "{}", mfa.body);
    patch_alice(&f, json!({"must_change_password": true}));
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    let location = answer.location.unwrap();
    assert!(
        location.starts_with("/t/acme/mfa?"),
        "the factor first: {location}"
    );
    let enrol = browser.get(&location);
    let at = enrol.body.find("id=\"totp-secret\">").unwrap() + "id=\"totp-secret\">".len();
    let secret = enrol.body[at..].split('<').next().unwrap().to_owned();
    let post = |page: &Page, extra: (&str, &str)| {
        browser.post(
            &attribute(&page.body, "form", "action"),
            &[
                ("csrf", &input_value(&page.body, "csrf")),
                ("request", &input_value(&page.body, "request")),
                extra,
            ],
        )
    };
    let codes = post(&enrol, ("code", &super::recovery::totp_now(&secret)));
    assert_eq!(codes.status, 200, "{}", codes.body);
    let next = post(&codes, ("continue", "1"));
    let location = next.location.unwrap();
    assert!(
        location.starts_with("/t/acme/password?"),
        "then the change: {location}"
    );
    let page = browser.get(&location);
    let done = choose(
        &browser,
        &page,
        "a fresh long password",
        "a fresh long password",
    );
    let code = code_from(done.location.as_deref().unwrap(), &started.state);
    let tokens = redeem(&f, &client, code, started.verifier);
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), &started.nonce)
        .unwrap();
    assert_eq!(
        claims.auth_context_ref().map(|a| a.as_str()),
        Some("mfa"),
        "the session keeps its second factor"
    );
}

#[test]
fn a_forced_change_ends_the_other_sessions_and_their_refresh_tokens() {
    let f = start();
    let elsewhere = Browser::new(&f.server);
    let old = tokens(&f, &elsewhere, &["offline_access"]);
    assert!(crate::sessions::signed_in(&f, &elsewhere));
    patch_alice(&f, json!({"must_change_password": true}));
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    let page = browser.get(answer.location.as_deref().unwrap());
    let done = choose(
        &browser,
        &page,
        "a fresh long password",
        "a fresh long password",
    );
    assert_eq!(done.status, 303, "{}", done.body);
    code_from(done.location.as_deref().unwrap(), &started.state);
    assert!(crate::sessions::signed_in(&f, &browser), "this one stays");
    assert!(
        !crate::sessions::signed_in(&f, &elsewhere),
        "the other ended"
    );
    assert!(
        !crate::sessions::refresh_works(&f, &old),
        "even an offline_access refresh token from before the change fails"
    );
}

#[test]
fn the_forced_change_page_is_for_members_of_its_tenant_only() {
    let f = start();
    let browser = Browser::new(&f.server);
    tokens(&f, &browser, &[]);
    let made = f.api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&json!({"id": "beta", "display_name": "Beta"})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let client = f.api.call(
        "POST",
        "/v2/admin/tenants/beta/clients",
        Some(&json!({
            "client_id": "app", "name": "app", "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code"], "response_types": ["code"],
            "scopes": ["openid"], "token_endpoint_auth_method": "none"
        })),
    );
    assert_eq!(client.status, 201, "{}", client.body);
    // alice's session is not enough at beta, where she is no member: she is asked to
    // sign in, and the password page must not take the request up for her.
    let answer = browser.get(&format!(
        "/t/beta/authorize?response_type=code&client_id=app&redirect_uri={}&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        urlencode(REDIRECT)
    ));
    let location = answer.location.clone().unwrap();
    assert!(location.starts_with("/t/beta/login?request="), "{location}");
    let request = &location["/t/beta/login?request=".len()..];
    let page = browser.get(&format!("/t/beta/password?request={request}"));
    assert_eq!(page.status, 400, "{}", page.body);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
