//! Validation of clients: redirect URIs, grant and response types, auth method, alg,
//! chosen client id, and patches.

use super::{CLIENTS, code_client, create, items, ok, refuse_all, start, with};
use crate::support::api::Api;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Clients

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
fn allowed_origins_are_serialized_origins_without_wildcards_paths_or_plain_http() {
    let (_tmp, _server, api) = start();
    let base = code_client();
    let bad = [
        "null",
        "*",
        "https://*.app.example",
        "app.example",
        "https://app.example/",
        "https://app.example/spa",
        "https://app.example?x=1",
        "https://user@app.example",
        "http://app.example",
        "http://localhost.evil.example",
        "ftp://app.example",
        "",
    ];
    let cases: Vec<(Value, &[&str])> = bad
        .iter()
        .map(|o| {
            (
                with(
                    &base,
                    &json!({"allowed_origins": ["https://ok.example", o]}),
                ),
                &["allowed_origins"][..],
            )
        })
        .collect();
    refuse_all(&api, "POST", CLIENTS, &cases);
    assert_eq!(client_count(&api), 0, "nothing was created");

    let c = create(
        &api,
        CLIENTS,
        &with(
            &base,
            &json!({"allowed_origins": [
                "HTTPS://SPA.Example:443",
                "https://spa.example",
                "http://localhost:3000",
                "https://spa.example:8443"
            ]}),
        ),
    )
    .body;
    assert_eq!(
        c["allowed_origins"],
        json!([
            "https://spa.example",
            "http://localhost:3000",
            "https://spa.example:8443"
        ]),
        "stored serialized (lower case, default port dropped), each once"
    );
    let path = format!("{CLIENTS}/{}", c["client_id"].as_str().unwrap());
    let patched = ok(
        &api,
        "PATCH",
        &path,
        Some(&json!({"allowed_origins": ["https://other.example"]})),
    );
    assert_eq!(patched["allowed_origins"], json!(["https://other.example"]));
    let refused = api.call("PATCH", &path, Some(&json!({"allowed_origins": ["*"]})));
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(
        ok(&api, "GET", &path, None)["allowed_origins"],
        json!(["https://other.example"]),
        "a refused patch changed nothing"
    );
}

#[test]
fn jwks_holds_public_signing_keys_only_and_is_kept_across_patches() {
    let (_tmp, _server, api) = start();
    let base = code_client();
    let ed = json!({"kty": "OKP", "crv": "Ed25519", "kid": "k1",
                    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
    let bad = [
        json!([ed]),
        json!({"keys": {"kty": "OKP"}}),
        json!({"keys": [{"kty": "oct", "k": "c2VjcmV0LXNoYXJlZC1rZXk"}]}),
        json!({"keys": [with(&ed, &json!({"d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}))]}),
        json!({"keys": [with(&ed, &json!({"crv": "X25519"}))]}),
        json!({"keys": [with(&ed, &json!({"use": "enc"}))]}),
        json!({"keys": [with(&ed, &json!({"alg": "HS256"}))]}),
        json!({"keys": [ed, ed]}),
    ];
    let cases: Vec<(Value, &[&str])> = bad
        .iter()
        .map(|jwks| (with(&base, &json!({"jwks": jwks})), &["jwks"][..]))
        .collect();
    refuse_all(&api, "POST", CLIENTS, &cases);
    assert_eq!(client_count(&api), 0, "nothing was created");

    let c = create(
        &api,
        CLIENTS,
        &with(&base, &json!({"jwks": {"keys": [ed]}})),
    )
    .body;
    assert_eq!(c["jwks"], json!({"keys": [ed]}));
    let path = format!("{CLIENTS}/{}", c["client_id"].as_str().unwrap());
    let renamed = ok(&api, "PATCH", &path, Some(&json!({"name": "Renamed"})));
    assert_eq!(
        renamed["jwks"],
        json!({"keys": [ed]}),
        "a patch without jwks keeps them"
    );
    let cleared = ok(&api, "PATCH", &path, Some(&json!({"jwks": {"keys": []}})));
    assert_eq!(cleared["jwks"], Value::Null, "an empty set removes them");
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
            &["jwks"],
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
