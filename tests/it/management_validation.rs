//! Every validation rule of the management API: a 400 problem+json whose `detail` names
//! the field, and nothing created or changed. Also 404 for unknown paths and referenced
//! records, 415 for a wrong content type and 413 for a body over 64 KiB.

use crate::management::{
    assert_names, assert_problem, code_client, create, introspection, items, names_field, ok,
    start, trim_pem, upstream, with,
};
use crate::support::api::Api;
use crate::support::server::Server;
use crate::support::tls_client::connect;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What is wrong with the answer to `method path body`, when it is not a 400
/// problem+json whose detail names one of `fields`.
fn not_refused(
    api: &Api,
    method: &str,
    path: &str,
    body: &Value,
    fields: &[&str],
) -> Option<String> {
    let reply = api.call(method, path, Some(body));
    let detail = reply.body["detail"].as_str().unwrap_or_default();
    let fine = reply.status == 400
        && reply.content_type == "application/problem+json"
        && fields.iter().any(|f| names_field(detail, f));
    (!fine).then(|| {
        format!(
            "{method} {path} {body}\n    -> {} {} {}\n    (wanted 400 problem+json naming {fields:?})",
            reply.status, reply.content_type, reply.body
        )
    })
}

/// Sends each body and expects 400 naming one of the fields; reports every miss at once.
fn refuse_all(api: &Api, method: &str, path: &str, cases: &[(Value, &[&str])]) {
    let misses: Vec<String> = cases
        .iter()
        .filter_map(|(body, fields)| not_refused(api, method, path, body, fields))
        .collect();
    assert!(
        misses.is_empty(),
        "{} of {} cases not refused as expected:\n{}",
        misses.len(),
        cases.len(),
        misses.join("\n")
    );
}

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
// Clients

const CLIENTS: &str = "/v2/admin/tenants/default/clients";

fn client_count(api: &Api) -> usize {
    items(api, CLIENTS).len()
}

#[test]
fn redirect_uris_must_be_absolute_https_without_fragment_or_loopback_http() {
    let (_tmp, _server, api) = start();
    let base = code_client();
    let bad = [
        "/cb",
        "cb",
        "https://app.example/cb#frag",
        "https://app.example/cb#",
        "http://app.example/cb",
        "http://localhost.evil.example/cb",
        "http://127.0.0.2.evil.example/cb",
        "javascript:alert(1)",
        "ftp://app.example/cb",
        "com.example.app:/oauth2redirect",
        "",
    ];
    let cases: Vec<(Value, &[&str])> = bad
        .iter()
        .map(|u| {
            (
                with(
                    &base,
                    &json!({"redirect_uris": ["https://app.example/ok", u]}),
                ),
                &["redirect_uris"][..],
            )
        })
        .collect();
    refuse_all(&api, "POST", CLIENTS, &cases);
    assert_eq!(client_count(&api), 0, "nothing was created");

    for good in [
        "http://localhost:8080/cb",
        "http://127.0.0.1:9000/cb",
        "http://[::1]:9000/cb",
        "https://app.example/cb?tenant=a",
    ] {
        let c = create(
            &api,
            CLIENTS,
            &with(&base, &json!({"redirect_uris": [good]})),
        )
        .body;
        assert_eq!(c["redirect_uris"], json!([good]));
    }
    assert_eq!(client_count(&api), 4);
}

#[test]
fn grant_and_response_types_must_fit_together() {
    let (_tmp, _server, api) = start();
    let base = code_client();
    let gr: &[&str] = &["grant_types", "response_types"];
    let cases: Vec<(Value, &[&str])> = vec![
        (
            with(
                &base,
                &json!({"grant_types": ["authorization_code", "password"]}),
            ),
            &["grant_types"],
        ),
        (
            with(&base, &json!({"response_types": ["code", "code id_token"]})),
            &["response_types"],
        ),
        // `code` without authorization_code.
        (
            with(
                &base,
                &json!({"grant_types": ["implicit"], "response_types": ["code", "id_token"]}),
            ),
            gr,
        ),
        // `id_token token` without implicit.
        (
            with(
                &base,
                &json!({"response_types": ["code", "id_token token"]}),
            ),
            gr,
        ),
        // implicit without a response type for it.
        (
            with(
                &base,
                &json!({"grant_types": ["authorization_code", "implicit"], "response_types": ["code"]}),
            ),
            gr,
        ),
        // authorization_code without `code`.
        (
            with(
                &base,
                &json!({"grant_types": ["authorization_code", "implicit"], "response_types": ["id_token"]}),
            ),
            gr,
        ),
        // a code or implicit client needs a redirect URI.
        (
            with(&base, &json!({"redirect_uris": []})),
            &["redirect_uris"],
        ),
        // response types without any browser grant.
        (
            with(
                &base,
                &json!({"grant_types": ["client_credentials"], "redirect_uris": []}),
            ),
            gr,
        ),
    ];
    refuse_all(&api, "POST", CLIENTS, &cases);
    assert_eq!(client_count(&api), 0, "nothing was created");

    let implicit = create(
        &api,
        CLIENTS,
        &with(
            &base,
            &json!({
                "grant_types": ["implicit"],
                "response_types": ["id_token token", "id_token", "token"],
                "token_endpoint_auth_method": "none"
            }),
        ),
    )
    .body;
    assert_eq!(implicit["grant_types"], json!(["implicit"]));
    let both = create(
        &api,
        CLIENTS,
        &with(
            &base,
            &json!({
                "grant_types": ["authorization_code", "implicit", "refresh_token"],
                "response_types": ["code", "id_token token"]
            }),
        ),
    )
    .body;
    assert_eq!(both["response_types"], json!(["code", "id_token token"]));
}

#[test]
fn auth_method_alg_and_chosen_client_id_are_checked() {
    let (_tmp, _server, api) = start();
    let base = code_client();
    let service = json!({
        "name": "svc",
        "redirect_uris": [],
        "grant_types": ["client_credentials"],
        "response_types": [],
        "scopes": ["api"],
        "token_endpoint_auth_method": "client_secret_basic"
    });
    let too_long = "a".repeat(129);
    let gm: &[&str] = &["token_endpoint_auth_method", "grant_types"];
    let cases: Vec<(Value, &[&str])> = vec![
        (
            with(&service, &json!({"token_endpoint_auth_method": "none"})),
            gm,
        ),
        (
            with(
                &service,
                &json!({
                    "grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"],
                    "token_endpoint_auth_method": "none"
                }),
            ),
            gm,
        ),
        (
            with(
                &base,
                &json!({"token_endpoint_auth_method": "private_key_jwt"}),
            ),
            &["token_endpoint_auth_method"],
        ),
        (
            with(
                &base,
                &json!({"token_endpoint_auth_method": "client_secret_jwt"}),
            ),
            &["token_endpoint_auth_method"],
        ),
        (
            with(&base, &json!({"id_token_signed_response_alg": "HS256"})),
            &["id_token_signed_response_alg"],
        ),
        (
            with(&base, &json!({"id_token_signed_response_alg": "none"})),
            &["id_token_signed_response_alg"],
        ),
        (
            with(&base, &json!({"client_id": "has space"})),
            &["client_id"],
        ),
        (with(&base, &json!({"client_id": ""})), &["client_id"]),
        (with(&base, &json!({"client_id": too_long})), &["client_id"]),
        (
            with(&base, &json!({"client_id": "ünïcode"})),
            &["client_id"],
        ),
        (with(&base, &json!({"client_id": "a/b"})), &["client_id"]),
    ];
    refuse_all(&api, "POST", CLIENTS, &cases);
    let mut missing_name = base.clone();
    missing_name.as_object_mut().unwrap().remove("name");
    refuse_all(&api, "POST", CLIENTS, &[(missing_name, &["name"])]);
    assert_eq!(client_count(&api), 0, "nothing was created");

    let longest = "A-z.0_~".repeat(18) + "ab";
    assert_eq!(longest.len(), 128);
    let c = create(&api, CLIENTS, &with(&base, &json!({"client_id": longest}))).body;
    assert_eq!(c["client_id"], longest.as_str());
    let exchanger = create(
        &api,
        CLIENTS,
        &with(
            &service,
            &json!({
                "grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange", "refresh_token"],
                "token_endpoint_auth_method": "client_secret_post"
            }),
        ),
    )
    .body;
    assert!(exchanger["client_secret"].is_string());
    for alg in ["ES256", "EdDSA"] {
        let c = create(
            &api,
            CLIENTS,
            &with(&base, &json!({"id_token_signed_response_alg": alg})),
        )
        .body;
        assert_eq!(c["id_token_signed_response_alg"], alg);
    }
}

#[test]
fn a_client_patch_is_validated_as_a_whole_and_changes_nothing_when_refused() {
    let (_tmp, _server, api) = start();
    let c = create(&api, CLIENTS, &code_client()).body;
    let path = format!("{CLIENTS}/{}", c["client_id"].as_str().unwrap());
    let before = ok(&api, "GET", &path, None);
    let cases: Vec<(Value, &[&str])> = vec![
        (
            json!({"name": "Changed", "redirect_uris": ["http://app.example/cb"]}),
            &["redirect_uris"],
        ),
        (
            json!({"name": "Changed", "grant_types": ["client_credentials"]}),
            &["grant_types", "response_types", "redirect_uris"],
        ),
        (
            json!({"name": "Changed", "token_endpoint_auth_method": "basic"}),
            &["token_endpoint_auth_method"],
        ),
        (
            json!({"name": "Changed", "id_token_signed_response_alg": "HS256"}),
            &["id_token_signed_response_alg"],
        ),
        (
            json!({"name": "Changed", "client_id": "renamed"}),
            &["client_id"],
        ),
    ];
    refuse_all(&api, "PATCH", &path, &cases);
    assert_eq!(ok(&api, "GET", &path, None), before, "nothing changed");
}

// ---------------------------------------------------------------------------------------
// Settings

const INTROSPECTION: &str = "/v2/admin/tenants/default/introspection";
const UPSTREAM: &str = "/v2/admin/tenants/default/upstream-oidc";

#[test]
fn introspection_settings_are_validated() {
    let (_tmp, server, api) = start();
    let base = introspection("s3cret");
    let key_pem = std::fs::read_to_string(server.data_dir.join("tls/key.pem")).unwrap();
    let mut no_secret = base.clone();
    no_secret.as_object_mut().unwrap().remove("client_secret");
    let mut no_client = base.clone();
    no_client.as_object_mut().unwrap().remove("client_id");
    let cases: Vec<(Value, &[&str])> = vec![
        (
            with(&base, &json!({"url": "http://idp.example/introspect"})),
            &["url"],
        ),
        (with(&base, &json!({"url": "not a url"})), &["url"]),
        (with(&base, &json!({"url": "/introspect"})), &["url"]),
        (
            with(&base, &json!({"account_id_pointer": "account_id"})),
            &["account_id_pointer"],
        ),
        (
            with(&base, &json!({"account_id_pointer": "/a~2b"})),
            &["account_id_pointer"],
        ),
        (
            with(&base, &json!({"account_id_pointer": "/a~"})),
            &["account_id_pointer"],
        ),
        (with(&base, &json!({"timeout_ms": 0})), &["timeout_ms"]),
        (with(&base, &json!({"timeout_ms": 30001})), &["timeout_ms"]),
        (
            with(&base, &json!({"cache_ttl_secs": 3601})),
            &["cache_ttl_secs"],
        ),
        (
            with(&base, &json!({"ca_pem": "not a certificate"})),
            &["ca_pem"],
        ),
        (
            with(
                &base,
                &json!({"ca_pem": "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n"}),
            ),
            &["ca_pem"],
        ),
        (with(&base, &json!({"ca_pem": key_pem})), &["ca_pem"]),
        (no_secret, &["client_secret"]),
        (no_client, &["client_id"]),
    ];
    refuse_all(&api, "PUT", INTROSPECTION, &cases);
    assert_problem(
        &api.call("GET", INTROSPECTION, None),
        404,
        "no settings were stored",
    );
    assert!(!server.log().contains("PRIVATE KEY"));

    let ca = std::fs::read_to_string(server.data_dir.join("tls/cert.pem")).unwrap();
    for good in [
        json!({"timeout_ms": 1}),
        json!({"timeout_ms": 30000, "cache_ttl_secs": 3600}),
        json!({"account_id_pointer": "/a~1b/c~0d/0"}),
        json!({"account_id_pointer": "/sub"}),
        json!({"ca_pem": ca}),
    ] {
        let put = trim_pem(ok(&api, "PUT", INTROSPECTION, Some(&with(&base, &good))));
        let good = trim_pem(good);
        for (k, v) in good.as_object().unwrap() {
            assert_eq!(&put[k], v, "{k}");
        }
    }
}

#[test]
fn upstream_oidc_settings_are_validated() {
    let (_tmp, server, api) = start();
    let base = upstream("s3cret");
    let b = &server.base;
    let cases: Vec<(Value, &[&str])> = vec![
        (
            with(
                &base,
                &json!({"configuration_url": "http://up.example/.well-known/openid-configuration"}),
            ),
            &["configuration_url"],
        ),
        (
            with(&base, &json!({"configuration_url": "up.example"})),
            &["configuration_url"],
        ),
        (
            with(&base, &json!({"logout_url": "http://up.example/logout"})),
            &["logout_url"],
        ),
        (
            with(
                &base,
                &json!({"redirect_uri": "https://evil.example/v2/login/oidc/callback"}),
            ),
            &["redirect_uri"],
        ),
        (
            with(
                &base,
                &json!({"redirect_uri": format!("{b}/v2/login/oidc/callback/")}),
            ),
            &["redirect_uri"],
        ),
        (
            with(
                &base,
                &json!({"redirect_uri": format!("{b}/v2/LOGIN/OIDC/CALLBACK")}),
            ),
            &["redirect_uri"],
        ),
        (
            with(&base, &json!({"redirect_uri": "/v2/login/oidc/callback"})),
            &["redirect_uri"],
        ),
        (
            with(&base, &json!({"ca_pem": "not a certificate"})),
            &["ca_pem"],
        ),
    ];
    refuse_all(&api, "PUT", UPSTREAM, &cases);
    let mut no_secret = base.clone();
    no_secret.as_object_mut().unwrap().remove("client_secret");
    refuse_all(&api, "PUT", UPSTREAM, &[(no_secret, &["client_secret"])]);
    assert_problem(
        &api.call("GET", UPSTREAM, None),
        404,
        "no settings were stored",
    );

    for spelling in ["/v2/login/oidc/callback", "/v2/Login/Oidc/Callback"] {
        let uri = format!("{b}{spelling}");
        let put = ok(
            &api,
            "PUT",
            UPSTREAM,
            Some(&with(&base, &json!({"redirect_uri": uri}))),
        );
        assert_eq!(put["redirect_uri"], uri);
    }
}

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

// ---------------------------------------------------------------------------------------
// Content type and size

/// Sends only the head of a request declaring `len` bytes of JSON, then reads the answer:
/// (status, content type, body). Sending the body too would race the server's early 413
/// and its closing of the connection (the client can get EPIPE instead of the answer).
fn declared_too_large(
    server: &Server,
    method: &str,
    path: &str,
    len: usize,
) -> (u16, String, String) {
    let token = server.admin_token();
    let cert = server.data_dir.join("tls/cert.pem");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let raw = rt.block_on(async {
        let mut stream = connect(
            server.addr,
            &cert,
            &[b"http/1.1"],
            &[&rustls::version::TLS13],
        )
        .await
        .unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {token}\r\n\
             content-type: application/json\r\ncontent-length: {len}\r\nconnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.flush().await.unwrap();
        let mut raw = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), async {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..n]);
                if response_complete(&raw) {
                    break;
                }
            }
        })
        .await;
        assert!(read.is_ok(), "no answer before the body was sent");
        String::from_utf8_lossy(&raw).into_owned()
    });
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {raw:?}"));
    let content_type = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    (status, content_type, body.to_owned())
}

/// True once `raw` holds a whole response: headers and `Content-Length` bytes of body.
/// The server may keep draining the request for a while, so EOF is not awaited.
fn response_complete(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    length.is_some_and(|n| body.len() >= n)
}

#[test]
fn wrong_content_type_is_415_and_a_large_body_413() {
    let (_tmp, server, api) = start();
    let tenant_before = ok(&api, "GET", "/v2/admin/tenants/default", None);
    let account = br#"{"username":"alice"}"#.to_vec();
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/xml"),
        None,
    ] {
        let reply = api.raw("POST", "/v2/admin/accounts", ct, account.clone());
        assert_problem(&reply, 415, &format!("content type {ct:?}"));
    }
    let reply = api.raw(
        "PUT",
        INTROSPECTION,
        Some("application/x-www-form-urlencoded"),
        b"url=https%3A%2F%2Fidp.example&client_id=a&client_secret=b".to_vec(),
    );
    assert_problem(&reply, 415, "form body for introspection");
    let reply = api.raw(
        "PATCH",
        "/v2/admin/tenants/default",
        Some("text/json"),
        br#"{"display_name":"Changed"}"#.to_vec(),
    );
    assert_problem(&reply, 415, "PATCH tenant as text/json");

    // The declared length alone must be refused: the body is never sent, so the answer
    // cannot race a half-written upload (see `declared_too_large`).
    for (method, path) in [("POST", "/v2/admin/accounts"), ("PUT", UPSTREAM)] {
        let (status, content_type, body) = declared_too_large(&server, method, path, 70 * 1024);
        assert_eq!(status, 413, "{method} {path} declaring 70 KiB: {body}");
        assert_eq!(content_type, "application/problem+json", "{method} {path}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["status"], 413, "{body}");
    }

    let reply = api.raw(
        "POST",
        "/v2/admin/accounts",
        Some("application/json"),
        br#"{"username": "alice""#.to_vec(),
    );
    assert_problem(&reply, 400, "malformed JSON");
    let reply = api.raw(
        "POST",
        "/v2/admin/accounts",
        Some("application/json"),
        b"{\"username\": \"al\xffce\"}".to_vec(),
    );
    assert_problem(&reply, 400, "bad UTF-8");

    assert_eq!(
        items(&api, "/v2/admin/accounts").len(),
        0,
        "nothing was created"
    );
    assert_problem(
        &api.call("GET", INTROSPECTION, None),
        404,
        "no introspection",
    );
    assert_problem(&api.call("GET", UPSTREAM, None), 404, "no upstream");
    assert_eq!(
        ok(&api, "GET", "/v2/admin/tenants/default", None),
        tenant_before
    );

    let reply = api.raw(
        "POST",
        "/v2/admin/accounts",
        Some("Application/JSON; charset=utf-8"),
        account,
    );
    assert_eq!(
        reply.status, 201,
        "parameters and case do not matter: {}",
        reply.body
    );
    let just_under = "y".repeat(60 * 1024);
    let reply = api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": "roomy", "name": just_under})),
    );
    assert_ne!(reply.status, 413, "60 KiB is under the limit");
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
