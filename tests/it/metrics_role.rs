//! The `metrics` admin-token role: it reads `/metrics` (with sign-ins by outcome, the
//! signing keys' age and the last backup time) and nothing else: the management API
//! answers 403 with a problem body, and the admin UI does not let it in.

use crate::support::api::Api;
use crate::support::browser::{Browser, input_value};
use crate::support::server::{Server, run};
use serde_json::{Value, json};

fn scrape(server: &Server, token: &str) -> (u16, String) {
    let mut resp = server
        .agent()
        .get(&format!("{}/metrics", server.base))
        .header("authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    (
        resp.status().as_u16(),
        resp.body_mut().read_to_string().unwrap(),
    )
}

fn value(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{series} ")))
        .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
        .parse()
        .unwrap()
}

fn admin_ui_login(server: &Server, fields: &[(&str, &str)]) -> (Browser, u16) {
    let browser = Browser::new(server);
    let form = browser.get("/admin/login");
    let csrf = input_value(&form.body, "csrf");
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let page = browser.post("/admin/login", &all);
    (browser, page.status)
}

#[test]
fn a_metrics_token_reads_metrics_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let created = api.call(
        "POST",
        "/v2/admin/tokens",
        Some(&json!({"label": "prometheus", "role": "metrics"})),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["role"], "metrics");
    let token = created.body["token"].as_str().unwrap().to_owned();
    let listed = api.call("GET", "/v2/admin/tokens", None).body;
    let roles: Vec<(&str, &str)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["label"].as_str().unwrap(), t["role"].as_str().unwrap()))
        .collect();
    assert!(roles.contains(&("prometheus", "metrics")), "{roles:?}");
    assert!(
        roles.contains(&("first admin token", "appliance")),
        "{roles:?}"
    );

    let (status, text) = scrape(&server, &token);
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("latchkey_http_requests_total"), "{text}");

    let metrics_only = Api::with_token(&server, &token);
    for (method, path, body) in [
        ("GET", "/v2/admin/tenants", None),
        ("GET", "/v2/admin/tokens", None),
        (
            "POST",
            "/v2/admin/tokens",
            Some(json!({"label": "escalate"})),
        ),
        ("POST", "/v2/admin/backup", None),
        ("GET", "/v2/admin/keys", None),
    ] {
        let r = metrics_only.call(method, path, body.as_ref());
        assert_eq!(r.status, 403, "{method} {path}: {}", r.body);
        assert_eq!(
            r.body["detail"], "this admin token has the metrics role: it may read /metrics only",
            "{method} {path}"
        );
    }
    let tokens = api.call("GET", "/v2/admin/tokens", None).body;
    assert_eq!(
        tokens["items"].as_array().unwrap().len(),
        2,
        "nothing was created"
    );

    let (browser, status) = admin_ui_login(&server, &[("token", &token)]);
    assert_eq!(status, 401);
    assert_eq!(browser.get("/admin").status, 303, "no admin UI session");
}

#[test]
fn roles_are_checked_and_the_cli_makes_metrics_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let (code, token, stderr) = run(
        &[
            "admin",
            "create-token",
            "--role",
            "metrics",
            "--data-dir",
            dir,
        ],
        &[],
    );
    assert_eq!(code, 1, "not initialised yet: {stderr}");
    assert!(token.is_empty());
    let (code, admin, _) = run(&["init", "--data-dir", dir], &[]);
    assert_eq!(code, 0);
    let (code, token, stderr) = run(
        &[
            "admin",
            "create-token",
            "--role",
            "metrics",
            "--data-dir",
            dir,
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(
        &["admin", "create-token", "--role", "root", "--data-dir", dir],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("invalid value 'root'"), "{stderr}");

    let server = Server::start(tmp.path());
    assert_eq!(scrape(&server, token.trim()).0, 200);
    let r = Api::with_token(&server, token.trim()).call("GET", "/v2/admin/accounts", None);
    assert_eq!(r.status, 403, "{}", r.body);
    let api = Api::with_token(&server, admin.trim());
    for role in [json!("root"), json!(7), json!({"tenants": "x"})] {
        let r = api.call(
            "POST",
            "/v2/admin/tokens",
            Some(&json!({"label": "x", "role": role})),
        );
        assert_eq!(r.status, 400, "{role}: {}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap().contains("role"),
            "{}",
            r.body
        );
    }
    let all = api.call("GET", "/v2/admin/tokens", None).body;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        2,
        "none was created: {all}"
    );
}

#[test]
fn metrics_count_sign_ins_by_outcome_and_show_key_age_and_last_backup() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let admin = server.admin_token();
    let (_, before) = scrape(&server, &admin);
    assert_eq!(value(&before, "latchkey_last_backup_timestamp_seconds"), 0);
    let failures = value(&before, "latchkey_sign_ins_total{outcome=\"failure\"}");
    let successes = value(&before, "latchkey_sign_ins_total{outcome=\"success\"}");
    let age = value(&before, "latchkey_signing_key_age_seconds{alg=\"ES256\"}");
    assert!(age < 3600, "a fresh key: {age}");
    for alg in ["RS256", "EdDSA"] {
        assert!(before.contains(&format!(
            "latchkey_signing_key_age_seconds{{alg=\"{alg}\"}}"
        )));
    }

    assert_eq!(admin_ui_login(&server, &[("token", "lkadm_wrong")]).1, 401);
    assert_eq!(admin_ui_login(&server, &[("token", &admin)]).1, 303);
    let mut backup = server
        .agent()
        .post(&format!("{}/v2/admin/backup", server.base))
        .header("authorization", &format!("Bearer {admin}"))
        .send_empty()
        .unwrap();
    assert_eq!(backup.status(), 200);
    assert!(!backup.body_mut().read_to_vec().unwrap().is_empty());

    let (_, after) = scrape(&server, &admin);
    assert_eq!(
        value(&after, "latchkey_sign_ins_total{outcome=\"failure\"}"),
        failures + 1
    );
    assert_eq!(
        value(&after, "latchkey_sign_ins_total{outcome=\"success\"}"),
        successes + 1
    );
    let last = value(&after, "latchkey_last_backup_timestamp_seconds");
    let newest: Value = api
        .call("GET", "/v2/admin/audit?kind=backup.created", None)
        .body;
    assert_eq!(newest["items"].as_array().unwrap().len(), 1, "{newest}");
    assert!(last > 1_700_000_000, "{last}");
}
