//! The account console's passkeys in Chromium: a user signed in with a password adds a
//! passkey under a name through the page's own script and the virtual authenticator,
//! sees it listed, renames it, signs out and back in with it alone (proving the
//! credential the console stored works), then removes it.

use super::*;

fn console_url(f: &Fixture) -> String {
    format!("{}/t/acme/account", f.server.base)
}

#[test]
fn a_passkey_added_in_the_console_is_renamed_signs_in_and_is_removed() {
    let catcher = Catcher::start();
    let (f, _, _) = localhost(&catcher);
    let chrome = chrome_for(&f.server);
    let auth = authenticator(&chrome);
    let console = console_url(&f);

    chrome.go(&console);
    chrome.fill("#username", "alice");
    chrome.fill("#password", PASSWORD);
    chrome.click_and_wait("form button[type=submit]");
    assert_eq!(chrome.url(), console);
    assert_eq!(chrome.find("#no-passkeys").text(), "No passkeys yet.");

    chrome.click_and_wait("#begin-passkey");
    chrome.fill("#passkey-name", "Work laptop");
    chrome.screenshot("console-passkey-add");
    chrome.click_and_wait("#passkey-add");
    assert_eq!(
        chrome.find("#notice").text(),
        "The passkey \u{201c}Work laptop\u{201d} was added."
    );
    let codes = chrome.find("#recovery-codes").text();
    assert_eq!(
        codes.lines().count(),
        10,
        "the first factor's codes: {codes}"
    );
    assert_eq!(chrome.find("#passkeys .passkey-name").text(), "Work laptop");
    assert!(chrome.find("#passkeys li").text().contains("not used yet"));
    let creds = chrome.credentials(&auth);
    assert_eq!(creds.len(), 1, "{creds:?}");
    assert_eq!(creds[0]["rpId"], "localhost");
    let enrolled = audit(&f, "mfa.enrolled");
    assert_eq!(enrolled.len(), 1, "{enrolled:?}");
    assert_eq!(enrolled[0]["detail"], "passkey");

    chrome.fill("#passkey-name-1", "My phone");
    chrome.click_and_wait(".rename-passkey button[type=submit]");
    assert_eq!(chrome.find("#passkeys .passkey-name").text(), "My phone");
    assert_eq!(audit(&f, "mfa.renamed").len(), 1);

    chrome.click_and_wait("#sign-out");
    chrome.click_and_wait("form button[type=submit]");
    assert!(
        chrome.source().contains("You are signed out"),
        "{}",
        chrome.source()
    );

    chrome.go(&console);
    assert!(chrome.url().contains("/t/acme/login?"), "{}", chrome.url());
    chrome.click_and_wait("#passkey-signin");
    assert_eq!(chrome.url(), console, "{}", chrome.source());
    assert_eq!(chrome.find("#passkeys .passkey-name").text(), "My phone");
    assert!(
        chrome.find("#passkeys li").text().contains("last used"),
        "{}",
        chrome.find("#passkeys li").text()
    );
    let logins = audit(&f, "login");
    assert!(
        logins.iter().any(|e| e["detail"] == "passkey"),
        "{logins:?}"
    );

    chrome.screenshot("console-passkeys");
    chrome.click_and_wait(".remove-passkey button[type=submit]");
    assert_eq!(chrome.find("#notice").text(), "The passkey was removed.");
    assert_eq!(chrome.find("#no-passkeys").text(), "No passkeys yet.");
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(
        account.body["mfa"],
        json!({"totp": false, "passkeys": 0, "recovery_codes_left": 0})
    );
    assert_eq!(audit(&f, "mfa.removed").len(), 1);
}
