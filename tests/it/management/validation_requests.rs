//! Request-level validation: unknown fields, values of the wrong JSON type, and unknown
//! tenants or records in the path.

use super::{
    CLIENTS, INTROSPECTION, UPSTREAM, assert_names, assert_problem, code_client, create,
    introspection, items, not_refused, ok, start, upstream, with,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Unknown fields

#[test]
fn an_unknown_field_is_refused_in_every_kind_of_body() {
    let (_tmp, _server, api) = start();
    let tenant_before = ok(&api, "GET", "/v2/admin/tenants/default", None);
    let client = create(&api, CLIENTS, &code_client()).body;
    let cid = client["client_id"].as_str().unwrap().to_owned();
    let account = create(&api, "/v2/admin/accounts", &json!({"username": "alice"})).body;
    let aid = account["id"].as_str().unwrap().to_owned();
    let odd = json!({"bogus_field": 1});
    let cases: Vec<(&str, String, Value)> = vec![
        (
            "POST",
            "/v2/admin/tenants".into(),
            json!({"id": "acme", "display_name": "Acme"}),
        ),
        (
            "PATCH",
            "/v2/admin/tenants/default".into(),
            json!({"display_name": "Changed"}),
        ),
        (
            "POST",
            CLIENTS.into(),
            with(&code_client(), &json!({"client_id": "new-one"})),
        ),
        (
            "PATCH",
            format!("{CLIENTS}/{cid}"),
            json!({"name": "Changed"}),
        ),
        (
            "POST",
            format!("{CLIENTS}/{cid}/api-keys"),
            json!({"label": "k"}),
        ),
        (
            "POST",
            "/v2/admin/accounts".into(),
            json!({"username": "bob"}),
        ),
        (
            "PATCH",
            format!("/v2/admin/accounts/{aid}"),
            json!({"name": "Changed"}),
        ),
        (
            "PUT",
            format!("/v2/admin/tenants/default/members/{aid}"),
            json!({"scopes": ["x"]}),
        ),
        (
            "POST",
            "/v2/admin/tenants/default/accounts".into(),
            json!({"username": "carol", "scopes": [], "external_authentication_provider_id": "e1"}),
        ),
        ("PUT", INTROSPECTION.into(), introspection("s")),
        ("PUT", UPSTREAM.into(), upstream("s")),
        ("POST", "/v2/admin/tokens".into(), json!({"label": "t"})),
    ];
    let misses: Vec<String> = cases
        .iter()
        .filter_map(|(method, path, body)| {
            not_refused(&api, method, path, &with(body, &odd), &["bogus_field"])
        })
        .collect();
    assert!(
        misses.is_empty(),
        "unknown field accepted or not named:\n{}",
        misses.join("\n")
    );
    // A misspelt optional field is an unknown field too, not a silently ignored one.
    let reply = api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{aid}"),
        Some(&json!({"disable": true})),
    );
    assert_names(&reply, 400, &["disable"], "PATCH account with `disable`");

    assert_eq!(items(&api, "/v2/admin/tenants").len(), 1);
    assert_eq!(
        ok(&api, "GET", "/v2/admin/tenants/default", None),
        tenant_before
    );
    let clients = items(&api, CLIENTS);
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0]["name"], "Web app");
    assert_eq!(items(&api, &format!("{CLIENTS}/{cid}/api-keys")).len(), 0);
    let accounts = items(&api, "/v2/admin/accounts");
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    let alice = ok(&api, "GET", &format!("/v2/admin/accounts/{aid}"), None);
    assert_eq!(alice["name"], Value::Null);
    assert_eq!(alice["disabled"], false);
    assert_eq!(alice["memberships"], json!([]));
    assert_eq!(items(&api, "/v2/admin/tenants/default/members").len(), 0);
    assert_problem(
        &api.call("GET", INTROSPECTION, None),
        404,
        "no introspection",
    );
    assert_problem(&api.call("GET", UPSTREAM, None), 404, "no upstream");
    assert_eq!(items(&api, "/v2/admin/tokens").len(), 1);
}

// ---------------------------------------------------------------------------------------
// Wrong JSON types

#[test]
fn a_value_of_the_wrong_type_is_400_naming_the_field() {
    let (_tmp, _server, api) = start();
    let a = create(&api, "/v2/admin/accounts", &json!({"username": "alice"})).body;
    let members = format!(
        "/v2/admin/tenants/default/members/{}",
        a["id"].as_str().unwrap()
    );
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "POST",
            CLIENTS,
            with(
                &code_client(),
                &json!({"grant_types": "authorization_code"}),
            ),
            "grant_types",
        ),
        (
            "POST",
            CLIENTS,
            with(&code_client(), &json!({"require_consent": "no"})),
            "require_consent",
        ),
        (
            "POST",
            CLIENTS,
            with(&code_client(), &json!({"dpop_bound_access_tokens": "yes"})),
            "dpop_bound_access_tokens",
        ),
        (
            "POST",
            "/v2/admin/accounts",
            json!({"username": "x", "admin": "yes"}),
            "admin",
        ),
        ("PUT", &members, json!({"scopes": "read write"}), "scopes"),
        (
            "PUT",
            INTROSPECTION,
            with(&introspection("s"), &json!({"timeout_ms": -1})),
            "timeout_ms",
        ),
        (
            "PUT",
            UPSTREAM,
            with(&upstream("s"), &json!({"scopes": "openid profile"})),
            "scopes",
        ),
        (
            "PATCH",
            "/v2/admin/tenants/default",
            json!({"access_token_ttl_secs": "600"}),
            "access_token_ttl_secs",
        ),
    ];
    let misses: Vec<String> = cases
        .iter()
        .filter_map(|(method, path, body, field)| not_refused(&api, method, path, body, &[field]))
        .collect();
    assert!(
        misses.is_empty(),
        "wrong types not refused naming the field:\n{}",
        misses.join("\n")
    );
    assert_eq!(items(&api, "/v2/admin/accounts").len(), 1);
    assert_eq!(items(&api, CLIENTS).len(), 0);
    assert_eq!(items(&api, "/v2/admin/tenants/default/members").len(), 0);
}

// ---------------------------------------------------------------------------------------
// Unknown records

#[test]
fn an_unknown_tenant_or_record_in_the_path_is_404() {
    let (_tmp, _server, api) = start();
    let a = create(&api, "/v2/admin/accounts", &json!({"username": "alice"})).body;
    let aid = a["id"].as_str().unwrap().to_owned();
    let client = create(&api, CLIENTS, &code_client()).body;
    let cid = client["client_id"].as_str().unwrap().to_owned();
    let new_account = json!({
        "username": "ghost",
        "scopes": [],
        "external_authentication_provider_id": "g1"
    });
    let member = json!({"scopes": []});
    let mut cases: Vec<(&str, String, Option<Value>)> = Vec::new();
    let long = "x".repeat(64);
    for t in ["nope", "Bad_Slug", long.as_str()] {
        let base = format!("/v2/admin/tenants/{t}");
        cases.extend([
            ("GET", base.clone(), None),
            ("PATCH", base.clone(), Some(json!({"display_name": "X"}))),
            ("DELETE", base.clone(), None),
            ("GET", format!("{base}/clients"), None),
            ("POST", format!("{base}/clients"), Some(code_client())),
            ("GET", format!("{base}/clients/{cid}"), None),
            (
                "PATCH",
                format!("{base}/clients/{cid}"),
                Some(json!({"name": "X"})),
            ),
            ("DELETE", format!("{base}/clients/{cid}"), None),
            ("POST", format!("{base}/clients/{cid}/secret"), None),
            (
                "POST",
                format!("{base}/clients/{cid}/api-keys"),
                Some(json!({"label": "k"})),
            ),
            ("GET", format!("{base}/clients/{cid}/api-keys"), None),
            (
                "PUT",
                format!("{base}/introspection"),
                Some(introspection("s")),
            ),
            ("GET", format!("{base}/introspection"), None),
            ("DELETE", format!("{base}/introspection"), None),
            ("PUT", format!("{base}/upstream-oidc"), Some(upstream("s"))),
            ("GET", format!("{base}/upstream-oidc"), None),
            ("DELETE", format!("{base}/upstream-oidc"), None),
            ("GET", format!("{base}/members"), None),
            ("PUT", format!("{base}/members/{aid}"), Some(member.clone())),
            ("DELETE", format!("{base}/members/{aid}"), None),
            (
                "POST",
                format!("{base}/accounts"),
                Some(new_account.clone()),
            ),
        ]);
    }
    cases.extend([
        (
            "PUT",
            "/v2/admin/tenants/default/members/no-such-account".to_owned(),
            Some(member.clone()),
        ),
        (
            "PUT",
            "/v2/admin/tenants/default/members/00000000-0000-4000-8000-000000000000".to_owned(),
            Some(member.clone()),
        ),
        (
            "DELETE",
            format!("/v2/admin/tenants/default/members/{aid}"),
            None,
        ),
        ("GET", "/v2/admin/accounts/no-such-account".to_owned(), None),
        (
            "PATCH",
            "/v2/admin/accounts/no-such-account".to_owned(),
            Some(json!({"name": "X"})),
        ),
        (
            "DELETE",
            "/v2/admin/accounts/no-such-account".to_owned(),
            None,
        ),
        ("GET", format!("{CLIENTS}/no-such-client"), None),
        ("POST", format!("{CLIENTS}/no-such-client/secret"), None),
        (
            "POST",
            format!("{CLIENTS}/no-such-client/api-keys"),
            Some(json!({"label": "k"})),
        ),
        ("GET", format!("{CLIENTS}/no-such-client/api-keys"), None),
        (
            "DELETE",
            format!("{CLIENTS}/{cid}/api-keys/no-such-key"),
            None,
        ),
        ("DELETE", "/v2/admin/tokens/no-such-token".to_owned(), None),
    ]);
    for (method, path, body) in &cases {
        let reply = api.call(method, path, body.as_ref());
        assert_problem(&reply, 404, &format!("{method} {path}"));
    }
    assert_eq!(
        items(&api, "/v2/admin/accounts?username=ghost"),
        Vec::<Value>::new(),
        "no account was created for an unknown tenant"
    );
    assert_eq!(items(&api, "/v2/admin/tenants").len(), 1);
    assert_eq!(items(&api, "/v2/admin/tenants/default/members").len(), 0);
    assert_eq!(items(&api, &format!("{CLIENTS}/{cid}/api-keys")).len(), 0);
    assert_eq!(items(&api, CLIENTS).len(), 1);
}
