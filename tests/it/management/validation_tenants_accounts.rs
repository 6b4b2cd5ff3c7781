//! Validation of tenants, accounts and memberships.

use super::{assert_names, create, items, not_refused, ok, refuse_all, start};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Tenants

#[test]
fn tenant_ids_must_be_lowercase_slugs_of_1_to_63() {
    let (_tmp, _server, api) = start();
    let long = "a".repeat(64);
    let mut cases: Vec<(Value, &[&str])> = [
        "Acme",
        "a_b",
        long.as_str(),
        "",
        "acme corp",
        "acmé",
        "a/b",
        "a.b",
    ]
    .iter()
    .map(|id| (json!({"id": id, "display_name": "X"}), &["id"][..]))
    .collect();
    cases.push((json!({"display_name": "X"}), &["id"]));
    cases.push((json!({"id": "x"}), &["display_name"]));
    refuse_all(&api, "POST", "/v2/admin/tenants", &cases);
    let listed = items(&api, "/v2/admin/tenants");
    assert_eq!(listed.len(), 1, "only `default`: {listed:?}");

    let max = "a".repeat(63);
    for id in [max.as_str(), "0", "a-b-9"] {
        let t = create(
            &api,
            "/v2/admin/tenants",
            &json!({"id": id, "display_name": "ok"}),
        );
        assert_eq!(t.body["id"], id);
    }
}

#[test]
fn tenant_patch_refuses_an_unknown_access_token_alg() {
    let (_tmp, _server, api) = start();
    let before = ok(&api, "GET", "/v2/admin/tenants/default", None);
    let cases: Vec<(Value, &[&str])> = ["none", "HS256", "RS512", ""]
        .iter()
        .map(|alg| {
            (
                json!({"display_name": "Changed", "access_token_alg": alg}),
                &["access_token_alg"][..],
            )
        })
        .collect();
    refuse_all(&api, "PATCH", "/v2/admin/tenants/default", &cases);
    assert_eq!(
        ok(&api, "GET", "/v2/admin/tenants/default", None),
        before,
        "refused PATCHes changed nothing, display_name included"
    );
    for alg in ["RS256", "ES256", "EdDSA"] {
        let t = ok(
            &api,
            "PATCH",
            "/v2/admin/tenants/default",
            Some(&json!({"access_token_alg": alg})),
        );
        assert_eq!(t["access_token_alg"], alg);
    }
}

// ---------------------------------------------------------------------------------------
// Accounts and memberships

#[test]
fn accounts_and_members_are_validated() {
    let (_tmp, _server, api) = start();
    let a = create(&api, "/v2/admin/accounts", &json!({"username": "alice"})).body;
    let members = format!(
        "/v2/admin/tenants/default/members/{}",
        a["id"].as_str().unwrap()
    );
    let provision = "/v2/admin/tenants/default/accounts";
    let cases: Vec<(&str, &str, Value, &[&str])> = vec![
        (
            "POST",
            "/v2/admin/accounts",
            json!({"username": ""}),
            &["username"],
        ),
        (
            "POST",
            "/v2/admin/accounts",
            json!({"email": "a@b.example"}),
            &["username"],
        ),
        ("PUT", &members, json!({}), &["scopes"]),
        (
            "PUT",
            &members,
            json!({"external_authentication_provider_id": "e"}),
            &["scopes"],
        ),
        (
            "POST",
            provision,
            json!({"username": "", "scopes": [], "external_authentication_provider_id": "e"}),
            &["username"],
        ),
    ];
    let misses: Vec<String> = cases
        .iter()
        .filter_map(|(method, path, body, fields)| not_refused(&api, method, path, body, fields))
        .collect();
    assert!(
        misses.is_empty(),
        "{} of {} cases not refused as expected:\n{}",
        misses.len(),
        cases.len(),
        misses.join("\n")
    );
    assert_eq!(items(&api, "/v2/admin/tenants/default/members").len(), 0);
    assert_eq!(items(&api, "/v2/admin/accounts").len(), 1);

    for limit in ["0", "501", "x", "-1"] {
        let reply = api.call("GET", &format!("/v2/admin/accounts?limit={limit}"), None);
        assert_names(&reply, 400, &["limit"], &format!("limit={limit}"));
    }
    assert_eq!(items(&api, "/v2/admin/accounts?limit=500").len(), 1);
}
