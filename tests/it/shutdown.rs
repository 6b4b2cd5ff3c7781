//! SIGTERM while a request is in flight: no new connections, the request finishes, exit 0;
//! and what systemd hears of it all (`Type=notify`).

use crate::support::api::Api;
use crate::support::server::Server;
use crate::support::tls_client::connect;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn sigterm_during_a_slow_request_lets_it_finish() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start(tmp.path());
    let token = server.admin_token();
    let cert = tmp.path().join("tls/cert.pem");
    let body = br#"{"label":"sent slowly"}"#;
    let (first, rest) = body.split_at(10);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let response = rt.block_on(async {
        let mut stream = connect(server.addr, &cert, &[b"http/1.1"], &[&rustls::version::TLS13]).await.unwrap();
        let head = format!(
            "POST /v2/admin/tokens HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nexpect: 100-continue\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // hyper answers 100 Continue once the handler reads the body: the request is in flight.
        let mut interim = [0u8; 25];
        stream.read_exact(&mut interim).await.unwrap();
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        stream.write_all(first).await.unwrap();
        stream.flush().await.unwrap();

        server.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !server.log().contains("shutting down") {
            assert!(Instant::now() < deadline, "no shutdown logged:\n{}", server.log());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        while std::net::TcpStream::connect(server.addr).is_ok() {
            assert!(Instant::now() < deadline, "still accepting after SIGTERM");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stream.write_all(rest).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.ok();
        String::from_utf8_lossy(&response).into_owned()
    });
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    let json = &response[response.find("\r\n\r\n").unwrap() + 4..];
    let created: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(created["label"], "sent slowly");
    assert_eq!(
        server.wait(Duration::from_secs(10)).code(),
        Some(0),
        "{}",
        server.log()
    );
    server.wait_for_log("stopped");

    let server = Server::start(tmp.path());
    let reply = Api::with_token(&server, created["token"].as_str().unwrap()).call(
        "GET",
        "/v2/admin/tokens",
        None,
    );
    assert_eq!(
        reply.status, 200,
        "the write acknowledged during shutdown is on disk"
    );
}

/// SIGTERM the moment the server logs that it listens: the handler is in place by then,
/// so the process stops cleanly instead of dying of the signal.
#[test]
fn sigterm_right_after_listening_is_a_clean_stop() {
    for _ in 0..3 {
        let tmp = tempfile::tempdir().unwrap();
        let server = Server::start(tmp.path());
        let status = server.stop();
        assert!(status.success(), "{status:?}");
    }
}

/// `Type=notify`: READY once the listener is bound, WATCHDOG pings at half of
/// `WATCHDOG_USEC`, STOPPING at SIGTERM, all to the socket `NOTIFY_SOCKET` names.
#[test]
fn systemd_hears_ready_watchdog_pings_and_stopping() {
    use std::os::unix::net::UnixDatagram;
    let tmp = tempfile::tempdir().unwrap();
    let socket_path = tmp.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let opts = crate::support::server::Options {
        env: vec![
            (
                "NOTIFY_SOCKET".into(),
                socket_path.to_string_lossy().into_owned(),
            ),
            ("WATCHDOG_USEC".into(), "200000".into()),
        ],
        ..Default::default()
    };
    let server = crate::support::server::Server::start_with(&tmp.path().join("data"), opts);
    let mut buf = [0u8; 256];
    let mut next = || {
        let n = socket.recv(&mut buf).expect("a notification within 30 s");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    assert_eq!(next(), "READY=1\n");
    assert_eq!(next(), "WATCHDOG=1\n");
    assert_eq!(next(), "WATCHDOG=1\n", "pings keep coming");
    server.signal("TERM");
    let stopping = (0..50).map(|_| next()).find(|m| m != "WATCHDOG=1\n");
    assert_eq!(stopping.as_deref(), Some("STOPPING=1\n"));
}
