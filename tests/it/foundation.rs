//! First start, discovery, JWKS, health, and what survives a restart.

use crate::support::rp;
use crate::support::server::Server;
use jsonwebtoken::{DecodingKey, Validation};
use latchkey::types::Alg;
use openidconnect::JsonWebKey;
use openidconnect::core::CoreJsonWebKey;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[test]
fn discovery_and_jwks_are_valid_for_an_independent_relying_party() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let issuer = format!("{}/t/default", server.base);
    let meta = rp::discover(server.agent(), &issuer);
    assert_eq!(meta.issuer().as_str(), issuer);
    assert_eq!(meta.jwks_uri().as_str(), format!("{issuer}/jwks"));
    assert_eq!(
        meta.token_endpoint().unwrap().as_str(),
        format!("{issuer}/token")
    );
    let kids: Vec<String> = meta
        .jwks()
        .keys()
        .iter()
        .map(|k| k.key_id().unwrap().to_string())
        .collect();
    assert_eq!(kids.len(), 3, "one key per algorithm: {kids:?}");

    let (status, body) = server.get("/t/default/.well-known/openid-configuration");
    assert_eq!(status, 200);
    let doc = json(&body);
    for (field, value) in [
        ("subject_types_supported", serde_json::json!(["public"])),
        (
            "code_challenge_methods_supported",
            serde_json::json!(["S256"]),
        ),
        (
            "id_token_signing_alg_values_supported",
            serde_json::json!(["RS256", "ES256", "EdDSA"]),
        ),
    ] {
        assert_eq!(doc[field], value, "{field}");
    }
    for endpoint in [
        "end_session_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
        "userinfo_endpoint",
    ] {
        assert!(
            doc[endpoint].as_str().unwrap().starts_with(&issuer),
            "{endpoint}"
        );
    }
    let grants = doc["grant_types_supported"].as_array().unwrap();
    assert_eq!(grants.len(), 5);
    assert!(grants.contains(&Value::from(
        "urn:ietf:params:oauth:grant-type:token-exchange"
    )));
}

/// Signs a token with each stored key (through the appliance's own key loading) and
/// checks that an independent library verifies it with the JWKS the server published.
#[test]
fn every_published_key_verifies_what_the_appliance_signs() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let (_, jwks_body) = server.get("/t/default/jwks");
    assert_eq!(server.stop().code(), Some(0));

    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&jwks_body).unwrap();
    let dir = latchkey::datadir::DataDir::open(tmp.path()).unwrap();
    let store = latchkey::store::Store::open(&dir.store_path(), 500).unwrap();
    let keys = latchkey::admin::keys::load_key_set(&store, &dir.master_key().unwrap()).unwrap();
    for alg in Alg::ALL {
        let signer = keys.signer(alg).unwrap();
        let token = signer
            .sign_compact(Some("JWT"), br#"{"sub":"probe","aud":"x"}"#)
            .unwrap();
        let jwk = jwks
            .find(signer.kid())
            .unwrap_or_else(|| panic!("{alg:?} key not in JWKS"));
        let mut validation = Validation::new(alg_name(alg));
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_aud = false;
        let decoded = jsonwebtoken::decode::<Value>(
            &token,
            &DecodingKey::from_jwk(jwk).unwrap(),
            &validation,
        )
        .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(decoded.claims["sub"], "probe");
    }
}

fn alg_name(alg: Alg) -> jsonwebtoken::Algorithm {
    match alg {
        Alg::RS256 => jsonwebtoken::Algorithm::RS256,
        Alg::ES256 => jsonwebtoken::Algorithm::ES256,
        Alg::EdDSA => jsonwebtoken::Algorithm::EdDSA,
    }
}

#[test]
fn jwks_keys_are_well_formed_with_thumbprint_kids() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let (status, body) = server.get("/t/default/jwks");
    assert_eq!(status, 200);
    let set: openidconnect::core::CoreJsonWebKeySet = serde_json::from_str(&body).unwrap();
    for key in set.keys() {
        let k: &CoreJsonWebKey = key;
        assert!(k.key_id().is_some());
    }
    let raw = json(&body);
    for key in raw["keys"].as_array().unwrap() {
        assert_eq!(key["use"], "sig");
        assert!(
            key.get("d").is_none() && key.get("p").is_none(),
            "no private members: {key}"
        );
    }
}

#[test]
fn unknown_tenant_is_404_problem_json_and_health_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    for path in [
        "/t/nope/jwks",
        "/t/nope/.well-known/openid-configuration",
        "/t/Bad_Slug/jwks",
    ] {
        let resp = server
            .agent()
            .get(&format!("{}{path}", server.base))
            .call()
            .unwrap();
        assert_eq!(resp.status(), 404, "{path}");
        let ct = resp
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(ct, "application/problem+json", "{path}");
        let body = json(&resp.into_body().read_to_string().unwrap());
        assert_eq!(body["status"], 404);
        assert!(
            body["detail"].as_str().unwrap().contains("no tenant"),
            "{body}"
        );
    }
    assert_eq!(json(&server.get("/healthz").1)["status"], "ok");
    assert_eq!(json(&server.get("/readyz").1)["status"], "ready");
    let (status, body) = server.get("/no/such/path");
    assert_eq!((status, json(&body)["status"].as_u64()), (404, Some(404)));
}

#[test]
fn first_start_writes_a_private_admin_token_and_never_logs_it() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let token = server.admin_token();
    assert!(token.starts_with("lkadm_") && token.len() > 40, "{token}");
    let mode = std::fs::metadata(tmp.path().join("admin-token"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let log = server.wait_for_log("admin-token");
    assert!(!log.contains(&token), "the log must not contain the token");
}

#[test]
fn a_restart_keeps_keys_certificate_admin_token_and_tenant() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let (_, jwks_before) = server.get("/t/default/jwks");
    let token_before = server.admin_token();
    let cert_before = std::fs::read(tmp.path().join("tls/cert.pem")).unwrap();
    assert_eq!(server.stop().code(), Some(0));

    let server = Server::start(tmp.path());
    let (status, jwks_after) = server.get("/t/default/jwks");
    assert_eq!(status, 200, "tenant default still exists");
    assert_eq!(json(&jwks_after), json(&jwks_before));
    assert_eq!(server.admin_token(), token_before);
    assert_eq!(
        std::fs::read(tmp.path().join("tls/cert.pem")).unwrap(),
        cert_before
    );
    assert!(
        !server.log().contains("generated a self-signed"),
        "certificate not regenerated"
    );
}

#[test]
fn request_log_has_method_path_status_and_no_query() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let (status, _) = server.get("/t/default/jwks?code=SECRETCODE123");
    assert_eq!(status, 200);
    let server_log = server.wait_for_log("GET /t/default/jwks 200");
    let line = server_log
        .lines()
        .find(|l| l.contains("GET /t/default/jwks 200"))
        .unwrap_or_else(|| panic!("no request line in:\n{server_log}"));
    assert!(line.contains("ms"), "{line}");
    assert!(
        !server_log.contains("SECRETCODE123"),
        "query strings are never logged"
    );
}

#[test]
fn json_logs_are_one_object_per_line_with_the_request_as_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        tmp.path(),
        crate::support::server::Options {
            env: vec![("LATCHKEY_LOG_FORMAT".into(), "json".into())],
            ..Default::default()
        },
    );
    assert_eq!(server.get("/healthz?secret=hidden").0, 200);
    let log = server.wait_for_log("\"path\":\"/healthz\"");
    let mut request = None;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
        if v["path"] == "/healthz" {
            request = Some(v);
        }
    }
    let request = request.unwrap();
    assert_eq!(request["method"], "GET");
    assert_eq!(request["status"], 200);
    assert!(request["ms"].is_number() && request["req"].as_str().is_some_and(|r| r.len() == 16));
    assert_eq!(request["addr"], "127.0.0.1");
    assert_eq!(
        (request["tenant"].as_str(), request["client"].as_str()),
        (Some("-"), Some("-"))
    );
    assert!(!log.contains("hidden"), "the query is never logged");
    assert!(log.contains("\"message\":\"listening on"), "{log}");
}

#[test]
fn version_names_the_commit_and_build_date_and_serve_says_what_it_serves() {
    let (code, stdout, _) = crate::support::server::run(&["--version"], &[]);
    assert_eq!(code, 0);
    let line = stdout.trim();
    let rest = line
        .strip_prefix(&format!("latchkey {} (commit ", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("{line}"));
    let (commit, date) = rest
        .split_once(", built ")
        .unwrap_or_else(|| panic!("{line}"));
    let git = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .unwrap();
    let head = String::from_utf8(git.stdout).unwrap();
    assert_eq!(commit, head.trim(), "the commit the binary was built from");
    let date = date.trim_end_matches(')');
    assert!(
        date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-',
        "{date}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let log = server.wait_for_log("starting: public URL");
    assert!(
        log.contains(&format!("latchkey {} (commit", env!("CARGO_PKG_VERSION")))
            && log.contains(&format!("public URL {}", server.base))
            && log.contains("data dir ")
            && log.contains("config file none"),
        "{log}"
    );
}

/// Each request line names the client address, the tenant, the client and the request
/// id, which the answer carries as `X-Request-Id` and an error page shows; a trusted
/// proxy's own id is kept, anyone else's is not.
#[test]
fn request_lines_carry_address_tenant_client_and_the_request_id() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        tmp.path(),
        crate::support::server::Options {
            env: vec![("LATCHKEY_TRUSTED_PROXIES".into(), "127.0.0.1".into())],
            ..Default::default()
        },
    );
    let send = |path: &str, headers: &[(&str, &str)]| {
        let mut req = ureq::http::Request::get(format!("{}{path}", server.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut resp = server.agent().run(req.body(()).unwrap()).unwrap();
        let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        (id, resp.body_mut().read_to_string().unwrap())
    };
    let (kept, _) = send(
        "/t/default/jwks",
        &[
            ("x-request-id", "edge-7.a"),
            ("x-forwarded-for", "203.0.113.9"),
        ],
    );
    assert_eq!(kept, "edge-7.a", "a trusted proxy's id is kept");
    let line = server.wait_for_log("req=edge-7.a");
    let line = line.lines().find(|l| l.contains("req=edge-7.a")).unwrap();
    assert!(
        line.contains("addr=203.0.113.9") && line.contains("tenant=default"),
        "{line}"
    );
    let (made, _) = send("/t/default/jwks", &[("x-request-id", "bad id!")]);
    assert!(made.len() == 16 && made != "bad id!", "{made}");

    let (id, page) = send(
        "/t/default/authorize?client_id=nobody&response_type=code",
        &[],
    );
    assert!(
        page.contains(&id),
        "the error page shows the reference: {page}"
    );
    let log = server.wait_for_log(&format!("req={id}"));
    let line = log
        .lines()
        .find(|l| l.contains(&format!("req={id}")))
        .unwrap();
    assert!(
        line.contains("client=nobody") && line.contains(" 400 "),
        "{line}"
    );
}
