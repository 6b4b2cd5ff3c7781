//! The tenant page's SCIM tokens (created and revealed once, deleted after a
//! confirmation page) and the member form's `active` choice.

use crate::admin_ui::{revealed, signed_in};
use crate::support::api::Api;
use crate::support::server::Server;
use serde_json::json;

#[test]
fn scim_tokens_and_inactive_members_through_the_admin_ui() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let t = api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&json!({"id": "acme", "display_name": "Acme"})),
    );
    assert_eq!(t.status, 201);
    api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": "dora"})),
    );
    let (browser, csrf) = signed_in(&server);

    let page = browser.get("/admin/tenants/acme");
    assert!(page.body.contains("No SCIM tokens."), "{}", page.body);
    assert!(
        page.body
            .contains("&#x2f;t&#x2f;acme&#x2f;scim&#x2f;v2</code>"),
        "the base URL is shown"
    );
    let token = revealed(&browser.post(
        "/admin/tenants/acme/scim-tokens",
        &[("csrf", &csrf), ("label", "Okta")],
    ));
    assert!(token.starts_with("lkscim_"));
    let scim = Api::with_token(&server, &token);
    assert_eq!(
        scim.call("GET", "/t/acme/scim/v2/Users", None).status,
        200,
        "the revealed token works"
    );
    let listed = api.call("GET", "/v2/admin/tenants/acme/scim-tokens", None);
    let id = listed.body["items"][0]["id"].as_str().unwrap().to_owned();
    let page = browser.get("/admin/tenants/acme");
    assert!(page.body.contains("Okta") && !page.body.contains(&token));

    let confirm = browser.get(&format!("/admin/tenants/acme/scim-tokens/{id}/delete"));
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("Delete the SCIM token “Okta”"));
    assert_eq!(
        scim.call("GET", "/t/acme/scim/v2/Users", None).status,
        200,
        "asking deletes nothing"
    );
    let deleted = browser.post(
        &format!("/admin/tenants/acme/scim-tokens/{id}/delete"),
        &[("csrf", &csrf)],
    );
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    assert_eq!(scim.call("GET", "/t/acme/scim/v2/Users", None).status, 401);
    let forged = browser.post(
        &format!("/admin/tenants/acme/scim-tokens/{id}/delete"),
        &[("csrf", "x")],
    );
    assert_eq!(forged.status, 403);

    let added = browser.post(
        "/admin/tenants/acme/members",
        &[
            ("csrf", &csrf),
            ("username", "dora"),
            ("scopes", "orders"),
            ("active", "no"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let members = api.call("GET", "/v2/admin/tenants/acme/members", None);
    assert_eq!(members.body["items"][0]["active"], false);
    let page = browser.get("/admin/tenants/acme");
    assert!(page.body.contains("<td>disabled</td>"), "{}", page.body);
}
