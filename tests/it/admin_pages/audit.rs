//! The audit view names accounts beside their ids and exports the filtered view as CSV,
//! formula cells defused.

use crate::admin_ui::signed_in;
use crate::support::api::Api;
use crate::support::browser::attribute;
use crate::support::server::Server;
use serde_json::json;

#[test]
fn the_audit_view_names_accounts_and_exports_the_filtered_view_as_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let made = api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&json!({"id": "acme", "display_name": "=cmd|' /C calc'!A0"})),
    );
    assert_eq!(made.status, 201);
    let alice = api.call(
        "POST",
        "/v2/admin/tenants/acme/accounts",
        Some(&json!({"username": "alice", "scopes": []})),
    );
    let alice = alice.body["id"].as_str().unwrap().to_owned();
    let gone = api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": "gone"})),
    );
    let gone = gone.body["id"].as_str().unwrap().to_owned();
    let deleted = api.call("DELETE", &format!("/v2/admin/accounts/{gone}"), None);
    assert_eq!(deleted.status, 204);

    let (browser, _) = signed_in(&server);
    let page = browser.get(&format!("/admin/audit?account={alice}"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(&format!("alice <span class=\"mono\">{alice}</span>")),
        "{}",
        page.body
    );
    assert_eq!(
        attribute(&page.body, "a class=\"button small secondary\"", "href"),
        format!("/admin/audit.csv?account={alice}")
    );
    let of_gone = browser.get(&format!("/admin/audit?account={gone}"));
    assert!(
        of_gone
            .body
            .contains(&format!("<span class=\"mono\">{gone}</span>"))
    );
    assert!(
        !of_gone.body.contains(">gone <"),
        "a deleted account shows its id alone"
    );

    let csv = browser.get(&format!("/admin/audit.csv?account={alice}"));
    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"].starts_with("text/csv"));
    assert!(csv.headers["content-disposition"].starts_with("attachment"));
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("at,kind,actor,actor_name,tenant,account,account_name"));
    assert!(lines.len() > 1, "{}", csv.body);
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(&format!(",{alice},alice,"))),
        "{}",
        csv.body
    );
    assert!(!csv.body.contains("tenant.created"), "the filter holds");
    let bad = browser.get("/admin/audit.csv?since=yesterday");
    assert_eq!(bad.status, 400);
}
