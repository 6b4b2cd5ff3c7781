//! Tenant admins (SPEC "Admin UI", issue 25): a `{"tenants": [...]}` role reaches its
//! tenants, their clients, settings, SCIM tokens and members, and nothing else. Every
//! management route is tried with a tenant admin's token against another tenant
//! (404), or as an appliance-only call (403), and nothing changes; the route table is
//! read from the router, so a new route without a rule here fails this test. Then each
//! way up: adopting a shared account, changing what is account-wide on it, granting
//! roles, minting tokens, backups and `/metrics`. Through the admin UI, a tenant admin
//! sees its tenants only, a crafted form for another tenant is a 404, and removing its
//! role ends its session.

use super::{create, delete, items, ok, start};
use crate::support::api::Api;
use crate::support::browser::{Browser, input_value};
use crate::support::server::Server;
use serde_json::{Value, json};

const PASSWORD: &str = "long enough password";

/// What a tenant admin gets from a route aimed at another tenant's records.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// 404, as if the record did not exist.
    NotFound,
    /// 403: the call is the appliance admins'.
    Forbidden,
    /// 200, listing only the tenant admin's own records.
    OwnOnly,
}

/// Every management route, as `(method, path under /v2/admin, body, expectation)`, with
/// `{t}` another tenant, `{c}` its client, `{key}` its API key, `{scim}` its SCIM token,
/// `{account}` an account of that tenant alone, `{token}` an admin token.
fn routes() -> Vec<(&'static str, &'static str, Option<Value>, Expect)> {
    use Expect::*;
    let client = json!({"name": "x", "redirect_uris": ["https://app.example/cb"],
        "grant_types": ["authorization_code"], "response_types": ["code"],
        "scopes": ["openid"], "token_endpoint_auth_method": "client_secret_basic"});
    let introspection = json!({"url": "https://idp.example/introspect",
        "client_id": "x", "client_secret": "y"});
    let upstream = json!({"configuration_url": "https://idp.example/.well-known/openid-configuration",
        "client_id": "x", "client_secret": "y"});
    let label = || Some(json!({"label": "x"}));
    vec![
        (
            "POST",
            "tenants",
            Some(json!({"id": "third", "display_name": "T"})),
            Forbidden,
        ),
        ("GET", "tenants", None, OwnOnly),
        ("GET", "tenants/{t}", None, NotFound),
        (
            "PATCH",
            "tenants/{t}",
            Some(json!({"display_name": "x"})),
            NotFound,
        ),
        ("DELETE", "tenants/{t}", None, Forbidden),
        (
            "PUT",
            "tenants/{t}/introspection",
            Some(introspection),
            NotFound,
        ),
        ("GET", "tenants/{t}/introspection", None, NotFound),
        ("DELETE", "tenants/{t}/introspection", None, NotFound),
        (
            "POST",
            "tenants/{t}/introspection/test",
            Some(json!({"token": "x"})),
            NotFound,
        ),
        ("PUT", "tenants/{t}/upstream-oidc", Some(upstream), NotFound),
        ("GET", "tenants/{t}/upstream-oidc", None, NotFound),
        ("POST", "tenants/{t}/upstream-oidc/test", None, NotFound),
        ("DELETE", "tenants/{t}/upstream-oidc", None, NotFound),
        ("POST", "tenants/{t}/clients", Some(client), NotFound),
        ("GET", "tenants/{t}/clients", None, NotFound),
        ("GET", "tenants/{t}/clients/{c}", None, NotFound),
        (
            "PATCH",
            "tenants/{t}/clients/{c}",
            Some(json!({"name": "x"})),
            NotFound,
        ),
        ("DELETE", "tenants/{t}/clients/{c}", None, NotFound),
        ("POST", "tenants/{t}/clients/{c}/secret", None, NotFound),
        (
            "POST",
            "tenants/{t}/clients/{c}/api-keys",
            label(),
            NotFound,
        ),
        ("GET", "tenants/{t}/clients/{c}/api-keys", None, NotFound),
        (
            "DELETE",
            "tenants/{t}/clients/{c}/api-keys/{key}",
            None,
            NotFound,
        ),
        (
            "PUT",
            "tenants/{t}/members/{account}",
            Some(json!({"scopes": []})),
            NotFound,
        ),
        ("GET", "tenants/{t}/members", None, NotFound),
        ("DELETE", "tenants/{t}/members/{account}", None, NotFound),
        (
            "POST",
            "tenants/{t}/accounts",
            Some(json!({"username": "sneaky"})),
            NotFound,
        ),
        ("POST", "tenants/{t}/scim-tokens", label(), NotFound),
        ("GET", "tenants/{t}/scim-tokens", None, NotFound),
        ("DELETE", "tenants/{t}/scim-tokens/{scim}", None, NotFound),
        (
            "POST",
            "accounts",
            Some(json!({"username": "sneaky"})),
            Forbidden,
        ),
        ("GET", "accounts", None, OwnOnly),
        ("GET", "accounts/{account}", None, NotFound),
        (
            "PATCH",
            "accounts/{account}",
            Some(json!({"name": "x"})),
            NotFound,
        ),
        ("DELETE", "accounts/{account}", None, NotFound),
        ("DELETE", "accounts/{account}/sessions", None, NotFound),
        ("DELETE", "accounts/{account}/mfa", None, NotFound),
        (
            "POST",
            "accounts/{account}/recovery-link",
            Some(json!({})),
            NotFound,
        ),
        ("POST", "tokens", label(), Forbidden),
        ("GET", "tokens", None, Forbidden),
        ("DELETE", "tokens/{token}", None, Forbidden),
        ("GET", "keys", None, Forbidden),
        ("POST", "keys/rotate", None, Forbidden),
        ("GET", "audit", None, OwnOnly),
        ("POST", "backup", None, Forbidden),
    ]
}

/// The management routes the router knows, as `(method, shape)`, read from its table.
fn router_routes() -> Vec<(String, String)> {
    let source = include_str!("../../../src/http/router.rs");
    let table = source
        .split("fn admin_table")
        .nth(1)
        .and_then(|rest| rest.split("_ => return None").next())
        .expect("the router's admin table");
    table
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line.strip_prefix("(\"")?;
            let (method, rest) = rest.split_once('"')?;
            let inside = rest.split_once('[')?.1.split_once(']')?.0;
            let segments = inside.split(',').map(|s| {
                let s = s.trim();
                match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                    Some(literal) => literal.to_owned(),
                    None => "*".to_owned(),
                }
            });
            Some((method.to_owned(), segments.collect::<Vec<_>>().join("/")))
        })
        .collect()
}

/// A path with its variable segments as `*`, as [`router_routes`] writes them.
fn template_shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "*" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_management_route_has_a_rule_for_tenant_admins() {
    let known = router_routes();
    assert!(
        known.len() > 40,
        "the router's table was not read: {known:?}"
    );
    let ruled: Vec<(String, String)> = routes()
        .iter()
        .map(|(m, p, _, _)| ((*m).to_owned(), template_shape(p)))
        .collect();
    for route in &known {
        assert!(
            ruled.contains(route),
            "{route:?} has no tenant-admin rule in this test"
        );
    }
    assert_eq!(ruled.len(), known.len(), "a rule for a route that is gone");
}

/// Two tenants, `mine` and `other`, each with a client `app`, an API key and a SCIM
/// token; accounts `solo` (mine only), `shared` (both), `outsider` (other only),
/// `boss` (appliance admin, member of mine), `peer` (admin of other, member of mine),
/// `lead` (admin of mine, with a password); and a token with the role of `mine`.
struct World {
    _tmp: tempfile::TempDir,
    server: Server,
    root: Api,
    mine: Api,
    ids: std::collections::HashMap<&'static str, String>,
}

fn world() -> World {
    let (tmp, server, root) = start();
    let mut ids = std::collections::HashMap::new();
    for t in ["mine", "other"] {
        create(
            &root,
            "/v2/admin/tenants",
            &json!({"id": t, "display_name": t}),
        );
        create(
            &root,
            &format!("/v2/admin/tenants/{t}/clients"),
            &json!({"client_id": "app", "name": "App",
                "redirect_uris": ["https://app.example/cb"], "grant_types": ["authorization_code", "urn:ietf:params:oauth:grant-type:token-exchange"],
                "response_types": ["code"], "scopes": ["openid"],
                "token_endpoint_auth_method": "client_secret_basic"}),
        );
        let key = create(
            &root,
            &format!("/v2/admin/tenants/{t}/clients/app/api-keys"),
            &json!({"label": "k"}),
        );
        let scim = create(
            &root,
            &format!("/v2/admin/tenants/{t}/scim-tokens"),
            &json!({"label": "s"}),
        );
        let (k, s) = if t == "mine" {
            ("key:mine", "scim:mine")
        } else {
            ("key:other", "scim:other")
        };
        ids.insert(k, key.body["id"].as_str().unwrap().to_owned());
        ids.insert(s, scim.body["id"].as_str().unwrap().to_owned());
    }
    let accounts: [(&str, &[&str], Value); 6] = [
        ("solo", &["mine"], Value::Null),
        ("shared", &["mine", "other"], Value::Null),
        ("outsider", &["other"], Value::Null),
        ("boss", &["mine"], json!("appliance")),
        ("peer", &["mine"], json!({"tenants": ["other"]})),
        ("lead", &["mine"], json!({"tenants": ["mine"]})),
    ];
    for (name, tenants, role) in accounts {
        let a = create(
            &root,
            "/v2/admin/accounts",
            &json!({"username": name, "password": PASSWORD, "role": role}),
        );
        let id = a.body["id"].as_str().unwrap().to_owned();
        for t in tenants {
            ok(
                &root,
                "PUT",
                &format!("/v2/admin/tenants/{t}/members/{id}"),
                Some(&json!({"scopes": []})),
            );
        }
        ids.insert(name, id);
    }
    let token = create(
        &root,
        "/v2/admin/tokens",
        &json!({"label": "mine's admin", "role": {"tenants": ["mine"]}}),
    );
    assert_eq!(token.body["role"], json!({"tenants": ["mine"]}));
    ids.insert("token", token.body["id"].as_str().unwrap().to_owned());
    let mine = Api::with_token(&server, token.body["token"].as_str().unwrap());
    World {
        _tmp: tmp,
        server,
        root,
        mine,
        ids,
    }
}

impl World {
    fn id(&self, name: &str) -> &str {
        &self.ids[name]
    }

    /// What an appliance admin sees of everything a tenant admin must not change.
    fn snapshot(&self) -> Vec<Value> {
        let mut paths = vec![
            "/v2/admin/tenants".to_owned(),
            "/v2/admin/accounts".to_owned(),
            "/v2/admin/tokens".to_owned(),
            "/v2/admin/keys".to_owned(),
        ];
        for t in ["mine", "other"] {
            for sub in [
                "",
                "/clients",
                "/clients/app/api-keys",
                "/members",
                "/scim-tokens",
            ] {
                paths.push(format!("/v2/admin/tenants/{t}{sub}"));
            }
        }
        paths
            .iter()
            .map(|p| ok(&self.root, "GET", p, None))
            .collect()
    }
}

#[test]
fn a_tenant_admin_reaches_nothing_of_another_tenant_nor_the_appliance() {
    let w = world();
    let before = w.snapshot();
    for (method, template, body, expect) in routes() {
        let path = format!(
            "/v2/admin/{}",
            template
                .replace("{t}", "other")
                .replace("{c}", "app")
                .replace("{key}", w.id("key:other"))
                .replace("{scim}", w.id("scim:other"))
                .replace("{account}", w.id("outsider"))
                .replace("{token}", w.id("token"))
        );
        let reply = w.mine.call(method, &path, body.as_ref());
        let detail = reply.body["detail"].as_str().unwrap_or("").to_owned();
        match expect {
            Expect::NotFound => {
                assert_eq!(reply.status, 404, "{method} {path}: {}", reply.body);
                assert!(
                    detail.contains("no tenant named `other`") || detail.contains("no account"),
                    "{method} {path}: {detail}"
                );
            }
            Expect::Forbidden => {
                assert_eq!(reply.status, 403, "{method} {path}: {}", reply.body);
                assert!(
                    detail.contains("appliance admins"),
                    "{method} {path}: {detail}"
                );
            }
            Expect::OwnOnly => {
                assert_eq!(reply.status, 200, "{method} {path}: {}", reply.body);
                let text = reply.body.to_string();
                // The audit log may name the appliance admin who acted in this tenant.
                let boss = if path.ends_with("audit") {
                    "\"other\""
                } else {
                    w.id("boss")
                };
                for foreign in ["\"other\"", w.id("outsider"), boss] {
                    assert!(
                        !text.contains(foreign),
                        "{method} {path} shows {foreign}: {text}"
                    );
                }
            }
        }
    }
    assert_eq!(w.snapshot(), before, "a refused call changed something");

    let listed = |path: &str, key: &str| -> Vec<String> {
        items(&w.mine, path)
            .iter()
            .map(|i| i[key].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(listed("/v2/admin/tenants", "id"), ["mine"]);
    let mut seen = listed("/v2/admin/accounts", "username");
    seen.sort();
    assert_eq!(seen, ["lead", "peer", "shared", "solo"]);
    let events = items(&w.mine, "/v2/admin/audit");
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e["tenant"] == "mine"),
        "only events of its tenant: {events:?}"
    );
    let (status, _) = {
        let mut resp = w
            .server
            .agent()
            .get(&format!("{}/metrics", w.server.base))
            .header(
                "authorization",
                w.mine.authorization.as_deref().unwrap_or(""),
            )
            .call()
            .unwrap();
        (
            resp.status().as_u16(),
            resp.body_mut().read_to_string().unwrap(),
        )
    };
    assert_eq!(status, 403, "/metrics is not a tenant admin's");
}

#[test]
fn a_tenant_admin_manages_its_own_tenant() {
    let w = world();
    let api = &w.mine;
    let t = "/v2/admin/tenants/mine";
    let renamed = ok(api, "PATCH", t, Some(&json!({"display_name": "Mine"})));
    assert_eq!(renamed["display_name"], "Mine");
    ok(
        api,
        "PUT",
        &format!("{t}/introspection"),
        Some(
            &json!({"url": "https://idp.example/introspect", "client_id": "x", "client_secret": "y"}),
        ),
    );
    assert_eq!(
        ok(api, "GET", &format!("{t}/introspection"), None)["client_secret_set"],
        true
    );
    delete(api, &format!("{t}/introspection"));
    let client = create(
        api,
        &format!("{t}/clients"),
        &json!({"client_id": "web", "name": "Web", "redirect_uris": ["https://web.example/cb"],
            "grant_types": ["authorization_code", "urn:ietf:params:oauth:grant-type:token-exchange"],
            "response_types": ["code"], "scopes": ["openid"],
            "token_endpoint_auth_method": "client_secret_basic"}),
    );
    assert!(client.body["client_secret"].is_string());
    ok(api, "POST", &format!("{t}/clients/web/secret"), None);
    let key = create(
        api,
        &format!("{t}/clients/web/api-keys"),
        &json!({"label": "k"}),
    );
    delete(
        api,
        &format!(
            "{t}/clients/web/api-keys/{}",
            key.body["id"].as_str().unwrap()
        ),
    );
    delete(api, &format!("{t}/clients/web"));
    let scim = create(api, &format!("{t}/scim-tokens"), &json!({"label": "dir"}));
    delete(
        api,
        &format!("{t}/scim-tokens/{}", scim.body["id"].as_str().unwrap()),
    );
    let newbie = create(
        api,
        &format!("{t}/accounts"),
        &json!({"username": "newbie", "password": PASSWORD, "scopes": ["read"]}),
    );
    let newbie_id = newbie.body["id"].as_str().unwrap().to_owned();
    assert_eq!(newbie.body["memberships"][0]["tenant"], "mine");
    let solo = format!("/v2/admin/accounts/{}", w.id("solo"));
    let changed = ok(
        api,
        "PATCH",
        &solo,
        Some(
            &json!({"name": "Solo", "password": "another long password", "email": "solo@example.com"}),
        ),
    );
    assert_eq!(changed["name"], "Solo");
    let link = create(api, &format!("{solo}/recovery-link"), &json!({}));
    assert!(
        link.body["url"]
            .as_str()
            .unwrap()
            .contains("/t/mine/recover")
    );
    delete(api, &format!("{solo}/mfa"));
    delete(api, &format!("{solo}/sessions"));
    let granted = ok(
        api,
        "PATCH",
        &solo,
        Some(&json!({"role": {"tenants": ["mine"]}})),
    );
    assert_eq!(
        (&granted["role"], &granted["admin"]),
        (&json!({"tenants": ["mine"]}), &json!(false))
    );
    let revoked = ok(api, "PATCH", &solo, Some(&json!({"role": null})));
    assert_eq!(revoked["role"], Value::Null);
    delete(api, &format!("/v2/admin/accounts/{newbie_id}"));
    delete(api, &format!("{t}/members/{}", w.id("solo")));
    assert_eq!(
        w.mine.call("GET", &solo, None).status,
        404,
        "an account of no tenant of its own is gone from its view"
    );
}

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
