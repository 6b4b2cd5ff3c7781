//! The authorization code flow end to end: the `openidconnect` crate as relying party, a
//! cookie-keeping browser that submits the real login form, PKCE, SSO, refresh rotation
//! and reuse, code replay, and the refusals that must never redirect.

use crate::support::api::Api;
use crate::support::browser::{Browser, redirect_params};
use crate::support::rp;
use crate::support::server::{Options, Server};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreTokenResponse,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, RefreshToken, Scope, TokenResponse,
};
use serde_json::{Value, json};

pub const REDIRECT: &str = "https://app.example/cb";

pub struct Fixture {
    _tmp: tempfile::TempDir,
    pub server: Server,
    pub api: Api,
    pub secret: String,
    pub alice: String,
    pub meta: CoreProviderMetadata,
}

impl Fixture {
    /// Introspects `token` as client `web` (secret in the form): the JSON answer.
    pub fn introspect(&self, token: &str) -> Value {
        let resp = self.server.post(
            "/t/acme/introspect",
            "application/x-www-form-urlencoded",
            format!("client_id=web&client_secret={}&token={token}", self.secret).into_bytes(),
        );
        serde_json::from_str(&resp.into_body().read_to_string().unwrap()).unwrap()
    }
}

pub fn start() -> Fixture {
    start_with(Options::default())
}

/// [`start`] with server options.
pub fn start_with(opts: Options) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(tmp.path(), opts);
    let api = Api::new(&server);
    assert_eq!(
        api.call(
            "POST",
            "/v2/admin/tenants",
            Some(&json!({"id": "acme", "display_name": "Acme Corp"}))
        )
        .status,
        201
    );
    let web = api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": "web", "name": "Web", "redirect_uris": [REDIRECT],
                     "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                     "post_logout_redirect_uris": ["https://app.example/bye"],
                     "scopes": ["openid", "profile", "email", "orders", "billing", "offline_access"], "token_endpoint_auth_method": "client_secret_basic"})),
    );
    assert_eq!(web.status, 201, "{:?}", web.body);
    let spa = api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": "spa", "name": "SPA", "redirect_uris": ["http://127.0.0.1:9999/cb"], "grant_types": ["authorization_code"],
                     "response_types": ["code"], "scopes": ["openid"], "token_endpoint_auth_method": "none"})),
    );
    assert_eq!(spa.status, 201);
    let alice = api.call(
        "POST",
        "/v2/admin/tenants/acme/accounts",
        Some(
            &json!({"username": "Alice", "email": "alice@example.com", "name": "Alice Liddell",
                     "password": "correct horse battery", "scopes": ["orders"]}),
        ),
    );
    assert_eq!(alice.status, 201, "{:?}", alice.body);
    let meta = rp::discover(server.agent(), &format!("{}/t/acme", server.base));
    Fixture {
        secret: web.body["client_secret"].as_str().unwrap().to_owned(),
        alice: alice.body["id"].as_str().unwrap().to_owned(),
        _tmp: tmp,
        server,
        api,
        meta,
    }
}

pub type Rp = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

pub fn rp_client(f: &Fixture) -> Rp {
    CoreClient::from_provider_metadata(
        f.meta.clone(),
        ClientId::new("web".into()),
        Some(ClientSecret::new(f.secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
}

pub struct Started {
    pub url: String,
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub verifier: openidconnect::PkceCodeVerifier,
}

pub fn begin(client: &Rp, scopes: &[&str]) -> Started {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for s in scopes {
        req = req.add_scope(Scope::new((*s).into()));
    }
    let (url, state, nonce) = req.set_pkce_challenge(challenge).url();
    Started {
        url: url.to_string(),
        state,
        nonce,
        verifier,
    }
}

pub fn code_from(location: &str, state: &CsrfToken) -> String {
    assert!(location.starts_with(REDIRECT), "{location}");
    let params = redirect_params(location);
    assert_eq!(
        params.get("state").map(String::as_str),
        Some(state.secret().as_str())
    );
    params
        .get("code")
        .unwrap_or_else(|| panic!("no code in {location}"))
        .clone()
}

#[test]
fn code_flow_with_pkce_gives_tokens_an_independent_client_validates() {
    let f = start();
    let client = rp_client(&f);
    let started = begin(&client, &["profile", "email", "orders", "billing"]);
    let browser = Browser::new(&f.server);
    let answer = browser.sign_in(&started.url, "alice", "correct horse battery");
    assert_eq!(answer.status, 303, "{}", answer.body);
    let code = code_from(answer.location.as_deref().unwrap(), &started.state);

    let http = rp::http_client(f.server.agent());
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(started.verifier)
        .request(&http)
        .unwrap();
    let id_token = tokens.id_token().expect("an ID token for openid");
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &started.nonce)
        .expect("the library accepts the ID token");
    assert_eq!(claims.subject().as_str(), f.alice);
    assert_eq!(claims.preferred_username().unwrap().as_str(), "Alice");
    assert_eq!(claims.email().unwrap().as_str(), "alice@example.com");
    assert!(claims.auth_time().is_some());
    let expected = claims.access_token_hash().expect("at_hash");
    let actual = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual, expected);
    let granted: Vec<String> = tokens
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        granted,
        ["openid", "profile", "email", "orders"],
        "billing is not in alice's membership"
    );
    assert!(tokens.refresh_token().is_some());

    let userinfo = f
        .server
        .agent()
        .get(format!("{}/t/acme/userinfo", f.server.base))
        .header(
            "authorization",
            format!("Bearer {}", tokens.access_token().secret()),
        )
        .call()
        .unwrap();
    let info: Value =
        serde_json::from_str(&userinfo.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(
        info,
        json!({"sub": f.alice, "name": "Alice Liddell", "preferred_username": "Alice", "email": "alice@example.com", "email_verified": false})
    );
}

#[test]
fn a_second_authorization_uses_the_sso_session_and_prompt_none_needs_one() {
    let f = start();
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let first = begin(&client, &[]);
    assert_eq!(
        browser
            .sign_in(&first.url, "ALICE", "correct horse battery")
            .status,
        303,
        "usernames are case-insensitive"
    );
    let second = begin(&client, &[]);
    let answer = browser.get(&second.url);
    assert_eq!(answer.status, 303);
    code_from(answer.location.as_deref().unwrap(), &second.state);

    let silent = begin(&client, &[]);
    let answer = Browser::new(&f.server).get(&format!("{}&prompt=none", silent.url));
    let params = redirect_params(answer.location.as_deref().unwrap());
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("login_required")
    );
    assert_eq!(params.get("state"), Some(silent.state.secret()));
    let forced = begin(&client, &[]);
    let answer = browser.get(&format!("{}&prompt=login", forced.url));
    assert!(
        answer.location.unwrap().contains("/t/acme/login?"),
        "prompt=login asks for the password again"
    );
}

#[test]
fn refresh_rotates_and_a_reused_token_revokes_the_family() {
    let f = start();
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let code = code_from(
        Browser::new(&f.server)
            .sign_in(&started.url, "alice", "correct horse battery")
            .location
            .as_deref()
            .unwrap(),
        &started.state,
    );
    let http = rp::http_client(f.server.agent());
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(started.verifier)
        .request(&http)
        .unwrap();
    let first = tokens.refresh_token().unwrap().clone();
    let refreshed = client
        .exchange_refresh_token(&first)
        .unwrap()
        .request(&http)
        .unwrap();
    let second = refreshed.refresh_token().unwrap().clone();
    assert_ne!(first.secret(), second.secret(), "rotated");
    let third = client
        .exchange_refresh_token(&second)
        .unwrap()
        .request(&http)
        .unwrap()
        .refresh_token()
        .unwrap()
        .clone();

    let reuse = client
        .exchange_refresh_token(&first)
        .unwrap()
        .request(&http);
    assert!(format!("{reuse:?}").contains("invalid_grant"), "{reuse:?}");
    let after = client
        .exchange_refresh_token(&third)
        .unwrap()
        .request(&http);
    assert!(
        format!("{after:?}").contains("invalid_grant"),
        "the whole family is revoked: {after:?}"
    );
    let unknown = client
        .exchange_refresh_token(&RefreshToken::new("nonsense".into()))
        .unwrap()
        .request(&http);
    assert!(format!("{unknown:?}").contains("invalid_grant"));
    let audit = f
        .api
        .call("GET", "/v2/admin/audit?kind=refresh.reused", None);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);

    // One code redemption and two rotations were answered; the refused ones issue nothing.
    // Identical events of one batch are folded into one with a count.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let issued = |items: &[Value]| -> Vec<String> {
        let mut grants: Vec<String> = items
            .iter()
            .flat_map(|e| {
                let n = e["count"].as_u64().unwrap_or(1) as usize;
                std::iter::repeat_n(e["detail"].as_str().unwrap().to_owned(), n)
            })
            .collect();
        grants.sort();
        grants
    };
    let grants = loop {
        let audit = f.api.call("GET", "/v2/admin/audit?kind=token.issued", None);
        let items = audit.body["items"].as_array().unwrap().clone();
        if issued(&items).len() >= 3 || std::time::Instant::now() > deadline {
            break items;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(
        issued(&grants),
        ["authorization_code", "refresh_token", "refresh_token"]
    );
    assert!(
        grants.iter().all(|e| e["account"] == f.alice.as_str()),
        "{grants:?}"
    );
}

#[test]
fn a_replayed_code_is_refused_and_revokes_what_it_issued() {
    let f = start();
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let code = code_from(
        Browser::new(&f.server)
            .sign_in(&started.url, "alice", "correct horse battery")
            .location
            .as_deref()
            .unwrap(),
        &started.state,
    );
    let http = rp::http_client(f.server.agent());
    let verifier = started.verifier.secret().clone();
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .unwrap()
        .set_pkce_verifier(openidconnect::PkceCodeVerifier::new(verifier.clone()))
        .request(&http)
        .unwrap();
    let replay = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(openidconnect::PkceCodeVerifier::new(verifier))
        .request(&http);
    assert!(
        format!("{replay:?}").contains("invalid_grant"),
        "{replay:?}"
    );
    let body = f.introspect(tokens.access_token().secret());
    assert_eq!(
        body,
        json!({"active": false}),
        "the first redemption's access token is revoked"
    );
    let refresh = client
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .request(&http);
    assert!(
        format!("{refresh:?}").contains("invalid_grant"),
        "and its refresh token too"
    );
}

#[test]
fn wrong_pkce_wrong_redirect_and_a_public_client_without_pkce_are_refused() {
    let f = start();
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let code = code_from(
        Browser::new(&f.server)
            .sign_in(&started.url, "alice", "correct horse battery")
            .location
            .as_deref()
            .unwrap(),
        &started.state,
    );
    let wrong = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(openidconnect::PkceCodeVerifier::new("x".repeat(43)))
        .request(&rp::http_client(f.server.agent()));
    assert!(format!("{wrong:?}").contains("invalid_grant"));

    let browser = Browser::new(&f.server);
    let evil = started.url.replace(
        "https%3A%2F%2Fapp.example%2Fcb",
        "https%3A%2F%2Fevil.example%2Fcb",
    );
    assert_ne!(evil, started.url);
    let page = browser.get(&evil);
    assert_eq!(
        (page.status, page.location),
        (400, None),
        "never redirected to an unregistered URI"
    );
    assert!(page.body.contains("has not registered"), "{}", page.body);
    let unknown = browser.get("/t/acme/authorize?client_id=nobody&response_type=code&redirect_uri=https%3A%2F%2Fevil.example");
    assert_eq!((unknown.status, unknown.location), (400, None));

    let public =
        browser.get("/t/acme/authorize?client_id=spa&response_type=code&scope=openid&state=s1");
    let params = redirect_params(public.location.as_deref().unwrap());
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("invalid_request")
    );
    assert!(params["error_description"].contains("PKCE"));
    assert_eq!(params.get("state").map(String::as_str), Some("s1"));
    let plain = browser.get("/t/acme/authorize?client_id=spa&response_type=code&code_challenge=abc&code_challenge_method=plain");
    assert_eq!(
        redirect_params(plain.location.as_deref().unwrap())["error"],
        "invalid_request"
    );
    let token = browser.get("/t/acme/authorize?client_id=web&response_type=token&redirect_uri=https%3A%2F%2Fapp.example%2Fcb");
    assert_eq!(
        redirect_params(token.location.as_deref().unwrap())["error"],
        "unauthorized_client",
        "a response type the client did not register"
    );
}

#[test]
fn a_wrong_password_gets_one_message_a_csrf_less_post_is_refused_and_both_are_audited() {
    let f = start();
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let wrong = browser.sign_in(&begin(&client, &[]).url, "alice", "wrong password");
    assert_eq!(wrong.status, 401);
    assert!(
        wrong
            .body
            .contains("The username or password is not correct.")
    );
    assert!(
        wrong.body.contains("value=\"alice\""),
        "the username is kept"
    );
    let nobody = browser.sign_in(&begin(&client, &[]).url, "nobody", "wrong password");
    assert_eq!(nobody.status, 401);
    assert!(
        nobody
            .body
            .contains("The username or password is not correct."),
        "same answer for an unknown user"
    );

    let forged = browser.post(
        "/t/acme/login",
        &[
            ("request", "x"),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ],
    );
    assert_eq!((forged.status, forged.location), (400, None));
    let failures = f.api.call("GET", "/v2/admin/audit?kind=login.failed", None);
    assert_eq!(failures.body["items"].as_array().unwrap().len(), 2);
    assert!(
        !f.server.log().contains("correct horse battery")
            && !f.server.log().contains("wrong password")
    );
    let headers = f
        .server
        .agent()
        .get(format!("{}/t/acme/login?request=x", f.server.base))
        .call()
        .unwrap();
    let csp = headers.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
}

#[test]
fn the_token_request_must_repeat_a_redirect_uri_the_authorization_named_and_unknown_tenants_come_first()
 {
    let f = start();
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let browser = Browser::new(&f.server);
    let code = code_from(
        browser
            .sign_in(&started.url, "alice", "correct horse battery")
            .location
            .as_deref()
            .unwrap(),
        &started.state,
    );
    let resp = browser.post(
        "/t/acme/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", started.verifier.secret()),
            ("client_id", "web"),
            ("client_secret", &f.secret),
        ],
    );
    assert_eq!(resp.status, 400);
    assert!(
        resp.body.contains("invalid_grant") && resp.body.contains("redirect_uri"),
        "{}",
        resp.body
    );
    let unknown = f.server.post("/t/nope/token", "text/plain", b"x".to_vec());
    assert_eq!(
        unknown.status(),
        404,
        "an unknown tenant is judged before the body"
    );
}

/// Signs alice in through `browser` with `scopes` and redeems the code.
pub fn tokens(f: &Fixture, browser: &Browser, scopes: &[&str]) -> CoreTokenResponse {
    let client = rp_client(f);
    let started = begin(&client, scopes);
    let answer = browser.sign_in(&started.url, "alice", "correct horse battery");
    let code = code_from(answer.location.as_deref().unwrap(), &started.state);
    redeem(f, &client, code, started.verifier)
}

/// Redeems `code` with its PKCE `verifier` as the relying party `client`.
pub fn redeem(
    f: &Fixture,
    client: &Rp,
    code: String,
    verifier: openidconnect::PkceCodeVerifier,
) -> CoreTokenResponse {
    client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request(&rp::http_client(f.server.agent()))
        .unwrap()
}
