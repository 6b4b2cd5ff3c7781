//! Back-channel logout (OIDC Back-Channel Logout 1.0, SPEC "Modern clients"): a client
//! that got an ID token in a session, and registered a back-channel logout URI, receives
//! a logout token, posted to a real HTTPS receiver (its CA trusted through
//! `SSL_CERT_FILE` or `[outbound] ca_file`), whenever that session ends: logout at any
//! tenant, the admin ending sessions or disabling the account, removing the membership
//! (that tenant's clients only). Tokens are checked with `jsonwebtoken` against the published JWKS. A 503 is
//! retried, a 400 is final, every outcome is audited, and a delivery pending at
//! shutdown goes out after a restart. Registration refuses bad URIs naming the field.

use crate::oidc_code::{Fixture, start_with, tokens};
use crate::support::browser::{Browser, input_value};
use crate::support::server::{Options, Server};
use crate::support::test_idp::{Answer, Recorded, TestIdp};
use openidconnect::TokenResponse;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The event a logout token carries.
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

struct Setup {
    f: Fixture,
    receiver: TestIdp,
    _ca: tempfile::TempDir,
}

/// The OIDC fixture on a server trusting a fresh receiver, whose client `web` posts
/// back-channel logouts to `{receiver}/web` with the extra registration `web_fields`.
fn setup(web_fields: Value) -> Setup {
    setup_trusting("SSL_CERT_FILE", web_fields)
}

/// [`setup`], the receiver's CA file named by the environment variable `trust`.
fn setup_trusting(trust: &str, web_fields: Value) -> Setup {
    let receiver = TestIdp::start();
    receiver.answer(|_| Answer::Raw(204, "text/plain", Vec::new()));
    let ca = tempfile::tempdir().unwrap();
    let ca_file = ca.path().join("receiver-ca.pem");
    std::fs::write(&ca_file, &receiver.ca_pem).unwrap();
    let f = start_with(Options {
        env: vec![(trust.into(), ca_file.to_str().unwrap().into())],
        ..Options::default()
    });
    let mut fields = json!({"backchannel_logout_uri": format!("{}/web", receiver.base)});
    fields
        .as_object_mut()
        .unwrap()
        .extend(web_fields.as_object().unwrap().clone());
    patch_client(&f, "acme", "web", &fields);
    Setup {
        f,
        receiver,
        _ca: ca,
    }
}

fn patch_client(f: &Fixture, tenant: &str, client: &str, fields: &Value) -> Value {
    let r = f.api.call(
        "PATCH",
        &format!("/v2/admin/tenants/{tenant}/clients/{client}"),
        Some(fields),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// Waits (bounded by `secs`) until the receiver has `n` requests at `path`; polls.
fn wait_for(receiver: &TestIdp, path: &str, n: usize, secs: u64) -> Vec<Recorded> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let at: Vec<Recorded> = receiver
            .requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect();
        if at.len() >= n {
            return at;
        }
        assert!(
            Instant::now() < deadline,
            "{path} got {} requests, not {n}",
            at.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The audit events of `kind`, newest first, once there are at least `n`; polls.
fn audited(f: &Fixture, kind: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = f
            .api
            .call("GET", &format!("/v2/admin/audit?kind={kind}"), None);
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= n {
            return items;
        }
        assert!(Instant::now() < deadline, "{kind}: {}", r.body);
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Checks one logout request as a receiver must (BCL §2.6): a form with only
/// `logout_token`, whose JWT verifies with the tenant's JWKS; returns its header and
/// claims.
fn logout_token(f: &Fixture, tenant: &str, aud: &str, r: &Recorded) -> (Value, Value) {
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(r.header("cookie"), None, "no cookies");
    assert_eq!(r.header("authorization"), None, "no credentials");
    let form = r.form();
    assert_eq!(
        form.keys().collect::<Vec<_>>(),
        ["logout_token"],
        "{form:?}"
    );
    let token = &form["logout_token"];
    let header = jsonwebtoken::decode_header(token).unwrap();
    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_str(&f.server.get(&format!("/t/{tenant}/jwks")).1).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(
        jwks.find(header.kid.as_deref().unwrap())
            .expect("signed with a published key"),
    )
    .unwrap();
    let issuer = format!("{}/t/{tenant}", f.server.base);
    let mut v = jsonwebtoken::Validation::new(header.alg);
    v.set_audience(&[aud]);
    v.set_issuer(&[&issuer]);
    v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &v)
        .expect("verifies with the published JWKS")
        .claims;
    let header = serde_json::to_value(&header).unwrap();
    assert_eq!(claims["events"], json!({EVENT: {}}), "{claims}");
    assert!(claims.get("nonce").is_none(), "never a nonce: {claims}");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        120
    );
    assert!(claims["jti"].as_str().unwrap().len() >= 16, "{claims}");
    (header, claims)
}

/// The `sid` of an ID token, read without checking (the RP's own check is elsewhere).
fn sid_of(id_token: &str) -> String {
    let payload = id_token.split('.').nth(1).unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    claims["sid"].as_str().unwrap().to_owned()
}

/// Alice signs in through `browser` and `web` gets tokens; the session's `sid`.
fn signed_in(f: &Fixture, browser: &Browser) -> String {
    let t = tokens(f, browser, &[]);
    sid_of(&t.id_token().unwrap().to_string())
}

/// Logs `browser` out at `tenant` without a hint, through the confirmation form.
fn log_out_at(browser: &Browser, tenant: &str) {
    let confirm = browser.get(&format!("/t/{tenant}/logout"));
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let csrf = input_value(&confirm.body, "csrf");
    let done = browser.post(&format!("/t/{tenant}/logout"), &[("csrf", &csrf)]);
    assert!(done.body.contains("You are signed out"), "{}", done.body);
}

fn create_tenant(f: &Fixture, id: &str) {
    let r = f.api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&json!({"id": id, "display_name": id})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
}

/// A client of `tenant` that would be told at `{receiver}/{id}`; its secret.
fn listening_client(s: &Setup, tenant: &str, id: &str) -> String {
    let r = s.f.api.call(
        "POST",
        &format!("/v2/admin/tenants/{tenant}/clients"),
        Some(&json!({"client_id": id, "name": id, "redirect_uris": [crate::oidc_code::REDIRECT],
                     "grant_types": ["authorization_code"], "response_types": ["code"], "scopes": ["openid"],
                     "token_endpoint_auth_method": "client_secret_post",
                     "backchannel_logout_uri": format!("{}/{id}", s.receiver.base)})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["client_secret"].as_str().unwrap().to_owned()
}

#[test]
fn logout_at_another_tenant_tells_the_client_again_after_a_503_and_no_one_else() {
    let s = setup(json!({}));
    let f = &s.f;
    let answered = std::sync::atomic::AtomicUsize::new(0);
    s.receiver.answer(
        move |_| match answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => Answer::Raw(
                503,
                "text/plain",
                b"busy, and a secret-looking body".to_vec(),
            ),
            _ => Answer::Raw(200, "text/plain", Vec::new()),
        },
    );
    listening_client(&s, "acme", "quiet");
    create_tenant(f, "beta");
    let (_, doc) = f.server.get("/t/acme/.well-known/openid-configuration");
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc["backchannel_logout_supported"], true);
    assert_eq!(doc["backchannel_logout_session_supported"], true);

    let browser = Browser::new(&f.server);
    let sid = signed_in(f, &browser);
    log_out_at(&browser, "beta");

    let first = wait_for(&s.receiver, "/web", 1, 30);
    let (header, claims) = logout_token(f, "acme", "web", &first[0]);
    assert_eq!(header["typ"], "logout+jwt");
    assert_eq!(header["alg"], "RS256", "the client's ID-token algorithm");
    assert_eq!(claims["sub"], json!(f.alice));
    assert_eq!(claims["sid"], json!(sid));
    let retrying = audited(f, "backchannel_logout.retrying", 1);
    assert_eq!(retrying[0]["detail"], "503", "{retrying:?}");
    assert_eq!(retrying[0]["target"], "web");
    assert_eq!(retrying[0]["account"], json!(f.alice));
    assert_eq!(retrying[0]["tenant"], "acme");

    // The one wait through the real 30 s retry.
    let both = wait_for(&s.receiver, "/web", 2, 120);
    let (_, again) = logout_token(f, "acme", "web", &both[1]);
    assert_eq!(again["sid"], json!(sid));
    assert_ne!(
        again["jti"], claims["jti"],
        "each attempt signs a fresh token"
    );
    let delivered = audited(f, "backchannel_logout.delivered", 1);
    assert_eq!(delivered[0]["detail"], "200");
    let all = f.api.call("GET", "/v2/admin/audit?limit=500", None).body;
    assert!(
        !all.to_string().contains("secret-looking")
            && !all.to_string().contains(&first[0].form()["logout_token"]),
        "neither the body nor the token reaches the audit log"
    );
    assert!(
        s.receiver.requests().iter().all(|r| r.path == "/web"),
        "a client that got no ID token in the session is not told"
    );
}

#[test]
fn the_admin_ending_sessions_and_disabling_the_account_tell_the_clients() {
    let s = setup(
        json!({"backchannel_logout_untyped": true, "backchannel_logout_session_required": true}),
    );
    let f = &s.f;
    let implicit = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": "imp", "name": "Implicit", "redirect_uris": [crate::oidc_code::REDIRECT],
                     "grant_types": ["implicit"], "response_types": ["id_token"], "scopes": ["openid"],
                     "token_endpoint_auth_method": "none", "id_token_signed_response_alg": "ES256",
                     "backchannel_logout_uri": format!("{}/imp", s.receiver.base)})),
    );
    assert_eq!(implicit.status, 201, "{}", implicit.body);
    let browser = Browser::new(&f.server);
    let sid = signed_in(f, &browser);
    let answer = browser.get(&format!(
        "/t/acme/authorize?response_type=id_token&client_id=imp&scope=openid&nonce=n-1&state=s-1&redirect_uri={}",
        percent_encoding::utf8_percent_encode(
            crate::oidc_code::REDIRECT,
            percent_encoding::NON_ALPHANUMERIC
        )
    ));
    let fragment = crate::support::browser::redirect_params(answer.location.as_deref().unwrap());
    assert_eq!(sid_of(&fragment["id_token"]), sid, "{fragment:?}");
    let ended = f.api.call(
        "DELETE",
        &format!("/v2/admin/accounts/{}/sessions", f.alice),
        None,
    );
    assert_eq!(ended.status, 204, "{}", ended.body);
    let got = wait_for(&s.receiver, "/web", 1, 30);
    let (header, claims) = logout_token(f, "acme", "web", &got[0]);
    assert_eq!(header["typ"], "JWT", "backchannel_logout_untyped");
    assert_eq!(claims["sid"], json!(sid));
    let got = wait_for(&s.receiver, "/imp", 1, 30);
    let (header, claims) = logout_token(f, "acme", "imp", &got[0]);
    assert_eq!(header["typ"], "logout+jwt");
    assert_eq!(
        header["alg"], "ES256",
        "the implicit client's ID-token algorithm"
    );
    assert_eq!(claims["sid"], json!(sid));
    assert_eq!(
        audited(f, "backchannel_logout.delivered", 1)[0]["detail"],
        "204"
    );

    let browser = Browser::new(&f.server);
    let second = signed_in(f, &browser);
    assert_ne!(second, sid);
    let disabled = f.api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", f.alice),
        Some(&json!({"disabled": true})),
    );
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    let got = wait_for(&s.receiver, "/web", 2, 30);
    assert_eq!(
        logout_token(f, "acme", "web", &got[1]).1["sid"],
        json!(second)
    );
    assert_eq!(
        s.receiver
            .requests()
            .iter()
            .filter(|r| r.path == "/imp")
            .count(),
        1,
        "the implicit client got no ID token in the second session"
    );
}

#[test]
fn removing_a_membership_tells_only_that_tenants_clients_and_logout_the_rest() {
    let s = setup(json!({}));
    let f = &s.f;
    create_tenant(f, "beta");
    let secret = listening_client(&s, "beta", "app");
    let member = f.api.call(
        "PUT",
        &format!("/v2/admin/tenants/beta/members/{}", f.alice),
        Some(&json!({"scopes": []})),
    );
    assert_eq!(member.status, 200, "{}", member.body);
    let browser = Browser::new(&f.server);
    let sid = signed_in(f, &browser);
    let started = format!(
        "/t/beta/authorize?response_type=code&client_id=app&redirect_uri={}&scope=openid&state=s1",
        percent_encoding::utf8_percent_encode(
            crate::oidc_code::REDIRECT,
            percent_encoding::NON_ALPHANUMERIC
        )
    );
    let answer = browser.get(&started);
    let code =
        crate::support::browser::redirect_params(answer.location.as_deref().unwrap())["code"]
            .clone();
    let redeemed = f.server.post(
        "/t/beta/token",
        "application/x-www-form-urlencoded",
        format!(
            "grant_type=authorization_code&code={code}&client_id=app&client_secret={secret}&redirect_uri={}",
            percent_encoding::utf8_percent_encode(
                crate::oidc_code::REDIRECT,
                percent_encoding::NON_ALPHANUMERIC
            )
        )
        .into_bytes(),
    );
    let body: Value =
        serde_json::from_str(&redeemed.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(sid_of(body["id_token"].as_str().unwrap()), sid, "{body}");

    let removed = f.api.call(
        "DELETE",
        &format!("/v2/admin/tenants/beta/members/{}", f.alice),
        None,
    );
    assert_eq!(removed.status, 204, "{}", removed.body);
    let got = wait_for(&s.receiver, "/app", 1, 30);
    assert_eq!(logout_token(f, "beta", "app", &got[0]).1["sid"], json!(sid));
    assert!(
        s.receiver.requests().iter().all(|r| r.path == "/app"),
        "acme's client is not told: the session goes on there"
    );

    log_out_at(&browser, "acme");
    let got = wait_for(&s.receiver, "/web", 1, 30);
    assert_eq!(logout_token(f, "acme", "web", &got[0]).1["sid"], json!(sid));
    audited(f, "backchannel_logout.delivered", 2);
    assert_eq!(
        s.receiver
            .requests()
            .iter()
            .filter(|r| r.path == "/app")
            .count(),
        1,
        "beta's client is told once"
    );
}

#[test]
fn a_400_is_final_and_audited_as_refused() {
    // Trusted through [outbound] ca_file this time.
    let s = setup_trusting("LATCHKEY_OUTBOUND_CA_FILE", json!({}));
    let f = &s.f;
    s.receiver
        .answer(|_| Answer::Json(400, json!({"error": "invalid_request"})));
    let browser = Browser::new(&f.server);
    signed_in(f, &browser);
    log_out_at(&browser, "acme");
    wait_for(&s.receiver, "/web", 1, 30);
    let refused = audited(f, "backchannel_logout.refused", 1);
    assert_eq!(refused[0]["detail"], "400", "{refused:?}");
    assert_eq!(refused[0]["target"], "web");
    let retrying = f.api.call(
        "GET",
        "/v2/admin/audit?kind=backchannel_logout.retrying",
        None,
    );
    assert_eq!(retrying.body["items"], json!([]), "never retried");
}

#[test]
fn a_delivery_pending_at_shutdown_is_sent_after_a_restart() {
    let mut s = setup(json!({}));
    s.receiver.answer(|_| Answer::Hang);
    let browser = Browser::new(&s.f.server);
    let sid = signed_in(&s.f, &browser);
    log_out_at(&browser, "acme");
    wait_for(&s.receiver, "/web", 1, 30);

    let (dir, port) = (s.f.server.data_dir.clone(), s.f.server.addr.port());
    let env = vec![(
        "SSL_CERT_FILE".to_owned(),
        s._ca
            .path()
            .join("receiver-ca.pem")
            .to_str()
            .unwrap()
            .to_owned(),
    )];
    s.f.server.signal("TERM");
    assert!(s.f.server.wait(Duration::from_secs(15)).success());
    s.receiver
        .answer(|_| Answer::Raw(200, "text/plain", Vec::new()));
    s.receiver.release();
    s.f.server = Server::start_on(
        &dir,
        port,
        Options {
            env,
            ..Options::default()
        },
    );
    let got = wait_for(&s.receiver, "/web", 2, 30);
    assert_eq!(
        logout_token(&s.f, "acme", "web", &got[1]).1["sid"],
        json!(sid)
    );
    assert_eq!(
        audited(&s.f, "backchannel_logout.delivered", 1)[0]["detail"],
        "200"
    );
}

#[test]
fn a_bad_backchannel_logout_uri_or_flag_is_a_field_named_400_and_nothing_changes() {
    let s = setup(json!({}));
    let f = &s.f;
    let stored = f
        .api
        .call("GET", "/v2/admin/tenants/acme/clients/web", None)
        .body;
    assert_eq!(
        stored["backchannel_logout_uri"],
        json!(format!("{}/web", s.receiver.base))
    );
    assert_eq!(stored["backchannel_logout_session_required"], false);
    assert_eq!(stored["backchannel_logout_untyped"], false);
    let cases = [
        (
            json!({"backchannel_logout_uri": "http://rp.example/logout"}),
            "backchannel_logout_uri",
        ),
        (
            json!({"backchannel_logout_uri": "/logout"}),
            "backchannel_logout_uri",
        ),
        (
            json!({"backchannel_logout_uri": "https://rp.example/logout#x"}),
            "backchannel_logout_uri",
        ),
        (
            json!({"backchannel_logout_uri": "https://user:pw@rp.example/"}),
            "backchannel_logout_uri",
        ),
        (
            json!({"backchannel_logout_uri": 42}),
            "backchannel_logout_uri",
        ),
        (
            json!({"backchannel_logout_uri": ["https://rp.example/"]}),
            "backchannel_logout_uri",
        ),
        (
            json!({"backchannel_logout_untyped": "yes"}),
            "backchannel_logout_untyped",
        ),
        (
            json!({"backchannel_logout_session_required": 1}),
            "backchannel_logout_session_required",
        ),
    ];
    for (body, field) in &cases {
        let patched = f
            .api
            .call("PATCH", "/v2/admin/tenants/acme/clients/web", Some(body));
        assert_eq!(patched.status, 400, "{body}: {}", patched.body);
        assert!(
            patched.body.to_string().contains(field),
            "{body}: {}",
            patched.body
        );
        let mut create = json!({"client_id": "new", "name": "New", "grant_types": ["client_credentials"], "scopes": ["openid"]});
        create
            .as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        let created = f
            .api
            .call("POST", "/v2/admin/tenants/acme/clients", Some(&create));
        assert_eq!(created.status, 400, "{create}: {}", created.body);
        assert!(
            created.body.to_string().contains(field),
            "{create}: {}",
            created.body
        );
    }
    assert_eq!(
        f.api
            .call("GET", "/v2/admin/tenants/acme/clients/web", None)
            .body,
        stored,
        "nothing changed"
    );
    assert_eq!(
        f.api
            .call("GET", "/v2/admin/tenants/acme/clients/new", None)
            .status,
        404,
        "nothing was created"
    );
    let removed = patch_client(f, "acme", "web", &json!({"backchannel_logout_uri": ""}));
    assert_eq!(removed["backchannel_logout_uri"], Value::Null);
}
