//! Tenants: create, get, patch, delete with the discovery document, paging, and what
//! deleting a tenant removes.

use super::{
    all_pages, assert_names, assert_problem, create, create_account, create_tenant, delete,
    exchange_client, introspection, is_rfc3339_utc, items, ok, start, str_of, upstream, with,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------------------
// Tenants

#[test]
fn tenant_create_get_patch_delete_with_its_discovery_document() {
    let (_tmp, server, api) = start();
    let discovery = "/t/acme/.well-known/openid-configuration";
    assert_eq!(server.get(discovery).0, 404, "no tenant yet");

    let reply = create(
        &api,
        "/v2/admin/tenants",
        &json!({"id": "acme", "display_name": "Acme Inc."}),
    );
    assert_eq!(reply.location.as_deref(), Some("/v2/admin/tenants/acme"));
    let t = &reply.body;
    let issuer = format!("{}/t/acme", server.base);
    for (field, want) in [
        ("id", json!("acme")),
        ("display_name", json!("Acme Inc.")),
        ("issuer", json!(issuer)),
        ("access_token_alg", json!("ES256")),
        ("access_token_ttl_secs", json!(3600)),
        ("id_token_ttl_secs", json!(3600)),
        ("refresh_token_ttl_secs", json!(2_592_000)),
    ] {
        assert_eq!(t[field], want, "{field} in {t}");
    }
    assert!(is_rfc3339_utc(&t["created_at"]), "{t}");

    assert_eq!(&ok(&api, "GET", "/v2/admin/tenants/acme", None), t);
    let (status, doc) = server.get(discovery);
    assert_eq!(status, 200, "{doc}");
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc["issuer"], issuer);
    assert_eq!(doc["jwks_uri"], format!("{issuer}/jwks"));
    assert_eq!(server.get("/t/acme/jwks").0, 200);

    let dup = api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&json!({"id": "acme", "display_name": "Again"})),
    );
    assert_names(&dup, 409, &["id", "acme"], "a second tenant `acme`");

    let patched = ok(
        &api,
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({
            "display_name": "Acme Corporation",
            "access_token_alg": "RS256",
            "access_token_ttl_secs": 600,
            "id_token_ttl_secs": 300,
            "refresh_token_ttl_secs": 86_400
        })),
    );
    let want = with(
        t,
        &json!({
            "display_name": "Acme Corporation",
            "access_token_alg": "RS256",
            "access_token_ttl_secs": 600,
            "id_token_ttl_secs": 300,
            "refresh_token_ttl_secs": 86_400
        }),
    );
    assert_eq!(patched, want, "PATCH changes exactly the fields sent");
    let partial = ok(
        &api,
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({"display_name": "Acme"})),
    );
    assert_eq!(partial, with(&want, &json!({"display_name": "Acme"})));
    assert_eq!(ok(&api, "GET", "/v2/admin/tenants/acme", None), partial);

    delete(&api, "/v2/admin/tenants/acme");
    assert_problem(
        &api.call("GET", "/v2/admin/tenants/acme", None),
        404,
        "GET after DELETE",
    );
    assert_problem(
        &api.call("DELETE", "/v2/admin/tenants/acme", None),
        404,
        "second DELETE",
    );
    assert_eq!(
        server.get(discovery).0,
        404,
        "discovery ends with the tenant"
    );
    assert_eq!(server.get("/t/acme/jwks").0, 404);
    let listed: Vec<Value> = items(&api, "/v2/admin/tenants");
    assert!(listed.iter().all(|t| t["id"] != "acme"), "{listed:?}");
}

#[test]
fn tenants_are_listed_page_by_page() {
    let (_tmp, server, api) = start();
    for id in ["t-c", "t-a", "t-e", "t-b", "t-d"] {
        create_tenant(&api, id);
    }
    let first = ok(&api, "GET", "/v2/admin/tenants?limit=2", None);
    assert_eq!(first["items"].as_array().unwrap().len(), 2, "{first}");
    assert!(first["next"].is_string(), "more pages follow: {first}");

    let seen: Vec<String> = all_pages(&api, "/v2/admin/tenants", 2)
        .iter()
        .map(|t| str_of(t, "id").to_owned())
        .collect();
    let unique: BTreeSet<&str> = seen.iter().map(String::as_str).collect();
    assert_eq!(seen.len(), 6, "each tenant exactly once: {seen:?}");
    assert_eq!(
        unique,
        BTreeSet::from(["default", "t-a", "t-b", "t-c", "t-d", "t-e"])
    );
    let whole = all_pages(&api, "/v2/admin/tenants", 500);
    assert_eq!(whole.len(), 6);
    for t in &whole {
        assert_eq!(
            t["issuer"],
            format!("{}/t/{}", server.base, str_of(t, "id")),
            "{t}"
        );
    }
    assert_eq!(items(&api, "/v2/admin/tenants?limit=1").len(), 1);
}

#[test]
fn deleting_a_tenant_removes_clients_members_settings_and_api_keys() {
    let (_tmp, server, api) = start();
    create_tenant(&api, "gone");
    let client = create(&api, "/v2/admin/tenants/gone/clients", &exchange_client()).body;
    let cid = str_of(&client, "client_id").to_owned();
    let key = create(
        &api,
        &format!("/v2/admin/tenants/gone/clients/{cid}/api-keys"),
        &json!({"label": "exchange"}),
    )
    .body;
    let account = create_account(&api, "member");
    let aid = str_of(&account, "id").to_owned();
    ok(
        &api,
        "PUT",
        &format!("/v2/admin/tenants/gone/members/{aid}"),
        Some(&json!({"scopes": ["read"], "external_authentication_provider_id": "ext-9"})),
    );
    ok(
        &api,
        "PUT",
        "/v2/admin/tenants/gone/introspection",
        Some(&introspection("intro-secret")),
    );
    ok(
        &api,
        "PUT",
        "/v2/admin/tenants/gone/upstream-oidc",
        Some(&upstream("up-secret")),
    );

    delete(&api, "/v2/admin/tenants/gone");
    for path in [
        "/v2/admin/tenants/gone/clients".to_owned(),
        format!("/v2/admin/tenants/gone/clients/{cid}"),
        "/v2/admin/tenants/gone/members".to_owned(),
        "/v2/admin/tenants/gone/introspection".to_owned(),
        "/v2/admin/tenants/gone/upstream-oidc".to_owned(),
    ] {
        assert_problem(&api.call("GET", &path, None), 404, &path);
    }
    let acct = ok(&api, "GET", &format!("/v2/admin/accounts/{aid}"), None);
    assert_eq!(
        acct["memberships"],
        json!([]),
        "the account stays, without its membership: {acct}"
    );

    let again = create_tenant(&api, "gone");
    assert_eq!(again["access_token_alg"], "ES256");
    assert_eq!(
        items(&api, "/v2/admin/tenants/gone/clients"),
        Vec::<Value>::new()
    );
    assert_eq!(
        items(&api, "/v2/admin/tenants/gone/members"),
        Vec::<Value>::new()
    );
    for path in [
        "/v2/admin/tenants/gone/introspection".to_owned(),
        "/v2/admin/tenants/gone/upstream-oidc".to_owned(),
        format!("/v2/admin/tenants/gone/clients/{cid}"),
        format!("/v2/admin/tenants/gone/clients/{cid}/api-keys"),
        format!(
            "/v2/admin/tenants/gone/clients/{cid}/api-keys/{}",
            str_of(&key, "id")
        ),
    ] {
        let method = if path.contains("/api-keys/") {
            "DELETE"
        } else {
            "GET"
        };
        assert_problem(&api.call(method, &path, None), 404, &path);
    }
    let acct = ok(&api, "GET", &format!("/v2/admin/accounts/{aid}"), None);
    assert_eq!(acct["memberships"], json!([]), "{acct}");
    // The external id the old incarnation used is free again.
    let fresh = create_account(&api, "newcomer");
    let put = ok(
        &api,
        "PUT",
        &format!("/v2/admin/tenants/gone/members/{}", str_of(&fresh, "id")),
        Some(&json!({"scopes": [], "external_authentication_provider_id": "ext-9"})),
    );
    assert_eq!(put["external_authentication_provider_id"], "ext-9");
    assert_eq!(server.get("/t/gone/jwks").0, 200);
}
