//! Listener limits: the connection cap answers 503 past it, one address cannot take
//! every slot, quiet connections are closed, oversized heads get 431, each route has
//! its body limit, and a flood of password hashing leaves the other endpoints answering.

use crate::support::api::Api;
use crate::support::server::{Options, Server};
use crate::support::tls_client::{
    connect_http1, connect_http1_from, round_trip, runtime, tcp_from,
};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nhost: latchkey\r\n\r\n";

fn start_with_env(tmp: &tempfile::TempDir, env: &[(&str, &str)]) -> Server {
    Server::start_with(
        tmp.path(),
        Options {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Options::default()
        },
    )
}

/// Asserts that the server ends `conn` within `secs` (EOF or a reset), sending nothing.
async fn assert_closed_within(
    conn: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    secs: u64,
    why: &str,
) {
    use tokio::io::AsyncReadExt;
    let mut byte = [0u8; 1];
    let ended = tokio::time::timeout(Duration::from_secs(secs), conn.read(&mut byte))
        .await
        .unwrap_or_else(|_| panic!("{why}"));
    assert!(
        matches!(ended, Ok(0) | Err(_)),
        "the stream ended instead of sending {ended:?}"
    );
}

/// Polls `/healthz` on new connections until one is served (bounded).
async fn healthz_until_served(server: &Server) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = round_trip(&mut connect_http1(server).await, HEALTHZ).await;
        if answer.starts_with("HTTP/1.1 200") || Instant::now() > deadline {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn connections_past_the_cap_are_told_503_and_served_again_once_one_closes() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start_with_env(&tmp, &[("LATCHKEY_LIMITS_MAX_CONNECTIONS", "2")]);
    runtime().block_on(async {
        let mut first = connect_http1(&server).await;
        let mut second = connect_http1(&server).await;
        assert!(
            round_trip(&mut first, HEALTHZ)
                .await
                .starts_with("HTTP/1.1 200")
        );
        assert!(
            round_trip(&mut second, HEALTHZ)
                .await
                .starts_with("HTTP/1.1 200")
        );

        let refused = round_trip(&mut connect_http1(&server).await, HEALTHZ).await;
        assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
        let lower = refused.to_ascii_lowercase();
        assert!(lower.contains("retry-after: 1\r\n"), "{refused}");
        assert!(lower.contains("content-type: application/problem+json"));
        assert!(
            refused.contains("limit of 2 open connections ([limits] max_connections)"),
            "{refused}"
        );

        drop(first);
        assert!(
            healthz_until_served(&server)
                .await
                .starts_with("HTTP/1.1 200"),
            "a closed connection frees its slot"
        );
        drop(second);
    });
    let (status, metrics) = server_metrics(&server);
    assert_eq!(status, 200);
    let refused: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("latchkey_connections_refused_total "))
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(refused >= 1, "{metrics}");
}

fn server_metrics(server: &Server) -> (u16, String) {
    let mut resp = server
        .agent()
        .get(&format!("{}/metrics", server.base))
        .header("authorization", &format!("Bearer {}", server.admin_token()))
        .call()
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap())
}

#[test]
fn a_quiet_connection_is_closed_after_the_idle_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start_with_env(&tmp, &[("LATCHKEY_LIMITS_IDLE_TIMEOUT_SECS", "1")]);
    runtime().block_on(async {
        let mut conn = connect_http1(&server).await;
        assert!(
            round_trip(&mut conn, HEALTHZ)
                .await
                .starts_with("HTTP/1.1 200")
        );
        assert_closed_within(&mut conn, 30, "the server closes a quiet connection").await;
    });
}

#[test]
fn an_oversized_request_head_gets_431_and_the_server_keeps_serving() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start_with_env(&tmp, &[]);
    runtime().block_on(async {
        let big = format!(
            "GET /healthz HTTP/1.1\r\nhost: latchkey\r\nx-filler: {}\r\n\r\n",
            "a".repeat(20 * 1024)
        );
        let answer = round_trip(&mut connect_http1(&server).await, big.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
        let fits = format!(
            "GET /healthz HTTP/1.1\r\nhost: latchkey\r\nx-filler: {}\r\n\r\n",
            "a".repeat(8 * 1024)
        );
        let answer = round_trip(&mut connect_http1(&server).await, fits.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    });
}

#[test]
fn small_form_endpoints_refuse_bodies_over_16_kib_and_the_others_over_64() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start_with_env(&tmp, &[]);
    let api = Api::new(&server);
    let tenant = json!({"id": "acme", "display_name": "Acme"});
    assert_eq!(
        api.call("POST", "/v2/admin/tenants", Some(&tenant)).status,
        201
    );
    let form = |size: usize| format!("token={}", "a".repeat(size)).into_bytes();
    let form_type = "application/x-www-form-urlencoded";

    let mut resp = server.post("/t/acme/introspect", form_type, form(20 * 1024));
    assert_eq!(resp.status(), 413);
    let text = resp.body_mut().read_to_string().unwrap();
    assert!(text.contains("larger than 16384 bytes"), "{text}");

    let mut resp = server.post("/t/acme/token", form_type, form(20 * 1024));
    let text = resp.body_mut().read_to_string().unwrap();
    assert_eq!(
        resp.status(),
        401,
        "the token endpoint reads 20 KiB and answers on its content: {text}"
    );
    assert!(text.contains("invalid_client"), "{text}");

    let mut resp = server.post("/t/acme/token", form_type, form(70 * 1024));
    assert_eq!(resp.status(), 413);
    let text = resp.body_mut().read_to_string().unwrap();
    assert!(text.contains("larger than 65536 bytes"), "{text}");
}

#[test]
fn a_password_hashing_flood_leaves_the_other_endpoints_answering() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Arc::new(start_with_env(&tmp, &[]));
    let api = Api::new(&server);
    let tenant = json!({"id": "acme", "display_name": "Acme"});
    assert_eq!(
        api.call("POST", "/v2/admin/tenants", Some(&tenant)).status,
        201
    );

    let flooding = Arc::new(AtomicBool::new(true));
    let created = Arc::new(AtomicUsize::new(0));
    let flood: Vec<_> = (0..8)
        .map(|t| {
            let (server, flooding, created) =
                (Arc::clone(&server), Arc::clone(&flooding), Arc::clone(&created));
            std::thread::spawn(move || {
                let api = Api::new(&server);
                let deadline = Instant::now() + Duration::from_secs(120);
                let mut n = 0;
                while flooding.load(Ordering::SeqCst) && Instant::now() < deadline {
                    let account = json!({"username": format!("flood-{t}-{n}"), "password": "a long enough password"});
                    assert_eq!(api.call("POST", "/v2/admin/accounts", Some(&account)).status, 201);
                    created.fetch_add(1, Ordering::SeqCst);
                    n += 1;
                }
            })
        })
        .collect();
    while created.load(Ordering::SeqCst) < 8 {
        std::thread::sleep(Duration::from_millis(10));
    }
    for _ in 0..10 {
        let (status, body) = server.get("/t/acme/jwks");
        assert_eq!(status, 200);
        assert!(body.contains("\"keys\""), "{body}");
        let (status, body) = server.get("/t/acme/.well-known/openid-configuration");
        assert_eq!(status, 200);
        assert!(body.contains("token_endpoint"), "{body}");
    }
    let during = created.load(Ordering::SeqCst);
    let still_flooding = flood.iter().all(|t| !t.is_finished());
    flooding.store(false, Ordering::SeqCst);
    for t in flood {
        t.join().unwrap();
    }
    assert!(
        still_flooding,
        "twenty discovery and JWKS answers came while the flood ran ({during} accounts hashed)"
    );
}

#[test]
fn a_connection_that_sends_no_request_is_dropped_long_before_the_idle_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start_with_env(&tmp, &[("LATCHKEY_LIMITS_IDLE_TIMEOUT_SECS", "3600")]);
    runtime().block_on(async {
        let mut silent = connect_http1(&server).await;
        assert_closed_within(
            &mut silent,
            60,
            "dropped within the 10 s first-request deadline, not the hour-long idle timeout",
        )
        .await;
    });
}

/// Whether the server still holds `conn` open: no end of stream has arrived on it.
fn still_open(conn: &std::net::TcpStream) -> bool {
    conn.set_nonblocking(true).unwrap();
    matches!(conn.peek(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

#[test]
fn one_address_cannot_take_every_connection_slot() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start_with_env(
        &tmp,
        &[("LATCHKEY_LIMITS_MAX_CONNECTIONS_PER_ADDRESS", "4")],
    );
    let (here, there) = ([127, 0, 0, 1].into(), [127, 0, 0, 2].into());
    runtime().block_on(async {
        use tokio::io::AsyncReadExt;
        let mut idle = Vec::new();
        for _ in 0..4 {
            idle.push(tcp_from(&server, here).await.into_std().unwrap());
        }
        let mut fifth = tcp_from(&server, here).await;
        let ended = tokio::time::timeout(Duration::from_secs(30), fifth.read(&mut [0u8; 1]))
            .await
            .expect("the fifth connection from one address is closed");
        assert!(matches!(ended, Ok(0) | Err(_)), "{ended:?}");
        assert!(
            idle.iter().all(still_open),
            "closed at once, not by the handshake timeout the older idle ones would meet first"
        );

        let mut other = connect_http1_from(&server, there).await.unwrap();
        let answer = round_trip(&mut other, HEALTHZ).await;
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "another address is served: {answer}"
        );

        drop(idle.pop());
        let deadline = Instant::now() + Duration::from_secs(30);
        let served = loop {
            if let Ok(mut conn) = connect_http1_from(&server, here).await {
                break round_trip(&mut conn, HEALTHZ).await;
            }
            assert!(Instant::now() < deadline, "no slot was freed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(served.starts_with("HTTP/1.1 200"), "{served}");
        assert!(
            idle.iter().all(still_open),
            "the slot came from the closed connection"
        );
    });
}
