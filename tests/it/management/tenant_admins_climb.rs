//! Tenant admins trying to climb (SPEC "Admin UI", issue 25): adopting an account of
//! another tenant, changing what is account-wide on a shared one, granting roles it
//! may not, minting tokens, taking backups; each refused with nothing changed, while
//! membership fields stay editable. Role validation, and the older `admin` flag. In
//! the admin UI, a tenant admin sees its tenants only, a crafted form for another
//! tenant is a 404, and removing its role ends its session.

use super::tenant_admins::{PASSWORD, world};
use super::{create, delete, ok, start};
use crate::support::browser::{Browser, input_value};
use crate::support::server::Server;
use serde_json::{Value, json};

#[test]
fn a_tenant_admin_cannot_climb() {
    let w = world();
    let before = w.snapshot();
    let account = |name: &str| format!("/v2/admin/accounts/{}", w.id(name));
    let shared = account("shared");
    let refusals: Vec<(&str, String, Option<Value>, u16)> = vec![
        // Adopting an account of another tenant.
        (
            "PUT",
            format!("/v2/admin/tenants/mine/members/{}", w.id("outsider")),
            Some(json!({"scopes": []})),
            403,
        ),
        // Account-wide changes of an account shared with another tenant.
        (
            "PATCH",
            shared.clone(),
            Some(json!({"password": "a new long password"})),
            403,
        ),
        (
            "PATCH",
            shared.clone(),
            Some(json!({"email": "me@evil.example"})),
            403,
        ),
        (
            "PATCH",
            shared.clone(),
            Some(json!({"disabled": true})),
            403,
        ),
        (
            "POST",
            format!("{shared}/recovery-link"),
            Some(json!({"tenant": "mine"})),
            403,
        ),
        ("DELETE", format!("{shared}/mfa"), None, 403),
        ("DELETE", format!("{shared}/sessions"), None, 403),
        ("DELETE", shared.clone(), None, 403),
        // Another admin is outside reach too.
        (
            "PATCH",
            account("lead"),
            Some(json!({"password": "a new long password"})),
            403,
        ),
        // Roles it may not grant, or an account holding one.
        (
            "PATCH",
            account("solo"),
            Some(json!({"role": "appliance"})),
            403,
        ),
        ("PATCH", account("solo"), Some(json!({"admin": true})), 403),
        (
            "PATCH",
            account("lead"),
            Some(json!({"role": "appliance"})),
            403,
        ),
        (
            "PATCH",
            account("solo"),
            Some(json!({"role": {"tenants": ["other"]}})),
            404,
        ),
        (
            "PATCH",
            account("solo"),
            Some(json!({"role": {"tenants": ["mine", "other"]}})),
            404,
        ),
        ("PATCH", account("peer"), Some(json!({"role": null})), 403),
        (
            "PATCH",
            account("peer"),
            Some(json!({"role": {"tenants": ["mine"]}})),
            403,
        ),
        ("PATCH", account("boss"), Some(json!({"role": null})), 404),
        (
            "POST",
            "/v2/admin/tenants/mine/accounts".into(),
            Some(json!({"username": "x", "role": "appliance"})),
            403,
        ),
        (
            "POST",
            "/v2/admin/tokens".into(),
            Some(json!({"label": "x", "role": {"tenants": ["mine"]}})),
            403,
        ),
        ("POST", "/v2/admin/backup".into(), None, 403),
    ];
    for (method, path, body, status) in refusals {
        let reply = w.mine.call(method, &path, body.as_ref());
        assert_eq!(
            reply.status, status,
            "{method} {path} {body:?}: {}",
            reply.body
        );
        assert_eq!(reply.content_type, "application/problem+json");
    }
    // Adopting or changing them through the bulk import: each line fails alone.
    let file = "username,email,password,scopes\n\
        shared,me@evil.example,,\n\
        outsider,,,read\n\
        lead,,a new long password,\n";
    let report = w.mine.raw(
        "POST",
        "/v2/admin/tenants/mine/accounts/import",
        Some("text/csv"),
        file.as_bytes().to_vec(),
    );
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(
        (&report.body["created"], &report.body["updated"]),
        (&json!(0), &json!(0))
    );
    let failed = report.body["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 3, "{}", report.body);
    for f in failed {
        assert_eq!(f["error"], "account outside this tenant", "{}", report.body);
    }
    assert_eq!(w.snapshot(), before, "a refused call changed something");
    // Membership fields stay editable on a shared account.
    let m = ok(
        &w.mine,
        "PUT",
        &format!("/v2/admin/tenants/mine/members/{}", w.id("shared")),
        Some(&json!({"scopes": ["read"], "active": false})),
    );
    assert_eq!(
        (&m["scopes"], &m["active"]),
        (&json!(["read"]), &json!(false))
    );
}

#[test]
fn roles_are_validated_and_the_admin_flag_still_means_appliance() {
    let (_tmp, _server, api) = start();
    create(
        &api,
        "/v2/admin/tenants",
        &json!({"id": "acme", "display_name": "Acme"}),
    );
    for (body, status, field) in [
        (json!({"label": "x", "role": {"tenants": []}}), 400, "role"),
        (
            json!({"label": "x", "role": {"tenants": ["nope"]}}),
            404,
            "nope",
        ),
        (json!({"label": "x", "role": "root"}), 400, "role"),
    ] {
        let r = api.call("POST", "/v2/admin/tokens", Some(&body));
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap().contains(field),
            "{}",
            r.body
        );
    }
    for (body, status) in [
        (json!({"username": "a", "role": "metrics"}), 400),
        (
            json!({"username": "a", "role": "appliance", "admin": true}),
            400,
        ),
        (json!({"username": "a", "role": {"tenants": ["gone"]}}), 404),
    ] {
        let r = api.call("POST", "/v2/admin/accounts", Some(&body));
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let old = create(
        &api,
        "/v2/admin/accounts",
        &json!({"username": "old", "admin": true}),
    );
    assert_eq!(
        (&old.body["role"], &old.body["admin"]),
        (&json!("appliance"), &json!(true))
    );
    let id = old.body["id"].as_str().unwrap();
    let demoted = ok(
        &api,
        "PATCH",
        &format!("/v2/admin/accounts/{id}"),
        Some(&json!({"admin": false})),
    );
    assert_eq!(
        (&demoted["role"], &demoted["admin"]),
        (&Value::Null, &json!(false))
    );
    let tenant_admin = ok(
        &api,
        "PATCH",
        &format!("/v2/admin/accounts/{id}"),
        Some(&json!({"role": {"tenants": ["acme", "acme"]}})),
    );
    assert_eq!(tenant_admin["role"], json!({"tenants": ["acme"]}));
    // A tenant deleted and created again does not keep its admins.
    delete(&api, "/v2/admin/tenants/acme");
    create(
        &api,
        "/v2/admin/tenants",
        &json!({"id": "acme", "display_name": "Acme again"}),
    );
    let after = ok(&api, "GET", &format!("/v2/admin/accounts/{id}"), None);
    assert_eq!(after["role"], json!({"tenants": []}));
}

fn sign_in(server: &Server, username: &str) -> (Browser, String) {
    let browser = Browser::new(server);
    let form = browser.get("/admin/login");
    let done = browser.post(
        "/admin/login",
        &[
            ("csrf", &input_value(&form.body, "csrf")),
            ("username", username),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let home = browser.get("/admin");
    assert_eq!(home.status, 200, "{}", home.body);
    let csrf = input_value(&home.body, "csrf");
    (browser, csrf)
}

#[test]
fn a_tenant_admin_in_the_admin_ui_sees_its_tenants_and_loses_them_with_its_role() {
    let w = world();
    let (browser, csrf) = sign_in(&w.server, "lead");
    let home = browser.get("/admin");
    assert!(home.body.contains("/admin/tenants/mine"), "{}", home.body);
    assert!(!home.body.contains("/admin/tenants/other"));
    assert!(!home.body.contains("/admin/keys"), "no keys link");
    let tenants = browser.get("/admin/tenants");
    assert!(tenants.body.contains("/admin/tenants/mine"));
    assert!(!tenants.body.contains("/admin/tenants/other"));
    let accounts = browser.get("/admin/accounts");
    assert!(accounts.body.contains(">solo<"), "{}", accounts.body);
    assert!(!accounts.body.contains(">outsider<"));
    assert!(!accounts.body.contains(">boss<"));
    assert_eq!(browser.get("/admin/tenants/other").status, 404);
    assert_eq!(browser.get("/admin/keys").status, 403);
    assert_eq!(
        browser
            .get(&format!("/admin/accounts/{}", w.id("outsider")))
            .status,
        404
    );
    let before = w.snapshot();
    let crafted = browser.post(
        "/admin/tenants/other/rename",
        &[("csrf", &csrf), ("display_name", "Taken over")],
    );
    assert_eq!(crafted.status, 404, "{}", crafted.body);
    let crafted = browser.post(
        "/admin/tenants/other/scim-tokens",
        &[("csrf", &csrf), ("label", "mine now")],
    );
    assert_eq!(crafted.status, 404, "{}", crafted.body);
    let crafted = browser.post(
        &format!("/admin/accounts/{}/password", w.id("shared")),
        &[("csrf", &csrf), ("password", "a new long password")],
    );
    assert_ne!(crafted.status, 303, "{}", crafted.body);
    let crafted = browser.post(
        &format!("/admin/accounts/{}/role", w.id("lead")),
        &[("csrf", &csrf), ("role", "appliance")],
    );
    assert_eq!(crafted.status, 403, "{}", crafted.body);
    assert_eq!(w.snapshot(), before, "a refused form changed something");
    // An account the tenant admin makes joins its tenant.
    let made = browser.post(
        "/admin/accounts",
        &[("csrf", &csrf), ("username", "hired"), ("tenant", "mine")],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let hired = ok(&w.root, "GET", "/v2/admin/accounts?username=hired", None);
    assert_eq!(hired["items"][0]["memberships"][0]["tenant"], "mine");

    ok(
        &w.root,
        "PATCH",
        &format!("/v2/admin/accounts/{}", w.id("lead")),
        Some(&json!({"role": null})),
    );
    let after = browser.get("/admin");
    assert_eq!(after.status, 303, "the session ended with the role");
    assert_eq!(after.location.as_deref(), Some("/admin/login"));
}
