//! `GET /metrics`: the Prometheus text format behind an admin token (or public when
//! configured), with requests by route and status, latency histograms, tokens by grant,
//! and the store size; labels never carry values from a request.

use crate::support::api::Api;
use crate::support::server::{Options, Server};
use serde_json::json;

fn scrape(server: &Server, token: Option<&str>) -> (u16, String, Option<String>) {
    let mut req = server.agent().get(&format!("{}/metrics", server.base));
    if let Some(t) = token {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.call().unwrap();
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    if status == 200 {
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
    }
    (status, resp.body_mut().read_to_string().unwrap(), challenge)
}

#[test]
fn metrics_count_requests_and_tokens_behind_an_admin_token() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let (status, _, challenge) = scrape(&server, None);
    assert_eq!(status, 401);
    assert!(challenge.unwrap().starts_with("Bearer"));
    assert_eq!(scrape(&server, Some("lkadm_wrong")).0, 401);

    let client = api.call(
        "POST",
        "/v2/admin/tenants/default/clients",
        Some(&json!({"client_id": "svc", "name": "svc", "redirect_uris": [], "grant_types": ["client_credentials"],
                     "response_types": [], "scopes": ["reports"], "token_endpoint_auth_method": "client_secret_post"})),
    );
    let secret = client.body["client_secret"].as_str().unwrap().to_owned();
    let token = server.post(
        "/t/default/token",
        "application/x-www-form-urlencoded",
        format!("grant_type=client_credentials&client_id=svc&client_secret={secret}").into_bytes(),
    );
    assert_eq!(token.status(), 200);
    assert_eq!(server.get("/t/default/jwks").0, 200);
    assert_eq!(server.get("/t/no-such-weird-tenant/jwks").0, 404);

    let (status, text, _) = scrape(&server, Some(&server.admin_token()));
    assert_eq!(status, 200);
    for expected in [
        "# TYPE latchkey_http_requests_total counter",
        "latchkey_http_requests_total{route=\"jwks\",status=\"200\"} 1",
        "latchkey_http_requests_total{route=\"jwks\",status=\"404\"} 1",
        "latchkey_http_requests_total{route=\"metrics\",status=\"401\"} 2",
        "latchkey_http_requests_total{route=\"token\",status=\"200\"} 1",
        "latchkey_tokens_issued_total{grant=\"client_credentials\"} 1",
        "# TYPE latchkey_http_request_duration_seconds histogram",
        "latchkey_http_request_duration_seconds_count{route=\"token\"} 1",
        "latchkey_http_request_duration_seconds_bucket{route=\"token\",le=\"+Inf\"} 1",
        "# TYPE latchkey_store_size_bytes gauge",
        "latchkey_sso_sessions 0",
        "# TYPE latchkey_tls_certificate_expiry_seconds gauge",
        &format!(
            "latchkey_build_info{{version=\"{}\",commit=\"",
            env!("CARGO_PKG_VERSION")
        ),
        "# TYPE process_cpu_seconds_total counter",
        "# TYPE process_resident_memory_bytes gauge",
        "# TYPE process_open_fds gauge",
        "# TYPE process_max_fds gauge",
        "# TYPE process_start_time_seconds gauge",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` missing from:\n{text}"
        );
    }
    assert!(!text.contains("weird"), "no label carries a path value");
    assert!(!text.contains(&secret));
}

#[test]
fn metrics_can_be_public() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        tmp.path(),
        Options {
            env: vec![("LATCHKEY_METRICS_PUBLIC".into(), "true".into())],
            ..Options::default()
        },
    );
    let (status, text, _) = scrape(&server, None);
    assert_eq!(status, 200);
    assert!(text.contains("latchkey_store_size_bytes "));
}
