//! CORS for browser apps (SPEC "Modern clients"): a page in a real Chromium, served from
//! a second origin, reads discovery, redeems a code at the token endpoint and calls
//! userinfo (a preflighted request) when its client lists that origin; from an unlisted
//! origin the browser withholds the token endpoint's answer. Preflights and headers are
//! also checked on the wire.

use crate::oidc_code::start;
use crate::support::browser::{Browser, redirect_params};
use crate::support::webdriver::{Chrome, screenshot_dir};
use openidconnect::PkceCodeChallenge;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpListener;

/// Serves one tiny page on a loopback port of its own: a second origin for the browser.
fn page_origin() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = "<!doctype html><title>spa</title><p>spa";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    origin
}

/// Fetches from the page: discovery, then the code at the token endpoint, then userinfo
/// with the access token; each step's outcome (the JSON read, or the browser's error).
const SCRIPT: &str = r#"
const [base, code, verifier, done] = [arguments[0], arguments[1], arguments[2], arguments[arguments.length - 1]];
const out = {};
const step = async (name, run) => { try { out[name] = await run(); } catch (e) { out[name] = {blocked: String(e)}; } };
(async () => {
  await step("discovery", async () => (await fetch(base + "/.well-known/openid-configuration")).json());
  await step("token", async () => (await fetch(base + "/token", {method: "POST",
    headers: {"Content-Type": "application/x-www-form-urlencoded"},
    body: new URLSearchParams({grant_type: "authorization_code", code, client_id: "spa",
      redirect_uri: "http://127.0.0.1:9999/cb", code_verifier: verifier})})).json());
  const at = out.token && out.token.access_token;
  await step("userinfo", async () => {
    const r = await fetch(base + "/userinfo", {headers: {Authorization: "Bearer " + (at || "none")}});
    return {status: r.status, body: await r.json(), challenge: r.headers.get("WWW-Authenticate")};
  });
  done(out);
})();
"#;

/// A fresh code for the public client `spa`, with its PKCE verifier.
fn spa_code(f: &crate::oidc_code::Fixture) -> (String, String) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let url = format!(
        "/t/acme/authorize?response_type=code&client_id=spa&redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcb&scope=openid&state=s1&code_challenge={}&code_challenge_method=S256",
        challenge.as_str()
    );
    let answer = Browser::new(&f.server).sign_in(&url, "alice", "correct horse battery");
    let code = redirect_params(answer.location.as_deref().unwrap())["code"].clone();
    (code, verifier.secret().clone())
}

#[test]
fn a_browser_app_on_a_listed_origin_reads_discovery_token_and_userinfo_and_others_cannot() {
    let f = start();
    let (listed, unlisted) = (page_origin(), page_origin());
    let patched = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme/clients/spa",
        Some(&json!({"allowed_origins": [listed]})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    let base = format!("{}/t/acme", f.server.base);
    let chrome = Chrome::start(&screenshot_dir());

    let (code, verifier) = spa_code(&f);
    chrome.go(&listed);
    let out: Value = chrome.run_async(SCRIPT, &[json!(base), json!(code), json!(verifier)]);
    assert_eq!(out["discovery"]["issuer"], json!(base), "{out}");
    assert_eq!(out["token"]["token_type"], "Bearer", "{out}");
    assert_eq!(out["userinfo"]["status"], 200, "{out}");
    assert_eq!(out["userinfo"]["body"]["sub"], json!(f.alice), "{out}");

    let (code, verifier) = spa_code(&f);
    chrome.go(&unlisted);
    let out: Value = chrome.run_async(SCRIPT, &[json!(base), json!(code), json!(verifier)]);
    assert_eq!(
        out["discovery"]["issuer"],
        json!(base),
        "discovery answers any origin: {out}"
    );
    assert!(
        out["token"]["blocked"].is_string(),
        "the browser withholds the token answer from an unlisted origin: {out}"
    );
    assert!(
        out["userinfo"]["blocked"].is_string(),
        "and refuses the userinfo preflight: {out}"
    );
}

/// One request with an `Origin`: status, the headers CORS cares about, and the body.
fn ask(
    f: &crate::oidc_code::Fixture,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, std::collections::BTreeMap<String, String>, String) {
    let mut req = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", f.server.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = f
        .server
        .agent()
        .run(req.body(body.as_bytes().to_vec()).unwrap())
        .unwrap();
    let seen = resp
        .headers()
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("access-control-") || k.as_str() == "vary")
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let status = resp.status().as_u16();
    (
        status,
        seen,
        resp.body_mut().read_to_string().unwrap_or_default(),
    )
}

fn cors_headers(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn cors_headers_go_only_to_origins_the_named_client_lists_and_never_allow_credentials() {
    let f = start();
    let spa = "https://spa.example";
    let patched = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme/clients/spa",
        Some(&json!({"allowed_origins": [spa]})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    let form = [
        ("origin", spa),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let listed = cors_headers(&[
        ("access-control-allow-origin", spa),
        (
            "access-control-expose-headers",
            "WWW-Authenticate, DPoP-Nonce",
        ),
        ("vary", "Origin"),
    ]);
    let vary_only = cors_headers(&[("vary", "Origin")]);

    let (status, seen, _) = ask(
        &f,
        "GET",
        "/t/acme/.well-known/openid-configuration",
        &[("origin", "https://any.example")],
        "",
    );
    assert_eq!(
        (status, seen),
        (200, cors_headers(&[("access-control-allow-origin", "*")])),
        "discovery: any origin"
    );
    let (_, seen, _) = ask(
        &f,
        "GET",
        "/t/acme/jwks",
        &[("origin", "https://any.example")],
        "",
    );
    assert_eq!(
        seen,
        cors_headers(&[("access-control-allow-origin", "*")]),
        "JWKS: any origin"
    );

    let redeem = "grant_type=authorization_code&code=nope&client_id=spa&redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcb&code_verifier=x";
    let (status, seen, body) = ask(&f, "POST", "/t/acme/token", &form, redeem);
    assert_eq!(
        (status, &seen),
        (400, &listed),
        "an error is readable too: {body}"
    );
    assert!(body.contains("invalid_grant"), "{body}");
    let other = [("origin", "https://evil.example"), form[1]];
    let (_, seen, _) = ask(&f, "POST", "/t/acme/token", &other, redeem);
    assert_eq!(seen, vary_only, "an unlisted origin gets no CORS headers");
    let as_web = "grant_type=client_credentials&client_id=web&client_secret=wrong";
    let (status, seen, _) = ask(&f, "POST", "/t/acme/token", &form, as_web);
    assert_eq!(
        (status, seen),
        (401, vary_only.clone()),
        "`web` does not list the origin"
    );
    let (_, seen, _) = ask(
        &f,
        "POST",
        "/t/acme/token",
        &form,
        "grant_type=client_credentials",
    );
    assert_eq!(
        seen, listed,
        "no client named: any client of the tenant that lists it"
    );
    let (_, seen, _) = ask(&f, "POST", "/t/acme/revoke", &form, "token=x&client_id=spa");
    assert_eq!(seen, listed, "revocation");
    let (status, seen, _) = ask(
        &f,
        "GET",
        "/t/acme/userinfo",
        &[("origin", spa), ("authorization", "Bearer not-a-token")],
        "",
    );
    assert_eq!(
        (status, seen),
        (401, listed.clone()),
        "userinfo's challenge is readable"
    );
    let (_, seen, _) = ask(
        &f,
        "POST",
        "/t/acme/introspect",
        &form,
        "token=x&client_id=spa",
    );
    assert!(
        seen.is_empty(),
        "introspection sends no CORS headers: {seen:?}"
    );
    let (_, seen, _) = ask(&f, "POST", "/t/nope/token", &form, redeem);
    assert_eq!(seen, vary_only, "an unknown tenant lists nothing");

    let preflight = [
        ("origin", spa),
        ("access-control-request-method", "POST"),
        ("access-control-request-headers", "authorization, dpop"),
    ];
    let allowed = cors_headers(&[
        ("access-control-allow-origin", spa),
        ("access-control-allow-methods", "GET, POST"),
        (
            "access-control-allow-headers",
            "Authorization, Content-Type, DPoP",
        ),
        ("access-control-max-age", "600"),
        ("vary", "Origin"),
    ]);
    for path in ["/t/acme/token", "/t/acme/userinfo", "/t/acme/revoke"] {
        let (status, seen, _) = ask(&f, "OPTIONS", path, &preflight, "");
        assert_eq!((status, seen), (204, allowed.clone()), "{path}");
    }
    let evil = [("origin", "https://evil.example"), preflight[1]];
    let (status, seen, _) = ask(&f, "OPTIONS", "/t/acme/token", &evil, "");
    assert_eq!(
        (status, seen.get("access-control-allow-origin")),
        (403, None)
    );
    let (status, seen, _) = ask(&f, "OPTIONS", "/t/acme/introspect", &preflight, "");
    assert_eq!(
        (status, seen.get("access-control-allow-origin")),
        (403, None),
        "not for introspection"
    );
    let (status, _, _) = ask(&f, "OPTIONS", "/t/nope/token", &preflight, "");
    assert_eq!(status, 403, "nor for an unknown tenant");
}
