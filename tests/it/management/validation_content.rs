//! Content type (415) and body size (413).

use super::{INTROSPECTION, UPSTREAM, assert_problem, items, ok, start};
use crate::support::server::Server;
use crate::support::tls_client::connect;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------------------------------
// Content type and size

/// Sends only the head of a request declaring `len` bytes of JSON, then reads the answer:
/// (status, content type, body). Sending the body too would race the server's early 413
/// and its closing of the connection (the client can get EPIPE instead of the answer).
fn declared_too_large(
    server: &Server,
    method: &str,
    path: &str,
    len: usize,
) -> (u16, String, String) {
    declared_too_large_as(server, &server.admin_token(), method, path, len)
}

/// [`declared_too_large`] with the bearer `token` (a SCIM token, say).
pub(crate) fn declared_too_large_as(
    server: &Server,
    token: &str,
    method: &str,
    path: &str,
    len: usize,
) -> (u16, String, String) {
    declared_too_large_typed(server, token, method, path, "application/json", len)
}

/// [`declared_too_large_as`] declaring `content_type` (an import's CSV, say).
pub(crate) fn declared_too_large_typed(
    server: &Server,
    token: &str,
    method: &str,
    path: &str,
    content_type: &str,
    len: usize,
) -> (u16, String, String) {
    let cert = server.data_dir.join("tls/cert.pem");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let raw = rt.block_on(async {
        let mut stream = connect(
            server.addr,
            &cert,
            &[b"http/1.1"],
            &[&rustls::version::TLS13],
        )
        .await
        .unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {token}\r\n\
             content-type: {content_type}\r\ncontent-length: {len}\r\nconnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.flush().await.unwrap();
        let mut raw = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), async {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..n]);
                if response_complete(&raw) {
                    break;
                }
            }
        })
        .await;
        assert!(read.is_ok(), "no answer before the body was sent");
        String::from_utf8_lossy(&raw).into_owned()
    });
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {raw:?}"));
    let content_type = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    (status, content_type, body.to_owned())
}

/// True once `raw` holds a whole response: headers and `Content-Length` bytes of body.
/// The server may keep draining the request for a while, so EOF is not awaited.
fn response_complete(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    length.is_some_and(|n| body.len() >= n)
}

#[test]
fn wrong_content_type_is_415_and_a_large_body_413() {
    let (_tmp, server, api) = start();
    let tenant_before = ok(&api, "GET", "/v2/admin/tenants/default", None);
    let account = br#"{"username":"alice"}"#.to_vec();
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/xml"),
        None,
    ] {
        let reply = api.raw("POST", "/v2/admin/accounts", ct, account.clone());
        assert_problem(&reply, 415, &format!("content type {ct:?}"));
    }
    let reply = api.raw(
        "PUT",
        INTROSPECTION,
        Some("application/x-www-form-urlencoded"),
        b"url=https%3A%2F%2Fidp.example&client_id=a&client_secret=b".to_vec(),
    );
    assert_problem(&reply, 415, "form body for introspection");
    let reply = api.raw(
        "PATCH",
        "/v2/admin/tenants/default",
        Some("text/json"),
        br#"{"display_name":"Changed"}"#.to_vec(),
    );
    assert_problem(&reply, 415, "PATCH tenant as text/json");

    // The declared length alone must be refused: the body is never sent, so the answer
    // cannot race a half-written upload (see `declared_too_large`).
    for (method, path) in [("POST", "/v2/admin/accounts"), ("PUT", UPSTREAM)] {
        let (status, content_type, body) = declared_too_large(&server, method, path, 70 * 1024);
        assert_eq!(status, 413, "{method} {path} declaring 70 KiB: {body}");
        assert_eq!(content_type, "application/problem+json", "{method} {path}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["status"], 413, "{body}");
    }

    let reply = api.raw(
        "POST",
        "/v2/admin/accounts",
        Some("application/json"),
        br#"{"username": "alice""#.to_vec(),
    );
    assert_problem(&reply, 400, "malformed JSON");
    let reply = api.raw(
        "POST",
        "/v2/admin/accounts",
        Some("application/json"),
        b"{\"username\": \"al\xffce\"}".to_vec(),
    );
    assert_problem(&reply, 400, "bad UTF-8");

    assert_eq!(
        items(&api, "/v2/admin/accounts").len(),
        0,
        "nothing was created"
    );
    assert_problem(
        &api.call("GET", INTROSPECTION, None),
        404,
        "no introspection",
    );
    assert_problem(&api.call("GET", UPSTREAM, None), 404, "no upstream");
    assert_eq!(
        ok(&api, "GET", "/v2/admin/tenants/default", None),
        tenant_before
    );

    let reply = api.raw(
        "POST",
        "/v2/admin/accounts",
        Some("Application/JSON; charset=utf-8"),
        account,
    );
    assert_eq!(
        reply.status, 201,
        "parameters and case do not matter: {}",
        reply.body
    );
    let just_under = "y".repeat(60 * 1024);
    let reply = api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": "roomy", "name": just_under})),
    );
    assert_ne!(reply.status, 413, "60 KiB is under the limit");
}
