//! Validation of introspection and upstream OIDC settings.

use super::{
    INTROSPECTION, UPSTREAM, assert_problem, introspection, ok, refuse_all, start, trim_pem,
    upstream, with,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Settings

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
