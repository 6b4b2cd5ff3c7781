//! A disabled membership (`active: false`) refuses sign-in, the code flow, refresh and
//! the exchange in its tenant only; the account's other tenants are not affected.

use crate::exchange::{self, FOREIGN};
use crate::oidc_code::{self, REDIRECT, begin, code_from, rp_client};
use crate::support::api::{Api, Reply};
use crate::support::browser::Browser;
use crate::support::rp;
use openidconnect::core::CoreClient;
use openidconnect::{ClientId, ClientSecret, OAuth2TokenResponse, RedirectUrl};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

fn set_active(api: &Api, tenant: &str, account: &str, active: bool) -> Reply {
    api.call(
        "PUT",
        &format!("/v2/admin/tenants/{tenant}/members/{account}"),
        Some(&json!({"scopes": ["orders"], "active": active})),
    )
}

/// Tenant `beta` with client `web` (same redirect as `acme`'s) and `alice` as a member:
/// the relying party for `beta`.
fn second_tenant(f: &oidc_code::Fixture) -> oidc_code::Rp {
    let created = |path: &str, body: Value| {
        let r = f.api.call("POST", path, Some(&body));
        assert_eq!(r.status, 201, "{}", r.body);
        r.body
    };
    created(
        "/v2/admin/tenants",
        json!({"id": "beta", "display_name": "Beta"}),
    );
    let web = created(
        "/v2/admin/tenants/beta/clients",
        json!({"client_id": "web", "name": "Web", "redirect_uris": [REDIRECT],
               "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
               "scopes": ["openid", "orders"], "token_endpoint_auth_method": "client_secret_basic"}),
    );
    assert_eq!(set_active(&f.api, "beta", &f.alice, true).status, 200);
    let meta = rp::discover(f.server.agent(), &format!("{}/t/beta", f.server.base));
    CoreClient::from_provider_metadata(
        meta,
        ClientId::new("web".into()),
        Some(ClientSecret::new(
            web["client_secret"].as_str().unwrap().into(),
        )),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
}

#[test]
fn a_disabled_membership_refuses_code_flow_and_refresh_in_its_tenant_only() {
    let f = oidc_code::start();
    let beta = second_tenant(&f);
    let browser = Browser::new(&f.server);
    let before = oidc_code::tokens(&f, &browser, &["orders"]);
    let refresh = before.refresh_token().unwrap().clone();

    let r = set_active(&f.api, "acme", &f.alice, false);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["active"], false);
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
    let memberships = account.body["memberships"].as_array().unwrap();
    let active = |t: &str| memberships.iter().find(|m| m["tenant"] == t).unwrap()["active"].clone();
    assert_eq!(
        (active("acme"), active("beta")),
        (json!(false), json!(true))
    );

    let http = rp::http_client(f.server.agent());
    let refused = rp_client(&f)
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request(&http);
    assert!(
        format!("{refused:?}").contains("invalid_grant"),
        "{refused:?}"
    );
    let introspected = f.introspect(before.access_token().secret());
    assert_eq!(introspected, json!({"active": false}));

    // The SSO session of the browser is no way around it, and neither is a new sign-in.
    let again = browser.get(&begin(&rp_client(&f), &["orders"]).url);
    assert!(
        again
            .location
            .as_deref()
            .is_none_or(|l| !l.contains("code=")),
        "no code for a disabled member: {:?}",
        again.location
    );
    let fresh = Browser::new(&f.server).sign_in(&begin(&rp_client(&f), &[]).url, "alice", PASSWORD);
    assert_eq!(fresh.status, 401, "{}", fresh.body);
    assert!(
        fresh
            .body
            .contains("The username or password is not correct.")
    );

    // Tenant beta still signs alice in, through the same browser's session and afresh.
    let started = begin(&beta, &["orders"]);
    let page = Browser::new(&f.server).sign_in(&started.url, "alice", PASSWORD);
    let code = code_from(page.location.as_deref().unwrap(), &started.state);
    let tokens = oidc_code::redeem(&f, &beta, code, started.verifier);
    assert!(tokens.refresh_token().is_some());

    // Enabled again, acme signs alice in again.
    assert_eq!(
        set_active(&f.api, "acme", &f.alice, true).body["active"],
        true
    );
    let started = begin(&rp_client(&f), &[]);
    let page = Browser::new(&f.server).sign_in(&started.url, "alice", PASSWORD);
    code_from(page.location.as_deref().unwrap(), &started.state);
}

#[test]
fn a_disabled_membership_refuses_the_exchange_while_another_tenant_s_does_not_matter() {
    let f = exchange::start();
    assert_eq!(f.exchange(FOREIGN).status, 200);
    let other = f.api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&json!({"id": "other", "display_name": "Other"})),
    );
    assert_eq!(other.status, 201);
    let put = |tenant: &str, active: bool| {
        let r = f.api.call(
            "PUT",
            &format!("/v2/admin/tenants/{tenant}/members/{}", f.account),
            Some(
                &json!({"scopes": ["orders"], "external_authentication_provider_id": "ext-42",
                         "active": active}),
            ),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["active"], active);
    };
    put("other", false);
    let ok = f.exchange(FOREIGN);
    assert_eq!(
        ok.status, 200,
        "a disabled membership elsewhere: {}",
        ok.body
    );

    put("partner", false);
    let refused = f.exchange(FOREIGN);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.content_type, "application/problem+json");
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("no enabled member"),
        "{}",
        refused.body
    );
    assert!(refused.body.get("accessToken").is_none());
    let members = f.api.call("GET", "/v2/admin/tenants/partner/members", None);
    assert_eq!(members.body["items"][0]["active"], false);

    put("partner", true);
    assert_eq!(f.exchange(FOREIGN).status, 200);
}

#[test]
fn a_membership_put_without_active_is_active() {
    let f = exchange::start();
    let r = f.api.call(
        "PUT",
        &format!("/v2/admin/tenants/partner/members/{}", f.account),
        Some(&json!({"scopes": ["orders"], "active": false})),
    );
    assert_eq!(r.body["active"], false);
    let r = f.api.call(
        "PUT",
        &format!("/v2/admin/tenants/partner/members/{}", f.account),
        Some(&json!({"scopes": ["orders"], "external_authentication_provider_id": "ext-42"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["active"], true);
    let bad = f.api.call(
        "PUT",
        &format!("/v2/admin/tenants/partner/members/{}", f.account),
        Some(&json!({"scopes": ["orders"], "active": "no"})),
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(
        f.exchange(FOREIGN).status,
        200,
        "the bad PUT changed nothing"
    );
}
