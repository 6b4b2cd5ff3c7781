//! Clients and their API keys.

use super::{
    assert_names, assert_problem, code_client, create, create_tenant, delete, exchange_client,
    is_rfc3339_utc, is_uuid, items, ok, start, str_of, with,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------------------
// Clients

#[test]
fn confidential_public_and_service_clients_have_the_documented_shapes() {
    let (_tmp, _server, api) = start();
    let reply = create(&api, "/v2/admin/tenants/default/clients", &code_client());
    let c = &reply.body;
    let cid = str_of(c, "client_id").to_owned();
    assert!(is_uuid(&cid), "a generated client_id is a UUID: {cid}");
    assert_eq!(
        reply.location.as_deref(),
        Some(format!("/v2/admin/tenants/default/clients/{cid}").as_str())
    );
    let secret = str_of(c, "client_secret").to_owned();
    assert!(secret.len() >= 32, "a high-entropy secret: {secret}");
    let expected = json!({
        "client_id": cid,
        "tenant": "default",
        "name": "Web app",
        "redirect_uris": ["https://app.example/cb"],
        "post_logout_redirect_uris": [],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scopes": ["openid", "profile", "offline_access"],
        "token_endpoint_auth_method": "client_secret_basic",
        "id_token_signed_response_alg": "RS256",
        "require_consent": false,
        "allowed_origins": [],
        "jwks": null,
        "jwks_uri": null,
        "require_pushed_authorization_requests": false,
        "dpop_bound_access_tokens": false,
        "backchannel_logout_uri": null,
        "backchannel_logout_session_required": false,
        "backchannel_logout_untyped": false,
        "created_at": c["created_at"],
    });
    assert!(is_rfc3339_utc(&c["created_at"]), "{c}");
    assert_eq!(with(&expected, &json!({"client_secret": secret})), *c);

    let got = ok(
        &api,
        "GET",
        &format!("/v2/admin/tenants/default/clients/{cid}"),
        None,
    );
    assert_eq!(got, expected, "GET shows the client without its secret");
    assert!(!got.to_string().contains(&secret));

    let public = create(
        &api,
        "/v2/admin/tenants/default/clients",
        &json!({
            "name": "Native app",
            "redirect_uris": ["http://127.0.0.1:8080/cb", "https://spa.example/cb"],
            "post_logout_redirect_uris": ["https://spa.example/bye"],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "scopes": ["openid"],
            "token_endpoint_auth_method": "none",
            "id_token_signed_response_alg": "EdDSA",
            "require_consent": true
        }),
    )
    .body;
    assert!(
        public.get("client_secret").is_none_or(Value::is_null),
        "a public client has no secret: {public}"
    );
    assert_eq!(public["token_endpoint_auth_method"], "none");
    assert_eq!(public["id_token_signed_response_alg"], "EdDSA");
    assert_eq!(public["require_consent"], true);
    assert_eq!(
        public["post_logout_redirect_uris"],
        json!(["https://spa.example/bye"])
    );

    let service = create(
        &api,
        "/v2/admin/tenants/default/clients",
        &json!({
            "name": "Backend",
            "redirect_uris": [],
            "grant_types": ["client_credentials"],
            "response_types": [],
            "scopes": ["api.read", "api.write"],
            "token_endpoint_auth_method": "client_secret_post"
        }),
    )
    .body;
    assert_eq!(service["redirect_uris"], json!([]));
    assert_eq!(service["response_types"], json!([]));
    assert_eq!(service["grant_types"], json!(["client_credentials"]));
    let service_secret = str_of(&service, "client_secret").to_owned();
    assert_ne!(service_secret, secret);

    let listed = items(&api, "/v2/admin/tenants/default/clients");
    assert_eq!(listed.len(), 3, "{listed:?}");
    let text = Value::from(listed.clone()).to_string();
    assert!(listed.iter().all(|c| c.get("client_secret").is_none()));
    assert!(!text.contains(&secret) && !text.contains(&service_secret));
    let ids: BTreeSet<&str> = listed.iter().map(|c| str_of(c, "client_id")).collect();
    assert!(ids.contains(cid.as_str()));
}

#[test]
fn a_chosen_client_id_is_unique_per_tenant_only() {
    let (_tmp, _server, api) = start();
    create_tenant(&api, "other");
    let body = with(&code_client(), &json!({"client_id": "My-App.v1_~"}));
    for tenant in ["default", "other"] {
        let reply = create(&api, &format!("/v2/admin/tenants/{tenant}/clients"), &body);
        assert_eq!(reply.body["client_id"], "My-App.v1_~");
        assert_eq!(reply.body["tenant"], tenant);
        assert_eq!(
            reply.location.as_deref(),
            Some(format!("/v2/admin/tenants/{tenant}/clients/My-App.v1_~").as_str())
        );
    }
    let clash = api.call(
        "POST",
        "/v2/admin/tenants/default/clients",
        Some(&with(&body, &json!({"name": "Impostor"}))),
    );
    assert_names(
        &clash,
        409,
        &["client_id", "My-App.v1_~"],
        "the same client_id twice in one tenant",
    );
    let listed = items(&api, "/v2/admin/tenants/default/clients");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["name"], "Web app", "the first one is untouched");
}

#[test]
fn a_client_is_patched_its_secret_rotated_and_deleted() {
    let (_tmp, server, api) = start();
    let c = create(&api, "/v2/admin/tenants/default/clients", &code_client()).body;
    let cid = str_of(&c, "client_id").to_owned();
    let first_secret = str_of(&c, "client_secret").to_owned();
    let path = format!("/v2/admin/tenants/default/clients/{cid}");
    let mut expected = c.clone();
    expected.as_object_mut().unwrap().remove("client_secret");

    let patched = ok(
        &api,
        "PATCH",
        &path,
        Some(&json!({"redirect_uris": ["https://app.example/cb2", "https://app.example/cb3"]})),
    );
    expected["redirect_uris"] = json!(["https://app.example/cb2", "https://app.example/cb3"]);
    assert_eq!(patched, expected, "only redirect_uris changed");
    let patched = ok(
        &api,
        "PATCH",
        &path,
        Some(&json!({"name": "Renamed", "require_consent": true, "scopes": ["openid"]})),
    );
    expected["name"] = json!("Renamed");
    expected["require_consent"] = json!(true);
    expected["scopes"] = json!(["openid"]);
    assert_eq!(patched, expected);
    assert_eq!(ok(&api, "GET", &path, None), expected);
    let patched = ok(
        &api,
        "PATCH",
        &path,
        Some(&json!({"dpop_bound_access_tokens": true})),
    );
    expected["dpop_bound_access_tokens"] = json!(true);
    assert_eq!(patched, expected, "only dpop_bound_access_tokens changed");

    let rotated = api.call("POST", &format!("{path}/secret"), None);
    assert!(
        rotated.status == 200 || rotated.status == 201,
        "rotation succeeds: {} {}",
        rotated.status,
        rotated.body
    );
    assert_eq!(rotated.body["client_id"], cid.as_str());
    let second_secret = str_of(&rotated.body, "client_secret").to_owned();
    assert_ne!(second_secret, first_secret);
    let third = api.call("POST", &format!("{path}/secret"), None).body;
    let third_secret = str_of(&third, "client_secret").to_owned();
    assert_ne!(third_secret, second_secret);
    let got = ok(&api, "GET", &path, None);
    assert_eq!(got, expected, "rotation changes nothing visible");
    for s in [&first_secret, &second_secret, &third_secret] {
        assert!(!got.to_string().contains(s.as_str()));
        assert!(
            !server.log().contains(s.as_str()),
            "secrets never reach the log"
        );
    }

    delete(&api, &path);
    assert_problem(&api.call("GET", &path, None), 404, "GET after DELETE");
    assert_problem(&api.call("DELETE", &path, None), 404, "second DELETE");
    assert_problem(
        &api.call("POST", &format!("{path}/secret"), None),
        404,
        "rotate a deleted client",
    );
    assert_eq!(
        items(&api, "/v2/admin/tenants/default/clients"),
        Vec::<Value>::new()
    );
}

// ---------------------------------------------------------------------------------------
// API keys

#[test]
fn api_keys_are_shown_once_listed_without_value_and_revoked() {
    let (_tmp, server, api) = start();
    let c = create(
        &api,
        "/v2/admin/tenants/default/clients",
        &exchange_client(),
    )
    .body;
    let cid = str_of(&c, "client_id").to_owned();
    let keys_path = format!("/v2/admin/tenants/default/clients/{cid}/api-keys");

    let reply = create(&api, &keys_path, &json!({"label": "partner backend"}));
    let k = &reply.body;
    let id = str_of(k, "id").to_owned();
    let value = str_of(k, "key").to_owned();
    assert!(value.starts_with("lkapi_") && value.len() >= 40, "{value}");
    assert_eq!(k["label"], "partner backend");
    assert_eq!(k["client_id"], cid.as_str());
    assert!(is_rfc3339_utc(&k["created_at"]), "{k}");
    let location = reply.location.clone().unwrap_or_default();
    assert!(location.ends_with(&format!("/api-keys/{id}")), "{location}");
    let second = create(&api, &keys_path, &json!({"label": "second"})).body;
    assert_ne!(second["key"], k["key"]);
    assert_ne!(second["id"], k["id"]);

    let listed = items(&api, &keys_path);
    assert_eq!(listed.len(), 2, "{listed:?}");
    let mine = listed.iter().find(|x| x["id"] == id.as_str()).unwrap();
    assert_eq!(
        *mine,
        json!({
            "id": id,
            "label": "partner backend",
            "client_id": cid,
            "created_at": k["created_at"],
            "last_used_at": null
        })
    );
    let text = Value::from(listed).to_string();
    assert!(!text.contains(&value) && !text.contains(str_of(&second, "key")));
    assert!(!server.log().contains(&value), "keys never reach the log");

    delete(&api, &format!("{keys_path}/{id}"));
    let listed = items(&api, &keys_path);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["label"], "second");
    assert_problem(
        &api.call("DELETE", &format!("{keys_path}/{id}"), None),
        404,
        "second DELETE",
    );
}
