//! SPEC "Outbound destinations": a URL a tenant admin sets may not reach the
//! appliance's own networks. A literal address is refused with a field-named 400 when it
//! is set; a name is judged when it is resolved, so the call fails and says why; the
//! appliance admin's URLs go anywhere, and `[outbound] allow_cidrs` lets a listed
//! network through.

use crate::exchange::{FOREIGN, Fixture, start, start_with};
use crate::support::api::Api;
use crate::support::server::Options;
use serde_json::{Value, json};

/// An admin token of tenant `partner` alone.
fn tenant_admin(f: &Fixture) -> Api {
    let token = crate::management::create(
        &f.api,
        "/v2/admin/tokens",
        &json!({"label": "partner's admin", "role": {"tenants": ["partner"]}}),
    );
    Api::with_token(&f.server, token.body["token"].as_str().unwrap())
}

fn put_introspection(api: &Api, f: &Fixture, url: String) -> (u16, Value) {
    let r = api.call(
        "PUT",
        "/v2/admin/tenants/partner/introspection",
        Some(
            &json!({"url": url, "client_id": "latchkey", "client_secret": "s",
                     "ca_pem": f.idp.ca_pem}),
        ),
    );
    (r.status, r.body)
}

fn dry_run(api: &Api) -> Value {
    let r = api.call(
        "POST",
        "/v2/admin/tenants/partner/introspection/test",
        Some(&json!({"token": FOREIGN})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn port(base: &str) -> &str {
    base.rsplit(':').next().unwrap()
}

#[test]
fn a_tenant_admins_urls_may_not_reach_the_appliances_own_networks() {
    let f = start();
    let tenant = tenant_admin(&f);
    let port = port(&f.idp.base);

    let (status, body) = put_introspection(&tenant, &f, format!("https://127.0.0.1:{port}/x"));
    assert_eq!(status, 400, "{body}");
    let detail = body.to_string();
    assert!(
        detail.contains("url") && detail.contains("127.0.0.1, a loopback address"),
        "the field and the rule are named: {detail}"
    );
    let kept = f
        .api
        .call("GET", "/v2/admin/tenants/partner/introspection", None);
    assert!(
        kept.body["url"].as_str().unwrap().ends_with("/introspect"),
        "the refused write changed nothing: {}",
        kept.body
    );

    let seen = f.idp.requests().len();
    let (status, body) =
        put_introspection(&tenant, &f, format!("https://localhost:{port}/introspect"));
    assert_eq!(status, 200, "a name is judged when it is resolved: {body}");
    let probe = dry_run(&tenant);
    assert_eq!(probe["ok"], false, "{probe}");
    assert!(
        probe["error"]
            .as_str()
            .unwrap_or_default()
            .contains("loopback"),
        "the dry run says why: {probe}"
    );
    assert_ne!(
        f.exchange(FOREIGN).status,
        200,
        "the exchange cannot use it either"
    );
    assert_eq!(
        f.idp.requests().len(),
        seen,
        "no request reached the local IdP"
    );

    let (status, body) =
        put_introspection(&f.api, &f, format!("https://localhost:{port}/introspect"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        dry_run(&f.api)["ok"],
        true,
        "the appliance admin's URL goes anywhere"
    );
    assert_eq!(f.exchange(FOREIGN).status, 200);

    for (field, url) in [
        ("jwks_uri", "https://10.0.0.7/jwks"),
        ("backchannel_logout_uri", "https://[::1]/logout"),
        ("backchannel_logout_uri", "https://169.254.169.254/latest"),
    ] {
        let mut client = json!({"name": "x", "redirect_uris": ["https://app.example/cb"],
            "grant_types": ["authorization_code"], "response_types": ["code"],
            "scopes": ["openid"], "token_endpoint_auth_method": "private_key_jwt",
            "jwks_uri": "https://keys.example/jwks"});
        client[field] = json!(url);
        let r = tenant.call("POST", "/v2/admin/tenants/partner/clients", Some(&client));
        assert_eq!(r.status, 400, "{field}={url}: {}", r.body);
        assert!(r.body.to_string().contains(field), "{}", r.body);
        let r = f
            .api
            .call("POST", "/v2/admin/tenants/partner/clients", Some(&client));
        assert_eq!(r.status, 201, "an appliance admin may: {}", r.body);
    }
}

#[test]
fn allow_cidrs_lets_a_tenant_admins_url_reach_a_listed_network() {
    let f = start_with(Options {
        env: vec![(
            "LATCHKEY_OUTBOUND_ALLOW_CIDRS".into(),
            "192.0.2.0/24, 127.0.0.0/8".into(),
        )],
        ..Options::default()
    });
    let tenant = tenant_admin(&f);
    let (status, body) = put_introspection(&tenant, &f, format!("{}/introspect", f.idp.base));
    assert_eq!(status, 200, "{body}");
    let probe = dry_run(&tenant);
    assert_eq!(probe["ok"], true, "{probe}");
    assert_eq!(f.exchange(FOREIGN).status, 200);
}
