//! The password policy at every entry point: the management API (create, patch, create
//! with a membership), the admin UI's forms and the CLI. Each refusal is a 400 (or the
//! form again, or exit 1) naming the `password` field and the rule, and changes nothing;
//! older hashes keep signing in.

use crate::admin_ui::signed_in;
use crate::oidc_code::REDIRECT;
use crate::support::api::Api;
use crate::support::browser::Browser;
use crate::support::server::{Options, Server, run, run_bytes};
use serde_json::{Value, json};

/// A password for each rule, and the words its message must carry.
const REFUSED: [(&str, &str); 4] = [
    ("nine char", "must be 10 to 1024 characters long"),
    ("Password123", "is one of the 10,000 most common passwords"),
    ("Mallory.Example", "must not be the same as the username"),
    (
        "MALLORY@example.com",
        "must not be the same as the e-mail address",
    ),
];

fn assert_refused(reply: &crate::support::api::Reply, rule: &str, what: &str) {
    assert_eq!(reply.status, 400, "{what}: {}", reply.body);
    let detail = reply.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("password: ") && detail.contains(rule),
        "{what}: {detail}"
    );
}

#[test]
fn the_management_api_refuses_each_rule_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    for (password, rule) in REFUSED {
        let body = json!({"username": "Mallory.Example", "email": "mallory@example.com",
                          "password": password});
        assert_refused(
            &api.call("POST", "/v2/admin/accounts", Some(&body)),
            rule,
            password,
        );
        let mut provision = body.clone();
        provision["scopes"] = json!([]);
        let reply = api.call(
            "POST",
            "/v2/admin/tenants/default/accounts",
            Some(&provision),
        );
        assert_refused(&reply, rule, password);
    }
    let listed = api.call("GET", "/v2/admin/accounts", None);
    assert_eq!(listed.body["items"], json!([]), "nothing was created");

    let made = api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": "Mallory.Example", "email": "mallory@example.com"})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let path = format!("/v2/admin/accounts/{}", made.body["id"].as_str().unwrap());
    for (password, rule) in REFUSED {
        let reply = api.call("PATCH", &path, Some(&json!({"password": password})));
        assert_refused(&reply, rule, password);
    }
    // The rule judges the username and e-mail the same request sets.
    let renamed = api.call(
        "PATCH",
        &path,
        Some(&json!({"username": "long.enough.name", "password": "long.enough.name"})),
    );
    assert_refused(&renamed, "must not be the same as the username", "renamed");
    assert_eq!(api.call("GET", &path, None).body["password_set"], false);

    let set = api.call(
        "PATCH",
        &path,
        Some(&json!({"password": "a long unusual one"})),
    );
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["password_set"], true);
    let audit = api.call("GET", "/v2/admin/audit?kind=password.changed", None);
    let events = audit.body["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", audit.body);
    assert_eq!(events[0]["detail"], "admin");
    assert_eq!(events[0]["account"], made.body["id"]);
    assert!(!server.log().contains("a long unusual one"));
}

#[test]
fn the_admin_ui_forms_refuse_a_common_password_and_name_the_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let (browser, csrf) = signed_in(&server);
    let refused = browser.post(
        "/admin/accounts",
        &[
            ("csrf", &csrf),
            ("username", "dave"),
            ("password", "1234567890"),
        ],
    );
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("is one of the 10,000 most common passwords"),
        "{}",
        refused.body
    );
    let none: Value = api
        .call("GET", "/v2/admin/accounts?username=dave", None)
        .body;
    assert_eq!(none["items"], json!([]));

    let made = browser.post(
        "/admin/accounts",
        &[("csrf", &csrf), ("username", "dave"), ("password", "")],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let dave = api
        .call("GET", "/v2/admin/accounts?username=dave", None)
        .body["items"][0]
        .clone();
    let id = dave["id"].as_str().unwrap();
    let short = browser.post(
        &format!("/admin/accounts/{id}/password"),
        &[("csrf", &csrf), ("password", "dave")],
    );
    assert_eq!(short.status, 200, "{}", short.body);
    assert!(
        short.body.contains("must be 10 to 1024 characters long"),
        "{}",
        short.body
    );
    let after = api
        .call("GET", &format!("/v2/admin/accounts/{id}"), None)
        .body;
    assert_eq!(after["password_set"], false);
}

#[test]
fn the_cli_refuses_a_password_the_policy_forbids() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(run(&["init", "--data-dir", dir], &[]).0, 0);
    let (code, _, stderr) = run_bytes(
        &[
            "admin",
            "--data-dir",
            dir,
            "create-account",
            "root",
            "--password-stdin",
        ],
        &[],
        Some(b"qwertyuiop\n"),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("password: is one of the 10,000 most common passwords"),
        "{stderr}"
    );
    let (code, _, stderr) = run_bytes(
        &[
            "admin",
            "--data-dir",
            dir,
            "create-account",
            "root",
            "--password-stdin",
        ],
        &[],
        Some(b"a fine first password\n"),
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run_bytes(
        &["admin", "--data-dir", dir, "set-password", "root"],
        &[],
        Some(b"root\n"),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("password: must be 10 to 1024 characters long"),
        "{stderr}"
    );
    // A longer minimum from the environment applies too.
    let (code, _, stderr) = run_bytes(
        &["admin", "--data-dir", dir, "set-password", "root"],
        &[("LATCHKEY_PASSWORDS_MIN_LENGTH", "30")],
        Some(b"a fine second password\n"),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("must be 30 to 1024 characters long"),
        "{stderr}"
    );
}

#[test]
fn a_password_set_under_an_older_policy_still_signs_in() {
    let tmp = tempfile::tempdir().unwrap();
    let short = Options {
        env: vec![("LATCHKEY_PASSWORDS_MIN_LENGTH".into(), "8".into())],
        ..Options::default()
    };
    let server = Server::start_with(tmp.path(), short);
    let api = Api::new(&server);
    let client = json!({"client_id": "web", "name": "Web", "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code"], "response_types": ["code"],
        "scopes": ["openid"], "token_endpoint_auth_method": "client_secret_basic"});
    let account = json!({"username": "alice", "password": "tr0ub4do", "scopes": []});
    for (path, body) in [
        ("/v2/admin/tenants/default/clients", client),
        ("/v2/admin/tenants/default/accounts", account),
    ] {
        let reply = api.call("POST", path, Some(&body));
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    server.stop();
    let server = Server::start(tmp.path());
    let authorize = format!(
        "/t/default/authorize?client_id=web&response_type=code&scope=openid&state=s1&redirect_uri={REDIRECT}"
    );
    let answer = Browser::new(&server).sign_in(&authorize, "alice", "tr0ub4do");
    assert_eq!(answer.status, 303, "{}", answer.body);
    let location = answer.location.unwrap();
    assert!(
        location.starts_with(REDIRECT) && location.contains("code="),
        "{location}"
    );
}
