//! Token exchange through introspection, against a real HTTPS test IdP: the exact request
//! the IdP receives, the SPEC response shape checked with the `openidconnect` crate,
//! refresh with rotation and reuse detection shared with the token endpoint, the RFC 8693
//! grant, the positive-answer cache, and the operator's dry run.

use crate::support::api::{Api, Reply};
use crate::support::rp;
use crate::support::server::{Options, Server};
use crate::support::test_idp::{Answer, TestIdp};
use openidconnect::core::{CoreIdToken, CoreIdTokenVerifier};
use openidconnect::{ClientId, IssuerUrl, Nonce};
use serde_json::{Value, json};
use std::str::FromStr;

/// The foreign token the IdP vouches for in most tests.
pub const FOREIGN: &str = "foreign-access-token-7c1d";
/// latchkey's client secret at the IdP.
pub const IDP_SECRET: &str = "idp-client-secret-f00d";

pub struct Fixture {
    _tmp: tempfile::TempDir,
    pub server: Server,
    pub api: Api,
    pub idp: TestIdp,
    /// An API client sending `Authorization: API-key <key>` for client `app`.
    pub sso: Api,
    pub api_key_id: String,
    pub app_secret: String,
    pub account: String,
}

/// A server with tenant `partner`, client `app` (refresh and token-exchange grants), an
/// API key for it, a member with external id `ext-42`, and introspection at a test IdP
/// that vouches for [`FOREIGN`] as `ext-42`.
pub fn start() -> Fixture {
    start_with(Options::default())
}

pub fn start_with(opts: Options) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(tmp.path(), opts);
    let api = Api::new(&server);
    let idp = TestIdp::start();
    idp.answer(|req| {
        if req.form().get("token").map(String::as_str) == Some(FOREIGN) {
            Answer::Json(
                200,
                json!({"active": true, "account_id": "ext-42", "exp": 4_000_000_000u64}),
            )
        } else {
            Answer::Json(200, json!({"active": false}))
        }
    });
    let created = |path: &str, body: Value| crate::management::create(&api, path, &body).body;
    created(
        "/v2/admin/tenants",
        json!({"id": "partner", "display_name": "Partner"}),
    );
    let app = created(
        "/v2/admin/tenants/partner/clients",
        json!({"client_id": "app", "name": "Partner app", "redirect_uris": [],
               "grant_types": ["refresh_token", "urn:ietf:params:oauth:grant-type:token-exchange"],
               "response_types": [], "scopes": ["openid", "profile", "email", "orders", "billing"],
               "token_endpoint_auth_method": "client_secret_basic"}),
    );
    let key = created(
        "/v2/admin/tenants/partner/clients/app/api-keys",
        json!({"label": "backend"}),
    );
    let account = created(
        "/v2/admin/tenants/partner/accounts",
        json!({"username": "carol", "email": "carol@example.com", "name": "Carol",
               "scopes": ["orders"], "external_authentication_provider_id": "ext-42"}),
    );
    put_introspection(&api, &idp, json!({}));
    let mut sso = Api::new(&server);
    sso.authorization = Some(format!("API-key {}", key["key"].as_str().unwrap()));
    Fixture {
        _tmp: tmp,
        api_key_id: key["id"].as_str().unwrap().to_owned(),
        app_secret: app["client_secret"].as_str().unwrap().to_owned(),
        account: account["id"].as_str().unwrap().to_owned(),
        server,
        api,
        idp,
        sso,
    }
}

/// Points tenant `partner` at `idp`, with `extra` settings merged in.
pub fn put_introspection(api: &Api, idp: &TestIdp, extra: Value) {
    let mut body = json!({"url": format!("{}/introspect", idp.base), "client_id": "latchkey",
                          "client_secret": IDP_SECRET, "ca_pem": idp.ca_pem});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = api.call(
        "PUT",
        "/v2/admin/tenants/partner/introspection",
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

impl Fixture {
    /// `POST /v2/sso/exchange-token` for `token`.
    pub fn exchange(&self, token: &str) -> Reply {
        self.sso.call(
            "POST",
            "/v2/sso/exchange-token",
            Some(&json!({"external_provider_access_token": token})),
        )
    }

    /// The audit events of `kind`, newest first.
    pub fn audit(&self, kind: &str) -> Vec<Value> {
        let r = self
            .api
            .call("GET", &format!("/v2/admin/audit?kind={kind}"), None);
        assert_eq!(r.status, 200);
        r.body["items"].as_array().unwrap().clone()
    }

    /// The audit events of `kind` once there are at least `n` (bounded wait): successful
    /// exchanges are written with the batched token-issue events.
    pub fn audit_eventually(&self, kind: &str, n: usize) -> Vec<Value> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let events = self.audit(kind);
            if events.len() >= n || std::time::Instant::now() > deadline {
                return events;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Asserts that no secret of the exchange reached the log or the audit log.
    pub fn assert_log_clean(&self, also: &[&str]) {
        let log = self.server.log();
        let audit = self
            .api
            .call("GET", "/v2/admin/audit?limit=500", None)
            .body
            .to_string();
        for secret in [FOREIGN, IDP_SECRET].iter().chain(also) {
            assert!(!log.contains(secret), "`{secret}` is in the log:\n{log}");
            assert!(
                !audit.contains(secret),
                "`{secret}` is in the audit log:\n{audit}"
            );
        }
    }
}

#[test]
fn an_exchange_issues_tokens_for_the_mapped_account_after_the_exact_introspection_call() {
    let f = start();
    let r = f.exchange(FOREIGN);
    assert_eq!(r.status, 200, "{}", r.body);
    let mut keys: Vec<&str> = r
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "accessToken",
            "expiresIn",
            "idToken",
            "refreshToken",
            "scope",
            "tokenType"
        ]
    );
    assert_eq!(r.body["tokenType"], "Bearer");
    assert_eq!(r.body["expiresIn"], 3600);
    assert_eq!(
        r.body["scope"],
        json!(["openid", "profile", "email", "orders"]),
        "billing is the client's but not the member's"
    );
    assert!(r.body["refreshToken"].as_str().unwrap().len() >= 43);

    let requests = f.idp.requests();
    assert_eq!(requests.len(), 1);
    let call = &requests[0];
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("POST", "/introspect")
    );
    assert_eq!(
        call.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(call.header("accept"), Some("application/json"));
    let form: Vec<(String, String)> = call.form().into_iter().collect();
    let expected = [
        ("client_id", "latchkey"),
        ("client_secret", IDP_SECRET),
        ("token", FOREIGN),
        ("token_type_hint", "access_token"),
    ];
    assert_eq!(
        form,
        expected.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec()
    );

    // The relying-party library checks the ID token: signature, issuer, audience, expiry.
    let issuer = format!("{}/t/partner", f.server.base);
    let meta = rp::discover(f.server.agent(), &issuer);
    let jwks = meta.jwks().clone();
    let verifier = CoreIdTokenVerifier::new_confidential_client(
        ClientId::new("app".into()),
        openidconnect::ClientSecret::new(f.app_secret.clone()),
        IssuerUrl::new(issuer.clone()).unwrap(),
        jwks,
    );
    let id_token = CoreIdToken::from_str(r.body["idToken"].as_str().unwrap()).unwrap();
    let claims = id_token
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .unwrap();
    assert_eq!(claims.subject().as_str(), f.account);
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("carol@example.com")
    );
    let raw: Value = jwt_claims(r.body["idToken"].as_str().unwrap());
    assert!(
        raw.get("sid").is_none(),
        "no browser session stands behind it: {raw}"
    );

    let access = jwt_claims(r.body["accessToken"].as_str().unwrap());
    assert_eq!(access["sub"], f.account.as_str());
    assert_eq!(access["aud"], issuer.as_str());
    assert_eq!(access["client_id"], "app");
    assert_eq!(access["scope"], "openid profile email orders");
    let userinfo = f
        .server
        .agent()
        .get(&format!("{issuer}/userinfo"))
        .header(
            "authorization",
            &format!("Bearer {}", r.body["accessToken"].as_str().unwrap()),
        )
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .map(|t| serde_json::from_str::<Value>(&t).unwrap())
        .unwrap();
    assert_eq!(userinfo["sub"], f.account.as_str());

    let events = f.audit_eventually("exchange", 1);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["account"], f.account.as_str());
    assert_eq!(events[0]["tenant"], "partner");
    assert_eq!(events[0]["actor"], json!({"type": "client", "id": "app"}));
    let key = f.api.call(
        "GET",
        "/v2/admin/tenants/partner/clients/app/api-keys",
        None,
    );
    assert!(
        key.body["items"][0]["last_used_at"].is_string(),
        "the key's use is recorded: {}",
        key.body
    );
    f.server.wait_for_log("/v2/sso/exchange-token");
    f.assert_log_clean(&[]);
}

/// The payload of a JWT, unverified (the signature is checked elsewhere).
pub fn jwt_claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn numeric_external_ids_and_nested_pointers_map_to_accounts() {
    let f = start();
    f.idp.answer(|_| {
        Answer::Json(
            200,
            json!({"active": true, "ext": {"account_id": 4242, "name": "x"}}),
        )
    });
    put_introspection(
        &f.api,
        &f.idp,
        json!({"account_id_pointer": "/ext/account_id"}),
    );
    let r = f.api.call(
        "POST",
        "/v2/admin/tenants/partner/accounts",
        Some(&json!({"username": "dave", "scopes": [], "external_authentication_provider_id": "4242"})),
    );
    assert_eq!(r.status, 201);
    let dave = r.body["id"].as_str().unwrap().to_owned();
    let r = f.exchange("any-token");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        jwt_claims(r.body["accessToken"].as_str().unwrap())["sub"],
        dave.as_str()
    );
}

#[test]
fn refresh_rotates_and_a_reused_token_kills_the_family_at_both_endpoints() {
    let f = start();
    let first = f.exchange(FOREIGN);
    assert_eq!(first.status, 200, "{}", first.body);
    let r1 = first.body["refreshToken"].as_str().unwrap().to_owned();

    // The token endpoint and /v2/sso share one family.
    let token_endpoint = f.server.post(
        "/t/partner/token",
        "application/x-www-form-urlencoded",
        format!("grant_type=refresh_token&refresh_token={r1}").into_bytes(),
    );
    assert_eq!(
        token_endpoint.status(),
        401,
        "client authentication comes first"
    );
    let agent = f.server.agent();
    let mut resp = agent
        .post(&format!("{}/t/partner/token", f.server.base))
        .header("authorization", &basic("app", &f.app_secret))
        .content_type("application/x-www-form-urlencoded")
        .send(format!("grant_type=refresh_token&refresh_token={r1}"))
        .unwrap();
    assert_eq!(resp.status(), 200);
    let rotated: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    let r2 = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);

    let refresh = |t: &str| {
        f.sso.call(
            "POST",
            "/v2/sso/refresh-token",
            Some(&json!({"refresh_token": t})),
        )
    };
    let third = refresh(&r2);
    assert_eq!(third.status, 200, "{}", third.body);
    assert_eq!(
        third.body["scope"],
        json!(["openid", "profile", "email", "orders"])
    );
    assert!(third.body["idToken"].is_string());
    let r3 = third.body["refreshToken"].as_str().unwrap().to_owned();

    let reused = refresh(&r1);
    assert_eq!(reused.status, 401, "{}", reused.body);
    assert_eq!(reused.content_type, "application/problem+json");
    assert!(
        reused.body["detail"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{}",
        reused.body
    );
    let after = refresh(&r3);
    assert_eq!(
        after.status, 401,
        "the family died with the reuse: {}",
        after.body
    );
    assert_eq!(f.audit("refresh.reused").len(), 1);
    f.assert_log_clean(&[&r1, &r2, &r3]);
}

fn basic(id: &str, secret: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

fn token_exchange(f: &Fixture, client: (&str, &str), form: &str) -> (u16, Value) {
    let mut resp = f
        .server
        .agent()
        .post(&format!("{}/t/partner/token", f.server.base))
        .header("authorization", &basic(client.0, client.1))
        .content_type("application/x-www-form-urlencoded")
        .send(form.to_owned())
        .unwrap();
    let text = resp.body_mut().read_to_string().unwrap();
    (resp.status().as_u16(), serde_json::from_str(&text).unwrap())
}

const RFC8693: &str = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
    &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token";

#[test]
fn the_rfc_8693_grant_exchanges_at_the_token_endpoint() {
    let f = start();
    let (status, body) = token_exchange(
        &f,
        ("app", &f.app_secret),
        &format!("{RFC8693}&subject_token={FOREIGN}&scope=openid%20orders%20billing"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(
        body["scope"], "openid orders",
        "billing is not the member's"
    );
    assert!(body["refresh_token"].is_string());
    assert_eq!(
        jwt_claims(body["access_token"].as_str().unwrap())["sub"],
        f.account.as_str()
    );

    let (status, body) = token_exchange(
        &f,
        ("app", &f.app_secret),
        &format!("{RFC8693}&subject_token=not-active"),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, body) = token_exchange(
        &f,
        ("app", &f.app_secret),
        &format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token={FOREIGN}&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token"
        ),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    f.idp.answer(|_| Answer::Json(500, json!({})));
    let (status, body) = token_exchange(
        &f,
        ("app", &f.app_secret),
        &format!("{RFC8693}&subject_token={FOREIGN}"),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("temporarily_unavailable")),
        "{body}"
    );

    let other = f.api.call(
        "POST",
        "/v2/admin/tenants/partner/clients",
        Some(&json!({"client_id": "cc", "name": "cc", "redirect_uris": [], "grant_types": ["client_credentials"],
                     "response_types": [], "scopes": [], "token_endpoint_auth_method": "client_secret_basic"})),
    );
    let (status, body) = token_exchange(
        &f,
        ("cc", other.body["client_secret"].as_str().unwrap()),
        &format!("{RFC8693}&subject_token={FOREIGN}"),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    assert_eq!(
        f.idp.requests().len(),
        3,
        "an unauthorized client causes no IdP call"
    );
    f.assert_log_clean(&[]);
}

#[test]
fn a_cached_answer_spares_the_idp_until_its_ttl() {
    let f = start();
    assert_eq!(f.exchange(FOREIGN).status, 200);
    assert_eq!(f.exchange(FOREIGN).status, 200);
    assert_eq!(f.idp.requests().len(), 2, "the cache is off by default");

    put_introspection(&f.api, &f.idp, json!({"cache_ttl_secs": 300}));
    assert_eq!(f.exchange(FOREIGN).status, 200);
    assert_eq!(f.exchange(FOREIGN).status, 200);
    assert_eq!(
        f.idp.requests().len(),
        3,
        "the second answer came from the cache"
    );
    assert_eq!(f.exchange("not-active").status, 401);
    assert_eq!(f.exchange("not-active").status, 401);
    assert_eq!(f.idp.requests().len(), 5, "refusals are never cached");

    let disabled = f.api.call(
        "PATCH",
        &format!("/v2/admin/accounts/{}", f.account),
        Some(&json!({"disabled": true})),
    );
    assert_eq!(disabled.status, 200);
    assert_eq!(
        f.exchange(FOREIGN).status,
        403,
        "a cached answer still meets the account's current state"
    );
}

/// Review finding (issue 19, item 15): a cached answer outlived a new client secret or
/// CA, so a token was still exchanged after the operator cut the IdP off.
#[test]
fn a_settings_change_voids_the_cached_answers() {
    let f = start();
    f.idp.answer(|req| {
        if req.form().get("client_secret").map(String::as_str) == Some(IDP_SECRET) {
            Answer::Json(200, json!({"active": true, "account_id": "ext-42"}))
        } else {
            Answer::Json(401, json!({"error": "invalid_client"}))
        }
    });
    let cached = json!({"cache_ttl_secs": 300});
    put_introspection(&f.api, &f.idp, cached.clone());
    assert_eq!(f.exchange(FOREIGN).status, 200);
    assert_eq!(f.exchange(FOREIGN).status, 200);
    assert_eq!(f.idp.requests().len(), 1, "the second answer was cached");

    let refused_secret =
        json!({"cache_ttl_secs": 300, "client_secret": "a-secret-the-idp-refuses"});
    put_introspection(&f.api, &f.idp, refused_secret);
    let r = f.exchange(FOREIGN);
    assert_eq!(
        r.status, 502,
        "a new client secret reused the cache: {}",
        r.body
    );
    assert_eq!(f.idp.requests().len(), 2);

    put_introspection(&f.api, &f.idp, cached);
    assert_eq!(f.exchange(FOREIGN).status, 200);
    let other_ca = std::fs::read_to_string(f.server.data_dir.join("tls/cert.pem")).unwrap();
    put_introspection(
        &f.api,
        &f.idp,
        json!({"cache_ttl_secs": 300, "ca_pem": other_ca}),
    );
    let r = f.exchange(FOREIGN);
    assert_eq!(r.status, 502, "a new ca_pem reused the cache: {}", r.body);
    assert!(
        r.body["detail"].as_str().unwrap().contains("TLS"),
        "{}",
        r.body
    );
}

#[test]
fn the_dry_run_reports_the_idps_answer_and_the_mapped_account() {
    let f = start();
    let probe = |token: &str| {
        f.api.call(
            "POST",
            "/v2/admin/tenants/partner/introspection/test",
            Some(&json!({"token": token})),
        )
    };
    let r = probe(FOREIGN);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ok"], true);
    assert_eq!(r.body["idp_status"], 200);
    assert_eq!(r.body["idp_answer"]["account_id"], "ext-42");
    assert_eq!(r.body["external_id"], "ext-42");
    assert_eq!(r.body["account"]["id"], f.account.as_str());
    assert_eq!(r.body["account"]["username"], "carol");
    assert!(r.body["error"].is_null());

    let r = probe("not-active");
    assert_eq!(r.status, 200);
    assert_eq!(r.body["ok"], false);
    assert_eq!(r.body["idp_answer"], json!({"active": false}));
    assert!(
        r.body["error"].as_str().unwrap().contains("not active"),
        "{}",
        r.body
    );
    assert_eq!(f.exchange(FOREIGN).status, 200);
    let exchanges = f.audit_eventually("exchange", 1);
    assert!(
        exchanges.len() == 1 && exchanges[0].get("count").is_none(),
        "a dry run issues nothing; only the real exchange is audited: {exchanges:?}"
    );

    assert_eq!(
        f.api
            .call("DELETE", "/v2/admin/tenants/partner/introspection", None)
            .status,
        204
    );
    let r = probe(FOREIGN);
    assert_eq!(r.status, 404, "{}", r.body);
    let r = f.api.call(
        "POST",
        "/v2/admin/tenants/nope/introspection/test",
        Some(&json!({"token": "x"})),
    );
    assert_eq!(r.status, 404);
}

/// Review finding (issue 21): `/v2` takes no DPoP proof, so a client whose access tokens
/// must all be DPoP-bound is refused there instead of getting Bearer tokens.
#[test]
fn a_client_bound_to_dpop_is_refused_at_v2() {
    let f = start();
    let first = f.exchange(FOREIGN);
    assert_eq!(first.status, 200, "{}", first.body);
    let refresh_token = first.body["refreshToken"].as_str().unwrap().to_owned();
    let bound = f.api.call(
        "PATCH",
        "/v2/admin/tenants/partner/clients/app",
        Some(&json!({"dpop_bound_access_tokens": true})),
    );
    assert_eq!(bound.status, 200, "{}", bound.body);
    let refused = f.exchange(FOREIGN);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused
            .body
            .to_string()
            .contains("dpop_bound_access_tokens"),
        "{}",
        refused.body
    );
    let refresh = f.sso.call(
        "POST",
        "/v2/sso/refresh-token",
        Some(&json!({"refresh_token": refresh_token})),
    );
    assert_eq!(refresh.status, 403, "{}", refresh.body);
}
