//! Every destructive action asks first: its GET shows what will happen and a form, Cancel
//! changes nothing, a POST without the session's CSRF token is 403 and changes nothing,
//! and the confirmed POST does it (checked through the management API).

use crate::admin_ui::{revealed, signed_in};
use crate::support::api::Api;
use crate::support::browser::{Browser, Page, attribute, input_value};
use crate::support::server::Server;
use serde_json::json;

fn token_status(server: &Server, secret: &str) -> u16 {
    server
        .post(
            "/t/acme/token",
            "application/x-www-form-urlencoded",
            format!("grant_type=client_credentials&client_id=backend&client_secret={secret}")
                .into_bytes(),
        )
        .status()
        .as_u16()
}

/// Asks for the confirmation at `path`, checks it shows `question` and a form posting
/// back to `path`, and answers the form's CSRF token and the Cancel link.
fn ask(browser: &Browser, path: &str, question: &str) -> (String, String) {
    let page: Page = browser.get(path);
    assert_eq!(page.status, 200, "{path}: {}", page.body);
    assert!(page.body.contains(question), "{path}: {}", page.body);
    assert_eq!(
        attribute(&page.body, "form class=\"confirm\"", "action"),
        path
    );
    let cancel = attribute(&page.body, "a class=\"cancel\"", "href");
    (input_value(&page.body, "csrf"), cancel)
}

#[test]
fn destructive_actions_ask_first_and_only_the_confirmed_form_acts() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let (browser, _) = signed_in(&server);
    assert_eq!(
        api.call(
            "POST",
            "/v2/admin/tenants",
            Some(&json!({"id": "acme", "display_name": "Acme"}))
        )
        .status,
        201
    );
    let client = api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(
            &json!({"client_id": "backend", "name": "Backend", "redirect_uris": [],
            "grant_types": ["client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"], "response_types": [], "scopes": ["orders"],
            "token_endpoint_auth_method": "client_secret_basic"}),
        ),
    );
    assert_eq!(client.status, 201, "{:?}", client.body);
    let secret = client.body["client_secret"].as_str().unwrap().to_owned();
    let bob = api.call(
        "POST",
        "/v2/admin/tenants/acme/accounts",
        Some(&json!({"username": "bob", "scopes": ["orders"]})),
    );
    assert_eq!(bob.status, 201, "{:?}", bob.body);
    let bob = bob.body["id"].as_str().unwrap().to_owned();

    // The tenant page links to confirmations; it posts to no destructive path itself.
    let tenant = browser.get("/admin/tenants/acme");
    for path in [
        "/admin/tenants/acme/clients/backend/secret",
        "/admin/tenants/acme/clients/backend/delete",
        &format!("/admin/tenants/acme/members/{bob}/remove"),
    ] {
        assert!(
            tenant.body.contains(&format!("href=\"{path}\"")),
            "{path}: {}",
            tenant.body
        );
        assert!(!tenant.body.contains(&format!("action=\"{path}\"")));
    }

    // Rotating the secret: cancelled, forged, then confirmed.
    let rotate = "/admin/tenants/acme/clients/backend/secret";
    let (csrf, cancel) = ask(&browser, rotate, "Rotate the secret of client backend?");
    assert_eq!(cancel, "/admin/tenants/acme");
    assert_eq!(browser.get(&cancel).status, 200);
    assert_eq!(
        token_status(&server, &secret),
        200,
        "asking changes nothing"
    );
    let forged = browser.post(rotate, &[("csrf", "forged")]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(forged.body.contains("security token"), "{}", forged.body);
    assert_eq!(browser.post(rotate, &[]).status, 403);
    assert_eq!(
        token_status(&server, &secret),
        200,
        "a forged form changes nothing"
    );
    let fresh = revealed(&browser.post(rotate, &[("csrf", &csrf)]));
    assert_eq!(
        token_status(&server, &secret),
        401,
        "the old secret is gone"
    );
    assert_eq!(token_status(&server, &fresh), 200);

    // Removing a member.
    let remove = format!("/admin/tenants/acme/members/{bob}/remove");
    let (csrf, _) = ask(&browser, &remove, "Remove bob from acme?");
    assert_eq!(browser.post(&remove, &[("csrf", "x")]).status, 403);
    let members = || api.call("GET", "/v2/admin/tenants/acme/members", None).body["items"].clone();
    assert_eq!(members().as_array().unwrap().len(), 1);
    let removed = browser.post(&remove, &[("csrf", &csrf)]);
    assert_eq!(
        removed.location.as_deref(),
        Some("/admin/tenants/acme?done=member-removed")
    );
    assert_eq!(members(), json!([]));

    // Disabling, ending sessions, resetting second factors and deleting an account.
    let account = |id: &str| api.call("GET", &format!("/v2/admin/accounts/{id}"), None);
    let disable = format!("/admin/accounts/{bob}/disable");
    let (csrf, cancel) = ask(&browser, &disable, "Disable the account bob?");
    assert_eq!(cancel, format!("/admin/accounts/{bob}"));
    assert_eq!(browser.post(&disable, &[("csrf", "x")]).status, 403);
    assert_eq!(account(&bob).body["disabled"], false);
    assert_eq!(browser.post(&disable, &[("csrf", &csrf)]).status, 303);
    assert_eq!(account(&bob).body["disabled"], true);
    ask(
        &browser,
        &format!("/admin/accounts/{bob}/sessions/end"),
        "End every sign-in session of bob?",
    );
    ask(
        &browser,
        &format!("/admin/accounts/{bob}/mfa/reset"),
        "Remove every second factor of bob?",
    );
    let page = browser.get(&format!("/admin/accounts/{bob}"));
    assert!(
        page.body
            .contains(&format!("href=\"/admin/accounts/{bob}/delete\""))
    );
    let delete = format!("/admin/accounts/{bob}/delete");
    let (csrf, _) = ask(&browser, &delete, "Delete the account bob?");
    assert_eq!(browser.post(&delete, &[("csrf", "x")]).status, 403);
    assert_eq!(account(&bob).status, 200, "a forged form deletes nothing");
    let deleted = browser.post(&delete, &[("csrf", &csrf)]);
    assert_eq!(
        deleted.location.as_deref(),
        Some("/admin/accounts?done=account-deleted")
    );
    assert_eq!(account(&bob).status, 404);
    assert_eq!(browser.get(&delete).status, 404, "nothing left to confirm");

    // Revoking an API key and deleting the client.
    let key = api.call(
        "POST",
        "/v2/admin/tenants/acme/clients/backend/api-keys",
        Some(&json!({"label": "partner"})),
    );
    assert_eq!(key.status, 201, "{:?}", key.body);
    let key_id = key.body["id"].as_str().unwrap().to_owned();
    let keys = || {
        api.call(
            "GET",
            "/v2/admin/tenants/acme/clients/backend/api-keys",
            None,
        )
        .body["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let revoke = format!("/admin/tenants/acme/clients/backend/api-keys/{key_id}/revoke");
    let (csrf, _) = ask(
        &browser,
        &revoke,
        "Revoke the API key “partner” of client backend?",
    );
    assert_eq!(keys(), 1);
    assert_eq!(browser.post(&revoke, &[("csrf", &csrf)]).status, 303);
    assert_eq!(keys(), 0);
    let delete = "/admin/tenants/acme/clients/backend/delete";
    let (csrf, _) = ask(&browser, delete, "Delete client backend of acme?");
    assert_eq!(browser.post(delete, &[("csrf", "x")]).status, 403);
    assert_eq!(token_status(&server, &fresh), 200);
    let gone = browser.post(delete, &[("csrf", &csrf)]);
    assert_eq!(
        gone.location.as_deref(),
        Some("/admin/tenants/acme?done=client-deleted")
    );
    let client = api.call("GET", "/v2/admin/tenants/acme/clients/backend", None);
    assert_eq!(client.status, 404);

    // Key rotation asks too.
    ask(
        &browser,
        "/admin/keys/rotate",
        "Rotate the signing keys now?",
    );
}
