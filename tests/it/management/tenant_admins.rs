//! Tenant admins (SPEC "Admin UI", issue 25): a `{"tenants": [...]}` role reaches its
//! tenants, their clients, settings, SCIM tokens and members, and nothing else. Every
//! management route is tried with a tenant admin's token against another tenant
//! (404), or as an appliance-only call (403), and nothing changes; the route table is
//! read from the router, so a new route without a rule here fails this test. The
//! tenant admin then manages its own tenant end to end. `tenant_admins_climb.rs` tries
//! each way up, and the admin UI.

use super::{create, delete, items, ok, start};
use crate::support::api::Api;
use crate::support::server::Server;
use serde_json::{Value, json};

pub(super) const PASSWORD: &str = "long enough password";

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
        (
            "POST",
            "tenants/{t}/accounts/import",
            Some(json!({"username": "sneaky"})),
            NotFound,
        ),
        (
            "PUT",
            "tenants/{t}/branding",
            Some(json!({"accent_color": "#102030"})),
            NotFound,
        ),
        ("GET", "tenants/{t}/branding", None, NotFound),
        ("DELETE", "tenants/{t}/branding", None, NotFound),
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
pub(super) struct World {
    _tmp: tempfile::TempDir,
    pub(super) server: Server,
    pub(super) root: Api,
    pub(super) mine: Api,
    ids: std::collections::HashMap<&'static str, String>,
}

pub(super) fn world() -> World {
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
    pub(super) fn id(&self, name: &str) -> &str {
        &self.ids[name]
    }

    /// What an appliance admin sees of everything a tenant admin must not change.
    pub(super) fn snapshot(&self) -> Vec<Value> {
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
    // Events of its tenant, and of the accounts it sees, from when they joined it.
    let patched = ok(
        &w.root,
        "PATCH",
        &format!("/v2/admin/accounts/{}", w.id("outsider")),
        Some(&json!({"name": "Outsider"})),
    );
    assert_eq!(patched["name"], "Outsider");
    ok(
        &w.root,
        "PATCH",
        &format!("/v2/admin/accounts/{}", w.id("solo")),
        Some(&json!({"name": "Solo"})),
    );
    let events = items(&w.mine, "/v2/admin/audit?limit=500");
    let visible = [w.id("solo"), w.id("shared"), w.id("peer"), w.id("lead")];
    assert!(
        events.iter().all(|e| e["tenant"] == "mine"
            || e["tenant"].is_null() && visible.contains(&e["account"].as_str().unwrap_or("-"))),
        "only events of its tenant and its members: {events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "account.updated" && e["account"] == w.id("solo")),
        "a member's own events are there: {events:?}"
    );
    let all = items(&w.root, "/v2/admin/audit?limit=500");
    assert!(all.len() > events.len());
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
