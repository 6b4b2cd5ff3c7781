//! The management API's success paths: tenants, clients, API keys, accounts, memberships,
//! settings, signing keys and the audit log, with the exact shapes README promises, plus
//! durability after a crash and a race on one username.

use crate::support::api::{Api, Reply};
use crate::support::server::Server;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// A fresh server and a client for it. Bind all three (`let (_tmp, server, api)`), so the
/// data dir outlives the server.
pub(crate) fn start() -> (tempfile::TempDir, Server, Api) {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    (tmp, server, api)
}

/// `POST path body`, which must answer 201; returns the whole reply.
pub(crate) fn create(api: &Api, path: &str, body: &Value) -> Reply {
    let reply = api.call("POST", path, Some(body));
    assert_eq!(reply.status, 201, "POST {path} {body}: {}", reply.body);
    assert_eq!(reply.content_type, "application/json", "POST {path}");
    reply
}

/// `method path body`, which must answer 200; returns the body.
pub(crate) fn ok(api: &Api, method: &str, path: &str, body: Option<&Value>) -> Value {
    let reply = api.call(method, path, body);
    assert_eq!(reply.status, 200, "{method} {path}: {}", reply.body);
    reply.body
}

/// The items of a one-page list.
pub(crate) fn items(api: &Api, path: &str) -> Vec<Value> {
    let body = ok(api, "GET", path, None);
    assert!(body.get("next").is_some(), "a list has `next`: {body}");
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("GET {path}: no items array: {body}"))
        .clone()
}

/// Every item of a list, following `next` with `limit` items per page.
pub(crate) fn all_pages(api: &Api, path: &str, limit: usize) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut url = format!("{path}{sep}limit={limit}");
    let mut seen = Vec::new();
    for _ in 0..1000 {
        let body = ok(api, "GET", &url, None);
        let page = body["items"].as_array().unwrap();
        assert!(page.len() <= limit, "page larger than limit: {body}");
        seen.extend(page.iter().cloned());
        match body["next"].as_str() {
            Some(next) => url = format!("{path}{sep}limit={limit}&after={next}"),
            None => return seen,
        }
    }
    panic!("pagination of {path} does not end");
}

/// DELETE, which must answer 204 with no body.
pub(crate) fn delete(api: &Api, path: &str) {
    let reply = api.call("DELETE", path, None);
    assert_eq!(reply.status, 204, "DELETE {path}: {}", reply.body);
    assert!(reply.body.is_null(), "204 has no body: {}", reply.body);
}

/// Asserts a problem+json answer with `status`.
pub(crate) fn assert_problem(reply: &Reply, status: u16, what: &str) {
    assert_eq!(reply.status, status, "{what}: {}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json", "{what}");
    assert_eq!(reply.body["status"], status, "{what}: {}", reply.body);
    assert!(reply.body["detail"].is_string(), "{what}: {}", reply.body);
}

/// True when `field` appears in `detail` as a whole word (not inside a longer name).
pub(crate) fn names_field(detail: &str, field: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    detail.match_indices(field).any(|(i, _)| {
        let before = detail[..i].chars().next_back();
        let after = detail[i + field.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Asserts `reply` is a problem+json with `status` whose detail names one of `fields`.
pub(crate) fn assert_names(reply: &Reply, status: u16, fields: &[&str], what: &str) {
    assert_problem(reply, status, what);
    let detail = reply.body["detail"].as_str().unwrap();
    assert!(
        fields.iter().any(|f| names_field(detail, f)),
        "{what}: the detail should name {fields:?}: {detail}"
    );
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
pub(crate) fn is_rfc3339_utc(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && s.ends_with('Z')
}

/// Settings with trailing whitespace cut from `ca_pem`: README does not promise the PEM
/// text back byte for byte, only the certificates.
pub(crate) fn trim_pem(mut settings: Value) -> Value {
    if let Some(pem) = settings["ca_pem"].as_str() {
        settings["ca_pem"] = Value::from(pem.trim_end());
    }
    settings
}

/// A confidential code-flow client with refresh.
pub(crate) fn code_client() -> Value {
    json!({
        "name": "Web app",
        "redirect_uris": ["https://app.example/cb"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scopes": ["openid", "profile", "offline_access"],
        "token_endpoint_auth_method": "client_secret_basic"
    })
}

/// `base` with the top-level members of `patch` replaced.
pub(crate) fn with(base: &Value, patch: &Value) -> Value {
    let mut out = base.clone();
    for (k, v) in patch.as_object().unwrap() {
        out[k] = v.clone();
    }
    out
}

/// Introspection settings with only the required fields.
pub(crate) fn introspection(secret: &str) -> Value {
    json!({
        "url": "https://idp.example/oauth2/introspect",
        "client_id": "latchkey-at-idp",
        "client_secret": secret
    })
}

/// Upstream OIDC settings with only the required fields.
pub(crate) fn upstream(secret: &str) -> Value {
    json!({
        "configuration_url": "https://up.example/.well-known/openid-configuration",
        "client_id": "latchkey-at-upstream",
        "client_secret": secret
    })
}

fn create_tenant(api: &Api, id: &str) -> Value {
    create(
        api,
        "/v2/admin/tenants",
        &json!({"id": id, "display_name": format!("Tenant {id}")}),
    )
    .body
}

fn create_account(api: &Api, username: &str) -> Value {
    create(api, "/v2/admin/accounts", &json!({"username": username})).body
}

fn str_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` is not a string in {v}"))
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn account_by_username(api: &Api, username: &str) -> Vec<Value> {
    items(api, &format!("/v2/admin/accounts?username={username}"))
}

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
    let client = create(&api, "/v2/admin/tenants/gone/clients", &code_client()).body;
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
    let c = create(&api, "/v2/admin/tenants/default/clients", &code_client()).body;
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
            json!({"tenant": "acme", "scopes": ["admin"], "external_authentication_provider_id": "ext-2"}),
            json!({"tenant": "default", "scopes": [], "external_authentication_provider_id": "ext-1"}),
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
        json!([{"tenant": "acme", "scopes": [], "external_authentication_provider_id": null}])
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
        json!([{"tenant": "acme", "scopes": ["orders"], "external_authentication_provider_id": "idp-123"}])
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

// ---------------------------------------------------------------------------------------
// Settings

#[test]
fn introspection_settings_never_show_their_secret() {
    let (_tmp, server, api) = start();
    let path = "/v2/admin/tenants/default/introspection";
    assert_problem(&api.call("GET", path, None), 404, "no settings yet");

    let secret = "intro-SECRET-0f9a8b7c";
    let put = ok(&api, "PUT", path, Some(&introspection(secret)));
    let want = json!({
        "url": "https://idp.example/oauth2/introspect",
        "client_id": "latchkey-at-idp",
        "client_secret_set": true,
        "account_id_pointer": "/account_id",
        "timeout_ms": 5000,
        "ca_pem": null,
        "expected_issuer": null,
        "expected_audience": null,
        "cache_ttl_secs": 0
    });
    assert_eq!(put, want);
    assert_eq!(ok(&api, "GET", path, None), want);

    let ca = std::fs::read_to_string(server.data_dir.join("tls/cert.pem")).unwrap();
    let ca_trimmed = ca.trim_end().to_owned();
    let full = ok(
        &api,
        "PUT",
        path,
        Some(&json!({
            "url": "https://idp2.example/introspect",
            "client_id": "second",
            "account_id_pointer": "/ext/account~1id",
            "timeout_ms": 1500,
            "ca_pem": ca,
            "expected_issuer": "https://idp2.example",
            "expected_audience": "latchkey",
            "cache_ttl_secs": 60
        })),
    );
    let want = json!({
        "url": "https://idp2.example/introspect",
        "client_id": "second",
        "client_secret_set": true,
        "account_id_pointer": "/ext/account~1id",
        "timeout_ms": 1500,
        "ca_pem": ca_trimmed,
        "expected_issuer": "https://idp2.example",
        "expected_audience": "latchkey",
        "cache_ttl_secs": 60
    });
    assert_eq!(
        trim_pem(full),
        want,
        "a PUT without client_secret keeps the stored one"
    );
    let got = ok(&api, "GET", path, None);
    assert_eq!(trim_pem(got.clone()), want);
    assert!(got.get("client_secret").is_none());
    assert!(!got.to_string().contains(secret));
    assert!(!server.log().contains(secret));

    delete(&api, path);
    assert_problem(&api.call("GET", path, None), 404, "GET after DELETE");
    assert_problem(&api.call("DELETE", path, None), 404, "second DELETE");
}

#[test]
fn upstream_oidc_settings_never_show_their_secret() {
    let (_tmp, server, api) = start();
    let path = "/v2/admin/tenants/default/upstream-oidc";
    assert_problem(&api.call("GET", path, None), 404, "no settings yet");

    let secret = "upstream-SECRET-77c1d2";
    let put = ok(&api, "PUT", path, Some(&upstream(secret)));
    let want = json!({
        "configuration_url": "https://up.example/.well-known/openid-configuration",
        "client_id": "latchkey-at-upstream",
        "client_secret_set": true,
        "logout_url": null,
        "scopes": ["openid", "profile", "email"],
        "username_claim": "preferred_username",
        "redirect_uri": format!("{}/v2/login/oidc/callback", server.base),
        "ca_pem": null
    });
    assert_eq!(put, want);
    assert_eq!(ok(&api, "GET", path, None), want);

    let ca = std::fs::read_to_string(server.data_dir.join("tls/cert.pem")).unwrap();
    let ca_trimmed = ca.trim_end().to_owned();
    let other_spelling = format!("{}/v2/Login/Oidc/Callback", server.base);
    let replaced = ok(
        &api,
        "PUT",
        path,
        Some(&json!({
            "configuration_url": "https://up2.example/.well-known/openid-configuration",
            "client_id": "second",
            "logout_url": "https://up2.example/logout",
            "scopes": ["openid", "email"],
            "username_claim": "email",
            "redirect_uri": other_spelling,
            "ca_pem": ca
        })),
    );
    let want = json!({
        "configuration_url": "https://up2.example/.well-known/openid-configuration",
        "client_id": "second",
        "client_secret_set": true,
        "logout_url": "https://up2.example/logout",
        "scopes": ["openid", "email"],
        "username_claim": "email",
        "redirect_uri": other_spelling,
        "ca_pem": ca_trimmed
    });
    assert_eq!(
        trim_pem(replaced),
        want,
        "a PUT without client_secret keeps the stored one"
    );
    let got = ok(&api, "GET", path, None);
    assert_eq!(trim_pem(got.clone()), want);
    assert!(got.get("client_secret").is_none() && !got.to_string().contains(secret));
    assert!(!server.log().contains(secret));

    delete(&api, path);
    assert_problem(&api.call("GET", path, None), 404, "GET after DELETE");
    assert_problem(&api.call("DELETE", path, None), 404, "second DELETE");
}

// ---------------------------------------------------------------------------------------
// Signing keys

fn jwks_kids(server: &Server, tenant: &str) -> BTreeSet<String> {
    let (status, body) = server.get(&format!("/t/{tenant}/jwks"));
    assert_eq!(status, 200, "{body}");
    let set: Value = serde_json::from_str(&body).unwrap();
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| str_of(k, "kid").to_owned())
        .collect()
}

/// The keys of a `GET /keys` answer, as `{items, next}` or, leniently, a bare array (the
/// shape is asserted separately, so the rotation checks run either way).
fn key_items(listed: &Value) -> Vec<Value> {
    listed["items"]
        .as_array()
        .or(listed.as_array())
        .unwrap_or_else(|| panic!("no keys in {listed}"))
        .clone()
}

#[test]
fn rotating_keys_makes_new_active_ones_and_keeps_the_old_published() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let listed = ok(&api, "GET", "/v2/admin/keys", None);
    let before = key_items(&listed);
    assert_eq!(before.len(), 3, "{before:?}");
    let algs: BTreeSet<&str> = before.iter().map(|k| str_of(k, "alg")).collect();
    assert_eq!(algs, BTreeSet::from(["ES256", "EdDSA", "RS256"]));
    for k in &before {
        assert_eq!(k["state"], "active", "{k}");
        assert_eq!(k["retired_at"], Value::Null, "{k}");
        assert!(is_rfc3339_utc(&k["created_at"]), "{k}");
        assert!(
            k.get("sealed_pkcs8").is_none() && k.get("d").is_none(),
            "{k}"
        );
    }
    let old: BTreeSet<String> = before.iter().map(|k| str_of(k, "kid").to_owned()).collect();
    assert_eq!(jwks_kids(&server, "default"), old);

    let rotated = api.call("POST", "/v2/admin/keys/rotate", None);
    assert!(
        rotated.status == 200 || rotated.status == 201,
        "{} {}",
        rotated.status,
        rotated.body
    );
    let after = key_items(&ok(&api, "GET", "/v2/admin/keys", None));
    assert_eq!(after.len(), 6, "{after:?}");
    let (active, retired): (Vec<&Value>, Vec<&Value>) =
        after.iter().partition(|k| k["state"] == "active");
    assert_eq!((active.len(), retired.len()), (3, 3), "{after:?}");
    assert!(retired.iter().all(|k| k["state"] == "retired"), "{after:?}");
    let retired_kids: BTreeSet<String> = retired
        .iter()
        .map(|k| str_of(k, "kid").to_owned())
        .collect();
    assert_eq!(retired_kids, old, "the old keys are the retired ones");
    assert!(
        retired.iter().all(|k| is_rfc3339_utc(&k["retired_at"])),
        "{after:?}"
    );
    let new: BTreeSet<String> = active.iter().map(|k| str_of(k, "kid").to_owned()).collect();
    assert!(new.is_disjoint(&old));
    let new_algs: BTreeSet<&str> = active.iter().map(|k| str_of(k, "alg")).collect();
    assert_eq!(new_algs, BTreeSet::from(["ES256", "EdDSA", "RS256"]));
    let all: BTreeSet<String> = old.union(&new).cloned().collect();
    assert_eq!(
        jwks_kids(&server, "default"),
        all,
        "old and new keys are published"
    );

    assert_eq!(server.stop().code(), Some(0));
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let reloaded = key_items(&ok(&api, "GET", "/v2/admin/keys", None));
    assert_eq!(reloaded.len(), 6, "the rotation survives a restart");
    assert_eq!(jwks_kids(&server, "default"), all);
    assert!(
        listed["items"].is_array() && listed.get("next").is_some(),
        "every list answers {{items, next}}, GET /keys included: {listed}"
    );
}

// ---------------------------------------------------------------------------------------
// Audit

#[test]
fn writes_are_audited_newest_first_without_secrets() {
    let (_tmp, server, api) = start();
    let tokens = items(&api, "/v2/admin/tokens");
    assert_eq!(tokens.len(), 1);
    let token_id = str_of(&tokens[0], "id").to_owned();

    create_tenant(&api, "audited");
    let client = create(&api, "/v2/admin/tenants/audited/clients", &code_client()).body;
    let cid = str_of(&client, "client_id").to_owned();
    let rotated = api
        .call(
            "POST",
            &format!("/v2/admin/tenants/audited/clients/{cid}/secret"),
            None,
        )
        .body;
    let key = create(
        &api,
        &format!("/v2/admin/tenants/audited/clients/{cid}/api-keys"),
        &json!({"label": "k"}),
    )
    .body;
    let password = "pw-Very-Secret-8841";
    let account = create(
        &api,
        "/v2/admin/accounts",
        &json!({"username": "eve", "password": password}),
    )
    .body;
    let aid = str_of(&account, "id").to_owned();
    ok(
        &api,
        "PUT",
        &format!("/v2/admin/tenants/audited/members/{aid}"),
        Some(&json!({"scopes": ["x"]})),
    );
    let intro_secret = "intro-Secret-5521";
    ok(
        &api,
        "PUT",
        "/v2/admin/tenants/audited/introspection",
        Some(&introspection(intro_secret)),
    );
    let up_secret = "upstream-Secret-9034";
    ok(
        &api,
        "PUT",
        "/v2/admin/tenants/audited/upstream-oidc",
        Some(&upstream(up_secret)),
    );
    let new_password = "pw-Changed-Secret-1177";
    ok(
        &api,
        "PATCH",
        &format!("/v2/admin/accounts/{aid}"),
        Some(&json!({"password": new_password})),
    );
    ok(
        &api,
        "PATCH",
        &format!("/v2/admin/accounts/{aid}"),
        Some(&json!({"disabled": true})),
    );
    let admin = create(&api, "/v2/admin/tokens", &json!({"label": "robot"})).body;

    let events = all_pages(&api, "/v2/admin/audit", 3);
    assert!(events.len() >= 10, "{events:?}");
    for e in &events {
        for field in ["id", "at", "kind", "actor", "tenant", "account", "target"] {
            assert!(e.get(field).is_some(), "`{field}` missing in {e}");
        }
        assert!(is_rfc3339_utc(&e["at"]), "{e}");
    }
    let ids: BTreeSet<&str> = events.iter().map(|e| str_of(e, "id")).collect();
    assert_eq!(ids.len(), events.len(), "pages do not overlap");
    // Compared to the second, so differing fraction digits cannot upset the order.
    let ats: Vec<&str> = events.iter().map(|e| &str_of(e, "at")[..19]).collect();
    assert!(
        ats.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {ats:?}"
    );

    let kinds: Vec<&str> = events.iter().map(|e| str_of(e, "kind")).collect();
    let pos = |kind: &str| {
        kinds
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_else(|| panic!("no {kind} event in {kinds:?}"))
    };
    assert_eq!(
        kinds[0], "admin_token.created",
        "the last write comes first: {kinds:?}"
    );
    assert!(
        pos("account.disabled") < pos("account.created"),
        "{kinds:?}"
    );
    assert!(
        pos("upstream_oidc.set") < pos("introspection.set"),
        "{kinds:?}"
    );
    assert!(pos("membership.set") < pos("account.created"), "{kinds:?}");
    assert!(
        pos("api_key.created") < pos("client.secret_rotated"),
        "{kinds:?}"
    );
    assert!(
        pos("client.secret_rotated") < pos("client.created"),
        "{kinds:?}"
    );
    assert!(pos("client.created") < pos("tenant.created"), "{kinds:?}");

    let tenant_created = &events[pos("tenant.created")];
    assert_eq!(tenant_created["tenant"], "audited");
    assert!(
        tenant_created["actor"].to_string().contains(&token_id),
        "actor names the admin token {token_id}: {tenant_created}"
    );
    let ours: Vec<&Value> = events.iter().take(pos("tenant.created") + 1).collect();
    assert!(
        ours.iter()
            .all(|e| e["actor"].to_string().contains(&token_id)),
        "every write names its token: {ours:?}"
    );
    let rotation = &events[pos("client.secret_rotated")];
    assert_eq!(rotation["tenant"], "audited");
    assert_eq!(rotation["target"], cid.as_str());

    let for_tenant = all_pages(&api, "/v2/admin/audit?tenant=audited", 50);
    assert!(
        for_tenant.iter().all(|e| e["tenant"] == "audited"),
        "{for_tenant:?}"
    );
    let tenant_kinds: BTreeSet<&str> = for_tenant.iter().map(|e| str_of(e, "kind")).collect();
    for k in [
        "tenant.created",
        "client.created",
        "client.secret_rotated",
        "api_key.created",
        "membership.set",
        "introspection.set",
        "upstream_oidc.set",
    ] {
        assert!(
            tenant_kinds.contains(k),
            "{k} under ?tenant=: {tenant_kinds:?}"
        );
    }
    assert!(!tenant_kinds.contains("admin_token.created"));
    let created = items(&api, "/v2/admin/audit?kind=client.created");
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["target"], cid.as_str());
    let for_account = items(&api, &format!("/v2/admin/audit?account={aid}"));
    assert!(!for_account.is_empty());
    assert!(
        for_account.iter().all(|e| e["account"] == aid.as_str()),
        "{for_account:?}"
    );
    assert_eq!(
        items(&api, "/v2/admin/audit?tenant=default&kind=client.created"),
        Vec::<Value>::new()
    );

    let audit_text = Value::from(events).to_string();
    let log = server.log();
    for (what, secret) in [
        ("client secret", str_of(&client, "client_secret")),
        ("rotated secret", str_of(&rotated, "client_secret")),
        ("API key", str_of(&key, "key")),
        ("password", password),
        ("new password", new_password),
        ("introspection secret", intro_secret),
        ("upstream secret", up_secret),
        ("admin token", str_of(&admin, "token")),
    ] {
        assert!(!audit_text.contains(secret), "{what} in the audit log");
        assert!(!log.contains(secret), "{what} in the process log");
    }
}

// ---------------------------------------------------------------------------------------
// Durability and concurrency

#[test]
fn an_acknowledged_write_survives_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start(tmp.path());
    let api = Api::new(&server);
    create_tenant(&api, "durable");
    let client = create(&api, "/v2/admin/tenants/durable/clients", &code_client()).body;
    let account = create_account(&api, "Durable-Dora");
    server.signal("KILL");
    let status = server.wait(Duration::from_secs(10));
    assert_eq!(status.code(), None, "killed by a signal, no clean exit");

    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let found = account_by_username(&api, "durable-dora");
    assert_eq!(found.len(), 1, "the account is on disk: {found:?}");
    assert_eq!(found[0]["id"], account["id"]);
    assert_eq!(found[0]["username"], "Durable-Dora");
    ok(&api, "GET", "/v2/admin/tenants/durable", None);
    let got = ok(
        &api,
        "GET",
        &format!(
            "/v2/admin/tenants/durable/clients/{}",
            str_of(&client, "client_id")
        ),
        None,
    );
    assert_eq!(got["name"], "Web app");
}

fn case_variant(word: &str, mask: u32) -> String {
    word.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask & (1 << i) != 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

#[test]
fn sixteen_racing_creates_of_one_username_make_one_account() {
    let (_tmp, server, _api) = start();
    let barrier = std::sync::Barrier::new(16);
    let replies: Vec<(String, Reply)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16u32)
            .map(|i| {
                let api = Api::new(&server);
                let barrier = &barrier;
                s.spawn(move || {
                    let username = case_variant("racer", i);
                    barrier.wait();
                    let reply = api.call(
                        "POST",
                        "/v2/admin/accounts",
                        Some(&json!({"username": username})),
                    );
                    (username, reply)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let statuses: Vec<u16> = replies.iter().map(|(_, r)| r.status).collect();
    let winners: Vec<&(String, Reply)> = replies.iter().filter(|(_, r)| r.status == 201).collect();
    assert_eq!(winners.len(), 1, "exactly one create wins: {statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        15,
        "the rest clash: {statuses:?}"
    );
    let (spelling, won) = winners[0];
    let api = Api::new(&server);
    let all = items(&api, "/v2/admin/accounts");
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["id"], won.body["id"]);
    assert_eq!(all[0]["username"], spelling.as_str());
    assert_eq!(account_by_username(&api, "RACER").len(), 1);
}
