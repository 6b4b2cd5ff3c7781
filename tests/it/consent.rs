//! Consent for clients registered with `require_consent`: asked once, remembered, asked
//! again under `prompt=consent`, refusable, and never asked of first-party clients.

use crate::oidc_code::{Fixture, start};
use crate::support::browser::{Browser, input_value, redirect_params};
use serde_json::json;

fn consent_client(f: &Fixture, id: &str) {
    let r = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": id, "name": "Reports Inc.", "redirect_uris": ["https://reports.example/cb"], "grant_types": ["authorization_code"],
                     "response_types": ["code"], "scopes": ["openid", "orders"], "token_endpoint_auth_method": "client_secret_basic", "require_consent": true})),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
}

fn authorize(id: &str, extra: &str) -> String {
    format!(
        "/t/acme/authorize?client_id={id}&response_type=code&redirect_uri=https%3A%2F%2Freports.example%2Fcb&scope=openid+orders&state=s{extra}"
    )
}

#[test]
fn consent_is_asked_once_remembered_and_asked_again_on_request() {
    let f = start();
    consent_client(&f, "reports");
    let browser = Browser::new(&f.server);
    let after_login = browser.sign_in(&authorize("reports", ""), "alice", "correct horse battery");
    let consent_url = after_login.location.unwrap();
    assert!(
        consent_url.starts_with("/t/acme/consent?request="),
        "{consent_url}"
    );
    let page = browser.get(&consent_url);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Reports Inc.")
            && page.body.contains("data-scope=\"orders\">orders</li>"),
        "{}",
        page.body
    );

    let forged = browser.post(
        "/t/acme/consent",
        &[
            ("request", &input_value(&page.body, "request")),
            ("decision", "allow"),
        ],
    );
    assert_eq!(
        (forged.status, forged.location.clone()),
        (400, None),
        "no CSRF token, no consent"
    );
    let allowed = browser.post(
        "/t/acme/consent",
        &[
            ("csrf", &input_value(&page.body, "csrf")),
            ("request", &input_value(&page.body, "request")),
            ("decision", "allow"),
        ],
    );
    let params = redirect_params(allowed.location.as_deref().unwrap());
    assert!(
        params.contains_key("code") && params["state"] == "s",
        "{params:?}"
    );

    let again = browser.get(&authorize("reports", ""));
    assert!(
        redirect_params(again.location.as_deref().unwrap()).contains_key("code"),
        "remembered"
    );
    let asked = browser.get(&authorize("reports", "&prompt=consent"));
    assert!(
        asked.location.unwrap().starts_with("/t/acme/consent?"),
        "prompt=consent asks again"
    );
}

#[test]
fn consent_can_be_refused_and_prompt_none_cannot_ask() {
    let f = start();
    consent_client(&f, "reports");
    let browser = Browser::new(&f.server);
    let consent_url = browser
        .sign_in(&authorize("reports", ""), "alice", "correct horse battery")
        .location
        .unwrap();
    let page = browser.get(&consent_url);
    let denied = browser.post(
        "/t/acme/consent",
        &[
            ("csrf", &input_value(&page.body, "csrf")),
            ("request", &input_value(&page.body, "request")),
            ("decision", "deny"),
        ],
    );
    let params = redirect_params(denied.location.as_deref().unwrap());
    assert_eq!(
        (params["error"].as_str(), params["state"].as_str()),
        ("access_denied", "s")
    );
    let replay = browser.post(
        "/t/acme/consent",
        &[
            ("csrf", &input_value(&page.body, "csrf")),
            ("request", &input_value(&page.body, "request")),
            ("decision", "allow"),
        ],
    );
    assert_eq!(
        replay.status, 400,
        "a decided request cannot be decided again"
    );

    let silent = browser.get(&authorize("reports", "&prompt=none"));
    assert_eq!(
        redirect_params(silent.location.as_deref().unwrap())["error"],
        "consent_required"
    );
}
