//! Machine-to-machine OAuth: client authentication, client_credentials, RFC 9068 access
//! tokens, introspection, revocation and userinfo refusals.

use crate::support::api::Api;
use crate::support::forge::sign_as_server;
use crate::support::rp;
use crate::support::server::Server;
use base64::Engine;
use latchkey::types::Alg;
use openidconnect::core::CoreClient;
use openidconnect::{ClientId, ClientSecret, OAuth2TokenResponse, Scope};
use serde_json::{Value, json};

struct Fixture {
    _tmp: tempfile::TempDir,
    server: Server,
    api: Api,
    secret: String,
}

/// A server with tenant `acme` and a confidential client `svc` allowed client_credentials.
fn start() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    assert_eq!(
        api.call(
            "POST",
            "/v2/admin/tenants",
            Some(&json!({"id": "acme", "display_name": "Acme"}))
        )
        .status,
        201
    );
    let secret = client(
        &api,
        "svc",
        "client_secret_basic",
        &["client_credentials"],
        &["read", "write", "openid"],
    );
    Fixture {
        _tmp: tmp,
        server,
        api,
        secret: secret.unwrap(),
    }
}

fn client(api: &Api, id: &str, auth: &str, grants: &[&str], scopes: &[&str]) -> Option<String> {
    let r = api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": id, "name": id, "grant_types": grants, "scopes": scopes, "token_endpoint_auth_method": auth})),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["client_secret"].as_str().map(str::to_owned)
}

/// POSTs a form to a tenant endpoint; returns status, body and WWW-Authenticate.
fn post_form(
    f: &Fixture,
    path: &str,
    basic: Option<(&str, &str)>,
    form: &str,
) -> (u16, Value, Option<String>) {
    let mut req = ureq::http::Request::post(format!("{}/t/acme/{path}", f.server.base))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        let v = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        req = req.header("authorization", format!("Basic {v}"));
    }
    let resp = f
        .server
        .agent()
        .run(req.body(form.as_bytes().to_vec()).unwrap())
        .unwrap();
    let status = resp.status().as_u16();
    let www = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let cache = resp
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(cache.as_deref(), Some("no-store"), "{path}");
    let text = resp.into_body().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        www,
    )
}

fn token(f: &Fixture, form: &str) -> (u16, Value) {
    let (s, b, _) = post_form(f, "token", Some(("svc", &f.secret)), form);
    (s, b)
}

fn claims(jwt: &str) -> (Value, Value) {
    let part = |i: usize| -> Value {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(i).unwrap())
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    (part(0), part(1))
}

#[test]
fn client_credentials_through_an_independent_client_gives_an_rfc9068_token() {
    let f = start();
    let issuer = format!("{}/t/acme", f.server.base);
    let meta = rp::discover(f.server.agent(), &issuer);
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new("svc".into()),
        Some(ClientSecret::new(f.secret.clone())),
    );
    let resp = client
        .exchange_client_credentials()
        .unwrap()
        .add_scope(Scope::new("read".into()))
        .add_scope(Scope::new("delete".into()))
        .request(&rp::http_client(f.server.agent()))
        .unwrap();
    let scopes: Vec<String> = resp
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        scopes,
        ["read"],
        "a scope the client is not registered for is left out"
    );
    assert!(resp.refresh_token().is_none() && resp.expires_in().unwrap().as_secs() == 3600);

    let (header, body) = claims(resp.access_token().secret());
    assert_eq!(
        (header["typ"].as_str(), header["alg"].as_str()),
        (Some("at+jwt"), Some("ES256"))
    );
    for (k, v) in [
        ("iss", issuer.as_str()),
        ("aud", issuer.as_str()),
        ("sub", "svc"),
        ("client_id", "svc"),
        ("scope", "read"),
        ("tenant", "acme"),
    ] {
        assert_eq!(body[k].as_str(), Some(v), "{k}");
    }
    assert_eq!(
        body["exp"].as_u64().unwrap() - body["iat"].as_u64().unwrap(),
        3600
    );
    assert!(body["jti"].as_str().unwrap().len() >= 32);

    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_str(&f.server.get("/t/acme/jwks").1).unwrap();
    let key =
        jsonwebtoken::DecodingKey::from_jwk(jwks.find(header["kid"].as_str().unwrap()).unwrap())
            .unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    v.set_audience(&[&issuer]);
    v.set_issuer(&[&issuer]);
    jsonwebtoken::decode::<Value>(resp.access_token().secret(), &key, &v)
        .expect("verifies with the published JWKS");
}

#[test]
fn without_scope_all_registered_scopes_and_the_tenant_alg_is_used() {
    let f = start();
    let (status, body) = token(&f, "grant_type=client_credentials");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "read write openid");
    assert_eq!(body["token_type"], "Bearer");
    let patched = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({"access_token_alg": "RS256"})),
    );
    assert_eq!(patched.status, 200);
    let (_, body) = token(&f, "grant_type=client_credentials");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap()).0["alg"],
        "RS256"
    );
    let (s, b, _) = post_form(
        &f,
        "token",
        None,
        &format!(
            "grant_type=client_credentials&client_id=svc&client_secret={}",
            f.secret
        ),
    );
    assert_eq!(
        (s, b["token_type"].as_str()),
        (200, Some("Bearer")),
        "client_secret_post works too"
    );
}

#[test]
fn client_authentication_and_grant_errors_follow_rfc_6749() {
    let f = start();
    let (s, b, www) = post_form(
        &f,
        "token",
        Some(("svc", "wrong")),
        "grant_type=client_credentials",
    );
    assert_eq!((s, b["error"].as_str()), (401, Some("invalid_client")));
    assert!(www.unwrap().starts_with("Basic"));
    let (s, b, _) = post_form(
        &f,
        "token",
        Some(("nobody", "x")),
        "grant_type=client_credentials",
    );
    assert_eq!(
        (s, b["error"].as_str()),
        (401, Some("invalid_client")),
        "unknown client looks like a wrong secret"
    );
    let (s, b) = token(&f, "grant_type=password&username=a&password=b");
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (s, b) = token(
        &f,
        "grant_type=authorization_code&code=x&redirect_uri=https%3A%2F%2Fa",
    );
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("unauthorized_client")),
        "a grant the client lacks: {b}"
    );
    let (s, b) = token(&f, "grant_type=client_credentials&scope=a&scope=b");
    assert_eq!((s, b["error"].as_str()), (400, Some("invalid_request")));
    assert!(b["error_description"].as_str().unwrap().contains("scope"));

    let json_body = f
        .server
        .post("/t/acme/token", "application/json", b"{}".to_vec());
    assert_eq!(
        json_body.status(),
        400,
        "a non-form body is invalid_request, not 415"
    );
    let body: Value =
        serde_json::from_str(&json_body.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(body["error"], "invalid_request");

    let unknown = f.server.post(
        "/t/nope/token",
        "application/x-www-form-urlencoded",
        b"grant_type=client_credentials".to_vec(),
    );
    assert_eq!(unknown.status(), 404);
    let body: Value = serde_json::from_str(&unknown.into_body().read_to_string().unwrap()).unwrap();
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("no tenant"),
        "{body}"
    );
    assert!(
        !f.server.log().contains(&f.secret),
        "the client secret never reaches the log"
    );
}

#[test]
fn introspection_and_revocation() {
    let f = start();
    let other = client(
        &f.api,
        "other",
        "client_secret_post",
        &["client_credentials"],
        &["read"],
    )
    .unwrap();
    let spa = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": "spa", "name": "SPA", "grant_types": ["authorization_code"], "response_types": ["code"],
                     "redirect_uris": ["https://spa.example/cb"], "scopes": ["openid"], "token_endpoint_auth_method": "none"})),
    );
    assert_eq!(spa.status, 201, "{:?}", spa.body);
    let (_, body) = token(&f, "grant_type=client_credentials&scope=read");
    let at = body["access_token"].as_str().unwrap().to_owned();
    let introspect = |tok: &str| {
        post_form(
            &f,
            "introspect",
            Some(("other", &other)),
            &format!("token={tok}"),
        )
        .1
    };

    let live = introspect(&at);
    assert_eq!(
        live["active"], true,
        "any confidential client of the tenant may introspect"
    );
    assert_eq!(
        (
            live["sub"].as_str(),
            live["client_id"].as_str(),
            live["scope"].as_str()
        ),
        (Some("svc"), Some("svc"), Some("read"))
    );
    assert_eq!(
        (live["token_type"].as_str(), live["iss"].as_str()),
        (
            Some("Bearer"),
            Some(format!("{}/t/acme", f.server.base).as_str())
        )
    );
    assert_eq!(introspect("garbage"), json!({"active": false}));
    let (s, b, _) = post_form(&f, "introspect", None, &format!("client_id=spa&token={at}"));
    assert_eq!(
        (s, b["error"].as_str()),
        (401, Some("invalid_client")),
        "public clients cannot introspect"
    );

    let (s, _, _) = post_form(
        &f,
        "revoke",
        Some(("other", &other)),
        &format!("token={at}"),
    );
    assert_eq!(s, 200);
    assert_eq!(
        introspect(&at)["active"],
        true,
        "another client cannot revoke it"
    );
    let (s, _, _) = post_form(
        &f,
        "revoke",
        Some(("svc", &f.secret)),
        &format!("token={at}"),
    );
    assert_eq!(s, 200);
    assert_eq!(introspect(&at), json!({"active": false}), "revoked");
    let (s, _, _) = post_form(&f, "revoke", Some(("svc", &f.secret)), "token=unknown");
    assert_eq!(s, 200, "unknown tokens answer 200 (RFC 7009)");
    let audit = f
        .api
        .call("GET", "/v2/admin/audit?kind=token.revoked", None);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);
}

#[test]
fn expired_tampered_foreign_and_wrong_type_tokens_are_refused() {
    let f = start();
    let issuer = format!("{}/t/acme", f.server.base);
    let now = latchkey::clock::Clock::system().now();
    let base = json!({"iss": issuer, "aud": issuer, "sub": "svc", "client_id": "svc", "scope": "read openid", "iat": now, "exp": now - 1, "jti": "j1", "tenant": "acme"});
    let expired = sign_as_server(&f.server.data_dir, Alg::ES256, "at+jwt", &base);
    let mut live = base.clone();
    live["exp"] = json!(now + 3600);
    let wrong_typ = sign_as_server(&f.server.data_dir, Alg::ES256, "JWT", &live);
    let mut foreign = live.clone();
    foreign["iss"] = json!(format!("{}/t/default", f.server.base));
    let foreign = sign_as_server(&f.server.data_dir, Alg::EdDSA, "at+jwt", &foreign);
    let genuine = sign_as_server(&f.server.data_dir, Alg::RS256, "at+jwt", &live);
    let mut parts: Vec<String> = genuine.split('.').map(str::to_owned).collect();
    let mut payload = live.clone();
    payload["scope"] = json!("read write openid admin");
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    let tampered = parts.join(".");

    let introspect = |tok: &str| {
        post_form(
            &f,
            "introspect",
            Some(("svc", &f.secret)),
            &format!("token={tok}"),
        )
        .1
    };
    assert_eq!(
        introspect(&genuine)["active"],
        true,
        "the control token is live"
    );
    for (name, tok) in [
        ("expired", &expired),
        ("typ JWT", &wrong_typ),
        ("other tenant", &foreign),
        ("tampered", &tampered),
    ] {
        assert_eq!(introspect(tok), json!({"active": false}), "{name}");
        let resp = f
            .server
            .agent()
            .get(format!("{issuer}/userinfo"))
            .header("authorization", format!("Bearer {tok}"))
            .call()
            .unwrap();
        assert_eq!(resp.status(), 401, "{name}");
        assert!(
            resp.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("invalid_token"),
            "{name}"
        );
    }
}

#[test]
fn userinfo_needs_a_bearer_token_for_an_account() {
    let f = start();
    let url = format!("{}/t/acme/userinfo", f.server.base);
    let none = f.server.agent().get(&url).call().unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(
        none.headers()["www-authenticate"].to_str().unwrap(),
        "Bearer realm=\"latchkey\", DPoP algs=\"RS256 PS256 ES256 EdDSA\"",
        "no credentials: both schemes are offered (RFC 9449 §7.2)"
    );
    let (_, body) = token(&f, "grant_type=client_credentials&scope=read");
    let at = body["access_token"].as_str().unwrap();
    let no_openid = f
        .server
        .agent()
        .get(&url)
        .header("authorization", format!("Bearer {at}"))
        .call()
        .unwrap();
    assert_eq!(no_openid.status(), 403);
    assert!(
        no_openid.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    let (_, body) = token(&f, "grant_type=client_credentials&scope=openid");
    let at = body["access_token"].as_str().unwrap();
    let no_account = f
        .server
        .agent()
        .get(&url)
        .header("authorization", format!("Bearer {at}"))
        .call()
        .unwrap();
    assert_eq!(
        no_account.status(),
        401,
        "a client's own token names no account"
    );
}

#[test]
fn issued_tokens_are_audited_in_folded_batches_without_the_tokens() {
    let f = start();
    let tokens: Vec<String> = (0..3)
        .map(|_| {
            let (status, body) = token(&f, "grant_type=client_credentials");
            assert_eq!(status, 200, "{body}");
            body["access_token"].as_str().unwrap().to_owned()
        })
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let events = loop {
        let audit = f.api.call("GET", "/v2/admin/audit?kind=token.issued", None);
        let items = audit.body["items"].as_array().unwrap().clone();
        let counted: u64 = items.iter().map(|e| e["count"].as_u64().unwrap_or(1)).sum();
        if counted >= 3 || std::time::Instant::now() > deadline {
            break items;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let counted: u64 = events
        .iter()
        .map(|e| e["count"].as_u64().unwrap_or(1))
        .sum();
    assert_eq!(
        counted, 3,
        "three token responses, folded into few events: {events:?}"
    );
    for e in &events {
        assert_eq!(e["kind"], "token.issued");
        assert_eq!(e["tenant"], "acme");
        assert_eq!(e["detail"], "client_credentials");
        assert_eq!(e["actor"], json!({"type": "client", "id": "svc"}), "{e}");
        let text = e.to_string();
        assert!(tokens.iter().all(|t| !text.contains(t.as_str())));
    }
}
