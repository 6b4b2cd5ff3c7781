//! The console's second factors: new recovery codes void the old ones, and removing the
//! authenticator app is refused while it is the last factor a tenant requires.
#![allow(
    clippy::disallowed_methods,
    reason = "TOTP codes depend on the real time, which the server reads too"
)]

use crate::mfa::{
    base32_decode, code, element_text, enrolled, post_code, recovery_codes, second_step, set_mfa,
};
use crate::oidc_code::{Fixture, start};
use crate::support::browser::{Browser, Page, input_value};

const CONSOLE: &str = "/t/acme/account";
const PASSWORD: &str = "correct horse battery";

/// A browser signed in to the console with the password and the app's code `offset`
/// steps from now.
pub(super) fn console_with_code(f: &Fixture, secret: &[u8], offset: i64) -> (Browser, Page) {
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(CONSOLE, "alice", PASSWORD);
    let page = second_step(&browser, &answer);
    let done = post_code(&browser, &page, &code(secret, offset));
    assert_eq!(done.location.as_deref(), Some(CONSOLE), "{}", done.body);
    let console = browser.get(CONSOLE);
    assert_eq!(console.status, 200, "{}", console.body);
    (browser, console)
}

pub(super) fn post(browser: &Browser, page: &Page, action: &str) -> Page {
    browser.post(
        CONSOLE,
        &[
            ("csrf", &input_value(&page.body, "csrf")),
            ("action", action),
        ],
    )
}

/// Whether `recovery` passes the second step of a new sign-in.
fn recovery_signs_in(f: &Fixture, recovery: &str) -> bool {
    let browser = Browser::new(&f.server);
    let page = second_step(&browser, &browser.sign_in(CONSOLE, "alice", PASSWORD));
    post_code(&browser, &page, recovery).location.as_deref() == Some(CONSOLE)
}

pub(super) fn audit_details(f: &Fixture, kind: &str) -> Vec<String> {
    let log = f
        .api
        .call("GET", &format!("/v2/admin/audit?kind={kind}"), None);
    log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn new_recovery_codes_are_shown_once_and_void_the_old_ones() {
    let f = start();
    let (secret, old) = enrolled(&f);
    let (browser, console) = console_with_code(&f, &secret, 1);
    assert!(!console.body.contains("id=\"recovery-codes\""));

    let forged = browser.post(CONSOLE, &[("action", "new-recovery-codes")]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(recovery_signs_in(&f, &old[0]), "nothing changed");

    let made = post(&browser, &console, "new-recovery-codes");
    assert_eq!(made.status, 200, "{}", made.body);
    let new = recovery_codes(&made);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));
    assert!(audit_details(&f, "mfa.enrolled").contains(&"recovery_codes".to_owned()));
    let again = browser.get(CONSOLE);
    assert!(!again.body.contains(&new[0]), "shown only once");

    assert!(!recovery_signs_in(&f, &old[1]), "the old set is void");
    assert!(recovery_signs_in(&f, &new[0]));
}

#[test]
fn the_app_is_removed_only_when_it_is_not_the_last_required_factor() {
    let f = start();
    let (secret, _) = enrolled(&f);
    let (browser, console) = console_with_code(&f, &secret, 1);
    let refused = post(&browser, &console, "remove-totp");
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("requires a second factor"),
        "{}",
        refused.body
    );
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(account.body["mfa"]["totp"], true, "nothing changed");

    set_mfa(&f, "optional");
    let removed = post(&browser, &refused, "remove-totp");
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(removed.body.contains("The authenticator app was removed."));
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(
        account.body["mfa"],
        serde_json::json!({"totp": false, "passkeys": 0, "recovery_codes_left": 0})
    );
    assert!(audit_details(&f, "mfa.removed").contains(&"totp".to_owned()));
    let plain = Browser::new(&f.server);
    let done = plain.sign_in(CONSOLE, "alice", PASSWORD);
    assert_eq!(
        done.location.as_deref(),
        Some(CONSOLE),
        "the password alone again"
    );
}

#[test]
fn a_fresh_sign_in_changes_factors_without_signing_in_again() {
    let f = start();
    let (secret, _) = enrolled(&f);
    let (browser, console) = console_with_code(&f, &secret, 1);
    let made = post(&browser, &console, "new-recovery-codes");
    assert_eq!(made.location, None, "not sent to sign in: {}", made.body);
    assert_eq!(made.status, 200, "{}", made.body);
    assert_eq!(recovery_codes(&made).len(), 10);
    assert!(made.body.contains("New recovery codes were made"));
}

/// Posts the console form `action` on `page` with `extra` fields.
pub(super) fn post_with(
    browser: &Browser,
    page: &Page,
    action: &str,
    extra: &[(&str, &str)],
) -> Page {
    let csrf = input_value(&page.body, "csrf");
    let mut form = vec![("csrf", csrf.as_str()), ("action", action)];
    form.extend_from_slice(extra);
    browser.post(CONSOLE, &form)
}

#[test]
fn an_app_is_set_up_from_the_console_with_a_typed_code() {
    let f = start();
    set_mfa(&f, "optional");
    let browser = Browser::new(&f.server);
    let done = browser.sign_in(CONSOLE, "alice", PASSWORD);
    assert_eq!(done.location.as_deref(), Some(CONSOLE), "{}", done.body);
    let console = browser.get(CONSOLE);
    assert!(
        console.body.contains("id=\"begin-totp\""),
        "{}",
        console.body
    );

    let setup = post(&browser, &console, "begin-totp");
    assert_eq!(setup.status, 200, "{}", setup.body);
    assert!(setup.body.contains("<svg"), "a QR code: {}", setup.body);
    let shown = element_text(&setup.body, "totp-secret");
    assert!(
        !setup.body.contains(&format!("value=\"{shown}\"")),
        "the secret stays server-side"
    );
    let secret = base32_decode(&shown);
    let request = input_value(&setup.body, "request");

    let other = Browser::new(&f.server);
    let elsewhere = other.sign_in(CONSOLE, "alice", PASSWORD);
    assert_eq!(elsewhere.location.as_deref(), Some(CONSOLE));
    let other_console = other.get(CONSOLE);
    let stolen = post_with(
        &other,
        &other_console,
        "confirm-totp",
        &[("request", &request), ("code", &code(&secret, 0))],
    );
    assert_eq!(stolen.status, 400, "{}", stolen.body);
    assert!(stolen.body.contains("has expired"), "{}", stolen.body);

    let wrong = post_with(
        &browser,
        &setup,
        "confirm-totp",
        &[("request", &request), ("code", &code(&secret, 10))],
    );
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(
        wrong.body.contains("not right for the new app"),
        "{}",
        wrong.body
    );
    assert_eq!(
        element_text(&wrong.body, "totp-secret"),
        shown,
        "the same setup"
    );
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(account.body["mfa"]["totp"], false, "nothing changed yet");

    let added = post_with(
        &browser,
        &wrong,
        "confirm-totp",
        &[("request", &request), ("code", &code(&secret, 0))],
    );
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(added.body.contains("The authenticator app was set up."));
    let codes = recovery_codes(&added);
    assert_eq!(codes.len(), 10, "shown once with the first factor");
    assert!(audit_details(&f, "mfa.enrolled").contains(&"totp".to_owned()));
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(
        account.body["mfa"],
        serde_json::json!({"totp": true, "passkeys": 0, "recovery_codes_left": 10})
    );

    let replay = post_with(
        &browser,
        &added,
        "confirm-totp",
        &[("request", &request), ("code", &code(&secret, 1))],
    );
    assert_eq!(replay.status, 400, "{}", replay.body);
    let again = browser.get(CONSOLE);
    assert!(!again.body.contains(&codes[0]), "codes shown only once");
    assert!(!again.body.contains("id=\"begin-totp\""));
}
