//! Offline commands: backup and restore, and the `latchkey admin` CLI.

use crate::support::api::Api;
use crate::support::server::{Server, run, run_bytes};
use serde_json::{Value, json};
use std::path::Path;

fn populate(api: &Api) -> (String, String) {
    assert_eq!(
        api.call(
            "POST",
            "/v2/admin/tenants",
            Some(&json!({"id": "acme", "display_name": "Acme"}))
        )
        .status,
        201
    );
    let client = api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": "web", "name": "Web", "redirect_uris": ["https://app.example/cb"],
                     "grant_types": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:token-exchange"],
                     "response_types": ["code"],
                     "scopes": ["openid", "orders"], "token_endpoint_auth_method": "client_secret_basic"})),
    );
    assert_eq!(client.status, 201, "{:?}", client.body);
    let key = api.call(
        "POST",
        "/v2/admin/tenants/acme/clients/web/api-keys",
        Some(&json!({"label": "backend"})),
    );
    assert_eq!(key.status, 201);
    let account = api.call(
        "POST",
        "/v2/admin/tenants/acme/accounts",
        Some(
            &json!({"username": "Alice", "email": "alice@example.com", "password": "correct horse",
                     "scopes": ["orders"], "external_authentication_provider_id": "ext-1"}),
        ),
    );
    assert_eq!(account.status, 201, "{:?}", account.body);
    let settings = api.call(
        "PUT",
        "/v2/admin/tenants/acme/introspection",
        Some(&json!({"url": "https://idp.example/introspect", "client_id": "lk", "client_secret": "introspection-secret-value"})),
    );
    assert_eq!(settings.status, 200, "{:?}", settings.body);
    (
        client.body["client_secret"].as_str().unwrap().to_owned(),
        key.body["key"].as_str().unwrap().to_owned(),
    )
}

/// Everything a GET shows, to compare two appliances (their own base URL blanked out).
fn snapshot(api: &Api, base: &str) -> String {
    let account_id = api
        .call("GET", "/v2/admin/accounts?username=alice", None)
        .body["items"][0]["id"]
        .clone();
    [
        "/v2/admin/tenants".to_owned(),
        "/v2/admin/tenants/acme/clients".into(),
        "/v2/admin/tenants/acme/clients/web/api-keys".into(),
        "/v2/admin/tenants/acme/members".into(),
        "/v2/admin/tenants/acme/introspection".into(),
        format!("/v2/admin/accounts/{}", account_id.as_str().unwrap()),
        "/v2/admin/tokens".into(),
        "/v2/admin/keys".into(),
        "/v2/admin/audit?limit=500".into(),
    ]
    .iter()
    .map(|p| {
        let r = api.call("GET", p, None);
        assert_eq!(r.status, 200, "{p}: {:?}", r.body);
        r.body
    })
    .collect::<Vec<Value>>()
    .iter()
    .map(|v| v.to_string().replace(base, "BASE"))
    .collect::<Vec<_>>()
    .join("\n")
}

fn dir_arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Restores `file` into the empty `dir`, serves it, and checks that every record
/// (`before`, seen with the admin `token`) and the signing keys came back.
fn restore_and_check(
    file: &Path,
    dir: &Path,
    token: &str,
    before: &str,
    jwks_before: &str,
) -> Server {
    let (code, _, stderr) = run(&["restore", "--data-dir", dir_arg(dir), dir_arg(file)], &[]);
    assert_eq!(code, 0, "{stderr}");
    let restored = Server::start(dir);
    let api = Api::with_token(&restored, token);
    assert_eq!(
        snapshot(&api, &restored.base),
        before,
        "every record is back"
    );
    assert_eq!(
        restored.get("/t/acme/jwks").1,
        jwks_before,
        "the same signing keys"
    );
    restored
}

#[test]
fn backup_then_restore_reproduces_every_record() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let server = Server::start(&a);
    let api = Api::new(&server);
    let (client_secret, api_key) = populate(&api);
    let before = snapshot(&api, &server.base);
    let (_, jwks_before) = server.get("/t/acme/jwks");
    let token = server.admin_token();

    let (code, _, stderr) = run(&["backup", "--data-dir", dir_arg(&a)], &[]);
    assert_eq!(code, 1, "backup refuses a running server's data dir");
    assert!(
        stderr.contains("in use by another latchkey process"),
        "{stderr}"
    );
    assert_eq!(server.stop().code(), Some(0));

    let (code, snapshot_bytes, stderr) =
        run_bytes(&["backup", "--data-dir", dir_arg(&a)], &[], None);
    assert_eq!(code, 0, "{stderr}");
    for secret in [
        &client_secret,
        &api_key,
        &token,
        "introspection-secret-value",
        "correct horse",
    ] {
        assert!(
            !snapshot_bytes
                .windows(secret.len())
                .any(|w| w == secret.as_bytes()),
            "no plaintext secret in a backup"
        );
    }
    let file = tmp.path().join("snapshot.cbor");
    std::fs::write(&file, &snapshot_bytes).unwrap();
    let _restored = restore_and_check(&file, &b, &token, &before, &jwks_before);
    let (code, _, stderr) = run(&["restore", "--data-dir", dir_arg(&b), dir_arg(&file)], &[]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("in use") || stderr.contains("not empty"),
        "{stderr}"
    );
}

#[test]
fn an_online_backup_of_a_running_server_restores_and_serves() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let server = Server::start(&a);
    let api = Api::new(&server);
    let (client_secret, _) = populate(&api);
    let token = server.admin_token();
    let (_, jwks_before) = server.get("/t/acme/jwks");

    let unauthorized = server.post("/v2/admin/backup", "application/json", Vec::new());
    assert_eq!(unauthorized.status(), 401);
    let mut resp = server
        .agent()
        .post(&format!("{}/v2/admin/backup", server.base))
        .header("authorization", &format!("Bearer {token}"))
        .send_empty()
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/cbor-seq");
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    assert!(
        !bytes
            .windows(client_secret.len())
            .any(|w| w == client_secret.as_bytes()),
        "no plaintext secret in a backup"
    );
    let before = snapshot(&api, &server.base);
    assert!(before.contains("backup.created"), "the backup is audited");
    let leftovers: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("backup-"))
        .collect();
    assert!(leftovers.is_empty(), "the snapshot file is gone");

    let file = tmp.path().join("online.cbor");
    std::fs::write(&file, &bytes).unwrap();
    let restored = restore_and_check(&file, &b, &token, &before, &jwks_before);
    let token_call = restored.post(
        "/t/acme/token",
        "application/x-www-form-urlencoded",
        format!("grant_type=client_credentials&client_id=web&client_secret={client_secret}")
            .into_bytes(),
    );
    assert_eq!(
        token_call.status(),
        400,
        "the restored client authenticates (and is refused the grant it lacks)"
    );
}

#[test]
fn restore_refuses_a_non_empty_dir_and_a_truncated_file() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let (code, _, _) = run(&["init", "--data-dir", dir_arg(&a)], &[]);
    assert_eq!(code, 0);
    let (code, bytes, _) = run_bytes(&["backup", "--data-dir", dir_arg(&a)], &[], None);
    assert_eq!(code, 0);
    let file = tmp.path().join("cut.cbor");
    std::fs::write(&file, &bytes[..bytes.len() - 4]).unwrap();
    let (code, _, stderr) = run(
        &[
            "restore",
            "--data-dir",
            dir_arg(&tmp.path().join("b")),
            dir_arg(&file),
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("not a complete latchkey backup"),
        "{stderr}"
    );
    std::fs::write(&file, &bytes).unwrap();
    let (code, _, stderr) = run(&["restore", "--data-dir", dir_arg(&a), dir_arg(&file)], &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not empty"), "{stderr}");
}

#[test]
fn admin_cli_creates_tokens_and_accounts_and_sets_passwords() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir_arg(tmp.path());
    let (code, _, stderr) = run(&["admin", "--data-dir", dir, "create-token"], &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not initialised"), "{stderr}");
    assert_eq!(run(&["init", "--data-dir", dir], &[]).0, 0);

    let (code, token, _) = run(
        &["admin", "--data-dir", dir, "create-token", "--label", "ops"],
        &[],
    );
    assert_eq!(code, 0);
    let (code, id, stderr) = run_bytes(
        &[
            "admin",
            "--data-dir",
            dir,
            "create-account",
            "Root",
            "--admin",
            "--password-stdin",
        ],
        &[],
        Some(b"first password\n"),
    );
    assert_eq!(code, 0, "{stderr}");
    let id = String::from_utf8(id).unwrap().trim().to_owned();
    let (code, out, stderr) = run_bytes(
        &["admin", "--data-dir", dir, "set-password", "root"],
        &[],
        Some(b"second password\n"),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(String::from_utf8_lossy(&out).contains("password set for Root"));
    let (code, _, stderr) = run_bytes(
        &["admin", "--data-dir", dir, "set-password", "nobody"],
        &[],
        Some(b"x\n"),
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("no account named `nobody`"), "{stderr}");

    let server = Server::start(tmp.path());
    let api = Api::with_token(&server, token.trim());
    let account = api.call("GET", &format!("/v2/admin/accounts/{id}"), None);
    assert_eq!(account.status, 200);
    assert_eq!(
        (
            account.body["admin"].as_bool(),
            account.body["password_set"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let audit = api.call("GET", &format!("/v2/admin/audit?account={id}"), None);
    let kinds: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["password.changed", "password.changed", "account.created"],
        "newest first"
    );
}

#[test]
fn import_accounts_reads_json_lines_with_argon2id_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dir_arg(tmp.path());
    assert_eq!(run(&["init", "--data-dir", dir], &[]).0, 0);
    let (_, token, _) = run(&["admin", "--data-dir", dir, "create-token"], &[]);
    let phc =
        latchkey::crypto::password::hash(&latchkey::types::Secret::new("imported pw")).unwrap();
    let lines = format!(
        "{}\n\n{}\n",
        json!({"username": "imp1", "email": "imp1@example.com", "password_hash": phc}),
        json!({"username": "imp2", "name": "Imp Two"})
    );
    let import = |input: &str| {
        let (code, out, stderr) = run_bytes(
            &["admin", "--data-dir", dir, "import-accounts", "-"],
            &[],
            Some(input.as_bytes()),
        );
        (code, String::from_utf8_lossy(&out).into_owned(), stderr)
    };
    let (code, out, stderr) = import(&lines);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out.trim(), "imported 2 accounts");

    let bcrypt = json!({"username": "imp3", "password_hash": "$2b$10$abcdefghijklmnopqrstuv"});
    let (code, _, stderr) = import(&format!("{bcrypt}\n"));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("line 1") && stderr.contains("argon2id"),
        "{stderr}"
    );
    let (code, _, stderr) = import("{\"username\": \"imp4\"}\n{\"user\": \"x\"}\n");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("line 2") && stderr.contains("unknown field"),
        "{stderr}"
    );
    let (code, _, stderr) = import("{\"username\": \"IMP1\"}\n");
    assert_eq!(code, 1);
    assert!(stderr.contains("taken"), "{stderr}");

    let server = Server::start(tmp.path());
    let api = Api::with_token(&server, token.trim());
    let found = api.call("GET", "/v2/admin/accounts?username=imp1", None);
    let imp1 = &found.body["items"][0];
    assert_eq!(imp1["email"], "imp1@example.com");
    assert_eq!(imp1["password_set"], true);
    let found = api.call("GET", "/v2/admin/accounts?username=imp2", None);
    assert_eq!(found.body["items"][0]["password_set"], false);
    let imp4 = api.call("GET", "/v2/admin/accounts?username=imp4", None);
    assert_eq!(
        imp4.body["items"].as_array().unwrap().len(),
        0,
        "a bad line stops its batch before anything is written"
    );
    let audit = api.call("GET", "/v2/admin/audit?kind=accounts.imported", None);
    let details: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(details, ["2 accounts"]);
}

/// `backup` with the value of the first record of `tree` replaced by `value`, and that
/// record's position among the records (from 1).
#[allow(
    clippy::disallowed_methods,
    reason = "the test edits a backup's records as CBOR"
)]
fn with_bad_record(backup: &[u8], tree: &str, value: Vec<u8>) -> (Vec<u8>, usize) {
    use ciborium::Value;
    let mut input = backup;
    let mut items = Vec::new();
    while !input.is_empty() {
        items.push(ciborium::from_reader::<Value, _>(&mut input).unwrap());
    }
    let records = items.iter_mut().filter_map(|item| match item {
        Value::Map(outer) if outer[0].0 == Value::Text("Record".into()) => Some(&mut outer[0].1),
        _ => None,
    });
    let (position, record) = records
        .enumerate()
        .find(|(_, r)| r.as_map().unwrap()[0].1 == Value::Text(tree.into()))
        .unwrap();
    let field = record.as_map_mut().unwrap();
    assert_eq!(field[2].0, Value::Text("value".into()));
    field[2].1 = Value::Bytes(value);
    let mut out = Vec::new();
    for item in &items {
        ciborium::into_writer(item, &mut out).unwrap();
    }
    (out, position + 1)
}

#[test]
fn a_failed_restore_names_the_bad_record_and_leaves_the_dir_as_it_found_it() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    assert_eq!(run(&["init", "--data-dir", dir_arg(&a)], &[]).0, 0);
    let (code, bytes, _) = run_bytes(&["backup", "--data-dir", dir_arg(&a)], &[], None);
    assert_eq!(code, 0);
    let (bad, position) = with_bad_record(&bytes, "tenants", vec![0xa0]);
    let bad_file = tmp.path().join("bad.cbor");
    std::fs::write(&bad_file, bad).unwrap();
    let cut_file = tmp.path().join("cut.cbor");
    std::fs::write(&cut_file, &bytes[..bytes.len() - 4]).unwrap();

    let (absent, empty) = (tmp.path().join("absent"), tmp.path().join("empty"));
    std::fs::create_dir(&empty).unwrap();
    for (file, says) in [
        (
            &bad_file,
            format!("record {position} of the backup (tree `tenants`) does not decode"),
        ),
        (&cut_file, "not a complete latchkey backup".to_owned()),
    ] {
        for target in [&absent, &empty] {
            let (code, _, stderr) = run(
                &["restore", "--data-dir", dir_arg(target), dir_arg(file)],
                &[],
            );
            assert_eq!(code, 1, "{stderr}");
            assert!(stderr.contains(&says), "{stderr}");
        }
        assert!(!absent.exists(), "the dir restore made is gone again");
        let left: Vec<_> = std::fs::read_dir(&empty).unwrap().collect();
        assert!(left.is_empty(), "the empty dir is still empty: {left:?}");
    }
}

#[test]
fn verify_backup_reads_a_file_whole_and_refuses_what_restore_would() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    assert_eq!(run(&["init", "--data-dir", dir_arg(&a)], &[]).0, 0);
    let (code, bytes, _) = run_bytes(&["backup", "--data-dir", dir_arg(&a)], &[], None);
    assert_eq!(code, 0);
    let good = tmp.path().join("good.cbor");
    std::fs::write(&good, &bytes).unwrap();
    let (code, stdout, stderr) = run(&["verify-backup", dir_arg(&good)], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("a whole latchkey backup"), "{stdout}");
    assert!(stdout.contains("tenants 1"), "{stdout}");
    assert!(stdout.contains("signing_keys 3"), "{stdout}");

    let (bad, position) = with_bad_record(&bytes, "tenants", vec![0xa0]);
    let bad_file = tmp.path().join("bad.cbor");
    std::fs::write(&bad_file, bad).unwrap();
    let cut_file = tmp.path().join("cut.cbor");
    std::fs::write(&cut_file, &bytes[..bytes.len() - 4]).unwrap();
    for (file, says) in [
        (
            &bad_file,
            format!("record {position} of the backup (tree `tenants`) does not decode"),
        ),
        (&cut_file, "not a complete latchkey backup".to_owned()),
        (&tmp.path().join("absent.cbor"), "absent.cbor".to_owned()),
    ] {
        let (code, _, stderr) = run(&["verify-backup", dir_arg(file)], &[]);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains(&says), "{stderr}");
    }
}
