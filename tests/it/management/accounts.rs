//! Accounts, usernames, memberships, and provisioning an account with its membership.

use super::{
    account_by_username, assert_names, assert_problem, create, create_account, create_tenant,
    delete, is_rfc3339_utc, items, ok, start, str_of,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Accounts

#[test]
fn accounts_are_created_found_patched_and_deleted() {
    let (_tmp, server, api) = start();
    let password = "correct horse battery staple 42";
    let reply = create(
        &api,
        "/v2/admin/accounts",
        &json!({
            "username": "Alice",
            "email": "alice@wonderland.example",
            "name": "Alice Liddell",
            "password": password
        }),
    );
    let alice = &reply.body;
    let aid = str_of(alice, "id").to_owned();
    assert_eq!(
        reply.location.as_deref(),
        Some(format!("/v2/admin/accounts/{aid}").as_str())
    );
    for (field, want) in [
        ("username", json!("Alice")),
        ("email", json!("alice@wonderland.example")),
        ("name", json!("Alice Liddell")),
        ("admin", json!(false)),
        ("disabled", json!(false)),
        ("password_set", json!(true)),
    ] {
        assert_eq!(alice[field], want, "{field} in {alice}");
    }
    assert!(is_rfc3339_utc(&alice["created_at"]), "{alice}");
    assert!(alice.get("password").is_none() && !alice.to_string().contains(password));
    assert!(
        !server.log().contains(password),
        "passwords never reach the log"
    );

    let bob = create(
        &api,
        "/v2/admin/accounts",
        &json!({"username": "bob", "email": "bob@builder.example", "admin": true}),
    )
    .body;
    assert_eq!(bob["password_set"], false);
    assert_eq!(bob["admin"], true);
    assert_eq!(bob["name"], Value::Null);
    let carol = create_account(&api, "carol");
    assert_eq!(carol["email"], Value::Null);
    assert_eq!(carol["password_set"], false);

    for spelling in ["alice", "ALICE", "Alice", "aLiCe"] {
        let found = account_by_username(&api, spelling);
        assert_eq!(found.len(), 1, "?username={spelling}: {found:?}");
        assert_eq!(found[0]["id"], aid.as_str());
        assert_eq!(found[0]["username"], "Alice", "stored as given");
    }
    assert_eq!(
        account_by_username(&api, "alic"),
        Vec::<Value>::new(),
        "exact match only"
    );
    assert_eq!(account_by_username(&api, "nobody"), Vec::<Value>::new());
    let by_email = items(&api, "/v2/admin/accounts?q=builder");
    assert_eq!(by_email.len(), 1, "{by_email:?}");
    assert_eq!(by_email[0]["username"], "bob");
    let by_name = items(&api, "/v2/admin/accounts?q=aro");
    assert_eq!(by_name.len(), 1, "{by_name:?}");
    assert_eq!(by_name[0]["username"], "carol");
    assert_eq!(
        items(&api, "/v2/admin/accounts?q=zzz-no-match"),
        Vec::<Value>::new()
    );
    assert_eq!(items(&api, "/v2/admin/accounts").len(), 3);

    let path = format!("/v2/admin/accounts/{aid}");
    let got = ok(&api, "GET", &path, None);
    assert_eq!(got["memberships"], json!([]), "{got}");
    assert_eq!(got["username"], "Alice");

    let patched = ok(
        &api,
        "PATCH",
        &path,
        Some(&json!({"email": "alice@looking-glass.example", "name": "A. L.", "disabled": true})),
    );
    assert_eq!(patched["email"], "alice@looking-glass.example");
    assert_eq!(patched["name"], "A. L.");
    assert_eq!(patched["disabled"], true);
    assert_eq!(patched["username"], "Alice");
    assert_eq!(patched["password_set"], true, "untouched");
    let cleared = ok(
        &api,
        "PATCH",
        &path,
        Some(&json!({"email": null, "password": null, "disabled": false})),
    );
    assert_eq!(cleared["email"], Value::Null);
    assert_eq!(cleared["password_set"], false);
    assert_eq!(cleared["disabled"], false);
    assert_eq!(cleared["name"], "A. L.", "a field not sent is kept");
    let got = ok(&api, "GET", &path, None);
    assert_eq!(got["email"], Value::Null);
    assert_eq!(got["name"], "A. L.");
    assert_eq!(
        items(&api, "/v2/admin/accounts?q=looking-glass"),
        Vec::<Value>::new(),
        "the cleared email is no longer searchable"
    );

    delete(&api, &path);
    assert_problem(&api.call("GET", &path, None), 404, "GET after DELETE");
    assert_problem(&api.call("DELETE", &path, None), 404, "second DELETE");
    assert_eq!(account_by_username(&api, "alice"), Vec::<Value>::new());
    let reborn = create_account(&api, "alice");
    assert_ne!(reborn["id"], aid.as_str(), "a new account, a new id");
}

#[test]
fn usernames_are_unique_regardless_of_case() {
    let (_tmp, _server, api) = start();
    let alice = create_account(&api, "alice");
    let clash = api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": "Alice"})),
    );
    assert_names(&clash, 409, &["username"], "Alice after alice");
    let bob = create_account(&api, "bob");
    let rename = api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", str_of(&bob, "id")),
        Some(&json!({"username": "ALICE", "name": "Bob"})),
    );
    assert_names(&rename, 409, &["username"], "renaming bob to ALICE");
    let got = ok(
        &api,
        "GET",
        &format!("/v2/admin/accounts/{}", str_of(&bob, "id")),
        None,
    );
    assert_eq!(got["username"], "bob");
    assert_eq!(
        got["name"],
        Value::Null,
        "the refused PATCH changed nothing"
    );
    let renamed = ok(
        &api,
        "PATCH",
        &format!("/v2/admin/accounts/{}", str_of(&alice, "id")),
        Some(&json!({"username": "ALICE"})),
    );
    assert_eq!(
        renamed["username"], "ALICE",
        "an account may change its own case"
    );
    assert_eq!(items(&api, "/v2/admin/accounts").len(), 2);
}

// ---------------------------------------------------------------------------------------
// Memberships

#[test]
fn memberships_are_put_replaced_listed_and_deleted() {
    let (_tmp, _server, api) = start();
    create_tenant(&api, "acme");
    let alice = create_account(&api, "alice");
    let aid = str_of(&alice, "id").to_owned();
    let bob = create_account(&api, "bob");
    let bid = str_of(&bob, "id").to_owned();
    let path = format!("/v2/admin/tenants/default/members/{aid}");

    let first = ok(
        &api,
        "PUT",
        &path,
        Some(&json!({"scopes": ["read"], "external_authentication_provider_id": "ext-1"})),
    );
    assert_eq!(first["tenant"], "default");
    assert_eq!(first["account_id"], aid.as_str());
    assert_eq!(first["username"], "alice");
    assert_eq!(first["scopes"], json!(["read"]));
    assert_eq!(first["external_authentication_provider_id"], "ext-1");
    assert!(is_rfc3339_utc(&first["created_at"]), "{first}");

    let replaced = ok(
        &api,
        "PUT",
        &path,
        Some(&json!({"scopes": ["read", "write"], "external_authentication_provider_id": "ext-2"})),
    );
    assert_eq!(replaced["scopes"], json!(["read", "write"]));
    assert_eq!(replaced["external_authentication_provider_id"], "ext-2");
    let same_again = ok(
        &api,
        "PUT",
        &path,
        Some(&json!({"scopes": ["read", "write"], "external_authentication_provider_id": "ext-2"})),
    );
    assert_eq!(
        same_again["external_authentication_provider_id"], "ext-2",
        "no clash with itself"
    );

    let listed = items(&api, "/v2/admin/tenants/default/members");
    assert_eq!(listed.len(), 1, "replaced, not added: {listed:?}");
    assert_eq!(listed[0]["account_id"], aid.as_str());
    assert_eq!(listed[0]["scopes"], json!(["read", "write"]));
    assert_eq!(listed[0]["external_authentication_provider_id"], "ext-2");

    let clash = api.call(
        "PUT",
        &format!("/v2/admin/tenants/default/members/{bid}"),
        Some(&json!({"scopes": [], "external_authentication_provider_id": "ext-2"})),
    );
    assert_names(
        &clash,
        409,
        &["external_authentication_provider_id"],
        "bob with alice's external id",
    );
    assert_eq!(items(&api, "/v2/admin/tenants/default/members").len(), 1);
    let old_free = ok(
        &api,
        "PUT",
        &format!("/v2/admin/tenants/default/members/{bid}"),
        Some(&json!({"scopes": [], "external_authentication_provider_id": "ext-1"})),
    );
    assert_eq!(
        old_free["external_authentication_provider_id"], "ext-1",
        "alice's former external id was released when replaced"
    );
    let elsewhere = ok(
        &api,
        "PUT",
        &format!("/v2/admin/tenants/acme/members/{bid}"),
        Some(&json!({"scopes": ["admin"], "external_authentication_provider_id": "ext-2"})),
    );
    assert_eq!(elsewhere["tenant"], "acme");
    let no_external = ok(
        &api,
        "PUT",
        &format!("/v2/admin/tenants/acme/members/{aid}"),
        Some(&json!({"scopes": []})),
    );
    assert_eq!(
        no_external["external_authentication_provider_id"],
        Value::Null
    );

    let bob_now = ok(&api, "GET", &format!("/v2/admin/accounts/{bid}"), None);
    let mut ms: Vec<Value> = bob_now["memberships"].as_array().unwrap().clone();
    ms.sort_by_key(|m| m["tenant"].as_str().unwrap_or_default().to_owned());
    assert_eq!(
        ms,
        vec![
            json!({"tenant": "acme", "scopes": ["admin"], "external_authentication_provider_id": "ext-2", "active": true}),
            json!({"tenant": "default", "scopes": [], "external_authentication_provider_id": "ext-1", "active": true}),
        ]
    );

    delete(&api, &path);
    assert_problem(&api.call("DELETE", &path, None), 404, "second DELETE");
    let listed = items(&api, "/v2/admin/tenants/default/members");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["account_id"], bid.as_str());
    let alice_now = ok(&api, "GET", &format!("/v2/admin/accounts/{aid}"), None);
    assert_eq!(
        alice_now["memberships"],
        json!([{"tenant": "acme", "scopes": [], "external_authentication_provider_id": null, "active": true}])
    );
    // The external id is free again after the delete.
    ok(
        &api,
        "PUT",
        &path,
        Some(&json!({"scopes": [], "external_authentication_provider_id": "ext-2"})),
    );

    delete(&api, &format!("/v2/admin/accounts/{bid}"));
    let listed = items(&api, "/v2/admin/tenants/default/members");
    assert_eq!(
        listed.len(),
        1,
        "deleting an account removes its memberships"
    );
    assert_eq!(listed[0]["account_id"], aid.as_str());
    assert_eq!(items(&api, "/v2/admin/tenants/acme/members").len(), 1);
}

#[test]
fn account_and_membership_are_created_in_one_call_or_not_at_all() {
    let (_tmp, _server, api) = start();
    create_tenant(&api, "acme");
    let reply = create(
        &api,
        "/v2/admin/tenants/acme/accounts",
        &json!({
            "username": "carol",
            "email": "carol@acme.example",
            "scopes": ["orders"],
            "external_authentication_provider_id": "idp-123"
        }),
    );
    let carol = &reply.body;
    let cid = str_of(carol, "id").to_owned();
    assert!(
        reply
            .location
            .as_deref()
            .unwrap_or_default()
            .ends_with(&cid),
        "{:?}",
        reply.location
    );
    assert_eq!(carol["username"], "carol");
    assert_eq!(carol["email"], "carol@acme.example");
    assert_eq!(
        carol["memberships"],
        json!([{"tenant": "acme", "scopes": ["orders"], "external_authentication_provider_id": "idp-123", "active": true}])
    );
    let members = items(&api, "/v2/admin/tenants/acme/members");
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["account_id"], cid.as_str());
    assert_eq!(members[0]["external_authentication_provider_id"], "idp-123");

    let clash = api.call(
        "POST",
        "/v2/admin/tenants/acme/accounts",
        Some(&json!({
            "username": "dave",
            "scopes": [],
            "external_authentication_provider_id": "idp-123"
        })),
    );
    assert_names(
        &clash,
        409,
        &["external_authentication_provider_id"],
        "a second member with idp-123",
    );
    assert_eq!(
        account_by_username(&api, "dave"),
        Vec::<Value>::new(),
        "no account is left behind by the refused call"
    );
    let taken = api.call(
        "POST",
        "/v2/admin/tenants/acme/accounts",
        Some(&json!({
            "username": "CAROL",
            "scopes": [],
            "external_authentication_provider_id": "idp-456"
        })),
    );
    assert_names(&taken, 409, &["username"], "a second carol");
    assert_eq!(items(&api, "/v2/admin/tenants/acme/members").len(), 1);
    assert_eq!(items(&api, "/v2/admin/accounts").len(), 1);

    let dave = create(
        &api,
        "/v2/admin/tenants/default/accounts",
        &json!({
            "username": "dave",
            "scopes": [],
            "external_authentication_provider_id": "idp-123"
        }),
    )
    .body;
    assert_eq!(dave["memberships"][0]["tenant"], "default");
    assert_eq!(account_by_username(&api, "DAVE").len(), 1);
}
