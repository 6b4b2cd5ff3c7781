//! `[tls] mode = "self-signed"` as SPEC draws it (issue 20, item 8): a local CA in
//! `tls/ca.pem` and a server certificate it signed, chained in `tls/cert.pem`, so that
//! Python and OpenSSL clients given either file verify the server; kept across starts,
//! warned about, and made anew by `latchkey tls regenerate`.

use crate::support::server::{Server, run};
use std::path::Path;
use std::process::{Command, Stdio};

/// What Python's `ssl` module makes of a connection to `port` on 127.0.0.1 that trusts
/// `cafile` and expects the name `host`: the status line, or the verification error.
/// `VERIFY_X509_STRICT` is Python 3.13's default, asked for so that older ones judge alike.
fn python_connects(port: u16, cafile: &Path, host: &str) -> Result<String, String> {
    const SCRIPT: &str = r#"
import socket, ssl, sys
port, cafile, host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
ctx.verify_flags |= ssl.VERIFY_X509_STRICT
with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
    with ctx.wrap_socket(sock, server_hostname=host) as tls:
        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        print(tls.recv(64).decode().split("\r\n")[0])
"#;
    let out = Command::new("python3")
        .args([
            "-c",
            SCRIPT,
            &port.to_string(),
            cafile.to_str().unwrap(),
            host,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned()),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

/// Whether `openssl s_client`, trusting `cafile` only and checking the name `host`
/// strictly, verifies the server on `port`; its output otherwise.
fn openssl_verifies(port: u16, cafile: &Path, host: &str) -> Result<(), String> {
    let check = match host.parse::<std::net::IpAddr>() {
        Ok(_) => ["-verify_ip", host],
        Err(_) => ["-verify_hostname", host],
    };
    let out = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(["-servername", host, "-verify_return_error", "-x509_strict"])
        .args(["-CAfile", cafile.to_str().unwrap()])
        .args(check)
        .stdin(Stdio::null())
        .output()
        .expect("openssl runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    match out.status.success() && text.contains("Verify return code: 0 (ok)") {
        true => Ok(()),
        false => Err(text),
    }
}

/// Asserts that Python and OpenSSL clients trusting `tls/cert.pem` or `tls/ca.pem` of
/// `dir` verify the server on `port` by either of its loopback names.
fn clients_trust(dir: &Path, port: u16) {
    for file in ["cert.pem", "ca.pem"] {
        let cafile = dir.join("tls").join(file);
        for host in ["127.0.0.1", "localhost"] {
            let python = python_connects(port, &cafile, host);
            assert_eq!(python.as_deref(), Ok("HTTP/1.1 200 OK"), "{file}, {host}");
            let openssl = openssl_verifies(port, &cafile, host);
            assert_eq!(openssl, Ok(()), "openssl, {file}, {host}");
        }
    }
}

#[test]
fn python_and_openssl_clients_trust_cert_pem_and_ca_pem() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    clients_trust(tmp.path(), server.addr.port());
    assert_eq!(
        server.get("/healthz").0,
        200,
        "rustls trusts the chain file too"
    );
}

/// `openssl x509 -text` of the `n`th certificate (0 = first) of the PEM file `path`.
fn x509_text(path: &Path, n: usize) -> String {
    let pem = std::fs::read_to_string(path).unwrap();
    let end = "-----END CERTIFICATE-----";
    let block = pem.split_inclusive(end).nth(n).unwrap().trim().to_owned();
    let mut child = Command::new("openssl")
        .args(["x509", "-noout", "-text"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(block.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "certificate {n} of {}",
        path.display()
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The year of `Not After` in `openssl x509 -text` output, minus that of `Not Before`.
fn validity_years(text: &str) -> i32 {
    let year = |label: &str| -> i32 {
        let line = text.lines().find(|l| l.contains(label)).unwrap();
        line.split_whitespace()
            .nth_back(1)
            .unwrap()
            .parse()
            .unwrap()
    };
    year("Not After") - year("Not Before")
}

#[test]
fn the_ca_and_server_certificate_are_shaped_as_spec_says_and_the_key_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let tls = tmp.path().join("tls");
    let mut files: Vec<String> = std::fs::read_dir(&tls)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["ca.pem", "cert.pem", "key.pem"],
        "the CA key is not kept"
    );
    let mode = std::fs::metadata(tls.join("key.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let ca = x509_text(&tls.join("ca.pem"), 0);
    assert!(ca.contains("CA:TRUE, pathlen:0"), "{ca}");
    assert!(ca.contains("Certificate Sign"), "{ca}");
    assert_eq!(validity_years(&ca), 10, "{ca}");
    assert_eq!(
        x509_text(&tls.join("cert.pem"), 1),
        ca,
        "the chain ends in the CA"
    );

    let leaf = x509_text(&tls.join("cert.pem"), 0);
    assert!(leaf.contains("TLS Web Server Authentication"), "{leaf}");
    assert!(!leaf.contains("CA:TRUE"), "{leaf}");
    for san in [
        "DNS:localhost",
        "IP Address:127.0.0.1",
        "IP Address:0:0:0:0:0:0:0:1",
    ] {
        assert!(leaf.contains(san), "{san}: {leaf}");
    }
    assert!((2..=3).contains(&validity_years(&leaf)), "825 days: {leaf}");
    let logged = server.wait_for_log("generated a self-signed");
    assert!(
        logged.contains("ca.pem"),
        "the log names the CA file: {logged}"
    );
}

#[test]
fn tls_regenerate_makes_a_new_ca_only_while_the_server_is_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let server = Server::start(tmp.path());
    let port = server.addr.port();
    let ca_path = tmp.path().join("tls/ca.pem");
    let old_ca = std::fs::read(&ca_path).unwrap();
    let (code, _, stderr) = run(&["tls", "regenerate", "--data-dir", dir], &[]);
    assert_ne!(code, 0, "refused while the server runs");
    assert!(stderr.contains("in use"), "{stderr}");
    assert_eq!(std::fs::read(&ca_path).unwrap(), old_ca);
    assert_eq!(server.stop().code(), Some(0));

    let old = tmp.path().join("old-ca.pem");
    std::fs::write(&old, &old_ca).unwrap();
    let (code, stdout, stderr) = run(&["tls", "regenerate", "--data-dir", dir], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "", "the log goes to stderr");
    assert!(stderr.contains("ca.pem"), "{stderr}");
    assert_ne!(std::fs::read(&ca_path).unwrap(), old_ca, "a new CA");

    let server = Server::start_on(tmp.path(), port, Default::default());
    clients_trust(tmp.path(), port);
    assert!(
        python_connects(port, &old, "127.0.0.1").is_err(),
        "the old CA no longer vouches for the server"
    );
    let log = server.log();
    assert!(!log.contains("generated a self-signed"), "{log}");
    assert!(!log.contains("does not cover"), "{log}");
}

/// A self-signed certificate as versions before the local CA made it, for `hosts`,
/// expiring `days` from now.
#[allow(
    clippy::disallowed_methods,
    reason = "the certificate expires relative to the wall clock the server reads"
)]
fn older_certificate(tls: &Path, hosts: &[&str], days: u64) {
    let key = rcgen::KeyPair::generate().unwrap();
    let names: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    let mut params = rcgen::CertificateParams::new(names).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(days * 86_400);
    params.not_after = later.into();
    let cert = params.self_signed(&key).unwrap();
    std::fs::create_dir_all(tls).unwrap();
    std::fs::write(tls.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(tls.join("key.pem"), key.serialize_pem()).unwrap();
}

#[test]
fn an_older_certificate_is_kept_and_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let tls = tmp.path().join("tls");
    older_certificate(&tls, &["localhost"], 10);
    let before = std::fs::read(tls.join("cert.pem")).unwrap();
    let server = Server::start(tmp.path());
    let log = server.wait_for_log("does not cover");
    assert!(log.contains("127.0.0.1"), "names the host: {log}");
    let log = server.wait_for_log("the TLS certificate expires on");
    assert!(log.contains("latchkey tls regenerate"), "{log}");
    assert_eq!(std::fs::read(tls.join("cert.pem")).unwrap(), before);
    assert!(!tls.join("ca.pem").exists(), "nothing regenerated");
}
