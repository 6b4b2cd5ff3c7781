//! The console's second factors: new recovery codes void the old ones, and removing the
//! authenticator app is refused while it is the last factor a tenant requires.
#![allow(
    clippy::disallowed_methods,
    reason = "TOTP codes depend on the real time, which the server reads too"
)]

use crate::mfa::{code, enrolled, post_code, recovery_codes, second_step, set_mfa};
use crate::oidc_code::{Fixture, start};
use crate::support::browser::{Browser, Page, input_value};

const CONSOLE: &str = "/t/acme/account";
const PASSWORD: &str = "correct horse battery";

/// A browser signed in to the console with the password and the app's code `offset`
/// steps from now.
fn console_with_code(f: &Fixture, secret: &[u8], offset: i64) -> (Browser, Page) {
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(CONSOLE, "alice", PASSWORD);
    let page = second_step(&browser, &answer);
    let done = post_code(&browser, &page, &code(secret, offset));
    assert_eq!(done.location.as_deref(), Some(CONSOLE), "{}", done.body);
    let console = browser.get(CONSOLE);
    assert_eq!(console.status, 200, "{}", console.body);
    (browser, console)
}

fn post(browser: &Browser, page: &Page, action: &str) -> Page {
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

fn audit_details(f: &Fixture, kind: &str) -> Vec<String> {
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
