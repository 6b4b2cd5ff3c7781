//! Second factors at sign-in (issue 22): TOTP enrolment inside the sign-in when the
//! tenant requires it, TOTP codes computed by an independent implementation
//! (`totp-lite`), replays, recovery codes, the limiter, step-up and its refusals, and
//! the admin's reset.
#![allow(
    clippy::disallowed_methods,
    reason = "TOTP codes depend on the real time, which the server reads too"
)]

use crate::oidc_code::{Fixture, REDIRECT, Started, begin, code_from, redeem, rp_client, start};
use crate::support::browser::{Browser, Page, attribute, input_value, redirect_params};
use crate::support::server::{Server, restore};
use openidconnect::{OAuth2TokenResponse, TokenResponse};
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};

const PASSWORD: &str = "correct horse battery";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Base32 (RFC 4648) decoding of a secret as the enrolment page shows it.
pub(crate) fn base32_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in s.bytes() {
        let v = alphabet.iter().position(|&a| a == c).unwrap() as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

/// The code an authenticator app shows `offset` steps from now.
pub(crate) fn code(secret: &[u8], offset: i64) -> String {
    let t = now().saturating_add_signed(offset * 30);
    totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, secret, t)
}

pub(crate) fn set_mfa(f: &Fixture, policy: &str) {
    let r = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({ "mfa": policy })),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["mfa"], policy);
}

/// The text of the element with `id`.
pub(crate) fn element_text(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find('<').unwrap();
    rest[start..end].to_owned()
}

/// Posts the second-step form on `page` with `code`.
pub(crate) fn post_code(browser: &Browser, page: &Page, code: &str) -> Page {
    let action = attribute(&page.body, "form", "action");
    let csrf = input_value(&page.body, "csrf");
    let request = input_value(&page.body, "request");
    browser.post(
        &action,
        &[("csrf", &csrf), ("request", &request), ("code", code)],
    )
}

/// Follows a redirect to the second-step page and reads it.
pub(crate) fn second_step(browser: &Browser, answer: &Page) -> Page {
    assert_eq!(answer.status, 303, "{}", answer.body);
    let location = answer.location.clone().unwrap();
    assert!(location.starts_with("/t/acme/mfa?request="), "{location}");
    let page = browser.get(&location);
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

/// Enrols TOTP from the enrolment page: the secret, and the recovery codes page.
pub(crate) fn enrol(browser: &Browser, page: &Page) -> (Vec<u8>, Page) {
    assert!(
        page.body.contains("<svg"),
        "a QR code is drawn: {}",
        page.body
    );
    let secret_text = element_text(&page.body, "totp-secret");
    let uri = element_text(&page.body, "totp-uri")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret_text}")), "{uri}");
    let secret = base32_decode(&secret_text);
    assert_eq!(secret.len(), 20, "a 160-bit secret");
    let wrong = post_code(browser, page, &wrong_code(&secret));
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    let codes = post_code(browser, &wrong, &code(&secret, 0));
    assert_eq!(codes.status, 200, "{}", codes.body);
    (secret, codes)
}

/// Six digits that no step around now accepts.
fn wrong_code(secret: &[u8]) -> String {
    let near: Vec<String> = (-2..=2).map(|o| code(secret, o)).collect();
    (0..10)
        .map(|d| format!("{d}{d}{d}{d}{d}{d}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

pub(crate) fn recovery_codes(page: &Page) -> Vec<String> {
    let list = &page.body[page.body.find("id=\"recovery-codes\"").unwrap()..];
    let list = &list[..list.find("</ul>").unwrap()];
    list.split("<code>")
        .skip(1)
        .map(|c| c[..c.find('<').unwrap()].to_owned())
        .collect()
}

pub(crate) fn continue_after_codes(browser: &Browser, page: &Page) -> Page {
    let action = attribute(&page.body, "form", "action");
    let csrf = input_value(&page.body, "csrf");
    let request = input_value(&page.body, "request");
    browser.post(
        &action,
        &[("csrf", &csrf), ("request", &request), ("continue", "1")],
    )
}

/// Under `mfa: required`, alice enrols inside her first sign-in; returns her secret and
/// her recovery codes.
pub(crate) fn enrolled(f: &Fixture) -> (Vec<u8>, Vec<String>) {
    set_mfa(f, "required");
    let client = rp_client(f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    let page = second_step(&browser, &answer);
    let (secret, codes_page) = enrol(&browser, &page);
    let codes = recovery_codes(&codes_page);
    assert_eq!(codes.len(), 10);
    let done = continue_after_codes(&browser, &codes_page);
    assert_eq!(done.status, 303, "{}", done.body);
    code_from(done.location.as_deref().unwrap(), &started.state);
    (secret, codes)
}

/// Redeems the code of `answer` and reads `acr` and `amr` from the ID token as the
/// `openidconnect` crate sees them, and from introspection of the access token.
fn acr_amr(f: &Fixture, started: Started, answer: &Page) -> (String, Vec<String>) {
    let client = rp_client(f);
    let code = code_from(answer.location.as_deref().unwrap(), &started.state);
    let tokens = redeem(f, &client, code, started.verifier);
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), &started.nonce)
        .unwrap();
    let acr = claims.auth_context_ref().unwrap().to_string();
    let amr: Vec<String> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|a| a.to_string())
        .collect();
    let body = f.introspect(tokens.access_token().secret());
    assert_eq!(body["acr"], acr.as_str(), "{body}");
    assert_eq!(body["amr"], json!(amr), "{body}");
    (acr, amr)
}

fn account(f: &Fixture) -> serde_json::Value {
    f.api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None)
        .body
}

pub(crate) fn audit_kinds(f: &Fixture, kind: &str) -> Vec<serde_json::Value> {
    f.api
        .call("GET", &format!("/v2/admin/audit?kind={kind}"), None)
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn required_mfa_enrols_totp_in_the_sign_in_and_a_code_signs_in_once() {
    let f = start();
    let (secret, _codes) = enrolled(&f);
    let status = account(&f);
    assert_eq!(
        status["mfa"],
        json!({"totp": true, "passkeys": 0, "recovery_codes_left": 10})
    );
    assert!(!status.to_string().contains(&code(&secret, 0)));
    assert_eq!(audit_kinds(&f, "mfa.enrolled").len(), 1);

    // A new browser: the password, then the code the app shows next.
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    let page = second_step(&browser, &answer);
    assert!(page.body.contains("name=\"code\""), "{}", page.body);
    let next = code(&secret, 1);
    let done = post_code(&browser, &page, &next);
    assert_eq!(done.status, 303, "{}", done.body);
    let (acr, amr) = acr_amr(&f, started, &done);
    assert_eq!(acr, "mfa");
    assert_eq!(amr, ["pwd", "otp", "mfa"]);
    let login = &audit_kinds(&f, "login")[0];
    assert_eq!(login["detail"], "pwd+otp");

    // The same code again, in another browser: refused.
    let started = begin(&client, &[]);
    let other = Browser::new(&f.server);
    let answer = other.sign_in(&started.url, "alice", PASSWORD);
    let page = second_step(&other, &answer);
    let replay = post_code(&other, &page, &next);
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(replay.body.contains("not correct"), "{}", replay.body);
    assert!(!audit_kinds(&f, "mfa.failed").is_empty());
}

#[test]
fn a_recovery_code_signs_in_once() {
    let f = start();
    let (_secret, codes) = enrolled(&f);
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let page = second_step(&browser, &browser.sign_in(&started.url, "alice", PASSWORD));
    let done = post_code(&browser, &page, &codes[3].to_uppercase());
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(acr_amr(&f, started, &done).0, "mfa");
    assert_eq!(audit_kinds(&f, "login")[0]["detail"], "pwd+recovery");
    assert_eq!(account(&f)["mfa"]["recovery_codes_left"], 9);

    let started = begin(&client, &[]);
    let other = Browser::new(&f.server);
    let page = second_step(&other, &other.sign_in(&started.url, "alice", PASSWORD));
    let again = post_code(&other, &page, &codes[3]);
    assert_eq!(again.status, 401, "{}", again.body);
    assert_eq!(account(&f)["mfa"]["recovery_codes_left"], 9);
}

#[test]
fn wrong_codes_count_toward_the_username_limiter() {
    let f = start();
    let (secret, _codes) = enrolled(&f);
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let mut page = second_step(&browser, &browser.sign_in(&started.url, "alice", PASSWORD));
    let mut blocked = None;
    for _ in 0..30 {
        let answer = post_code(&browser, &page, "12345-abcde");
        if answer.status == 429 {
            blocked = Some(answer);
            break;
        }
        assert_eq!(answer.status, 401, "{}", answer.body);
        page = answer;
    }
    let blocked = blocked.expect("the limiter stepped in");
    assert!(blocked.retry_after.is_some());
    // Even the right code waits now.
    let right = post_code(&browser, &page, &code(&secret, 1));
    assert_eq!(right.status, 429, "{}", right.body);
}

#[test]
fn prompt_none_on_a_password_session_under_required_mfa_is_interaction_required() {
    let f = start();
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let started = begin(&client, &[]);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    code_from(answer.location.as_deref().unwrap(), &started.state);
    set_mfa(&f, "required");
    let silent = begin(&client, &[]);
    let answer = browser.get(&format!("{}&prompt=none", silent.url));
    let location = answer.location.unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(redirect_params(&location)["error"], "interaction_required");
}

#[test]
fn acr_values_mfa_steps_a_password_session_up() {
    let f = start();
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let started = begin(&client, &[]);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    let (acr, amr) = acr_amr(&f, started, &answer);
    assert_eq!((acr.as_str(), amr), ("pwd", vec!["pwd".to_owned()]));

    let step_up = begin(&client, &[]);
    let answer = browser.get(&format!("{}&acr_values=mfa", step_up.url));
    let page = second_step(&browser, &answer);
    let (_secret, codes_page) = enrol(&browser, &page);
    let done = continue_after_codes(&browser, &codes_page);
    assert_eq!(done.status, 303, "{}", done.body);
    let (acr, amr) = acr_amr(&f, step_up, &done);
    assert_eq!(acr, "mfa");
    assert_eq!(amr, ["pwd", "otp", "mfa"]);

    // The session now meets mfa: asked again, it answers at once.
    let again = begin(&client, &[]);
    let answer = browser.get(&format!("{}&acr_values=mfa&prompt=none", again.url));
    code_from(answer.location.as_deref().unwrap(), &again.state);
}

#[test]
fn essential_acr_under_mfa_off_is_unmet() {
    let f = start();
    set_mfa(&f, "off");
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let started = begin(&client, &[]);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    code_from(answer.location.as_deref().unwrap(), &started.state);

    let claims = r#"{"id_token":{"acr":{"essential":true,"values":["mfa"]}}}"#;
    let asked = begin(&client, &[]);
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("claims", claims)
        .finish();
    let answer = browser.get(&format!("{}&{query}", asked.url));
    let params = redirect_params(answer.location.as_deref().unwrap());
    assert_eq!(params["error"], "unmet_authentication_requirements");
    // acr_values=mfa alone is ignored under off.
    let ignored = begin(&client, &[]);
    let answer = browser.get(&format!("{}&acr_values=mfa", ignored.url));
    code_from(answer.location.as_deref().unwrap(), &ignored.state);
    // Malformed claims: invalid_request, and the server keeps serving.
    let bad = begin(&client, &[]);
    let answer = browser.get(&format!("{}&claims=%7Bnope", bad.url));
    let params = redirect_params(answer.location.as_deref().unwrap());
    assert_eq!(params["error"], "invalid_request");
}

#[test]
fn an_admin_reset_lets_the_user_sign_in_with_the_password_alone() {
    let f = start();
    enrolled(&f);
    set_mfa(&f, "optional");
    let r = f.api.call(
        "DELETE",
        &format!("/v2/admin/accounts/{}/mfa", f.alice),
        None,
    );
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(
        account(&f)["mfa"],
        json!({"totp": false, "passkeys": 0, "recovery_codes_left": 0})
    );
    assert_eq!(audit_kinds(&f, "mfa.removed").len(), 1);
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    code_from(answer.location.as_deref().unwrap(), &started.state);
    let missing = f.api.call("DELETE", "/v2/admin/accounts/nobody/mfa", None);
    assert_eq!(missing.status, 404);
}

#[test]
fn the_mfa_setting_is_validated() {
    let f = start();
    let r = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({ "mfa": "always" })),
    );
    assert_eq!(r.status, 400);
    assert!(r.body.to_string().contains("mfa"), "{:?}", r.body);
    assert_eq!(
        f.api.call("GET", "/v2/admin/tenants/acme", None).body["mfa"],
        "optional"
    );
}

#[test]
fn the_second_step_is_bound_to_its_browser() {
    let f = start();
    enrolled(&f);
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    let location = answer.location.unwrap();
    let thief = Browser::new(&f.server);
    let page = thief.get(&location);
    assert_eq!(page.status, 400, "{}", page.body);
}

#[test]
fn a_restored_backup_keeps_the_factor_and_accepts_the_same_secret() {
    let f = start();
    let (secret, _codes) = enrolled(&f);
    let bytes = f.server.online_backup(&f.server.admin_token());
    assert!(
        !bytes.windows(secret.len()).any(|w| w == secret.as_slice()),
        "the TOTP secret is sealed in the backup"
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("restored");
    restore(&bytes, &dir);
    let restored = Server::start(&dir);
    let browser = Browser::new(&restored);
    let authorize = format!(
        "/t/acme/authorize?client_id=web&response_type=code&scope=openid&state=s1&redirect_uri={}",
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    );
    let answer = browser.sign_in(&authorize, "alice", PASSWORD);
    let location = answer.location.clone().unwrap();
    assert!(location.starts_with("/t/acme/mfa?request="), "{location}");
    let page = browser.get(&location);
    assert!(page.body.contains("name=\"code\""), "{}", page.body);
    let done = post_code(&browser, &page, &code(&secret, 1));
    assert_eq!(done.status, 303, "{}", done.body);
    let params = redirect_params(done.location.as_deref().unwrap());
    assert!(params.contains_key("code"), "{params:?}");
}

#[test]
fn the_admin_ui_shows_the_factors_and_resets_them_after_a_confirmation() {
    let f = start();
    enrolled(&f);
    let (browser, _) = crate::admin_ui::signed_in(&f.server);
    let page = browser.get(&format!("/admin/accounts/{}", f.alice));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Authenticator app</dt><dd>enrolled"),
        "{}",
        page.body
    );
    let confirm = browser.get(&format!("/admin/accounts/{}/mfa/reset", f.alice));
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        confirm.body.contains("Remove every second factor"),
        "{}",
        confirm.body
    );
    assert_eq!(
        account(&f)["mfa"]["totp"],
        true,
        "showing the page changes nothing"
    );
    let action = format!("/admin/accounts/{}/mfa/reset", f.alice);
    let refused = browser.post(&action, &[("csrf", "forged")]);
    assert_ne!(refused.status, 303, "{}", refused.body);
    assert_eq!(
        account(&f)["mfa"]["totp"],
        true,
        "a forged form changes nothing"
    );
    let done = browser.post(&action, &[("csrf", &input_value(&confirm.body, "csrf"))]);
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        account(&f)["mfa"],
        json!({"totp": false, "passkeys": 0, "recovery_codes_left": 0})
    );
    let removed = audit_kinds(&f, "mfa.removed");
    assert_eq!(removed[0]["account"], f.alice.as_str());
}

#[test]
fn the_admin_ui_sets_the_tenant_policy() {
    let f = start();
    let (browser, csrf) = crate::admin_ui::signed_in(&f.server);
    let page = browser.get("/admin/tenants/acme");
    assert!(page.body.contains("name=\"mfa\""), "{}", page.body);
    let done = browser.post(
        "/admin/tenants/acme/mfa",
        &[("csrf", &csrf), ("mfa", "required")],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        f.api.call("GET", "/v2/admin/tenants/acme", None).body["mfa"],
        "required"
    );
}

#[test]
fn two_browsers_sending_one_code_at_once_get_exactly_one_sign_in() {
    let f = start();
    let (secret, _codes) = enrolled(&f);
    let client = rp_client(&f);
    let ready: Vec<(Browser, Page)> = (0..4)
        .map(|_| {
            let started = begin(&client, &[]);
            let browser = Browser::new(&f.server);
            let page = second_step(&browser, &browser.sign_in(&started.url, "alice", PASSWORD));
            (browser, page)
        })
        .collect();
    let next = code(&secret, 1);
    let barrier = std::sync::Barrier::new(ready.len());
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = ready
            .iter()
            .map(|(browser, page)| {
                let (barrier, next) = (&barrier, &next);
                scope.spawn(move || {
                    barrier.wait();
                    post_code(browser, page, next).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        3,
        "{statuses:?}"
    );
}

#[test]
fn malformed_second_step_forms_are_refused_and_change_nothing() {
    let f = start();
    let (secret, _codes) = enrolled(&f);
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let page = second_step(&browser, &browser.sign_in(&started.url, "alice", PASSWORD));
    let action = attribute(&page.body, "form", "action");
    let csrf = input_value(&page.body, "csrf");
    let request = input_value(&page.body, "request");
    let next = code(&secret, 1);

    let no_csrf = browser.post(&action, &[("request", &request), ("code", &next)]);
    assert_eq!(no_csrf.status, 400, "{}", no_csrf.body);
    assert!(no_csrf.body.contains("security token"), "{}", no_csrf.body);
    let unknown = browser.post(
        &action,
        &[
            ("csrf", &csrf),
            ("request", "no-such-request"),
            ("code", &next),
        ],
    );
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    // Each answer is the form again, with a new CSRF token.
    let mut page = page;
    for junk in ["", "%%%", "１２３４５６", &"9".repeat(2000)] {
        let answer = post_code(&browser, &page, junk);
        assert_eq!(answer.status, 401, "{junk:?}: {}", answer.body);
        page = answer;
    }
    let fine = post_code(&browser, &page, &next);
    assert_eq!(
        fine.status, 303,
        "the refusals spent nothing: {}",
        fine.body
    );
    code_from(fine.location.as_deref().unwrap(), &started.state);
    assert_eq!(account(&f)["mfa"]["recovery_codes_left"], 10);
}

#[test]
fn an_essential_acr_in_a_request_object_counts_like_one_in_the_query() {
    let f = start();
    set_mfa(&f, "off");
    let (pkcs8, jwk) = crate::request_objects::p256("rp-mfa");
    let patched = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme/clients/web",
        Some(&json!({"jwks": {"keys": [jwk]}})),
    );
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let browser = Browser::new(&f.server);
    let started = begin(&rp_client(&f), &[]);
    let answer = browser.sign_in(&started.url, "alice", PASSWORD);
    code_from(answer.location.as_deref().unwrap(), &started.state);
    let object = crate::request_objects::sign(
        &pkcs8,
        "rp-mfa",
        Some("oauth-authz-req+jwt"),
        &json!({
            "iss": "web", "aud": format!("{}/t/acme", f.server.base), "exp": now() + 300,
            "client_id": "web", "response_type": "code", "scope": "openid",
            "redirect_uri": REDIRECT, "state": "ro",
            "claims": {"id_token": {"acr": {"essential": true, "values": ["mfa"]}}},
        }),
    );
    let answer = browser.get(&format!(
        "/t/acme/authorize?client_id=web&response_type=code&scope=openid&request={object}"
    ));
    let params = redirect_params(answer.location.as_deref().unwrap());
    assert_eq!(
        params["error"], "unmet_authentication_requirements",
        "{params:?}"
    );
    assert_eq!(params["state"], "ro");
}

/// Signs in to the admin UI with a password; returns the answer to the form.
fn admin_password_sign_in(browser: &Browser, username: &str) -> Page {
    let form = browser.get("/admin/login");
    browser.post(
        "/admin/login",
        &[
            ("csrf", &input_value(&form.body, "csrf")),
            ("username", username),
            ("password", PASSWORD),
        ],
    )
}

#[test]
fn admin_require_mfa_enrols_then_asks_for_a_code_at_admin_sign_in() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        tmp.path(),
        crate::support::server::Options {
            env: vec![("LATCHKEY_ADMIN_REQUIRE_MFA".into(), "true".into())],
            ..Default::default()
        },
    );
    let api = crate::support::api::Api::new(&server);
    let created = api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": "root", "password": PASSWORD, "admin": true})),
    );
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();

    let browser = Browser::new(&server);
    let answer = admin_password_sign_in(&browser, "root");
    assert_eq!(
        answer.location.as_deref(),
        Some("/admin/login/mfa"),
        "{}",
        answer.body
    );
    assert_eq!(
        browser.get("/admin").location.as_deref(),
        Some("/admin/login"),
        "no admin session before the second factor"
    );
    let page = browser.get("/admin/login/mfa");
    assert_eq!(page.status, 200, "{}", page.body);
    let (secret, codes_page) = enrol(&browser, &page);
    assert_eq!(recovery_codes(&codes_page).len(), 10);
    let done = continue_after_codes(&browser, &codes_page);
    assert_eq!(done.location.as_deref(), Some("/admin"), "{}", done.body);
    assert_eq!(browser.get("/admin").status, 200);
    let status = api
        .call("GET", &format!("/v2/admin/accounts/{id}"), None)
        .body;
    assert_eq!(status["mfa"]["totp"], true);

    let other = Browser::new(&server);
    let answer = admin_password_sign_in(&other, "root");
    assert_eq!(answer.location.as_deref(), Some("/admin/login/mfa"));
    let page = other.get("/admin/login/mfa");
    assert!(page.body.contains("name=\"code\""), "{}", page.body);
    let wrong = post_code(&other, &page, &wrong_code(&secret));
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    let done = post_code(&other, &wrong, &code(&secret, 1));
    assert_eq!(done.location.as_deref(), Some("/admin"), "{}", done.body);
    assert_eq!(other.get("/admin").status, 200);
    let logins = api.call("GET", "/v2/admin/audit?kind=login", None).body;
    assert_eq!(logins["items"][0]["detail"], "admin_ui pwd+otp", "{logins}");
    let stranger = Browser::new(&server);
    assert_eq!(
        stranger.get("/admin/login/mfa").location.as_deref(),
        Some("/admin/login"),
        "no step without its cookie"
    );
    // An admin token is a credential of its own: it signs in as before.
    let (token_browser, _) = crate::admin_ui::signed_in(&server);
    assert_eq!(token_browser.get("/admin").status, 200);
}

/// Review finding: a right password once cleared the username's failures, so wrong
/// codes could be retried for ever by entering the password again between them.
#[test]
fn a_right_password_does_not_wipe_what_wrong_codes_counted() {
    let f = start();
    let (secret, _codes) = enrolled(&f);
    let client = rp_client(&f);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let browser = Browser::new(&f.server);
        let started = begin(&client, &[]);
        let answer = browser.sign_in(&started.url, "alice", PASSWORD);
        if answer.status == 429 {
            statuses.push(429);
            break;
        }
        let mut page = second_step(&browser, &answer);
        for _ in 0..3 {
            let refused = post_code(&browser, &page, &wrong_code(&secret));
            statuses.push(refused.status);
            if refused.status == 429 {
                break;
            }
            page = refused;
        }
        if statuses.last() == Some(&429) {
            break;
        }
    }
    assert_eq!(
        statuses.last(),
        Some(&429),
        "failures add up across password re-entries: {statuses:?}"
    );
}

/// Review finding: an account disabled between its password and its second factor
/// must not get a session from the code it then enters.
#[test]
fn an_account_disabled_during_its_second_step_gets_no_sign_in() {
    let f = start();
    let (secret, _codes) = enrolled(&f);
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let page = second_step(&browser, &browser.sign_in(&started.url, "alice", PASSWORD));
    let disabled = f.api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", f.alice),
        Some(&json!({"disabled": true})),
    );
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    let answer = post_code(&browser, &page, &code(&secret, 1));
    assert_eq!(
        answer.location, None,
        "no redirect with a code: {}",
        answer.body
    );
    assert!(
        answer.body.contains("may no longer sign in here"),
        "{}",
        answer.body
    );
}

#[test]
fn a_new_password_between_the_password_and_the_code_voids_the_step() {
    let f = start();
    let (secret, _codes) = enrolled(&f);
    let logins = audit_kinds(&f, "login").len();
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let page = second_step(&browser, &browser.sign_in(&started.url, "alice", PASSWORD));
    let r = f.api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", f.alice),
        Some(&json!({ "password": "a brand new passphrase" })),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let answer = post_code(&browser, &page, &code(&secret, 1));
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("no longer valid"), "{}", answer.body);
    let again = begin(&client, &[]);
    let silent = browser.get(&format!("{}&prompt=none", again.url));
    let params = redirect_params(silent.location.as_deref().unwrap());
    assert_eq!(params["error"], "login_required", "no session was made");
    assert_eq!(
        audit_kinds(&f, "login").len(),
        logins,
        "no sign-in was recorded"
    );
}

#[test]
fn an_enrolment_gives_way_to_a_factor_enrolled_meanwhile() {
    let f = start();
    set_mfa(&f, "required");
    let client = rp_client(&f);
    let first = begin(&client, &[]);
    let slow = Browser::new(&f.server);
    let slow_page = second_step(&slow, &slow.sign_in(&first.url, "alice", PASSWORD));
    assert!(
        slow_page.body.contains("id=\"totp-secret\""),
        "{}",
        slow_page.body
    );
    let second = begin(&client, &[]);
    let quick = Browser::new(&f.server);
    let quick_page = second_step(&quick, &quick.sign_in(&second.url, "alice", PASSWORD));
    let (secret, _codes) = enrol(&quick, &quick_page);
    // The slow browser's own secret was never confirmed; the enrolled one now counts.
    let answer = post_code(&slow, &slow_page, &code(&secret, 1));
    assert_eq!(answer.status, 303, "{}", answer.body);
    code_from(answer.location.as_deref().unwrap(), &first.state);
    assert_eq!(audit_kinds(&f, "mfa.enrolled").len(), 1);
}
