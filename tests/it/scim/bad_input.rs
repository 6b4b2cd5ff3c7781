//! Bad input at `/scim/v2`: each class gets its RFC 7644 §3.12 error with the body
//! checked, changes nothing, and the server keeps serving.

use super::scim_start;
use serde_json::{Value, json};

fn assert_error(r: &crate::support::api::Reply, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type, "application/scim+json");
    assert_eq!(
        r.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(r.body["status"], status.to_string());
    assert_eq!(
        r.body.get("scimType").and_then(Value::as_str),
        scim_type,
        "{}",
        r.body
    );
    assert!(!r.body["detail"].as_str().unwrap().is_empty());
}

#[test]
fn every_class_of_bad_input_is_refused_and_changes_nothing() {
    let s = scim_start();
    let made = s.scim.call(
        "POST",
        "/t/acme/scim/v2/Users",
        Some(&json!({"userName": "keep", "displayName": "Keep"})),
    );
    assert_eq!(made.status, 201);
    let path = format!(
        "/t/acme/scim/v2/Users/{}",
        made.body["id"].as_str().unwrap()
    );
    let before = s.scim.call("GET", "/t/acme/scim/v2/Users", None).body;

    let raw =
        |method: &str, p: &str, ct: Option<&str>, body: Vec<u8>| s.scim.raw(method, p, ct, body);
    assert_error(
        &raw(
            "POST",
            "/t/acme/scim/v2/Users",
            Some("application/scim+json"),
            b"{\"userName\": ".to_vec(),
        ),
        400,
        Some("invalidSyntax"),
    );
    assert_error(
        &raw(
            "POST",
            "/t/acme/scim/v2/Users",
            Some("application/scim+json; charset=utf-8"),
            b"{\"userName\": \"\xff\xfe\"}".to_vec(),
        ),
        400,
        Some("invalidSyntax"),
    );
    assert_error(
        &raw(
            "POST",
            "/t/acme/scim/v2/Users",
            Some("text/plain"),
            b"{\"userName\": \"x\"}".to_vec(),
        ),
        415,
        None,
    );
    let (status, content_type, body) = crate::management::validation_content::declared_too_large_as(
        &s.server,
        &s.token,
        "POST",
        "/t/acme/scim/v2/Users",
        1024 * 1024 + 1,
    );
    assert_eq!(
        (status, content_type.as_str()),
        (413, "application/scim+json"),
        "{body}"
    );
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], "413");
    let near_limit = format!(
        "{{\"userName\": \"big\", \"nickName\": \"{}\"}}",
        "a".repeat(1000 * 1024)
    );
    let accepted = raw(
        "POST",
        "/t/acme/scim/v2/Users",
        Some("application/json"),
        near_limit.into_bytes(),
    );
    assert_eq!(accepted.status, 201, "a body under 1 MiB is taken");
    let id = accepted.body["id"].as_str().unwrap();
    assert_eq!(
        s.scim
            .call("DELETE", &format!("/t/acme/scim/v2/Users/{id}"), None)
            .status,
        204
    );
    assert_error(
        &s.scim
            .call("GET", "/t/acme/scim/v2/Users?filter=userName+eq", None),
        400,
        Some("invalidFilter"),
    );
    assert_error(
        &s.scim.call(
            "GET",
            "/t/acme/scim/v2/Users?filter=userName+zz+%22a%22",
            None,
        ),
        400,
        Some("invalidFilter"),
    );
    assert_error(
        &s.scim.call(
            "POST",
            "/t/acme/scim/v2/Users",
            Some(&json!({"displayName": "no userName"})),
        ),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &s.scim.call(
            "POST",
            "/t/acme/scim/v2/Users",
            Some(&json!({"userName": 7})),
        ),
        400,
        Some("invalidValue"),
    );
    let patch = |ops: Value| {
        s.scim.call("PATCH", &path, Some(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})))
    };
    assert_error(
        &patch(json!([{"op": "move", "path": "displayName", "value": "x"}])),
        400,
        Some("invalidSyntax"),
    );
    assert_error(
        &patch(json!([{"op": "remove", "path": "emails[type eq \"home\"]"}])),
        400,
        Some("noTarget"),
    );
    assert_error(
        &patch(json!([{"op": "replace", "path": "emails[type eq", "value": "x"}])),
        400,
        Some("invalidPath"),
    );
    assert_error(
        &patch(json!([{"op": "replace", "path": "active", "value": "maybe"}])),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &patch(json!([{"op": "replace", "path": "id", "value": "other"}])),
        400,
        Some("mutability"),
    );
    assert_error(
        &patch(
            json!([{"op": "replace", "path": "displayName", "value": "Changed"}, {"op": "replace", "path": "active", "value": 3}]),
        ),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &s.scim
            .call("PATCH", &path, Some(&json!({"Operations": []}))),
        400,
        Some("invalidSyntax"),
    );
    assert_error(
        &s.scim
            .call("GET", "/t/acme/scim/v2/Users/not-a-member", None),
        404,
        None,
    );
    assert_error(
        &s.scim.call("GET", "/t/acme/scim/v2/Nothing", None),
        404,
        None,
    );

    assert_eq!(
        s.scim.call("GET", "/t/acme/scim/v2/Users", None).body,
        before,
        "nothing changed"
    );
    assert_eq!(s.server.get("/healthz").0, 200);
}

#[test]
fn a_patch_refused_for_one_value_changes_none_of_the_others() {
    let s = scim_start();
    let made = s.scim.call(
        "POST",
        "/t/acme/scim/v2/Users",
        Some(
            &json!({"userName": "bob", "displayName": "Bob", "password": "a long first password"}),
        ),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let path = format!(
        "/t/acme/scim/v2/Users/{}",
        made.body["id"].as_str().unwrap()
    );
    let before = s.scim.call("GET", &path, None).body;
    let patch = |ops: Value| {
        s.scim.call(
            "PATCH",
            &path,
            Some(&json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": ops,
            })),
        )
    };
    let too_long_ext = "x".repeat(300);
    let too_long_name = "g".repeat(300);
    for ops in [
        json!([
            {"op": "replace", "path": "password", "value": "Brand-New-Secret-99"},
            {"op": "replace", "path": "externalId", "value": too_long_ext},
        ]),
        json!([
            {"op": "replace", "path": "userName", "value": "bob2"},
            {"op": "replace", "path": "name.givenName", "value": too_long_name},
        ]),
        json!([
            {"op": "replace", "path": "displayName", "value": "Changed Name"},
            {"op": "replace", "path": "name.familyName", "value": too_long_name},
        ]),
    ] {
        let r = patch(ops);
        assert_error(&r, 400, Some("invalidValue"));
    }
    let mut after = s.scim.call("GET", &path, None).body;
    after["meta"] = before["meta"].clone();
    assert_eq!(after, before, "nothing changed");
    let changed = s.api.call(
        "GET",
        &format!(
            "/v2/admin/audit?kind=password.changed&account={}",
            made.body["id"].as_str().unwrap()
        ),
        None,
    );
    assert_eq!(
        changed.body["items"].as_array().unwrap().len(),
        1,
        "only the creation set a password: {}",
        changed.body
    );
}
