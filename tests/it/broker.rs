//! The OpenID Connect broker against a real HTTPS upstream provider: a known user signs
//! in upstream and the downstream `openidconnect` client gets a valid ID token; the
//! upstream request, code exchange and logout are exactly what the specs say; unknown,
//! disabled and re-bound users, upstream errors, bad states and bad ID tokens are
//! refused with a page and no session; upstream key rotation is picked up. Sign-ins in
//! flight live in the store (a restart does not lose them, a replayed callback finds
//! nothing) and one client address may have only so many of them.

use crate::oidc_code::Rp;
use crate::support::api::Api;
use crate::support::browser::{Browser, Page, redirect_params};
use crate::support::rp;
use crate::support::server::{Options, Server};
use crate::support::upstream::{CLIENT_ID, CLIENT_SECRET, Tamper, UpKey, Upstream};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce, PkceCodeChallenge, RedirectUrl,
    Scope, TokenResponse,
};
use serde_json::{Value, json};

const REDIRECT: &str = "https://app.example/cb";

struct Fixture {
    _tmp: tempfile::TempDir,
    server: Server,
    api: Api,
    up: Upstream,
    client: Rp,
    alice: String,
}

/// Tenant `brokered` sends its logins to an upstream that signs in `up-alice`
/// (`preferred_username: Alice`); `alice` is a member, client `web` uses the code flow.
fn start() -> Fixture {
    start_with(Options::default())
}

/// [`start`] with server options.
fn start_with(opts: Options) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(tmp.path(), opts);
    let api = Api::new(&server);
    let up = Upstream::start("up-alice", json!({"preferred_username": "Alice"}));
    let post = |path: &str, body: Value| crate::management::create(&api, path, &body).body;
    post(
        "/v2/admin/tenants",
        json!({"id": "brokered", "display_name": "Brokered Inc"}),
    );
    let web = post(
        "/v2/admin/tenants/brokered/clients",
        json!({"client_id": "web", "name": "Web", "redirect_uris": [REDIRECT],
               "post_logout_redirect_uris": ["https://app.example/bye"],
               "grant_types": ["authorization_code"], "response_types": ["code"],
               "scopes": ["openid", "profile"], "token_endpoint_auth_method": "client_secret_basic"}),
    );
    let alice = post(
        "/v2/admin/tenants/brokered/accounts",
        json!({"username": "alice", "scopes": []}),
    );
    post("/v2/admin/accounts", json!({"username": "bob"}));
    let settings = api.call(
        "PUT",
        "/v2/admin/tenants/brokered/upstream-oidc",
        Some(
            &json!({"configuration_url": format!("{}/.well-known/openid-configuration", up.issuer),
                     "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                     "logout_url": format!("{}/logout", up.issuer), "ca_pem": up.idp.ca_pem}),
        ),
    );
    assert_eq!(settings.status, 200, "{}", settings.body);
    let meta = rp::discover(server.agent(), &format!("{}/t/brokered", server.base));
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new("web".into()),
        Some(ClientSecret::new(
            web["client_secret"].as_str().unwrap().into(),
        )),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    Fixture {
        _tmp: tmp,
        alice: alice["id"].as_str().unwrap().to_owned(),
        server,
        api,
        up,
        client,
    }
}

struct Flow {
    url: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: openidconnect::PkceCodeVerifier,
}

fn flow(client: &Rp) -> Flow {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    Flow {
        url: url.to_string(),
        state,
        nonce,
        verifier,
    }
}

/// authorize → login → upstream; returns the upstream's redirect back to latchkey.
fn to_upstream_and_back(f: &Fixture, browser: &Browser, authorize_url: &str) -> String {
    let first = browser.get(authorize_url);
    assert_eq!(first.status, 303, "{}", first.body);
    let login = first.location.unwrap();
    assert!(login.contains("/t/brokered/login?"), "{login}");
    let to_up = browser.get(&login);
    assert_eq!(to_up.status, 303, "{}", to_up.body);
    f.up.authorize(&to_up.location.unwrap())
}

/// The whole sign-in; returns latchkey's answer to the callback.
fn sign_in(f: &Fixture, browser: &Browser, authorize_url: &str) -> Page {
    let back = to_upstream_and_back(f, browser, authorize_url);
    browser.get(&back)
}

fn assert_refused(page: &Page, status: u16, text: &str) {
    assert_eq!(page.status, status, "{}", page.body);
    assert!(page.location.is_none(), "no redirect, no code");
    assert!(page.body.contains(text), "`{text}` not in:\n{}", page.body);
}

/// Whether `browser` has a live SSO session at `brokered` (prompt=none answers a code).
fn has_session(f: &Fixture, browser: &Browser) -> bool {
    let url = format!("{}&prompt=none", flow(&f.client).url);
    let page = browser.get(&url);
    let location = page.location.unwrap_or_default();
    location.contains("code=")
}

#[test]
fn a_known_user_signs_in_upstream_and_the_downstream_client_gets_a_valid_id_token() {
    let f = start();
    let browser = Browser::new(&f.server);
    let started = flow(&f.client);
    let answer = sign_in(&f, &browser, &started.url);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let location = answer.location.unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    let params = redirect_params(&location);
    assert_eq!(params["state"], *started.state.secret());

    let sent = f.up.last_authorize();
    assert_eq!(sent["response_type"], "code");
    assert_eq!(sent["client_id"], CLIENT_ID);
    assert_eq!(
        sent["redirect_uri"],
        format!("{}/v2/login/oidc/callback", f.server.base)
    );
    assert_eq!(sent["scope"], "openid profile email");
    assert_eq!(sent["code_challenge_method"], "S256");
    assert!(sent["state"].len() >= 22 && sent["nonce"].len() >= 22);
    assert_ne!(sent["state"], sent["nonce"]);
    assert!(!sent.contains_key("login_hint"));
    let token_call = f.up.requests("/token").pop().unwrap();
    let basic = token_call.header("authorization").unwrap();
    assert!(
        basic.starts_with("Basic "),
        "client_secret_basic by default"
    );
    let form = token_call.form();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["redirect_uri"], sent["redirect_uri"]);
    assert!(form.contains_key("code_verifier"));
    assert!(!form.contains_key("client_secret"));

    let http = rp::http_client(f.server.agent());
    let tokens = f
        .client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(started.verifier)
        .request(&http)
        .unwrap();
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&f.client.id_token_verifier(), &started.nonce)
        .unwrap();
    assert_eq!(claims.subject().as_str(), f.alice);
    assert_eq!(claims.preferred_username().unwrap().as_str(), "alice");

    assert!(
        has_session(&f, &browser),
        "SSO goes on without the upstream"
    );
    assert_eq!(f.up.requests("/authorize").len(), 1);
    let logins = f.api.call("GET", "/v2/admin/audit?kind=login", None).body;
    assert_eq!(logins["items"][0]["detail"], "upstream");
    let log = f.server.log();
    assert!(!log.contains(CLIENT_SECRET) && !log.contains(&sent["nonce"]));
}

#[test]
fn the_username_may_come_from_userinfo_whose_sub_must_match() {
    let f = start();
    f.up.with(|b| {
        b.user.1 = json!({});
        b.userinfo = json!({"preferred_username": "ALICE"});
    });
    let browser = Browser::new(&f.server);
    let answer = sign_in(&f, &browser, &flow(&f.client).url);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let userinfo = f.up.requests("/userinfo").pop().unwrap();
    assert!(
        userinfo
            .header("authorization")
            .unwrap()
            .starts_with("Bearer at-")
    );

    f.up.with(|b| b.userinfo = json!({"sub": "someone-else", "preferred_username": "alice"}));
    let other = Browser::new(&f.server);
    let page = sign_in(&f, &other, &flow(&f.client).url);
    assert_refused(&page, 400, "another user");
    assert!(!has_session(&f, &other));
}

#[test]
fn unknown_disabled_and_non_member_users_get_no_session_and_no_code() {
    let f = start();
    for (username, text) in [("mallory", "not provisioned"), ("bob", "not provisioned")] {
        f.up.with(|b| b.user.1 = json!({"preferred_username": username}));
        let browser = Browser::new(&f.server);
        let page = sign_in(&f, &browser, &flow(&f.client).url);
        assert_refused(&page, 403, text);
        assert!(!has_session(&f, &browser));
    }
    let disabled = f.api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", f.alice),
        Some(&json!({"disabled": true})),
    );
    assert_eq!(disabled.status, 200);
    f.up.with(|b| b.user.1 = json!({"preferred_username": "alice"}));
    let browser = Browser::new(&f.server);
    assert_refused(
        &sign_in(&f, &browser, &flow(&f.client).url),
        403,
        "disabled",
    );
    assert!(!has_session(&f, &browser));
    let failed = f
        .api
        .call("GET", "/v2/admin/audit?kind=login.failed", None)
        .body;
    let reasons: Vec<&str> = failed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["account_disabled", "not_provisioned", "not_provisioned"]
    );
}

#[test]
fn a_different_upstream_sub_for_a_known_username_is_refused() {
    let f = start();
    let browser = Browser::new(&f.server);
    assert_eq!(sign_in(&f, &browser, &flow(&f.client).url).status, 303);
    f.up.with(|b| b.user.0 = "up-impostor".into());
    let other = Browser::new(&f.server);
    let page = sign_in(&f, &other, &flow(&f.client).url);
    assert_refused(&page, 403, "not the one first seen");
    let failed = f
        .api
        .call("GET", "/v2/admin/audit?kind=login.failed", None)
        .body;
    assert_eq!(failed["items"][0]["detail"], "upstream_sub_mismatch");
}

#[test]
fn upstream_errors_and_bad_states_are_refused() {
    let f = start();
    f.up.with(|b| b.deny = Some("access_denied"));
    let browser = Browser::new(&f.server);
    let page = sign_in(&f, &browser, &flow(&f.client).url);
    assert_refused(&page, 400, "access_denied");
    assert!(page.body.contains("user said no"));
    f.up.with(|b| b.deny = None);

    let back = to_upstream_and_back(&f, &browser, &flow(&f.client).url);
    let state = redirect_params(&back)["state"].clone();
    let tampered = back.replace(&state, &format!("{state}x"));
    assert_refused(&browser.get(&tampered), 400, "unknown, expired");
    assert!(!has_session(&f, &browser));
    assert_eq!(
        browser.get(&back).status,
        303,
        "a tampered state consumed nothing"
    );
    assert_refused(&browser.get(&back), 400, "already completed");

    let stranger = Browser::new(&f.server);
    let back = to_upstream_and_back(&f, &stranger, &flow(&f.client).url);
    let thief = Browser::new(&f.server);
    assert_refused(&thief.get(&back), 400, "another browser");
    assert!(!has_session(&f, &thief));
    assert_refused(&stranger.get(&back), 400, "unknown");
    assert!(
        !has_session(&f, &stranger),
        "a state is spent once presented"
    );
}

#[test]
fn id_tokens_with_a_bad_nonce_issuer_audience_expiry_or_key_are_refused() {
    let f = start();
    let cases: Vec<(Tamper, &str)> = vec![
        (Box::new(|c| c["nonce"] = json!("not-the-nonce")), "nonce"),
        (
            Box::new(|c| c["iss"] = json!("https://evil.example")),
            "was issued by",
        ),
        (
            Box::new(|c| c["aud"] = json!("someone-else")),
            "another client",
        ),
        (Box::new(|c| c["exp"] = json!(1_000_000)), "expired"),
    ];
    for (tamper, text) in cases {
        f.up.with(|b| b.tamper = Some(tamper));
        let browser = Browser::new(&f.server);
        let page = sign_in(&f, &browser, &flow(&f.client).url);
        assert_refused(&page, 400, text);
        assert!(!has_session(&f, &browser));
    }
    f.up.with(|b| {
        b.tamper = None;
        b.signer = UpKey::es256("not-published");
    });
    let browser = Browser::new(&f.server);
    assert_refused(
        &sign_in(&f, &browser, &flow(&f.client).url),
        400,
        "does not publish",
    );
    let failed = f
        .api
        .call("GET", "/v2/admin/audit?kind=login.failed", None)
        .body;
    let upstream_failed = failed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["detail"] == "upstream_failed" && e["tenant"] == "brokered")
        .count();
    assert_eq!(upstream_failed, 5, "each refused ID token is audited");
}

#[test]
fn an_upstream_key_rotation_is_picked_up_and_refetches_are_rate_limited() {
    let f = start();
    let browser = Browser::new(&f.server);
    assert_eq!(sign_in(&f, &browser, &flow(&f.client).url).status, 303);
    assert_eq!(f.up.requests("/jwks").len(), 1);

    let rotated = UpKey::eddsa("up-2");
    f.up.with(|b| {
        b.published.push(rotated.clone());
        b.signer = rotated;
    });
    let browser = Browser::new(&f.server);
    let page = sign_in(&f, &browser, &flow(&f.client).url);
    assert_eq!(
        page.status, 303,
        "the new EdDSA key was fetched: {}",
        page.body
    );
    assert_eq!(f.up.requests("/jwks").len(), 2);

    f.up.with(|b| b.signer = UpKey::es256("forged"));
    let browser = Browser::new(&f.server);
    assert_refused(
        &sign_in(&f, &browser, &flow(&f.client).url),
        400,
        "does not publish",
    );
    assert_eq!(
        f.up.requests("/jwks").len(),
        2,
        "a second unknown kid within a minute does not refetch"
    );
}

#[test]
fn an_upstream_signing_with_ps256_under_an_rsa_key_without_alg_is_accepted() {
    let f = start();
    let key = UpKey::ps256("up-rsa");
    f.up.with(|b| {
        b.published = vec![key.clone()];
        b.signer = key;
    });
    let browser = Browser::new(&f.server);
    let page = sign_in(&f, &browser, &flow(&f.client).url);
    assert_eq!(page.status, 303, "PS256 verified: {}", page.body);
    assert!(
        page.location
            .as_deref()
            .is_some_and(|l| l.starts_with(REDIRECT)),
        "{:?}",
        page.location
    );
}

#[test]
fn login_hints_are_forwarded_and_token_auth_falls_back_to_post() {
    let f = start();
    f.up.with(|b| b.auth_methods = json!(["client_secret_post"]));
    let browser = Browser::new(&f.server);
    let hinted = format!("{}&login_hint=alice%40example.com", flow(&f.client).url);
    assert_eq!(sign_in(&f, &browser, &hinted).status, 303);
    assert_eq!(f.up.last_authorize()["login_hint"], "alice@example.com");
    let token_call = f.up.requests("/token").pop().unwrap();
    assert!(token_call.header("authorization").is_none());
    assert_eq!(token_call.form()["client_secret"], CLIENT_SECRET);

    let again = format!("{}&prompt=login", flow(&f.client).url);
    assert_eq!(sign_in(&f, &browser, &again).status, 303);
    assert_eq!(
        f.up.last_authorize()["login_hint"],
        "alice",
        "the username of the browser's session"
    );

    let spelling = format!("{}/v2/Login/Oidc/Callback", f.server.base);
    let put = f.api.call(
        "PUT",
        "/v2/admin/tenants/brokered/upstream-oidc",
        Some(&json!({"configuration_url": format!("{}/.well-known/openid-configuration", f.up.issuer),
                     "client_id": CLIENT_ID, "redirect_uri": spelling, "ca_pem": f.up.idp.ca_pem})),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let other = Browser::new(&f.server);
    let back = to_upstream_and_back(&f, &other, &flow(&f.client).url);
    assert!(back.starts_with(&spelling), "{back}");
    assert_eq!(
        other.get(&back).status,
        303,
        "the other spelling is routed too"
    );
}

#[test]
fn logout_ends_the_session_and_continues_at_the_upstream_end_session_endpoint() {
    let f = start();
    let browser = Browser::new(&f.server);
    let started = flow(&f.client);
    let answer = sign_in(&f, &browser, &started.url);
    let code = redirect_params(&answer.location.unwrap())["code"].clone();
    let http = rp::http_client(f.server.agent());
    let tokens = f
        .client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(started.verifier)
        .request(&http)
        .unwrap();
    let hint = tokens.id_token().unwrap().to_string();
    let url = format!(
        "/t/brokered/logout?id_token_hint={hint}&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye"
    );
    let out = browser.get(&url);
    assert_eq!(out.status, 303, "{}", out.body);
    let location = out.location.unwrap();
    assert!(
        location.starts_with(&format!("{}/logout?", f.up.issuer)),
        "{location}"
    );
    let q = redirect_params(&location);
    assert_eq!(q["client_id"], CLIENT_ID);
    let upstream_hint = crate::exchange::jwt_claims(&q["id_token_hint"]);
    assert_eq!(upstream_hint["iss"], f.up.issuer.as_str());
    assert_eq!(upstream_hint["sub"], "up-alice");
    assert!(!has_session(&f, &browser));
}

#[test]
fn an_unreachable_upstream_is_a_clear_error_page_and_the_dry_run_reports_it() {
    let f = start();
    let probe = f.api.call(
        "POST",
        "/v2/admin/tenants/brokered/upstream-oidc/test",
        None,
    );
    assert_eq!(probe.status, 200, "{}", probe.body);
    assert_eq!(probe.body["ok"], true, "{}", probe.body);
    assert_eq!(probe.body["issuer"], f.up.issuer.as_str());
    assert_eq!(probe.body["keys"], json!([{"kid": "up-1", "alg": "ES256"}]));
    assert_eq!(
        probe.body["token_endpoint_auth_method"],
        "client_secret_basic"
    );
    assert_eq!(probe.body["logout_url_is_end_session"], true);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let moved = f.api.call(
        "PUT",
        "/v2/admin/tenants/brokered/upstream-oidc",
        Some(&json!({"configuration_url": format!("https://127.0.0.1:{port}/.well-known/openid-configuration"),
                     "client_id": CLIENT_ID})),
    );
    assert_eq!(moved.status, 200);
    let browser = Browser::new(&f.server);
    let first = browser.get(&flow(&f.client).url);
    let page = browser.get(&first.location.unwrap());
    assert_refused(&page, 400, "could not be reached");
    let probe = f.api.call(
        "POST",
        "/v2/admin/tenants/brokered/upstream-oidc/test",
        None,
    );
    assert_eq!(probe.body["ok"], false);
    assert!(
        probe.body["error"]
            .as_str()
            .unwrap()
            .contains("could not be reached")
    );

    let wrong_issuer = f.api.call(
        "PUT",
        "/v2/admin/tenants/brokered/upstream-oidc",
        Some(&json!({"configuration_url": format!("{}/.well-known/openid-configuration", f.up.issuer.replace("127.0.0.1", "localhost")),
                     "client_id": CLIENT_ID, "ca_pem": f.up.idp.ca_pem})),
    );
    assert_eq!(wrong_issuer.status, 200);
    let probe = f.api.call(
        "POST",
        "/v2/admin/tenants/brokered/upstream-oidc/test",
        None,
    );
    assert!(
        probe.body["error"]
            .as_str()
            .unwrap()
            .contains("names the issuer"),
        "{}",
        probe.body
    );
}

#[test]
fn a_sign_in_in_flight_survives_a_restart_and_its_callback_works_once() {
    let mut f = start();
    let browser = Browser::new(&f.server);
    let started = flow(&f.client);
    let back = to_upstream_and_back(&f, &browser, &started.url);

    let (dir, port) = (f.server.data_dir.clone(), f.server.addr.port());
    f.server.signal("TERM");
    assert!(f.server.wait(std::time::Duration::from_secs(15)).success());
    f.server = Server::start_on(&dir, port, Options::default());

    let answer = browser.get(&back);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let location = answer.location.unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(redirect_params(&location)["state"], *started.state.secret());
    assert_refused(&browser.get(&back), 400, "already completed");
    let log = f.server.log();
    let sent = f.up.last_authorize();
    assert!(!log.contains(&sent["nonce"]) && !log.contains(&sent["state"]));
}

#[test]
fn one_address_may_have_only_so_many_sign_ins_in_flight_and_others_are_still_served() {
    let f = start_with(Options {
        env: vec![
            ("LATCHKEY_TRUSTED_PROXIES".into(), "127.0.0.1".into()),
            (
                "LATCHKEY_LIMITS_SIGN_INS_IN_FLIGHT_PER_ADDRESS".into(),
                "2".into(),
            ),
        ],
        ..Options::default()
    });
    let crowded = Browser::at(&f.server, "203.0.113.5");
    let login = crowded.get(&flow(&f.client).url).location.unwrap();
    let mut upstream = Vec::new();
    for n in 1..=2 {
        let page = crowded.get(&login);
        assert_eq!(page.status, 303, "sign-in {n}: {}", page.body);
        upstream.push(page.location.unwrap());
    }
    let refused = crowded.get(&login);
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.retry_after.is_some_and(|r| r > 0));
    assert!(refused.headers["content-type"].starts_with("text/html"));
    assert!(
        refused.body.contains("Too many sign-ins"),
        "{}",
        refused.body
    );

    let elsewhere = Browser::at(&f.server, "198.51.100.5");
    let answer = sign_in(&f, &elsewhere, &flow(&f.client).url);
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(answer.location.unwrap().starts_with(REDIRECT));

    let back = f.up.authorize(upstream.last().unwrap());
    assert_eq!(
        crowded.get(&back).status,
        303,
        "the latest sign-in completes"
    );
    let again = crowded.get(&flow(&f.client).url);
    assert!(
        again.location.unwrap().starts_with(REDIRECT),
        "signed in now, no new sign-in needed"
    );
    let fresh = Browser::at(&f.server, "203.0.113.5");
    let login = fresh.get(&flow(&f.client).url).location.unwrap();
    assert_eq!(
        fresh.get(&login).status,
        303,
        "a completed sign-in gave its place back"
    );
}

#[test]
fn an_issuer_url_works_where_the_discovery_url_is_expected() {
    let f = start();
    let well_known = format!("{}/.well-known/openid-configuration", f.up.issuer);
    let put = |configured: &str| {
        let r = f.api.call(
            "PUT",
            "/v2/admin/tenants/brokered/upstream-oidc",
            Some(
                &json!({"configuration_url": configured, "client_id": CLIENT_ID,
                         "ca_pem": f.up.idp.ca_pem}),
            ),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    };
    let probe = || {
        f.api
            .call(
                "POST",
                "/v2/admin/tenants/brokered/upstream-oidc/test",
                None,
            )
            .body
    };
    for configured in [
        f.up.issuer.clone(),
        format!("{}/", f.up.issuer),
        well_known.clone(),
    ] {
        put(&configured);
        let report = probe();
        assert_eq!(report["ok"], true, "{configured}: {report}");
        assert_eq!(report["discovery_url"], well_known.as_str(), "{configured}");
        assert_eq!(report["issuer"], f.up.issuer.as_str());
    }
    put(&f.up.issuer);
    let before = f.up.requests("/.well-known/openid-configuration").len();
    let browser = Browser::new(&f.server);
    let answer = sign_in(&f, &browser, &flow(&f.client).url);
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(answer.location.unwrap().starts_with(REDIRECT));
    assert!(f.up.requests("/.well-known/openid-configuration").len() > before);

    let elsewhere = f.up.issuer.replace("127.0.0.1", "localhost");
    put(&elsewhere);
    let report = probe();
    assert_eq!(report["ok"], false);
    assert_eq!(
        report["discovery_url"],
        format!("{elsewhere}/.well-known/openid-configuration")
    );
    let error = report["error"].as_str().unwrap();
    assert!(
        error.contains(&format!(
            "names the issuer `{}`, not `{elsewhere}`",
            f.up.issuer
        )),
        "{error}"
    );
}
