//! The console's passkeys with the cookie-keeping client: a software authenticator (a
//! fresh ES256 key from `ring`, attestation `none`) answers the page's registration
//! options, so every form can be sent as a browser would and with what a browser would
//! not: no CSRF token, another account's passkey id, a replayed answer, the last factor
//! a tenant requires. A public URL on an IP address offers no passkeys. The real
//! browser's ceremony is `passkeys::console`.
#![allow(
    clippy::disallowed_methods,
    reason = "TOTP codes depend on the real time, which the server reads too; the software authenticator writes its own CBOR"
)]

use super::factors::{console_with_code, post, post_with};
use crate::mfa::{audit_kinds, enrolled, recovery_codes, set_mfa};
use crate::oidc_code::{Fixture, start, start_with};
use crate::support::browser::{Browser, Page, attribute, input_value};
use crate::support::server::Options;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciborium::Value as Cbor;
use ring::rand::SecureRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

const CONSOLE: &str = "/t/acme/account";
const PASSWORD: &str = "correct horse battery";

/// A server whose public URL is on `localhost`, where passkeys are available.
pub(super) fn localhost() -> Fixture {
    start_with(Options {
        public_host: Some("localhost"),
        ..Options::default()
    })
}

/// `username` signed in to the console with the password alone.
pub(super) fn console(f: &Fixture, username: &str) -> (Browser, Page) {
    let browser = Browser::new(&f.server);
    let done = browser.sign_in(CONSOLE, username, PASSWORD);
    assert_eq!(done.location.as_deref(), Some(CONSOLE), "{}", done.body);
    let page = browser.get(CONSOLE);
    assert_eq!(page.status, 200, "{}", page.body);
    (browser, page)
}

/// What an authenticator answers to the registration options on `page` for the server
/// at `origin`: a new credential with the user present and verified. Returns the answer
/// (the JSON the page's script posts) and the credential id, base64url.
fn registration(page: &Page, origin: &str) -> (String, String) {
    let at = page
        .body
        .find("id=\"passkey-form\"")
        .unwrap_or_else(|| panic!("no ceremony in {}", page.body));
    let form = &page.body[page.body[..at].rfind("<form").unwrap()..];
    let options: Value = serde_json::from_str(&attribute(form, "form", "data-options")).unwrap();
    let o = &options["publicKey"];
    let rp_id = o["rp"]["id"].as_str().unwrap();
    assert_eq!(rp_id, "localhost");
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let point = key.public_key().as_ref();
    let mut id = [0u8; 16];
    rng.fill(&mut id).unwrap();
    let int = |i: i64| Cbor::Integer(i.into());
    let cose = Cbor::Map(vec![
        (int(1), int(2)),
        (int(3), int(-7)),
        (int(-1), int(1)),
        (int(-2), Cbor::Bytes(point[1..33].to_vec())),
        (int(-3), Cbor::Bytes(point[33..65].to_vec())),
    ]);
    let mut auth_data = ring::digest::digest(&ring::digest::SHA256, rp_id.as_bytes())
        .as_ref()
        .to_vec();
    // User present, user verified, attested credential data; counter 0; no AAGUID.
    auth_data.extend_from_slice(&[0x45, 0, 0, 0, 0]);
    auth_data.extend_from_slice(&[0; 16]);
    auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
    auth_data.extend_from_slice(&id);
    ciborium::into_writer(&cose, &mut auth_data).unwrap();
    let text = |s: &str| Cbor::Text(s.to_owned());
    let attestation = Cbor::Map(vec![
        (text("fmt"), text("none")),
        (text("attStmt"), Cbor::Map(vec![])),
        (text("authData"), Cbor::Bytes(auth_data)),
    ]);
    let mut attestation_object = Vec::new();
    ciborium::into_writer(&attestation, &mut attestation_object).unwrap();
    let client_data = json!({"type": "webauthn.create", "challenge": o["challenge"],
                             "origin": origin, "crossOrigin": false})
    .to_string();
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    let answer = json!({"id": b64(&id), "rawId": b64(&id), "type": "public-key", "extensions": {},
                        "response": {"attestationObject": b64(&attestation_object),
                                     "clientDataJSON": b64(client_data.as_bytes())}});
    (answer.to_string(), b64(&id))
}

/// Adds a passkey named `name` from `page`: the page with its options, then the answer.
pub(super) fn add(f: &Fixture, browser: &Browser, page: &Page, name: &str) -> (Page, String) {
    let setup = post(browser, page, "begin-passkey");
    assert_eq!(setup.status, 200, "{}", setup.body);
    let (answer, id) = registration(&setup, &f.server.base);
    let added = post_with(
        browser,
        &setup,
        "add-passkey",
        &[("passkey", &answer), ("passkey_name", name)],
    );
    assert_eq!(added.status, 200, "{}", added.body);
    (added, id)
}

fn passkey_count(f: &Fixture, account: &str) -> u64 {
    let r = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{account}"), None);
    r.body["mfa"]["passkeys"].as_u64().unwrap()
}

fn create_bob(f: &Fixture) -> String {
    let bob = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/accounts",
        Some(&json!({"username": "bob", "password": PASSWORD})),
    );
    assert_eq!(bob.status, 201, "{:?}", bob.body);
    bob.body["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_passkey_is_added_renamed_and_removed_and_forged_or_foreign_forms_change_nothing() {
    let f = localhost();
    let bob = create_bob(&f);
    let (bob_browser, bob_console) = console(&f, "bob");
    let (_, bob_passkey) = add(&f, &bob_browser, &bob_console, "Bob's key");

    let (browser, page) = console(&f, "alice");
    assert!(page.body.contains("id=\"no-passkeys\""), "{}", page.body);
    assert!(page.body.contains("id=\"begin-passkey\""), "{}", page.body);
    assert!(
        !page.headers["content-security-policy"].contains("script-src"),
        "no script without a ceremony"
    );
    let forged = browser.post(CONSOLE, &[("action", "begin-passkey")]);
    assert_eq!(forged.status, 403, "{}", forged.body);

    let setup = post(&browser, &page, "begin-passkey");
    assert_eq!(setup.status, 200, "{}", setup.body);
    let csp = &setup.headers["content-security-policy"];
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(setup.body.contains("src=\"/static/webauthn.js\""));
    let (answer, id) = registration(&setup, &f.server.base);
    let fields = [
        ("passkey", answer.as_str()),
        ("passkey_name", "  Work laptop "),
    ];
    let added = post_with(&browser, &setup, "add-passkey", &fields);
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(
        added
            .body
            .contains("The passkey \u{201c}Work laptop\u{201d} was added."),
        "{}",
        added.body
    );
    assert_eq!(recovery_codes(&added).len(), 10, "the first factor's codes");
    assert!(
        added
            .body
            .contains("<span class=\"passkey-name\">Work laptop</span>")
    );
    assert!(added.body.contains("not used yet"), "{}", added.body);
    assert!(added.body.contains(&format!("value=\"{id}\"")));
    assert_eq!(passkey_count(&f, &f.alice), 1);
    let enrolled = audit_kinds(&f, "mfa.enrolled");
    assert!(
        enrolled
            .iter()
            .any(|e| e["account"] == f.alice.as_str() && e["detail"] == "passkey"),
        "{enrolled:?}"
    );
    let stale = post_with(&browser, &setup, "add-passkey", &fields);
    assert_eq!(
        stale.status, 403,
        "the page's token was replaced: {}",
        stale.body
    );
    let replayed = post_with(&browser, &added, "add-passkey", &fields);
    assert_eq!(replayed.status, 400, "{}", replayed.body);
    assert!(replayed.body.contains("has expired"), "{}", replayed.body);
    assert_eq!(
        passkey_count(&f, &f.alice),
        1,
        "the ceremony was taken once"
    );

    // Rename: the CSRF token and the account's own id are required.
    let rename = |page: &Page, csrf: Option<&str>, which: &str, name: &str| {
        let token = input_value(&page.body, "csrf");
        let csrf = csrf.unwrap_or(&token);
        browser.post(
            CONSOLE,
            &[
                ("csrf", csrf),
                ("action", "rename-passkey"),
                ("id", which),
                ("name", name),
            ],
        )
    };
    let forged = rename(&replayed, Some("not-the-token"), &id, "Stolen");
    assert_eq!(forged.status, 403, "{}", forged.body);
    let foreign = rename(&replayed, None, &bob_passkey, "Stolen");
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    assert!(
        foreign
            .body
            .contains("That passkey is not on your account."),
        "{}",
        foreign.body
    );
    let bob_page = bob_browser.get(CONSOLE);
    assert!(
        bob_page.body.contains(">Bob&#x27;s key</span>"),
        "{}",
        bob_page.body
    );
    let unchanged = browser.get(CONSOLE);
    assert!(!unchanged.body.contains("Stolen"), "nothing changed");
    assert!(unchanged.body.contains(">Work laptop</span>"));
    let long = "x".repeat(100);
    let renamed = rename(&unchanged, None, &id, &long);
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let limited = format!(">{}</span>", "x".repeat(64));
    assert!(renamed.body.contains(&limited), "{}", renamed.body);
    let renamed = rename(&renamed, None, &id, "Phone");
    assert!(
        renamed
            .body
            .contains("The passkey is now called \u{201c}Phone\u{201d}."),
        "{}",
        renamed.body
    );
    let events = audit_kinds(&f, "mfa.renamed");
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["target"], id.as_str());
    assert_eq!(
        events[0]["actor"],
        json!({"type": "account", "id": f.alice}),
        "{events:?}"
    );

    // Remove: the same checks; then it goes, and the recovery codes with it.
    let remove = |page: &Page, csrf: Option<&str>, which: &str| {
        let token = input_value(&page.body, "csrf");
        let csrf = csrf.unwrap_or(&token);
        browser.post(
            CONSOLE,
            &[("csrf", csrf), ("action", "remove-passkey"), ("id", which)],
        )
    };
    let forged = browser.post(CONSOLE, &[("action", "remove-passkey"), ("id", &id)]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    let foreign = remove(&renamed, None, &bob_passkey);
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    let malformed = remove(&renamed, None, "not base64url!");
    assert_eq!(malformed.status, 404, "{}", malformed.body);
    assert_eq!(passkey_count(&f, &bob), 1, "bob's passkey stays");
    assert_eq!(passkey_count(&f, &f.alice), 1, "alice's too");
    let removed = remove(&renamed, None, &id);
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(removed.body.contains("The passkey was removed."));
    assert!(removed.body.contains("id=\"no-passkeys\""));
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(
        account.body["mfa"],
        json!({"totp": false, "passkeys": 0, "recovery_codes_left": 0})
    );
    let events = audit_kinds(&f, "mfa.removed");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail"], "passkey");
    assert_eq!(events[0]["target"], id.as_str());
    let again = remove(&removed, None, &id);
    assert_eq!(again.status, 404, "{}", again.body);
}

#[test]
fn the_last_passkey_stays_where_the_tenant_requires_a_second_factor() {
    let f = localhost();
    let (secret, _) = enrolled(&f);
    let (browser, page) = console_with_code(&f, &secret, 1);
    let (added, id) = add(&f, &browser, &page, "Phone");
    assert!(
        !added.body.contains("id=\"recovery-codes\""),
        "not the first factor: the codes stay"
    );
    let without_app = post(&browser, &added, "remove-totp");
    assert_eq!(without_app.status, 200, "{}", without_app.body);
    let refused = post_with(&browser, &without_app, "remove-passkey", &[("id", &id)]);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains(
            "Your organisation requires a second factor, and this passkey is your only one"
        ),
        "{}",
        refused.body
    );
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(
        account.body["mfa"],
        json!({"totp": false, "passkeys": 1, "recovery_codes_left": 10}),
        "nothing changed"
    );
    assert!(
        audit_kinds(&f, "mfa.removed")
            .iter()
            .all(|e| e["detail"] != "passkey")
    );
    set_mfa(&f, "optional");
    let removed = post_with(&browser, &refused, "remove-passkey", &[("id", &id)]);
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(passkey_count(&f, &f.alice), 0);
}

#[test]
fn a_public_url_on_an_ip_address_offers_no_passkeys_in_the_console() {
    let f = start();
    let (browser, page) = console(&f, "alice");
    assert!(
        page.body.contains("id=\"passkeys-unavailable\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("id=\"begin-passkey\""));
    let refused = post(&browser, &page, "begin-passkey");
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains(
            "Passkeys are not available here, because this service is reached by an IP address"
        ),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("id=\"passkey-form\""));
}

#[test]
fn bad_answers_to_the_console_ceremony_are_refused_and_add_nothing() {
    let f = localhost();
    let (browser, page) = console(&f, "alice");
    let setup = post(&browser, &page, "begin-passkey");
    let malformed = post_with(
        &browser,
        &setup,
        "add-passkey",
        &[("passkey", "{not json"), ("passkey_name", "Junk")],
    );
    assert_eq!(malformed.status, 400, "{}", malformed.body);
    assert!(
        malformed
            .body
            .contains("The new passkey was not accepted. Start again."),
        "{}",
        malformed.body
    );
    let setup = post(&browser, &malformed, "begin-passkey");
    let (elsewhere, _) = registration(&setup, "https://evil.example");
    let wrong_origin = post_with(
        &browser,
        &setup,
        "add-passkey",
        &[("passkey", &elsewhere), ("passkey_name", "Phished")],
    );
    assert_eq!(wrong_origin.status, 400, "{}", wrong_origin.body);
    assert!(wrong_origin.body.contains("was not accepted"));
    let missing = post_with(&browser, &wrong_origin, "add-passkey", &[]);
    assert_eq!(missing.status, 400, "{}", missing.body);
    assert!(missing.body.contains("has expired"), "{}", missing.body);
    assert_eq!(passkey_count(&f, &f.alice), 0);
    assert!(audit_kinds(&f, "mfa.enrolled").is_empty());
    let still = browser.get(CONSOLE);
    assert_eq!(still.status, 200, "{}", still.body);
    assert!(still.body.contains("id=\"no-passkeys\""));
}
