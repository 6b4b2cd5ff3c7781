//! The admin UI in a real headless Chromium: an admin signs in, provisions a tenant, an
//! account with a membership and an external id, a client and an API key, and points
//! the tenant at a (real HTTPS) test IdP, all through the forms. Then the provisioning
//! is proved real: the API key exchanges a foreign token at `/v2/sso/exchange-token`
//! and the client runs a code flow with the `openidconnect` crate. Also: a refused form
//! keeps its input, a POST without the CSRF token is refused, sign-out ends the session.
//! Every page is saved as a screenshot under `target/tmp/ui-screenshots/`.

use crate::support::browser::{Browser, redirect_params};
use crate::support::rp;
use crate::support::server::Server;
use crate::support::test_idp::{Answer, TestIdp};
use crate::support::webdriver::{Chrome, screenshot_dir};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce, PkceCodeChallenge, RedirectUrl,
    TokenResponse,
};
use serde_json::{Value, json};

const REDIRECT: &str = "https://app.example/cb";

/// Opens the `<details>` holding the form posting to `action_end`, if it is closed.
fn open_panel(chrome: &Chrome, action_end: &str) {
    let panel = format!("details:has(form[action$='{action_end}'])");
    if chrome.find(&panel).attribute("open").is_none() {
        chrome.find(&format!("{panel} > summary")).click();
    }
}

fn submit(chrome: &Chrome, action_end: &str) {
    chrome.click_and_wait(&format!(
        "form[method=post][action$='{action_end}'] button[type=submit]"
    ));
}

#[test]
fn an_admin_provisions_in_a_real_browser_and_the_provisioning_is_real() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let base = server.base.clone();
    let idp = TestIdp::start();
    idp.answer(|req| match req.form().get("token").map(String::as_str) {
        Some("foreign-xyz") => Answer::Json(200, json!({"active": true, "account_id": "ext-77"})),
        _ => Answer::Json(200, json!({"active": false})),
    });
    let chrome = Chrome::start(&screenshot_dir());

    chrome.go(&format!("{base}/admin"));
    assert!(chrome.url().ends_with("/admin/login"), "{}", chrome.url());
    chrome.screenshot("01-sign-in");
    chrome.fill("#token", &server.admin_token());
    submit(&chrome, "/admin/login");
    assert_eq!(chrome.url(), format!("{base}/admin"));
    chrome.screenshot("02-dashboard");

    chrome.go(&format!("{base}/admin/tenants"));
    chrome.fill("#tenant-id", "Bad Slug!");
    chrome.fill("#tenant-display_name", "Partner Co");
    submit(&chrome, "/admin/tenants");
    assert!(chrome.find("#tenant-id-error").text().contains("id"));
    assert_eq!(
        chrome.find("#tenant-display_name").value(),
        "Partner Co",
        "input kept"
    );
    assert_eq!(chrome.find("#tenant-id").value(), "Bad Slug!");
    chrome.screenshot("03-tenant-refused");
    chrome.fill("#tenant-id", "partner");
    submit(&chrome, "/admin/tenants");
    assert!(
        chrome
            .url()
            .ends_with("/admin/tenants/partner?done=tenant-created")
    );
    assert!(chrome.source().contains("The tenant was created."));
    chrome.screenshot("04-tenant");

    chrome.go(&format!("{base}/admin/accounts"));
    chrome.find("details > summary").click();
    chrome.fill("#account-username", "dave");
    chrome.fill("#account-email", "dave@example.com");
    chrome.fill("#account-password", "a long enough password");
    submit(&chrome, "/admin/accounts");
    assert!(chrome.source().contains("The account was created."));
    chrome.screenshot("05-accounts");

    let tenant_page = format!("{base}/admin/tenants/partner");
    chrome.go(&tenant_page);
    open_panel(&chrome, "/members");
    chrome.fill("#member-username", "dave");
    chrome.fill("#member-scopes", "orders");
    chrome.fill("#member-external_authentication_provider_id", "ext-77");
    submit(&chrome, "/members");
    assert!(chrome.source().contains("The member was added."));

    open_panel(&chrome, "/clients");
    chrome.fill("#client-client_id", "web");
    chrome.fill("#client-name", "Partner web app");
    chrome.fill("#client-redirect_uris", REDIRECT);
    for grant in [
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    ] {
        chrome
            .find(&format!("input[name=grant_types][value=\"{grant}\"]"))
            .click();
    }
    chrome.fill("#client-response_types", "code");
    chrome.fill("#client-scopes", "openid profile orders");
    chrome.screenshot("06-client-form");
    submit(&chrome, "/clients");
    let client_secret = chrome.find("#secret").value();
    assert!(client_secret.starts_with("lkcs_"));
    assert_eq!(
        chrome.find("#secret + button").text(),
        "Copy",
        "our script runs under the page's CSP"
    );
    chrome.screenshot("07-client-secret");

    chrome.go(&tenant_page);
    chrome.fill("input[name=label]", "partner backend");
    submit(&chrome, "/api-keys");
    let api_key = chrome.find("#secret").value();
    assert!(api_key.starts_with("lkapi_"));
    chrome.screenshot("08-api-key");

    chrome.go(&tenant_page);
    open_panel(&chrome, "/introspection");
    chrome.fill("#introspection-url", &format!("{}/introspect", idp.base));
    chrome.fill("#introspection-client_id", "latchkey");
    chrome.fill("#introspection-client_secret", "idp-secret");
    chrome.fill("#introspection-ca_pem", &idp.ca_pem);
    submit(&chrome, "/introspection");
    assert!(chrome.source().contains("The settings were saved."));
    open_panel(&chrome, "/introspection");
    chrome.fill("#probe-token", "foreign-xyz");
    submit(&chrome, "/introspection/test");
    let probe = chrome.find("#probe-result").text();
    assert!(
        probe.contains("\"ok\": true") && probe.contains("dave"),
        "{probe}"
    );
    chrome.screenshot("09-tenant-with-probe");

    // The API key and the client work outside the UI.
    let mut sso = crate::support::api::Api::new(&server);
    sso.authorization = Some(format!("API-key {api_key}"));
    let exchanged = sso.call(
        "POST",
        "/v2/sso/exchange-token",
        Some(&json!({"external_provider_access_token": "foreign-xyz"})),
    );
    assert_eq!(exchanged.status, 200, "{}", exchanged.body);
    assert_eq!(
        exchanged.body["scope"],
        json!(["openid", "profile", "orders"])
    );
    let dave =
        crate::exchange::jwt_claims(exchanged.body["accessToken"].as_str().unwrap())["sub"].clone();
    code_flow(&server, &client_secret, &dave);

    let cookie = chrome
        .cookie("__Host-latchkey_admin")
        .expect("the admin session cookie");
    let forged = server
        .agent()
        .post(&format!("{base}/admin/tenants"))
        .header("cookie", &format!("__Host-latchkey_admin={cookie}"))
        .content_type("application/x-www-form-urlencoded")
        .send("id=forged&display_name=Forged")
        .unwrap();
    assert_eq!(
        forged.status(),
        403,
        "a POST without the CSRF token is refused"
    );
    let api = crate::support::api::Api::new(&server);
    assert_eq!(
        api.call("GET", "/v2/admin/tenants/forged", None).status,
        404
    );

    chrome.go(&format!("{base}/admin/accounts"));
    chrome.click_and_wait("a[href^='/admin/accounts/']");
    assert!(chrome.source().contains("/admin/tenants/partner"));
    chrome.screenshot("10-account");
    for (page, shot) in [
        ("audit", "11-audit"),
        ("keys", "12-keys"),
        ("", "13-dashboard-after"),
    ] {
        chrome.go(&format!("{base}/admin/{page}"));
        chrome.screenshot(shot);
    }
    chrome.click_and_wait(".signout button");
    assert!(chrome.url().ends_with("/admin/login"));
    chrome.go(&format!("{base}/admin/tenants"));
    assert!(
        chrome.url().ends_with("/admin/login"),
        "the session is over"
    );
    chrome.screenshot("14-signed-out");
}

/// The client registered through the UI runs a code flow for the account made there.
fn code_flow(server: &Server, client_secret: &str, dave: &Value) {
    let meta = rp::discover(server.agent(), &format!("{}/t/partner", server.base));
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new("web".into()),
        Some(ClientSecret::new(client_secret.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let browser = Browser::new(server);
    let answer = browser.sign_in(url.as_str(), "dave", "a long enough password");
    assert_eq!(answer.status, 303, "{}", answer.body);
    let params = redirect_params(&answer.location.unwrap());
    assert_eq!(params["state"], *state.secret());
    let http = rp::http_client(server.agent());
    let tokens = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request(&http)
        .unwrap();
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), &nonce)
        .unwrap();
    assert_eq!(claims.subject().as_str(), dave.as_str().unwrap());
}
