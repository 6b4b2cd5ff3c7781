//! The dashboard shows the version with its commit and its warnings, and downloads a backup for
//! appliance admins; a tenant admin gets neither the button nor the backup.

use crate::admin_ui::signed_in;
use crate::support::api::Api;
use crate::support::browser::{Browser, input_value};
use crate::support::server::Server;
use serde_json::json;

#[test]
fn the_dashboard_shows_the_version_and_downloads_a_backup_for_appliance_admins_only() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let (browser, csrf) = signed_in(&server);
    let home = browser.get("/admin");
    assert!(
        home.body
            .contains(&format!("id=\"version\">{} (", env!("CARGO_PKG_VERSION"))),
        "{}",
        home.body
    );
    assert!(home.body.contains("Download backup"));
    assert!(
        home.body.contains("The TLS certificate is self-signed"),
        "the test server's own certificate is warned about: {}",
        home.body
    );
    assert_eq!(browser.post("/admin/backup", &[("csrf", "x")]).status, 403);
    let backup = browser.post("/admin/backup", &[("csrf", &csrf)]);
    assert_eq!(backup.status, 200);
    assert_eq!(backup.headers["content-type"], "application/cbor-seq");
    assert!(backup.headers["content-disposition"].starts_with("attachment"));
    assert!(!backup.body.is_empty());
    let audit = api.call("GET", "/v2/admin/audit?kind=backup.created", None);
    assert_eq!(
        audit.body["items"].as_array().unwrap().len(),
        1,
        "{:?}",
        audit.body
    );

    assert_eq!(
        api.call(
            "POST",
            "/v2/admin/tenants",
            Some(&json!({"id": "acme", "display_name": "Acme"}))
        )
        .status,
        201
    );
    let token = api.call(
        "POST",
        "/v2/admin/tokens",
        Some(&json!({"label": "acme admin", "role": {"tenants": ["acme"]}})),
    );
    let tenant_admin = Browser::new(&server);
    let form = tenant_admin.get("/admin/login");
    let done = tenant_admin.post(
        "/admin/login",
        &[
            ("csrf", &input_value(&form.body, "csrf")),
            ("token", token.body["token"].as_str().unwrap()),
        ],
    );
    assert_eq!(done.status, 303);
    let home = tenant_admin.get("/admin");
    assert!(!home.body.contains("Download backup"), "{}", home.body);
    let csrf = input_value(&home.body, "csrf");
    let refused = tenant_admin.post("/admin/backup", &[("csrf", &csrf)]);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("Sign out"), "inside the admin layout");
}
