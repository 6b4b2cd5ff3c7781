//! Adding a passkey in the sign-in, signing in with it alone and after a password, a
//! cloned authenticator, the admin's view and reset; and a public URL on an IP address.

use super::*;

#[test]
fn a_passkey_is_added_in_the_sign_in_then_signs_in_alone_and_as_a_second_factor() {
    let catcher = Catcher::start();
    let (f, rp, _) = localhost(&catcher);
    set_mfa(&f, "required");
    let chrome = chrome_for(&f.server);
    let auth = authenticator(&chrome);

    // Enrolment inside the sign-in: password, then the passkey. pwd + passkey.
    let (acr, amr) = enrol(&chrome, &f, &rp, &catcher);
    assert_eq!(acr, "mfa");
    assert_eq!(amr, ["pwd", "hwk", "user", "mfa"]);
    let creds = chrome.credentials(&auth);
    assert_eq!(creds.len(), 1, "{creds:?}");
    assert_eq!(creds[0]["isResidentCredential"], true, "discoverable");
    assert_eq!(creds[0]["rpId"], "localhost");
    let enrolled = audit(&f, "mfa.enrolled");
    assert_eq!(enrolled.len(), 1, "{enrolled:?}");
    assert_eq!(enrolled[0]["detail"], "passkey");
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(account.body["mfa"]["passkeys"], 1, "{:?}", account.body);
    assert_eq!(account.body["mfa"]["recovery_codes_left"], 10);

    // Passwordless: no username, no password; the user handle names alice.
    let started = flow(&rp);
    chrome.go(&started.url);
    let csp = page_csp(&f.server, &started.url);
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    chrome.screenshot("passkey-sign-in");
    passwordless(&chrome);
    let code = catcher.code(&started.state);
    let (acr, amr) = acr_amr(&f.server, &rp, started, code);
    assert_eq!(acr, "mfa");
    assert_eq!(amr, ["hwk", "user", "mfa"]);
    let logins = audit(&f, "login");
    assert!(
        logins.iter().any(|e| e["detail"] == "passkey"),
        "{logins:?}"
    );

    // The second factor after a password.
    let started = flow(&rp);
    chrome.go(&started.url);
    chrome.fill("#username", "alice");
    chrome.fill("#password", PASSWORD);
    chrome.click_and_wait("form button[type=submit]");
    assert!(chrome.url().contains("/t/acme/mfa?"), "{}", chrome.url());
    chrome.screenshot("passkey-second-factor");
    chrome.find("#passkey-use").click();
    let code = catcher.code(&started.state);
    let (acr, amr) = acr_amr(&f.server, &rp, started, code);
    assert_eq!(acr, "mfa");
    assert_eq!(amr, ["pwd", "hwk", "user", "mfa"]);
    let counter_after = chrome.credentials(&auth)[0]["signCount"].as_u64().unwrap();
    assert!(
        counter_after >= 2,
        "the authenticator counts: {counter_after}"
    );

    // A clone: the same credential in another authenticator whose counter starts over.
    let mut clone = chrome.credentials(&auth)[0].clone();
    chrome.remove_authenticator(&auth);
    let second = authenticator(&chrome);
    clone["signCount"] = json!(0);
    chrome.add_credential(&second, clone);
    let started = flow(&rp);
    chrome.go(&started.url);
    passwordless(&chrome);
    assert_eq!(
        chrome.find("#login-error").text(),
        "That passkey was not accepted here."
    );
    let failed = audit(&f, "mfa.failed");
    assert!(
        failed
            .iter()
            .any(|e| e["detail"] == "passkey: the signature counter did not grow"),
        "{failed:?}"
    );
    f.server
        .wait_for_log("passkey: the signature counter did not grow");

    // The admin UI names the passkey; the admin resets the factors and it goes too.
    let (admin, _) = crate::admin_ui::signed_in(&f.server);
    let page = admin.get(&format!("/admin/accounts/{}", f.alice));
    assert!(page.body.contains("Work laptop"), "{}", page.body);
    let reset = f.api.call(
        "DELETE",
        &format!("/v2/admin/accounts/{}/mfa", f.alice),
        None,
    );
    assert!(reset.status < 300, "{:?}", reset.body);
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(account.body["mfa"]["passkeys"], 0, "{:?}", account.body);
}

#[test]
fn on_an_ip_address_passkeys_are_not_offered_and_enrolment_answers_400() {
    let f = crate::oidc_code::start();
    f.server.wait_for_log("passkeys are unavailable");
    set_mfa(&f, "required");
    let browser = Browser::new(&f.server);
    let authorize = format!(
        "/t/acme/authorize?client_id=web&response_type=code&scope=openid&state=s1&redirect_uri={}",
        url::form_urlencoded::byte_serialize(crate::oidc_code::REDIRECT.as_bytes())
            .collect::<String>()
    );
    let page = browser.get(&authorize);
    let login = browser.get(page.location.as_deref().unwrap());
    assert!(
        login.body.contains("id=\"passkeys-unavailable\""),
        "{}",
        login.body
    );
    assert!(!login.body.contains("data-webauthn"), "{}", login.body);
    let answer = browser.sign_in(&authorize, "alice", PASSWORD);
    let enrol = browser.get(answer.location.as_deref().unwrap());
    assert!(
        enrol.body.contains("Passkeys are not available here"),
        "{}",
        enrol.body
    );
    let action = attribute(&enrol.body, "form", "action");
    let posted = browser.post(
        &action,
        &[
            ("csrf", &input_value(&enrol.body, "csrf")),
            ("request", &input_value(&enrol.body, "request")),
            ("passkey", "{}"),
            ("passkey_name", "Laptop"),
        ],
    );
    assert_eq!(posted.status, 400, "{}", posted.body);
    assert!(
        posted.body.contains("Passkeys are not available here"),
        "{}",
        posted.body
    );
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    assert_eq!(account.body["mfa"]["passkeys"], 0);
}
