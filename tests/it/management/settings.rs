//! Introspection and upstream OIDC settings.

use super::{assert_problem, delete, introspection, ok, start, trim_pem, upstream};
use serde_json::json;

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
