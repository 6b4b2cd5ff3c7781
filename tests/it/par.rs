//! Pushed authorization requests (RFC 9126): the parameters an independent relying
//! party (`openidconnect`) builds are pushed to `/t/acme/par`, and `/authorize` takes
//! the `request_uri` once, for the client that pushed it, ignoring its own query.
//! Every refusal is RFC 6749 JSON, never a redirect.

#![allow(
    clippy::disallowed_methods,
    reason = "request objects carry real times, as a client's would"
)]

use crate::oidc_code::{Fixture, REDIRECT, begin, code_from, rp_client, start};
use crate::request_objects::{p256, sign};
use crate::support::browser::{Browser, redirect_params};
use crate::support::rp;
use base64::Engine;
use openidconnect::{AuthorizationCode, OAuth2TokenResponse};
use serde_json::{Value, json};

/// A pushed request's answer: status, `Cache-Control`, JSON body.
struct Answer {
    status: u16,
    cache_control: String,
    cors: Option<String>,
    body: Value,
}

/// POSTs `pairs` to `/t/{tenant}/par` with `authorization` and `extra_headers`.
fn push_raw(
    f: &Fixture,
    tenant: &str,
    authorization: Option<&str>,
    content_type: &str,
    body: String,
    origin: Option<&str>,
) -> Answer {
    let mut req = ureq::http::Request::post(format!("{}/t/{tenant}/par", f.server.base))
        .header("content-type", content_type);
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let mut resp = f.server.agent().run(req.body(body).unwrap()).unwrap();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (cache_control, cors) = (
        header("cache-control").unwrap_or_default(),
        header("access-control-allow-origin"),
    );
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    Answer {
        status,
        cache_control,
        cors,
        body: serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
    }
}

fn basic(id: &str, secret: &str) -> String {
    let pair = format!("{id}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn form(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The query pairs of an authorization URL, as a relying party would push them.
fn pairs_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Pushes `pairs` as the confidential client `web`.
fn push(f: &Fixture, pairs: &[(String, String)]) -> Answer {
    push_raw(
        f,
        "acme",
        Some(&basic("web", &f.secret)),
        "application/x-www-form-urlencoded",
        form(pairs),
        None,
    )
}

fn authorize_url(client_id: &str, request_uri: &str, extra: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "/t/acme/authorize?client_id={client_id}&request_uri={}{extra}",
        enc(request_uri)
    )
}

#[test]
fn a_pushed_request_signs_in_once_for_its_own_client_and_the_query_beside_it_is_ignored() {
    let f = start();
    let client = rp_client(&f);
    let started = begin(&client, &["profile"]);
    let pushed = push(&f, &pairs_of(&started.url));
    assert_eq!(pushed.status, 201, "{}", pushed.body);
    assert_eq!(pushed.cache_control, "no-store");
    assert_eq!(pushed.body["expires_in"], 60);
    let request_uri = pushed.body["request_uri"].as_str().unwrap().to_owned();
    let random = request_uri
        .strip_prefix("urn:ietf:params:oauth:request_uri:")
        .expect("a URN of RFC 9126");
    assert!(random.len() >= 43, "256 random bits: {random}");

    let url = authorize_url(
        "web",
        &request_uri,
        "&state=from-the-query&redirect_uri=https%3A%2F%2Fignored.example%2Fcb&response_type=token",
    );
    let answer = Browser::new(&f.server).sign_in(&url, "alice", "correct horse battery");
    assert_eq!(answer.status, 303, "{}", answer.body);
    let code = code_from(answer.location.as_deref().unwrap(), &started.state);
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(started.verifier)
        .request(&rp::http_client(f.server.agent()))
        .expect("the relying party redeems the code of a pushed request");
    let scopes: Vec<String> = tokens
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(scopes.contains(&"profile".to_owned()), "{scopes:?}");

    let unregistered = Browser::new(&f.server).get(&url);
    assert_eq!(
        (unregistered.status, unregistered.location),
        (400, None),
        "an unregistered redirect_uri beside a spent URN is an error page"
    );
    let again =
        Browser::new(&f.server).get(&authorize_url("web", &request_uri, "&state=from-the-query"));
    let params = redirect_params(again.location.as_deref().expect("a redirect"));
    assert_eq!(params["error"], "invalid_request_uri", "single use");
    assert_eq!(params["state"], "from-the-query", "the query's state");

    let theirs = begin(&client, &[]);
    let stolen = push(&f, &pairs_of(&theirs.url));
    let stolen_uri = stolen.body["request_uri"].as_str().unwrap();
    let other = Browser::new(&f.server).get(&authorize_url("spa", stolen_uri, ""));
    let location = other.location.expect("to spa's only redirect URI");
    assert!(
        location.starts_with("http://127.0.0.1:9999/cb"),
        "{location}"
    );
    assert_eq!(redirect_params(&location)["error"], "invalid_request_uri");
    let rightful = Browser::new(&f.server).sign_in(
        &authorize_url("web", stolen_uri, ""),
        "alice",
        "correct horse battery",
    );
    code_from(
        rightful.location.as_deref().expect("a redirect"),
        &theirs.state,
    );
}

/// A refused push: why, its Authorization, content type and body, and the status and
/// error it gets.
type Case<'a> = (&'a str, Option<String>, &'a str, String, u16, &'a str);

#[test]
fn every_refused_push_is_json_and_the_server_keeps_serving() {
    let f = start();
    let client = rp_client(&f);
    let good = pairs_of(&begin(&client, &[]).url);
    let with = |name: &str, value: &str| {
        let mut pairs: Vec<(String, String)> =
            good.iter().filter(|(k, _)| k != name).cloned().collect();
        pairs.push((name.to_owned(), value.to_owned()));
        pairs
    };
    let form_type = "application/x-www-form-urlencoded";
    let web = basic("web", &f.secret);
    let cases: Vec<Case> = vec![
        (
            "a wrong secret",
            Some(basic("web", "nope")),
            form_type,
            form(&good),
            401,
            "invalid_client",
        ),
        (
            "no client at all",
            None,
            form_type,
            form(&with("client_id", "")),
            401,
            "invalid_client",
        ),
        (
            "a request_uri",
            Some(web.clone()),
            form_type,
            form(&with(
                "request_uri",
                "urn:ietf:params:oauth:request_uri:abc",
            )),
            400,
            "invalid_request",
        ),
        (
            "an unregistered redirect URI",
            Some(web.clone()),
            form_type,
            form(&with("redirect_uri", "https://evil.example/cb")),
            400,
            "invalid_request",
        ),
        (
            "a response type it did not register",
            Some(web.clone()),
            form_type,
            form(&with("response_type", "token")),
            400,
            "unauthorized_client",
        ),
        (
            "a request object without registered keys",
            Some(web.clone()),
            form_type,
            form(&with("request", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln")),
            400,
            "invalid_request",
        ),
        (
            "a JSON body",
            Some(web.clone()),
            "application/json",
            "{}".into(),
            400,
            "invalid_request",
        ),
        (
            "bad UTF-8",
            Some(web.clone()),
            form_type,
            "state=%FF".into(),
            400,
            "invalid_request",
        ),
        (
            "a repeated parameter",
            Some(web.clone()),
            form_type,
            format!("{}&state=again", form(&good)),
            400,
            "invalid_request",
        ),
    ];
    for (why, auth, content_type, body, status, error) in cases {
        let answer = push_raw(&f, "acme", auth.as_deref(), content_type, body, None);
        assert_eq!(
            (answer.status, answer.body["error"].as_str()),
            (status, Some(error)),
            "{why}: {}",
            answer.body
        );
        assert!(
            answer.body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{why}"
        );
    }
    let unknown = push_raw(&f, "nope", Some(&web), form_type, form(&good), None);
    assert_eq!(
        (unknown.status, unknown.body["error"].as_str()),
        (404, Some("invalid_request"))
    );
    let still = push(&f, &good);
    assert_eq!(
        still.status, 201,
        "the server keeps serving: {}",
        still.body
    );
}

#[test]
fn a_client_that_must_push_is_refused_without_and_served_with_a_pushed_request() {
    let f = start();
    let patched = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme/clients/web",
        Some(&json!({"require_pushed_authorization_requests": true})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["require_pushed_authorization_requests"], true);
    let client = rp_client(&f);
    let plain = begin(&client, &[]);
    let refused = Browser::new(&f.server).get(&plain.url);
    let params = redirect_params(refused.location.as_deref().expect("a redirect"));
    assert_eq!(params["error"], "invalid_request");
    assert_eq!(params["state"], *plain.state.secret());

    let pushed = push(&f, &pairs_of(&plain.url));
    let url = authorize_url("web", pushed.body["request_uri"].as_str().unwrap(), "");
    let answer = Browser::new(&f.server).sign_in(&url, "alice", "correct horse battery");
    code_from(answer.location.as_deref().unwrap(), &plain.state);

    let bad = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme/clients/web",
        Some(&json!({"require_pushed_authorization_requests": "yes"})),
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        bad.body
            .to_string()
            .contains("require_pushed_authorization_requests"),
        "{}",
        bad.body
    );

    let (_, body) = f.server.get("/t/acme/.well-known/openid-configuration");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        doc["pushed_authorization_request_endpoint"],
        format!("{}/t/acme/par", f.server.base)
    );
    assert_eq!(doc["require_pushed_authorization_requests"], false);
}

#[test]
fn a_pushed_request_object_must_name_the_authenticated_client() {
    let f = start();
    let (pkcs8, jwk) = p256("rp-1");
    let patched = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme/clients/web",
        Some(&json!({"jwks": {"keys": [jwk]}, "allowed_origins": ["https://app.example"]})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let issuer = format!("{}/t/acme", f.server.base);
    let claims = |client_id: &str| {
        json!({"iss": client_id, "aud": issuer, "exp": now + 300, "client_id": client_id,
               "response_type": "code", "scope": "openid", "redirect_uri": REDIRECT,
               "state": "from-the-object", "nonce": "n"})
    };
    let pushed_with = |object: String| {
        push_raw(
            &f,
            "acme",
            Some(&basic("web", &f.secret)),
            "application/x-www-form-urlencoded",
            form(&[("request".to_owned(), object)]),
            Some("https://app.example"),
        )
    };
    let other = pushed_with(sign(&pkcs8, "rp-1", None, &claims("spa")));
    assert_eq!(
        (other.status, other.body["error"].as_str()),
        (400, Some("invalid_request_object")),
        "{}",
        other.body
    );
    assert_eq!(
        other.cors.as_deref(),
        Some("https://app.example"),
        "CORS on errors too"
    );
    let pushed = pushed_with(sign(
        &pkcs8,
        "rp-1",
        Some("oauth-authz-req+jwt"),
        &claims("web"),
    ));
    assert_eq!(pushed.status, 201, "{}", pushed.body);
    assert_eq!(pushed.cors.as_deref(), Some("https://app.example"));
    let url = authorize_url("web", pushed.body["request_uri"].as_str().unwrap(), "");
    let answer = Browser::new(&f.server).sign_in(&url, "alice", "correct horse battery");
    let params = redirect_params(answer.location.as_deref().unwrap());
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(params["state"], "from-the-object");
    assert_eq!(params["iss"], issuer);
}
