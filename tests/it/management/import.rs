//! `POST /v2/admin/tenants/{t}/accounts/import`: CSV and NDJSON files create and update
//! accounts with their memberships, line by line; a failing line changes nothing and the
//! report names it; bodies of the wrong type, encoding, header or size change nothing.

use super::validation_content::declared_too_large_typed;
use super::{assert_problem, create, ok, start};
use crate::support::api::{Api, Reply};
use serde_json::{Value, json};

const HEADER: &str = "username,email,name,password,scopes,external_authentication_provider_id";

fn import(api: &Api, tenant: &str, content_type: &str, body: &str) -> Reply {
    api.raw(
        "POST",
        &format!("/v2/admin/tenants/{tenant}/accounts/import"),
        Some(content_type),
        body.as_bytes().to_vec(),
    )
}

/// The account named `username`, or `Null`.
fn account(api: &Api, username: &str) -> Value {
    let found = ok(
        api,
        "GET",
        &format!("/v2/admin/accounts?username={username}"),
        None,
    );
    found["items"].get(0).cloned().unwrap_or(Value::Null)
}

/// `account`'s membership of `tenant`.
fn membership(account: &Value, tenant: &str) -> Value {
    account["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["tenant"] == tenant)
        .cloned()
        .unwrap_or_else(|| panic!("no membership of {tenant}: {account}"))
}

fn scopes(membership: &Value) -> Vec<String> {
    let mut s: Vec<String> = serde_json::from_value(membership["scopes"].clone()).unwrap();
    s.sort();
    s
}

/// Tenant `acme` with member `carol` (scope `orders`, external id `ext-carol`).
fn acme(api: &Api) {
    create(
        api,
        "/v2/admin/tenants",
        &json!({"id": "acme", "display_name": "Acme"}),
    );
    create(
        api,
        "/v2/admin/tenants/acme/accounts",
        &json!({"username": "carol", "email": "carol@example.com", "name": "Carol",
                "scopes": ["orders"], "external_authentication_provider_id": "ext-carol"}),
    );
}

fn import_details(api: &Api) -> Vec<String> {
    let audit = ok(api, "GET", "/v2/admin/audit?kind=accounts.imported", None);
    audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["tenant"], "acme", "{e}");
            e["detail"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn csv_with_quotes_and_crlf_creates_updates_and_reports_by_line() {
    let (_tmp, _server, api) = start();
    acme(&api);
    let body = format!(
        "{HEADER}\r\n\
         dave,dave@example.com,\"Dave, the \"\"Builder\"\"\",,orders billing,ext-dave\r\n\
         carol,carol@new.example,,,,\r\n\
         erin,,\"Erin\r\non two lines\",,,\r\n\
         frank,,,,,\r\n"
    );
    let r = import(&api, "acme", "text/csv", &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.content_type, "application/json");
    assert_eq!(r.body["created"], 2, "{}", r.body);
    assert_eq!(r.body["updated"], 1, "{}", r.body);
    let failed = r.body["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{}", r.body);
    assert_eq!(
        failed[0]["line"], 4,
        "the quoted line break starts on line 4"
    );
    assert!(
        failed[0]["error"].as_str().unwrap().starts_with("name:"),
        "{}",
        r.body
    );

    let dave = account(&api, "dave");
    assert_eq!(dave["name"], "Dave, the \"Builder\"");
    assert_eq!(dave["email"], "dave@example.com");
    assert_eq!(dave["password_set"], false);
    let m = membership(&dave, "acme");
    assert_eq!(scopes(&m), ["billing", "orders"]);
    assert_eq!(m["external_authentication_provider_id"], "ext-dave");
    assert_eq!(m["active"], true);

    let carol = account(&api, "carol");
    assert_eq!(carol["email"], "carol@new.example");
    assert_eq!(carol["name"], "Carol", "an empty cell keeps the value");
    let m = membership(&carol, "acme");
    assert_eq!(scopes(&m), ["orders"], "empty scopes keep the membership's");
    assert_eq!(m["external_authentication_provider_id"], "ext-carol");

    assert_eq!(account(&api, "erin"), Value::Null);
    assert_eq!(account(&api, "frank")["memberships"][0]["tenant"], "acme");
    assert_eq!(import_details(&api), ["2 created, 1 updated, 1 failed"]);
}

#[test]
fn ndjson_lines_that_fail_change_nothing_and_the_others_apply() {
    let (_tmp, _server, api) = start();
    acme(&api);
    let lines = [
        json!({"username": "gina", "email": "gina@example.com", "scopes": ["orders"],
               "external_authentication_provider_id": "ext-1"}),
        json!({"username": "hank", "email": "not-an-address"}),
        json!({"username": "ivan", "external_authentication_provider_id": "ext-1"}),
        json!({"username": "GINA"}),
        json!({"username": "judy", "scopes": "orders"}),
        json!({"username": "kim", "external_authentication_provider_id": "ext-carol"}),
        json!({"username": "carol", "password": "short"}),
        json!({"username": "carol", "pasword": "typo"}),
    ];
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let r = import(&api, "acme", "application/x-ndjson; charset=utf-8", &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["created"].clone(), r.body["updated"].clone()),
        (json!(1), json!(0))
    );
    let failed: Vec<(u64, String)> = r.body["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["error"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let lines: Vec<u64> = failed.iter().map(|f| f.0).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8], "{}", r.body);
    let says = |line: usize, text: &str| {
        assert!(
            failed[line - 2].1.contains(text),
            "line {line}: {:?}",
            failed[line - 2]
        );
    };
    says(2, "email");
    says(3, "`ext-1` is already on line 1");
    says(4, "`GINA` is already on line 1");
    says(5, "scopes: wrong type");
    says(6, "belongs to another member");
    says(7, "password: must be");
    says(8, "unknown field `pasword`");
    assert!(
        !r.body.to_string().contains("short"),
        "no password in the report"
    );

    assert_eq!(account(&api, "gina")["memberships"][0]["tenant"], "acme");
    for absent in ["hank", "ivan", "judy", "kim"] {
        assert_eq!(account(&api, absent), Value::Null, "{absent} was created");
    }
    let carol = account(&api, "carol");
    assert_eq!(
        carol["password_set"], false,
        "a refused password is not set"
    );
    assert_eq!(import_details(&api), ["1 created, 0 updated, 7 failed"]);
}

#[test]
fn wrong_type_encoding_header_or_tenant_is_refused_whole() {
    let (_tmp, server, api) = start();
    acme(&api);
    let good = format!("{HEADER}\nzed,,,,,\n");
    for ct in ["application/json", "text/plain", "multipart/form-data"] {
        assert_problem(&import(&api, "acme", ct, &good), 415, ct);
    }
    let mut latin1 = format!("{HEADER}\n").into_bytes();
    latin1.extend_from_slice(b"z\xe9d,,,,,\n");
    let r = api.raw(
        "POST",
        "/v2/admin/tenants/acme/accounts/import",
        Some("text/csv"),
        latin1,
    );
    assert_problem(&r, 400, "Latin-1 bytes");
    assert!(
        r.body["detail"].as_str().unwrap().contains("UTF-8"),
        "{}",
        r.body
    );
    let r = import(&api, "acme", "text/csv", "username,mail\nzed,z@x.example\n");
    assert_problem(&r, 400, "unknown column");
    assert!(
        r.body["detail"].as_str().unwrap().contains("`mail`"),
        "{}",
        r.body
    );
    let r = import(&api, "acme", "text/csv", "email\nz@x.example\n");
    assert_problem(&r, 400, "no username column");
    assert_problem(&import(&api, "acme", "text/csv", ""), 400, "empty file");
    assert_problem(
        &import(&api, "nope", "text/csv", &good),
        404,
        "unknown tenant",
    );
    let mut anonymous = Api::new(&server);
    anonymous.authorization = None;
    assert_eq!(import(&anonymous, "acme", "text/csv", &good).status, 401);
    assert_eq!(account(&api, "zed"), Value::Null);
    assert!(
        import_details(&api).is_empty(),
        "a refused file is no import"
    );
}

#[test]
fn the_import_takes_up_to_10_mib_and_refuses_more_before_reading_it() {
    let (_tmp, server, api) = start();
    acme(&api);
    // Past the 64 KiB other management calls take.
    let long_name = "n".repeat(150);
    let mut body = format!("{HEADER}\n");
    for i in 0..500 {
        body.push_str(&format!("user{i:04},,{long_name},,orders,\n"));
    }
    assert!(body.len() > 64 * 1024);
    let r = import(&api, "acme", "text/csv", &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["created"], 500, "{}", r.body);

    let path = "/v2/admin/tenants/acme/accounts/import";
    let token = server.admin_token();
    let (status, content_type, text) = declared_too_large_typed(
        &server,
        &token,
        "POST",
        path,
        "text/csv",
        10 * 1024 * 1024 + 1,
    );
    assert_eq!(status, 413, "{text}");
    assert_eq!(content_type, "application/problem+json");
    assert!(text.contains("10485760"), "{text}");
    assert_eq!(
        import_details(&api).len(),
        1,
        "only the first import happened"
    );
}
