//! SCIM tokens: made, listed without their value and deleted through the management API,
//! accepted only under their own tenant's `/scim/v2`, and the discovery resources they
//! open (RFC 7644 §4).

use super::scim_start;
use crate::support::api::Api;
use crate::support::server::Options;
use serde_json::{Value, json};

fn assert_unauthorized(r: &crate::support::api::Reply) {
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.www_authenticate.as_deref(), Some("Bearer"));
    assert_eq!(r.content_type, "application/scim+json");
    assert_eq!(
        r.body,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "401",
               "detail": "a valid SCIM token of this tenant is required"})
    );
}

#[test]
fn a_scim_token_is_shown_once_listed_without_its_value_audited_and_deleted() {
    let s = scim_start();
    let listed = s
        .api
        .call("GET", "/v2/admin/tenants/acme/scim-tokens", None);
    assert_eq!(listed.status, 200);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let mut keys: Vec<&String> = items[0].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["created_at", "id", "label"]);
    assert_eq!(items[0]["id"], s.token_id.as_str());
    assert_eq!(items[0]["label"], "Entra ID");
    assert!(!listed.body.to_string().contains(&s.token));

    let audit = s
        .api
        .call("GET", "/v2/admin/audit?kind=scim_token.created", None);
    let event = &audit.body["items"][0];
    assert_eq!(event["tenant"], "acme");
    assert_eq!(event["target"], s.token_id.as_str());
    assert!(!audit.body.to_string().contains(&s.token));
    assert!(
        !s.server.log().contains(&s.token),
        "the token is in the log"
    );

    assert_eq!(
        s.scim
            .call("GET", "/t/acme/scim/v2/ServiceProviderConfig", None)
            .status,
        200
    );
    let path = format!("/v2/admin/tenants/acme/scim-tokens/{}", s.token_id);
    assert_eq!(s.api.call("DELETE", &path, None).status, 204);
    assert_eq!(s.api.call("DELETE", &path, None).status, 404);
    assert_unauthorized(
        &s.scim
            .call("GET", "/t/acme/scim/v2/ServiceProviderConfig", None),
    );
    let revoked = s
        .api
        .call("GET", "/v2/admin/audit?kind=scim_token.revoked", None);
    assert_eq!(revoked.body["items"][0]["target"], s.token_id.as_str());
}

#[test]
fn a_bad_label_or_tenant_is_refused_and_nothing_is_made() {
    let s = scim_start();
    for body in [
        json!({"label": ""}),
        json!({"label": "x".repeat(201)}),
        json!({"label": "a", "extra": 1}),
    ] {
        let r = s
            .api
            .call("POST", "/v2/admin/tenants/acme/scim-tokens", Some(&body));
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.content_type, "application/problem+json");
    }
    let r = s.api.call(
        "POST",
        "/v2/admin/tenants/nope/scim-tokens",
        Some(&json!({"label": "a"})),
    );
    assert_eq!(r.status, 404);
    let listed = s
        .api
        .call("GET", "/v2/admin/tenants/acme/scim-tokens", None);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
}

#[test]
fn scim_tokens_work_only_under_their_own_tenant_and_admin_tokens_not_at_all() {
    let s = scim_start();
    let other = s.api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&json!({"id": "beta", "display_name": "Beta"})),
    );
    assert_eq!(other.status, 201);
    assert_unauthorized(&s.scim.call("GET", "/t/beta/scim/v2/Users", None));
    assert_unauthorized(&s.scim.call("GET", "/t/nope/scim/v2/Users", None));
    let admin = Api::new(&s.server);
    assert_unauthorized(&admin.call("GET", "/t/acme/scim/v2/Users", None));
    let mut anonymous = Api::new(&s.server);
    anonymous.authorization = None;
    assert_unauthorized(&anonymous.call("GET", "/t/acme/scim/v2/Users", None));
    let mut basic = Api::new(&s.server);
    basic.authorization = Some(format!("Basic {}", s.token));
    assert_unauthorized(&basic.call("GET", "/t/acme/scim/v2/Users", None));

    let at_admin = s.scim.call("GET", "/v2/admin/tenants", None);
    assert_eq!(at_admin.status, 401, "{}", at_admin.body);
    let at_admin = s
        .scim
        .call("GET", "/v2/admin/tenants/acme/scim-tokens", None);
    assert_eq!(at_admin.status, 401, "{}", at_admin.body);
    assert_eq!(
        s.scim.call("GET", "/t/acme/scim/v2/Schemas", None).status,
        200
    );
}

#[test]
fn bad_scim_tokens_are_rate_limited_per_address_with_retry_after() {
    let s = super::scim_start_with(Options {
        env: vec![
            (
                "LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_ADDRESS".into(),
                "5".into(),
            ),
            ("LATCHKEY_RATE_LIMITS_FIRST_DELAY_SECS".into(), "60".into()),
        ],
        ..Options::default()
    });
    let guesser = Api::with_token(&s.server, "lkscim_guess");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(guesser.call("GET", "/t/acme/scim/v2/Users", None));
    }
    let last = statuses.last().unwrap();
    assert_eq!(last.status, 429, "{}", last.body);
    assert_eq!(last.body["status"], "429");
    assert!(last.retry_after.is_some());
    assert!(statuses.iter().take(5).all(|r| r.status == 401));
    let limited = s.api.call("GET", "/v2/admin/audit?kind=rate_limited", None);
    assert!(!limited.body["items"].as_array().unwrap().is_empty());
}

#[test]
fn discovery_resources_state_exactly_what_is_supported() {
    let s = scim_start();
    let base = format!("{}/t/acme/scim/v2", s.server.base);
    let spc = s
        .scim
        .call("GET", "/t/acme/scim/v2/ServiceProviderConfig", None);
    assert_eq!(spc.status, 200);
    assert_eq!(spc.content_type, "application/scim+json");
    let b = &spc.body;
    assert_eq!(
        b["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(b["patch"], json!({"supported": true}));
    assert_eq!(
        b["bulk"],
        json!({"supported": false, "maxOperations": 0, "maxPayloadSize": 0})
    );
    assert_eq!(b["filter"], json!({"supported": true, "maxResults": 200}));
    assert_eq!(b["changePassword"], json!({"supported": true}));
    assert_eq!(b["sort"], json!({"supported": false}));
    assert_eq!(b["etag"], json!({"supported": false}));
    assert_eq!(
        b["authenticationSchemes"],
        json!([{"type": "oauthbearertoken", "name": "OAuth Bearer Token",
                "description": "SCIM token", "primary": true}])
    );
    assert_eq!(
        b["meta"]["location"],
        format!("{base}/ServiceProviderConfig")
    );

    let types = s
        .scim
        .call("GET", "/t/acme/scim/v2/ResourceTypes", None)
        .body;
    assert_eq!(
        types["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(types["totalResults"], 2);
    let endpoints: Vec<&Value> = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["endpoint"])
        .collect();
    assert_eq!(endpoints, [&json!("/Users"), &json!("/Groups")]);
    let user_type = s
        .scim
        .call("GET", "/t/acme/scim/v2/ResourceTypes/User", None)
        .body;
    assert_eq!(
        user_type["schema"],
        "urn:ietf:params:scim:schemas:core:2.0:User"
    );

    let user = s.scim.call(
        "GET",
        "/t/acme/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
        None,
    );
    assert_eq!(user.status, 200, "{}", user.body);
    let names: Vec<&str> = user.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "userName",
            "name",
            "displayName",
            "emails",
            "active",
            "password",
            "externalId"
        ]
    );
    let missing = s.scim.call("GET", "/t/acme/scim/v2/Schemas/urn:nope", None);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["status"], "404");
    assert!(
        missing.body.get("scimType").is_none(),
        "scimType only with 400 and 409"
    );
}

/// A server whose per-address threshold is 5 failures, with a confidential client `svc`
/// of `acme` (client credentials): answers the fixture and the client's secret.
fn strict_with_client() -> (super::Scim, String) {
    let s = super::scim_start_with(Options {
        env: vec![
            (
                "LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_ADDRESS".into(),
                "5".into(),
            ),
            ("LATCHKEY_RATE_LIMITS_FIRST_DELAY_SECS".into(), "60".into()),
        ],
        ..Options::default()
    });
    let svc = s.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(
            &json!({"client_id": "svc", "name": "Service", "redirect_uris": [],
                     "grant_types": ["client_credentials"], "response_types": [],
                     "scopes": ["orders"], "token_endpoint_auth_method": "client_secret_post"}),
        ),
    );
    assert_eq!(svc.status, 201, "{}", svc.body);
    let secret = svc.body["client_secret"].as_str().unwrap().to_owned();
    (s, secret)
}

/// `POST /t/acme/token` for client `svc` with `secret`: the status.
fn client_token(s: &super::Scim, secret: &str) -> u16 {
    let form = format!("grant_type=client_credentials&client_id=svc&client_secret={secret}");
    s.server
        .post(
            "/t/acme/token",
            "application/x-www-form-urlencoded",
            form.into_bytes(),
        )
        .status()
        .as_u16()
}

#[test]
fn a_directory_with_a_stale_token_does_not_block_sign_ins_from_its_address() {
    let (s, secret) = strict_with_client();
    let stale = Api::with_token(&s.server, "lkscim_stale");
    let statuses: Vec<u16> = (0..8)
        .map(|_| stale.call("GET", "/t/acme/scim/v2/Users", None).status)
        .collect();
    assert_eq!(statuses.last(), Some(&429));
    assert_eq!(
        client_token(&s, &secret),
        200,
        "SCIM failures blocked the token endpoint"
    );
}

#[test]
fn sign_in_failures_from_an_address_do_not_block_its_directory() {
    let (s, _) = strict_with_client();
    let statuses: Vec<u16> = (0..8).map(|_| client_token(&s, "wrong-secret")).collect();
    assert_eq!(statuses.last(), Some(&429));
    let users = s.scim.call("GET", "/t/acme/scim/v2/Users", None);
    assert_eq!(users.status, 200, "{}", users.body);
    assert_eq!(users.body["totalResults"], 0);
}
