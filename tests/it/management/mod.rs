//! The management API, driven as clients do. Success paths: tenants, clients, API keys,
//! accounts, memberships, settings, signing keys and the audit log, with the exact shapes
//! README promises, plus durability after a crash and a race on one username. Validation:
//! every rule answers a 400 problem+json whose `detail` names the field, and nothing is
//! created or changed; also 404 for unknown paths and referenced records, 415 for a wrong
//! content type and 413 for a body over 64 KiB.
//!
//! This file holds only the shared fixtures and helpers; the tests live in the topic files.

mod accounts;
mod clients;
mod import;
mod import_flows;
mod import_ui;
mod keys_audit;
mod settings;
mod tenant_admins;
mod tenant_admins_climb;
mod tenant_destinations;
mod tenants;
mod validation_clients;
pub(crate) mod validation_content;
mod validation_requests;
mod validation_settings;
mod validation_tenants_accounts;

use crate::support::api::{Api, Reply};
use crate::support::server::Server;
use serde_json::{Value, json};

/// A fresh server and a client for it. Bind all three (`let (_tmp, server, api)`), so the
/// data dir outlives the server.
pub(crate) fn start() -> (tempfile::TempDir, Server, Api) {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    (tmp, server, api)
}

/// `POST path body`, which must answer 201; returns the whole reply.
pub(crate) fn create(api: &Api, path: &str, body: &Value) -> Reply {
    let reply = api.call("POST", path, Some(body));
    assert_eq!(reply.status, 201, "POST {path} {body}: {}", reply.body);
    assert_eq!(reply.content_type, "application/json", "POST {path}");
    reply
}

/// `method path body`, which must answer 200; returns the body.
pub(crate) fn ok(api: &Api, method: &str, path: &str, body: Option<&Value>) -> Value {
    let reply = api.call(method, path, body);
    assert_eq!(reply.status, 200, "{method} {path}: {}", reply.body);
    reply.body
}

/// The items of a one-page list.
pub(crate) fn items(api: &Api, path: &str) -> Vec<Value> {
    let body = ok(api, "GET", path, None);
    assert!(body.get("next").is_some(), "a list has `next`: {body}");
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("GET {path}: no items array: {body}"))
        .clone()
}

/// Every item of a list, following `next` with `limit` items per page.
pub(crate) fn all_pages(api: &Api, path: &str, limit: usize) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut url = format!("{path}{sep}limit={limit}");
    let mut seen = Vec::new();
    for _ in 0..1000 {
        let body = ok(api, "GET", &url, None);
        let page = body["items"].as_array().unwrap();
        assert!(page.len() <= limit, "page larger than limit: {body}");
        seen.extend(page.iter().cloned());
        match body["next"].as_str() {
            Some(next) => url = format!("{path}{sep}limit={limit}&after={next}"),
            None => return seen,
        }
    }
    panic!("pagination of {path} does not end");
}

/// DELETE, which must answer 204 with no body.
pub(crate) fn delete(api: &Api, path: &str) {
    let reply = api.call("DELETE", path, None);
    assert_eq!(reply.status, 204, "DELETE {path}: {}", reply.body);
    assert!(reply.body.is_null(), "204 has no body: {}", reply.body);
}

/// Asserts a problem+json answer with `status`.
pub(crate) fn assert_problem(reply: &Reply, status: u16, what: &str) {
    assert_eq!(reply.status, status, "{what}: {}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json", "{what}");
    assert_eq!(reply.body["status"], status, "{what}: {}", reply.body);
    assert!(reply.body["detail"].is_string(), "{what}: {}", reply.body);
}

/// True when `field` appears in `detail` as a whole word (not inside a longer name).
pub(crate) fn names_field(detail: &str, field: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    detail.match_indices(field).any(|(i, _)| {
        let before = detail[..i].chars().next_back();
        let after = detail[i + field.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Asserts `reply` is a problem+json with `status` whose detail names one of `fields`.
pub(crate) fn assert_names(reply: &Reply, status: u16, fields: &[&str], what: &str) {
    assert_problem(reply, status, what);
    let detail = reply.body["detail"].as_str().unwrap();
    assert!(
        fields.iter().any(|f| names_field(detail, f)),
        "{what}: the detail should name {fields:?}: {detail}"
    );
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
pub(crate) fn is_rfc3339_utc(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && s.ends_with('Z')
}

/// Settings with trailing whitespace cut from `ca_pem`: README does not promise the PEM
/// text back byte for byte, only the certificates.
pub(crate) fn trim_pem(mut settings: Value) -> Value {
    if let Some(pem) = settings["ca_pem"].as_str() {
        settings["ca_pem"] = Value::from(pem.trim_end());
    }
    settings
}

/// A confidential code-flow client with refresh.
pub(crate) fn code_client() -> Value {
    json!({
        "name": "Web app",
        "redirect_uris": ["https://app.example/cb"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scopes": ["openid", "profile", "offline_access"],
        "token_endpoint_auth_method": "client_secret_basic"
    })
}

/// [`code_client`] also allowed the token exchange, so it may hold API keys.
pub(crate) fn exchange_client() -> Value {
    with(
        &code_client(),
        &json!({"grant_types": ["authorization_code", "refresh_token",
                                "urn:ietf:params:oauth:grant-type:token-exchange"]}),
    )
}

/// `base` with the top-level members of `patch` replaced.
pub(crate) fn with(base: &Value, patch: &Value) -> Value {
    let mut out = base.clone();
    for (k, v) in patch.as_object().unwrap() {
        out[k] = v.clone();
    }
    out
}

/// Introspection settings with only the required fields.
pub(crate) fn introspection(secret: &str) -> Value {
    json!({
        "url": "https://idp.example/oauth2/introspect",
        "client_id": "latchkey-at-idp",
        "client_secret": secret
    })
}

/// Upstream OIDC settings with only the required fields.
pub(crate) fn upstream(secret: &str) -> Value {
    json!({
        "configuration_url": "https://up.example/.well-known/openid-configuration",
        "client_id": "latchkey-at-upstream",
        "client_secret": secret
    })
}

pub(crate) fn create_tenant(api: &Api, id: &str) -> Value {
    create(
        api,
        "/v2/admin/tenants",
        &json!({"id": id, "display_name": format!("Tenant {id}")}),
    )
    .body
}

pub(crate) fn create_account(api: &Api, username: &str) -> Value {
    create(api, "/v2/admin/accounts", &json!({"username": username})).body
}

pub(crate) fn str_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` is not a string in {v}"))
}

pub(crate) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

pub(crate) fn account_by_username(api: &Api, username: &str) -> Vec<Value> {
    items(api, &format!("/v2/admin/accounts?username={username}"))
}

/// The default tenant's clients.
pub(crate) const CLIENTS: &str = "/v2/admin/tenants/default/clients";
/// The default tenant's introspection settings.
pub(crate) const INTROSPECTION: &str = "/v2/admin/tenants/default/introspection";
/// The default tenant's upstream OIDC settings.
pub(crate) const UPSTREAM: &str = "/v2/admin/tenants/default/upstream-oidc";

/// What is wrong with the answer to `method path body`, when it is not a 400
/// problem+json whose detail names one of `fields`.
pub(crate) fn not_refused(
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
pub(crate) fn refuse_all(api: &Api, method: &str, path: &str, cases: &[(Value, &[&str])]) {
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
