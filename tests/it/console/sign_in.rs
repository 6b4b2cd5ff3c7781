//! How the console is reached: through the tenant's normal sign-in and its steps (the
//! second factor the tenant requires, the forced password change), with the SSO session an OAuth sign-in made, and never
//! by an account that is not an enabled member.

use crate::mfa::{code, continue_after_codes, enrol, post_code, second_step, set_mfa};
use crate::oidc_code::{Fixture, begin, rp_client, start};
use crate::support::browser::{Browser, Page, attribute, input_value};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";
const CONSOLE: &str = "/t/acme/account";

fn patch_alice(f: &Fixture, body: serde_json::Value) {
    let r = f.api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", f.alice),
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Asserts `page` is the console of alice.
fn assert_console(page: &Page) {
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Your account"), "{}", page.body);
    assert!(page.body.contains("Alice Liddell"), "{}", page.body);
    assert!(page.body.contains("alice@example.com"), "{}", page.body);
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(!page.headers["content-security-policy"].contains("unsafe-inline"));
}

#[test]
fn the_console_signs_in_through_the_tenant_and_comes_back() {
    let f = start();
    let browser = Browser::new(&f.server);
    let first = browser.get(CONSOLE);
    assert_eq!(first.status, 303, "{}", first.body);
    let login = first.location.unwrap();
    assert!(login.starts_with("/t/acme/login?request="), "{login}");

    let wrong = browser.sign_in(CONSOLE, "alice", "not the password");
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert_eq!(browser.get(CONSOLE).status, 303, "still signed out");

    let done = browser.sign_in(CONSOLE, "alice", PASSWORD);
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some(CONSOLE));
    assert_console(&browser.get(CONSOLE));
    assert_console(&browser.get(CONSOLE));
}

#[test]
fn the_session_of_an_oauth_sign_in_opens_the_console() {
    let f = start();
    let browser = Browser::new(&f.server);
    let started = begin(&rp_client(&f), &["email"]);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(answer.location.unwrap().starts_with("https://"));
    assert_console(&browser.get(CONSOLE));
}

#[test]
fn a_pending_console_sign_in_is_never_answered_as_an_authorization() {
    let f = start();
    let browser = Browser::new(&f.server);
    let login = browser.get(CONSOLE).location.unwrap();
    let request = login.split("request=").nth(1).unwrap().to_owned();
    let consent = browser.get(&format!("/t/acme/consent?request={request}"));
    assert_eq!(consent.status, 400, "{}", consent.body);
    assert!(consent.location.is_none());
    assert_eq!(
        browser
            .sign_in(CONSOLE, "alice", PASSWORD)
            .location
            .as_deref(),
        Some(CONSOLE)
    );
    let signed_in = browser.get(&format!("/t/acme/consent?request={request}"));
    assert_eq!(signed_in.status, 400, "{}", signed_in.body);
    assert!(signed_in.location.is_none());
    assert!(
        signed_in.body.contains("took too long or was already used"),
        "{}",
        signed_in.body
    );
}

#[test]
fn a_forced_password_change_comes_before_the_console() {
    let f = start();
    patch_alice(&f, json!({"must_change_password": true}));
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(CONSOLE, "alice", PASSWORD);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let location = answer.location.unwrap();
    assert!(
        location.starts_with("/t/acme/password?request="),
        "{location}"
    );
    let again = browser.get(CONSOLE);
    assert!(
        again
            .location
            .as_deref()
            .unwrap()
            .starts_with("/t/acme/password?request="),
        "the console stays shut until the password is chosen"
    );
    let page = browser.get(&location);
    assert_eq!(page.status, 200, "{}", page.body);
    let done = browser.post(
        &attribute(&page.body, "form", "action"),
        &[
            ("csrf", &input_value(&page.body, "csrf")),
            ("request", &input_value(&page.body, "request")),
            ("password", "a fresh long password"),
            ("confirm", "a fresh long password"),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some(CONSOLE));
    assert_console(&browser.get(CONSOLE));
}

#[test]
fn a_disabled_account_or_a_non_member_cannot_reach_the_console() {
    let f = start();
    let browser = Browser::new(&f.server);
    let done = browser.sign_in(CONSOLE, "alice", PASSWORD);
    assert_eq!(done.location.as_deref(), Some(CONSOLE));
    assert_console(&browser.get(CONSOLE));

    let other = f.api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&json!({"id": "beta", "display_name": "Beta"})),
    );
    assert_eq!(other.status, 201, "{}", other.body);
    let elsewhere = browser.get("/t/beta/account");
    assert_eq!(elsewhere.status, 303, "{}", elsewhere.body);
    assert!(
        elsewhere
            .location
            .unwrap()
            .starts_with("/t/beta/login?request="),
        "a non-member signs in, not in"
    );
    let refused = browser.sign_in("/t/beta/account", "alice", PASSWORD);
    assert_eq!(refused.status, 401, "{}", refused.body);

    patch_alice(&f, json!({"disabled": true}));
    let shut = browser.get(CONSOLE);
    assert_eq!(shut.status, 303, "{}", shut.body);
    assert!(!shut.body.contains("Alice Liddell"));
    assert_eq!(browser.sign_in(CONSOLE, "alice", PASSWORD).status, 401);
}

#[test]
fn required_mfa_enrols_or_asks_for_the_code_before_the_console() {
    let f = start();
    let password_only = Browser::new(&f.server);
    let done = password_only.sign_in(CONSOLE, "alice", PASSWORD);
    assert_eq!(done.location.as_deref(), Some(CONSOLE));
    set_mfa(&f, "required");

    let stepped = password_only.get(CONSOLE);
    let page = second_step(&password_only, &stepped);
    let (secret, codes) = enrol(&password_only, &page);
    let back = continue_after_codes(&password_only, &codes);
    assert_eq!(back.status, 303, "{}", back.body);
    assert_eq!(back.location.as_deref(), Some(CONSOLE));
    assert_console(&password_only.get(CONSOLE));

    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(CONSOLE, "alice", PASSWORD);
    let page = second_step(&browser, &answer);
    assert_eq!(browser.get(CONSOLE).status, 303, "not before the code");
    let done = post_code(&browser, &page, &code(&secret, 1));
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some(CONSOLE));
    assert_console(&browser.get(CONSOLE));
}
