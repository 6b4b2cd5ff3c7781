//! TLS versions, ALPN and HTTP/2, and certificate reload on SIGHUP.

use crate::support::server::{Options, Server};
use crate::support::tls_client::{connect, peer_leaf, runtime, tls11_client_hello};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

#[test]
fn tls_1_1_is_refused_with_a_protocol_version_alert() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let mut tcp = std::net::TcpStream::connect(server.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.write_all(&tls11_client_hello()).unwrap();
    let mut reply = [0u8; 7];
    tcp.read_exact(&mut reply).unwrap();
    assert_eq!(
        reply[0], 0x15,
        "an alert record, not a ServerHello: {reply:?}"
    );
    assert_eq!(
        (reply[5], reply[6]),
        (2, 70),
        "fatal protocol_version: {reply:?}"
    );
}

#[test]
fn tls_1_2_and_1_3_both_work_and_http2_is_negotiated() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let cert = tmp.path().join("tls/cert.pem");
    runtime().block_on(async {
        let s12 = connect(
            server.addr,
            &cert,
            &[b"http/1.1"],
            &[&rustls::version::TLS12],
        )
        .await
        .unwrap();
        assert_eq!(
            s12.get_ref().1.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_2)
        );
        let s13 = connect(
            server.addr,
            &cert,
            &[b"h2", b"http/1.1"],
            &[&rustls::version::TLS13],
        )
        .await
        .unwrap();
        assert_eq!(s13.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));

        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(s13))
                .await
                .unwrap();
        tokio::spawn(conn);
        let req = hyper::Request::get(format!("{}/t/default/jwks", server.base))
            .body(Empty::<Bytes>::new())
            .unwrap();
        let resp = sender.send_request(req).await.unwrap();
        assert_eq!(resp.version(), hyper::Version::HTTP_2);
        assert_eq!(resp.status(), 200);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let jwks: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 3);
    });
}

fn write_cert(dir: &std::path::Path) {
    let g =
        latchkey::crypto::self_signed::generate(&["127.0.0.1".to_owned()], 1_790_000_000).unwrap();
    let tmp_cert = dir.join("next.crt");
    let tmp_key = dir.join("next.key");
    std::fs::write(&tmp_cert, g.cert_pem).unwrap();
    std::fs::write(&tmp_key, g.key_pem).unwrap();
    std::fs::rename(tmp_key, dir.join("server.key")).unwrap();
    std::fs::rename(tmp_cert, dir.join("server.crt")).unwrap();
}

/// Options serving `server.crt` and `server.key` from `files` in `files` TLS mode.
fn files_mode(files: &std::path::Path) -> Options {
    let path = |name: &str| files.join(name).to_str().unwrap().to_owned();
    Options {
        args: vec!["--tls-mode".into(), "files".into()],
        env: vec![
            ("LATCHKEY_TLS_CERT_FILE".into(), path("server.crt")),
            ("LATCHKEY_TLS_KEY_FILE".into(), path("server.key")),
        ],
        ..Options::default()
    }
}

#[test]
fn an_expired_certificate_is_reported_in_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let files = tmp.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let old =
        latchkey::crypto::self_signed::generate(&["127.0.0.1".to_owned()], 1_000_000_000).unwrap();
    std::fs::write(files.join("server.crt"), old.cert_pem).unwrap();
    std::fs::write(files.join("server.key"), old.key_pem).unwrap();
    let server = Server::start_with(&tmp.path().join("data"), files_mode(&files));
    let log = server.wait_for_log("the TLS certificate expired on");
    assert!(log.contains("send SIGHUP"), "{log}");
    let fresh = Server::start(&tmp.path().join("fresh"));
    fresh.wait_for_log("listening on");
    assert_eq!(fresh.get("/healthz").0, 200);
    assert!(
        !fresh.log().contains("the TLS certificate expire"),
        "a new certificate raises nothing"
    );
}

#[test]
fn sighup_reloads_the_certificate_without_dropping_connections() {
    let tmp = tempfile::tempdir().unwrap();
    let files = tmp.path().join("files");
    std::fs::create_dir(&files).unwrap();
    write_cert(&files);
    let server = Server::start_with(&tmp.path().join("data"), files_mode(&files));
    let cert = files.join("server.crt");
    runtime().block_on(async {
        let old_stream = connect(
            server.addr,
            &cert,
            &[b"http/1.1"],
            &[&rustls::version::TLS13],
        )
        .await
        .unwrap();
        let old_leaf = peer_leaf(&old_stream);
        let (mut old_conn, conn) = hyper::client::conn::http1::handshake(TokioIo::new(old_stream))
            .await
            .unwrap();
        tokio::spawn(conn);

        write_cert(&files);
        server.signal("HUP");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !server.log().contains("TLS certificate reloaded") {
            assert!(
                Instant::now() < deadline,
                "no reload logged:\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let new_stream = connect(
            server.addr,
            &cert,
            &[b"http/1.1"],
            &[&rustls::version::TLS13],
        )
        .await
        .unwrap();
        assert_ne!(
            peer_leaf(&new_stream),
            old_leaf,
            "new connections get the new certificate"
        );

        let req = hyper::Request::get("/healthz")
            .header("host", "127.0.0.1")
            .body(Empty::<Bytes>::new())
            .unwrap();
        let resp = old_conn
            .send_request(req)
            .await
            .expect("the old connection still serves");
        assert_eq!(resp.status(), 200);
    });
}

#[test]
fn tls_mode_off_serves_plain_http_and_warns() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        args: vec!["--tls-mode".into(), "off".into()],
        ..Options::default()
    };
    let server = Server::start_with(tmp.path(), opts);
    let mut tcp = std::net::TcpStream::connect(server.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    tcp.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.ends_with(r#"{"status":"ok"}"#), "{reply}");
    assert!(
        !reply
            .to_ascii_lowercase()
            .contains("strict-transport-security"),
        "no HSTS over plain HTTP: {reply}"
    );
    assert!(server.log().contains("TLS is off"), "{}", server.log());
    assert!(
        !tmp.path().join("tls").exists(),
        "no certificate is generated when TLS is off"
    );
}

/// `LoadCredential=`: relative `[tls]` file names are read from `$CREDENTIALS_DIRECTORY`.
#[test]
fn relative_tls_files_come_from_the_credentials_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data_arg = data.to_str().unwrap();
    assert_eq!(
        crate::support::server::run(&["init", "--data-dir", data_arg], &[]).0,
        0
    );
    let credentials = data.join("tls");
    let files = [
        ("LATCHKEY_TLS_MODE", "files"),
        ("LATCHKEY_TLS_CERT_FILE", "cert.pem"),
        ("LATCHKEY_TLS_KEY_FILE", "key.pem"),
    ];
    let with_credentials = [
        &files[..],
        &[("CREDENTIALS_DIRECTORY", credentials.to_str().unwrap())],
    ]
    .concat();
    let (code, stdout, stderr) =
        crate::support::server::run(&["check-config", "--data-dir", data_arg], &with_credentials);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("configuration is valid"), "{stdout}");
    let (code, _, stderr) =
        crate::support::server::run(&["check-config", "--data-dir", data_arg], &files);
    assert_ne!(
        code, 0,
        "without it the names are relative to the working dir"
    );
    assert!(stderr.contains("cert.pem"), "{stderr}");
}
