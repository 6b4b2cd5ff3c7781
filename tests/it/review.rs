//! What an outside review of the running appliance broke (issue 19), each held shut over
//! the real server: admin UI sessions that outlived what opened them, ID tokens as
//! bearer logins at other tenants, and the smaller items of the report.

use crate::support::api::Api;
use crate::support::browser::{Browser, input_value};
use crate::support::server::Server;
use serde_json::json;

/// Signs a browser in to the admin UI with `fields` (a token, or a username and
/// password) and checks that it got in.
fn admin_ui_session(server: &Server, fields: &[(&str, &str)]) -> Browser {
    let browser = Browser::new(server);
    let form = browser.get("/admin/login");
    let csrf = input_value(&form.body, "csrf");
    let mut pairs = vec![("csrf", csrf.as_str())];
    pairs.extend_from_slice(fields);
    let done = browser.post("/admin/login", &pairs);
    assert_eq!(done.status, 303, "{}", done.body);
    let home = browser.get("/admin");
    assert_eq!(home.status, 200, "{}", home.body);
    browser
}

fn admin_account(api: &Api, username: &str) -> String {
    let r = api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": username, "password": "long enough password", "admin": true})),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

fn signed_out(browser: &Browser) -> bool {
    let page = browser.get("/admin/tenants");
    page.status == 303 && page.location.as_deref() == Some("/admin/login")
}

#[test]
fn admin_ui_sessions_die_with_their_token_role_or_account() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);

    let created = api.call("POST", "/v2/admin/tokens", Some(&json!({"label": "ui"})));
    assert_eq!(created.status, 201);
    let token = created.body["token"].as_str().unwrap();
    let by_token = admin_ui_session(&server, &[("token", token)]);
    let deleted = api.call(
        "DELETE",
        &format!("/v2/admin/tokens/{}", created.body["id"].as_str().unwrap()),
        None,
    );
    assert_eq!(deleted.status, 204);
    assert!(signed_out(&by_token), "the token's session outlived it");

    let password = [("username", ""), ("password", "long enough password")];
    for (username, change) in [
        ("demoted", json!({"admin": false})),
        ("disabled", json!({"disabled": true})),
        ("deleted", serde_json::Value::Null),
    ] {
        let id = admin_account(&api, username);
        let mut fields = password;
        fields[0].1 = username;
        let browser = admin_ui_session(&server, &fields);
        let path = format!("/v2/admin/accounts/{id}");
        let r = if change.is_null() {
            api.call("DELETE", &path, None)
        } else {
            api.call("PATCH", &path, Some(&change))
        };
        assert!(r.status == 200 || r.status == 204, "{:?}", r.body);
        assert!(signed_out(&browser), "{username}: the session outlived it");
    }
    let kept = admin_account(&api, "kept");
    let browser = admin_ui_session(
        &server,
        &[("username", "kept"), ("password", "long enough password")],
    );
    let r = api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{kept}"),
        Some(&json!({"name": "Still Admin"})),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        browser.get("/admin/tenants").status,
        200,
        "an unrelated edit keeps the session"
    );
}

/// Review finding: an API key on a public or client_credentials-only client minted user
/// tokens, and `/v2/sso/refresh-token` kept rotating after the client lost the grant.
#[test]
fn the_exchange_honours_the_clients_grants() {
    use crate::exchange::{FOREIGN, start};
    let f = start();
    for (id, method, grants, redirects, response_types) in [
        (
            "public",
            "none",
            json!(["authorization_code"]),
            json!(["https://a.example/cb"]),
            json!(["code"]),
        ),
        (
            "machine",
            "client_secret_basic",
            json!(["client_credentials"]),
            json!([]),
            json!([]),
        ),
    ] {
        let made = f.api.call(
            "POST",
            "/v2/admin/tenants/partner/clients",
            Some(
                &json!({"client_id": id, "name": id, "redirect_uris": redirects,
                         "grant_types": grants, "response_types": response_types,
                         "scopes": ["openid"], "token_endpoint_auth_method": method}),
            ),
        );
        assert_eq!(made.status, 201, "{:?}", made.body);
        let key = f.api.call(
            "POST",
            &format!("/v2/admin/tenants/partner/clients/{id}/api-keys"),
            Some(&json!({"label": "x"})),
        );
        assert_eq!(key.status, 400, "{id}: {:?}", key.body);
        assert!(
            key.body["detail"]
                .as_str()
                .unwrap()
                .contains("token-exchange"),
            "{:?}",
            key.body
        );
    }

    let first = f.exchange(FOREIGN);
    assert_eq!(first.status, 200, "{:?}", first.body);
    let refresh = first.body["refreshToken"].as_str().unwrap().to_owned();
    let set_grants = |patch: serde_json::Value| {
        let r = f.api.call(
            "PATCH",
            "/v2/admin/tenants/partner/clients/app",
            Some(&patch),
        );
        assert_eq!(r.status, 200, "{:?}", r.body);
    };
    set_grants(
        json!({"grant_types": ["authorization_code", "refresh_token"],
                      "redirect_uris": ["https://a.example/cb"], "response_types": ["code"]}),
    );
    let refused = f.exchange(FOREIGN);
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(refused.content_type, "application/problem+json");
    let rotated = f.sso.call(
        "POST",
        "/v2/sso/refresh-token",
        Some(&json!({"refresh_token": refresh})),
    );
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let next = rotated.body["refreshToken"].as_str().unwrap().to_owned();
    set_grants(
        json!({"grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"],
                      "redirect_uris": [], "response_types": []}),
    );
    let stopped = f.sso.call(
        "POST",
        "/v2/sso/refresh-token",
        Some(&json!({"refresh_token": next})),
    );
    assert_eq!(stopped.status, 403, "{:?}", stopped.body);
    assert!(
        stopped.body["detail"]
            .as_str()
            .unwrap()
            .contains("refresh_token"),
        "{:?}",
        stopped.body
    );
}

/// Review finding: a spent refresh token presented with an extra scope, or by another
/// client, failed without revoking its family or auditing the reuse.
#[test]
fn a_spent_refresh_token_revokes_its_family_whatever_else_the_request_holds() {
    use crate::oidc_code::{start, tokens};
    use crate::races::{basic, introspect};
    let f = start();
    let agent = f.server.agent();
    let token_call = |auth: Option<&str>, form: String| {
        let mut req = agent.post(&format!("{}/t/acme/token", f.server.base));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let mut resp = req
            .content_type("application/x-www-form-urlencoded")
            .send(form)
            .unwrap();
        let text = resp.body_mut().read_to_string().unwrap();
        (
            resp.status().as_u16(),
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        )
    };
    let web = basic(&f);
    let other = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": "other", "name": "Other", "redirect_uris": ["https://other.example/cb"],
                     "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                     "scopes": ["openid", "orders"], "token_endpoint_auth_method": "client_secret_post"})),
    );
    assert_eq!(other.status, 201, "{:?}", other.body);
    let as_other = format!(
        "&client_id=other&client_secret={}",
        other.body["client_secret"].as_str().unwrap()
    );
    let variants = [
        (Some(web.as_str()), "&scope=openid+orders+billing"),
        (None, as_other.as_str()),
    ];
    for (n, (auth, extra)) in variants.into_iter().enumerate() {
        let first = tokens(&f, &Browser::new(&f.server), &["orders"]);
        let spent = openidconnect::OAuth2TokenResponse::refresh_token(&first)
            .unwrap()
            .secret()
            .clone();
        let (status, rotated) = token_call(
            Some(&web),
            format!("grant_type=refresh_token&refresh_token={spent}"),
        );
        assert_eq!(status, 200, "{rotated}");
        let live = rotated["refresh_token"].as_str().unwrap().to_owned();
        let (status, refused) = token_call(
            auth,
            format!("grant_type=refresh_token&refresh_token={spent}{extra}"),
        );
        assert_eq!(
            (status, refused["error"].as_str()),
            (400, Some("invalid_grant")),
            "{refused}"
        );
        assert_eq!(
            introspect(&f, &agent, &live),
            json!({"active": false}),
            "variant {n}: the family survived the reuse"
        );
        let reused = f
            .api
            .call("GET", "/v2/admin/audit?kind=refresh.reused", None)
            .body;
        assert_eq!(
            reused["items"].as_array().unwrap().len(),
            n + 1,
            "variant {n}: {reused}"
        );
    }
}

/// Registers client `batch` of acme for `client_credentials` with `scope` alone, and
/// returns the token response it gets.
fn batch_token(f: &crate::oidc_code::Fixture, scope: &str) -> serde_json::Value {
    let batch = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": "batch", "name": "Batch", "redirect_uris": [], "grant_types": ["client_credentials"],
                     "response_types": [], "scopes": [scope], "token_endpoint_auth_method": "client_secret_post"})),
    );
    assert_eq!(batch.status, 201, "{:?}", batch.body);
    let issued = f.server.post(
        "/t/acme/token",
        "application/x-www-form-urlencoded",
        format!(
            "grant_type=client_credentials&scope={scope}&client_id=batch&client_secret={}",
            batch.body["client_secret"].as_str().unwrap()
        )
        .into_bytes(),
    );
    assert_eq!(issued.status(), 200);
    serde_json::from_str(&issued.into_body().read_to_string().unwrap()).unwrap()
}

/// Review finding: an admin setting a password left the account's sessions and refresh
/// tokens working, and a deleted client's access tokens stayed active.
#[test]
fn a_new_password_ends_sessions_and_a_deleted_clients_tokens_die() {
    use crate::oidc_code::{start, tokens};
    use crate::races::introspect;
    use crate::support::browser::redirect_params;
    let f = start();
    let agent = f.server.agent();
    let browser = Browser::new(&f.server);
    let offline = tokens(&f, &browser, &["offline_access"]);
    let online = tokens(&f, &browser, &[]);
    let refresh = |t: &openidconnect::core::CoreTokenResponse| {
        openidconnect::OAuth2TokenResponse::refresh_token(t)
            .unwrap()
            .secret()
            .clone()
    };
    for t in [&offline, &online] {
        assert_eq!(introspect(&f, &agent, &refresh(t))["active"], true);
    }
    let set = f.api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", f.alice),
        Some(&json!({"password": "a brand new password"})),
    );
    assert_eq!(set.status, 200, "{:?}", set.body);
    for t in [&offline, &online] {
        assert_eq!(
            introspect(&f, &agent, &refresh(t)),
            json!({"active": false}),
            "a refresh token outlived the new password"
        );
    }
    let started = crate::oidc_code::begin(&crate::oidc_code::rp_client(&f), &[]);
    let silent = browser.get(&format!("{}&prompt=none", started.url));
    assert_eq!(
        redirect_params(silent.location.as_deref().unwrap())["error"],
        "login_required",
        "the browser's session outlived the new password"
    );

    let body = batch_token(&f, "orders");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(introspect(&f, &agent, access)["active"], true);
    let deleted = f
        .api
        .call("DELETE", "/v2/admin/tenants/acme/clients/batch", None);
    assert_eq!(deleted.status, 204);
    assert_eq!(
        introspect(&f, &agent, access),
        json!({"active": false}),
        "the deleted client's token stayed active"
    );
}

/// Review finding: a client registered under an account's id got client_credentials
/// tokens that userinfo answered with that account's profile.
#[test]
fn a_client_cannot_pose_as_an_account_and_userinfo_needs_a_user() {
    use crate::oidc_code::start;
    let f = start();
    let posing = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": f.alice, "name": "Posing", "redirect_uris": [], "grant_types": ["client_credentials"],
                     "response_types": [], "scopes": ["openid"], "token_endpoint_auth_method": "client_secret_post"})),
    );
    assert_eq!(posing.status, 409, "{:?}", posing.body);
    assert!(
        posing.body["detail"]
            .as_str()
            .unwrap()
            .contains("id of an account")
    );
    let body = batch_token(&f, "openid");
    assert_eq!(body["scope"], "openid");
    let mut resp = f
        .server
        .agent()
        .get(&format!("{}/t/acme/userinfo", f.server.base))
        .header(
            "authorization",
            &format!("Bearer {}", body["access_token"].as_str().unwrap()),
        )
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let text = resp.body_mut().read_to_string().unwrap();
    assert!(text.contains("names no user"), "{text}");
}

/// Waits (bounded) until the wall clock is early in a second, so the next few quick
/// calls share that second.
#[allow(
    clippy::disallowed_methods,
    reason = "the test lines its calls up with the server's whole-second clock"
)]
fn early_in_a_second() {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_millis()
        > 100
    {
        assert!(std::time::Instant::now() < deadline);
        std::thread::yield_now();
    }
}

/// Review finding: a tenant deleted and made again under the same id within the same
/// second accepted the old tenant's tokens (the check had one-second resolution).
#[test]
fn a_tenant_made_again_in_the_same_second_refuses_the_old_ones_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let make = || {
        assert_eq!(
            api.call(
                "POST",
                "/v2/admin/tenants",
                Some(&json!({"id": "again", "display_name": "Again"}))
            )
            .status,
            201
        );
        let client = api.call(
            "POST",
            "/v2/admin/tenants/again/clients",
            Some(&json!({"client_id": "svc", "name": "Svc", "redirect_uris": [], "grant_types": ["client_credentials"],
                         "response_types": [], "scopes": ["read"], "token_endpoint_auth_method": "client_secret_post"})),
        );
        assert_eq!(client.status, 201, "{:?}", client.body);
        client.body["client_secret"].as_str().unwrap().to_owned()
    };
    let form = |secret: &str, extra: &str| {
        format!("client_id=svc&client_secret={secret}{extra}").into_bytes()
    };
    let call = |path: &str, body: Vec<u8>| {
        let resp = server.post(path, "application/x-www-form-urlencoded", body);
        let text = resp.into_body().read_to_string().unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    early_in_a_second();
    let old_secret = make();
    let old = call(
        "/t/again/token",
        form(&old_secret, "&grant_type=client_credentials"),
    );
    let token = old["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        api.call("DELETE", "/v2/admin/tenants/again", None).status,
        204
    );
    let new_secret = make();
    let seen = call(
        "/t/again/introspect",
        form(&new_secret, &format!("&token={token}")),
    );
    assert_eq!(seen, json!({"active": false}), "the old tenant's token");
}

/// A small tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(path: &std::path::Path, mib: u32) -> Tmpfs {
        std::fs::create_dir_all(path).unwrap();
        let mounted = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}m,mode=0700"),
                "tmpfs",
            ])
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            mounted,
            "this test fills a small tmpfs, which takes root to mount (CI runs as root)"
        );
        Tmpfs(path.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Fills the file system holding `path` with a file there; returns the file.
fn fill(path: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let ballast = path.join("ballast");
    let mut file = std::fs::File::create(&ballast).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while file.write_all(&chunk).is_ok() {}
    ballast
}

/// Review finding: a full disk wedged the appliance. The write that fails is answered
/// 503 and never shows, `/readyz` says 503 meanwhile, and once space is back the process
/// exits non-zero so its supervisor restarts it, after which writes work again.
#[test]
fn a_full_disk_answers_503_and_a_restart_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let disk = tmp.path().join("disk");
    let _mounted = Tmpfs::mount(&disk, 16);
    let data = disk.join("data");
    let mut server = Server::start(&data);
    let api = Api::new(&server);
    let tenant = |id: &str| json!({"id": id, "display_name": id});
    assert_eq!(
        api.call("POST", "/v2/admin/tenants", Some(&tenant("before")))
            .status,
        201
    );
    let ballast = fill(&disk);
    let mut acknowledged = Vec::new();
    let refused = (0..500)
        .map(|i| format!("t{i}"))
        .find(|id| {
            let r = api.call("POST", "/v2/admin/tenants", Some(&tenant(id)));
            match r.status {
                201 => {
                    acknowledged.push(id.clone());
                    false
                }
                503 => {
                    assert_eq!(r.content_type, "application/problem+json");
                    assert!(
                        r.body["detail"].as_str().unwrap().contains("cannot write"),
                        "{:?}",
                        r.body
                    );
                    true
                }
                other => panic!("a write on a full disk answered {other}: {:?}", r.body),
            }
        })
        .expect("no write failed on a full disk");
    let ready = server.get("/readyz");
    assert_eq!(ready.0, 503, "{}", ready.1);
    let read = api.call("GET", &format!("/v2/admin/tenants/{refused}"), None);
    assert_eq!(read.status, 503, "nothing is served from a failed store");

    std::fs::remove_file(ballast).unwrap();
    let status = server.wait(std::time::Duration::from_secs(30));
    assert_eq!(status.code(), Some(1), "{}", server.log());
    let server = Server::start(&data);
    let api = Api::new(&server);
    assert_eq!(server.get("/readyz").0, 200);
    for id in acknowledged.iter().chain([&"before".to_owned()]) {
        let r = api.call("GET", &format!("/v2/admin/tenants/{id}"), None);
        assert_eq!(r.status, 200, "acknowledged {id} is gone");
    }
    let gone = api.call("GET", &format!("/v2/admin/tenants/{refused}"), None);
    assert_eq!(gone.status, 404, "the refused write became visible");
    let again = api.call("POST", "/v2/admin/tenants", Some(&tenant(&refused)));
    assert_eq!(again.status, 201, "{:?}", again.body);
}

/// Review finding (issue 19, item 19c): an introspection or upstream URL with a
/// `user:password@` part was stored and shown in clear.
#[test]
fn settings_urls_with_credentials_are_refused_by_field() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let tenant = json!({"id": "acme", "display_name": "Acme"});
    assert_eq!(
        api.call("POST", "/v2/admin/tenants", Some(&tenant)).status,
        201
    );
    let with_credentials = "https://svc:Pa55word@idp.example/x";
    let introspection =
        json!({"url": with_credentials, "client_id": "latchkey", "client_secret": "s"});
    let upstream = |field: &str| {
        let mut body = json!({"configuration_url": "https://idp.example",
                              "client_id": "latchkey", "client_secret": "s"});
        body[field] = json!(with_credentials);
        body
    };
    for (path, body, field) in [
        ("introspection", introspection, "url"),
        (
            "upstream-oidc",
            upstream("configuration_url"),
            "configuration_url",
        ),
        ("upstream-oidc", upstream("logout_url"), "logout_url"),
    ] {
        let path = format!("/v2/admin/tenants/acme/{path}");
        let r = api.call("PUT", &path, Some(&body));
        assert_eq!(r.status, 400, "{field}: {:?}", r.body);
        let detail = r.body["detail"].as_str().unwrap();
        assert!(detail.starts_with(&format!("{field}:")), "{detail}");
        assert!(!detail.contains("Pa55word"), "{detail}");
        assert_eq!(
            api.call("GET", &path, None).status,
            404,
            "{field} was stored"
        );
    }
    assert!(!server.log().contains("Pa55word"));
}

/// Review finding (issue 19, item 19d): only admin pages carried
/// `Strict-Transport-Security`; every answer over TLS does now, errors included.
#[test]
fn every_answer_over_tls_carries_hsts() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let agent = server.agent();
    let hsts = |method: &str, path: &str| {
        let url = format!("{}{path}", server.base);
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Vec::new())
            .unwrap();
        let resp = agent.run(req).unwrap();
        let value = resp.headers().get("strict-transport-security");
        (
            resp.status().as_u16(),
            value.map(|v| v.to_str().unwrap().to_owned()),
        )
    };
    for (method, path, status) in [
        ("GET", "/healthz", 200),
        ("GET", "/t/default/.well-known/openid-configuration", 200),
        ("POST", "/t/default/token", 401),
        ("GET", "/t/default/login", 400),
        ("GET", "/v2/admin/tenants", 401),
        ("GET", "/no/such/path", 404),
    ] {
        let (got, value) = hsts(method, path);
        assert_eq!(got, status, "{method} {path}");
        assert_eq!(
            value.as_deref(),
            Some("max-age=31536000"),
            "{method} {path} has no HSTS"
        );
    }
}

/// Review finding (issue 19, item 19e): an unknown path under `/v2/admin` answered 404
/// before authentication, so a stranger could map the management API.
#[test]
fn unknown_admin_paths_ask_for_a_token_first() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let admin = Api::new(&server);
    let mut stranger = Api::new(&server);
    stranger.authorization = None;
    for (method, path, known) in [
        ("GET", "/v2/admin/no-such-thing", 404),
        ("GET", "/v2/admin", 404),
        ("DELETE", "/v2/admin/tenants/default/nope/1", 404),
        ("PUT", "/v2/admin/tokens", 405),
    ] {
        let r = stranger.call(method, path, None);
        assert_eq!(r.status, 401, "{method} {path}: {:?}", r.body);
        assert!(r.www_authenticate.unwrap().starts_with("Bearer"));
        let r = admin.call(method, path, None);
        assert_eq!(r.status, known, "{method} {path}: {:?}", r.body);
    }
    assert_eq!(stranger.call("GET", "/no/such/path", None).status, 404);
}

/// Review finding (issue 19, item 19f): a path no route takes was logged verbatim, and
/// such a path may hold a token a client pasted into it.
#[test]
fn unknown_paths_are_logged_by_name_not_verbatim() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let secret = "eyJhbGciOiJub25lIn0.pasted-token-in-a-path";
    let (status, _) = server.get(&format!("/t/default/{secret}"));
    assert_eq!(status, 404);
    let (status, _) = server.get(&format!("/{secret}/userinfo"));
    assert_eq!(status, 404);
    assert_eq!(server.get("/healthz").0, 200);
    let log = server.wait_for_log("GET /healthz 200");
    assert_eq!(log.matches("GET unknown 404").count(), 2, "{log}");
    assert!(!log.contains("pasted-token"), "{log}");
}

/// Review finding (issue 19, item 19a): browser forms answered an oversized body with
/// 400; they answer 413 with an HTML page, as the admin UI's forms do.
#[test]
fn oversized_browser_forms_get_a_413_page() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let browser = Browser::new(&server);
    let small = "a".repeat(20 * 1024);
    for path in [
        "/t/default/login",
        "/t/default/authorize",
        "/t/default/logout",
        "/t/default/consent",
    ] {
        let page = browser.post(path, &[("filler", &small)]);
        assert_eq!(page.status, 413, "{path}: {}", page.body);
        assert!(
            page.headers["content-type"].starts_with("text/html"),
            "{path}"
        );
        assert!(page.body.contains("16384"), "{path}: {}", page.body);
    }
    let large = "a".repeat(70 * 1024);
    let page = browser.post("/admin/login", &[("filler", &large)]);
    assert_eq!(page.status, 413, "{}", page.body);
    assert!(page.headers["content-type"].starts_with("text/html"));
    let admin = admin_ui_session(&server, &[("token", &server.admin_token())]);
    let page = admin.post("/admin/tenants", &[("filler", &large)]);
    assert_eq!(page.status, 413, "{}", page.body);
    assert!(page.headers["content-type"].starts_with("text/html"));
}

/// Review finding (issue 19, item 19b): a token request whose body trickled in slower
/// than 30 s got 400; it gets 408 with an RFC 6749 error. This test waits those 30 s.
#[test]
fn a_token_request_slower_than_30_s_gets_408() {
    use crate::support::tls_client::{connect_http1, round_trip, runtime};
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let answer = runtime().block_on(async {
        let mut stream = connect_http1(&server).await;
        let half = "POST /t/default/token HTTP/1.1\r\nhost: latchkey\r\n\
                    content-type: application/x-www-form-urlencoded\r\n\
                    content-length: 100\r\n\r\ngrant_type=client_cre";
        round_trip(&mut stream, half.as_bytes()).await
    });
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""error":"invalid_request""#), "{answer}");
    assert!(answer.contains("application/json"), "{answer}");
}
