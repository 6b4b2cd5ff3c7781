//! The tenant page's import form: a file uploaded as `multipart/form-data` with the
//! session's CSRF token is imported and its report shown; without the token nothing is.

use crate::admin_ui::signed_in;
use crate::support::api::Api;
use crate::support::server::Server;
use serde_json::json;

#[test]
fn the_tenant_page_uploads_a_file_and_shows_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let t = api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&json!({"id": "acme", "display_name": "Acme"})),
    );
    assert_eq!(t.status, 201);
    let (browser, csrf) = signed_in(&server);
    let page = browser.get("/admin/tenants/acme");
    assert!(
        page.body
            .contains("action=\"/admin/tenants/acme/import\" enctype=\"multipart/form-data\""),
        "{}",
        page.body
    );
    let file = b"username,email,scopes\r\numa,uma@example.com,orders\r\nbad name,,\r\n";
    let forged = browser.post_multipart(
        "/admin/tenants/acme/import",
        &[
            ("csrf", None, b"forged"),
            ("file", Some("people.csv"), file),
        ],
    );
    assert_eq!(forged.status, 403, "{}", forged.body);
    let absent = api.call("GET", "/v2/admin/accounts?username=uma", None);
    assert_eq!(absent.body["items"], json!([]), "a forged upload imported");

    let report = browser.post_multipart(
        "/admin/tenants/acme/import",
        &[
            ("csrf", None, csrf.as_bytes()),
            ("format", None, b"csv"),
            ("file", Some("people.csv"), file),
        ],
    );
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(
        report.body.contains("1 created, 0 updated, 1 failed."),
        "{}",
        report.body
    );
    assert!(
        report
            .body
            .contains("<td>3</td><td>username: must not contain spaces</td>"),
        "{}",
        report.body
    );
    let uma = api.call("GET", "/v2/admin/accounts?username=uma", None);
    let m = &uma.body["items"][0]["memberships"][0];
    assert_eq!(
        (m["tenant"].clone(), m["scopes"].clone()),
        (json!("acme"), json!(["orders"]))
    );

    // Past the 64 KiB other admin forms take.
    let mut big = String::from("username,name\n");
    for i in 0..400 {
        big.push_str(&format!("bulk{i:03},{}\n", "n".repeat(200)));
    }
    let report = browser.post_multipart(
        "/admin/tenants/acme/import",
        &[
            ("csrf", None, csrf.as_bytes()),
            ("file", Some("big.csv"), big.as_bytes()),
        ],
    );
    assert!(report.body.contains("400 created"), "{}", report.body);
    let ndjson = br#"{"username": "vic", "scopes": ["orders"]}"#;
    let report = browser.post_multipart(
        "/admin/tenants/acme/import",
        &[
            ("csrf", None, csrf.as_bytes()),
            ("format", None, b"ndjson"),
            ("file", Some("more.ndjson"), ndjson),
        ],
    );
    assert!(
        report.body.contains("1 created, 0 updated, 0 failed."),
        "{}",
        report.body
    );
    let latin1 = browser.post_multipart(
        "/admin/tenants/acme/import",
        &[
            ("csrf", None, csrf.as_bytes()),
            ("file", Some("l.csv"), b"username\nz\xe9\n"),
        ],
    );
    assert_eq!(latin1.status, 400, "{}", latin1.body);
    assert!(latin1.body.contains("not UTF-8"), "{}", latin1.body);
}
