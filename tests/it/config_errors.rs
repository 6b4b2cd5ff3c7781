//! Each class of bad configuration stops the binary with one sentence naming the key or
//! file, and a non-zero exit.

use crate::support::server::{Server, run};
use std::path::Path;

fn one_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.trim().lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line expected:\n{stderr}");
    lines[0]
}

fn write_pair(dir: &Path, name: &str) -> (String, String) {
    let hosts = vec!["127.0.0.1".to_owned()];
    let g = latchkey::crypto::self_signed::generate(&hosts, 1_790_000_000).unwrap();
    let (c, k) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&c, g.cert_pem).unwrap();
    std::fs::write(&k, g.key_pem).unwrap();
    (
        c.to_str().unwrap().to_owned(),
        k.to_str().unwrap().to_owned(),
    )
}

#[test]
fn unknown_file_key_names_key_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("appliance.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\n\n[tls]\nmood = \"off\"\n").unwrap();
    let (code, stdout, stderr) = run(&["check-config", "--config", file.to_str().unwrap()], &[]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    let line = one_line(&stderr);
    assert!(
        line.contains("mood") && line.contains("line 4") && line.contains("appliance.toml"),
        "{line}"
    );
}

#[test]
fn bad_address_and_bad_values_name_their_key() {
    let (code, _, stderr) = run(&["serve", "--listen", "localhost:http"], &[]);
    assert_eq!(code, 2);
    assert!(
        one_line(&stderr).contains("listen: `localhost:http`"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["check-config"], &[("LATCHKEY_TLS_MODE", "sometimes")]);
    assert_eq!(code, 2);
    assert!(one_line(&stderr).contains("[tls] mode"), "{stderr}");
    let (code, _, stderr) = run(&["check-config", "--public-url", "sso.example.com"], &[]);
    assert_eq!(code, 2);
    assert!(one_line(&stderr).contains("public_url"), "{stderr}");
    let (code, _, stderr) = run(&["check-config"], &[("LATCHKEY_LISEN", "x")]);
    assert_eq!(code, 2);
    assert!(one_line(&stderr).contains("LATCHKEY_LISEN"), "{stderr}");
}

#[test]
fn an_environment_value_that_is_not_utf8_is_named() {
    use std::os::unix::ffi::OsStrExt;
    // It made the binary panic while reading the environment (exit 101).
    let out = std::process::Command::new(crate::support::server::binary())
        .arg("check-config")
        .env(
            "LATCHKEY_LISTEN",
            std::ffi::OsStr::from_bytes(b"127.0.0.1:\xff"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(one_line(&stderr).contains("LATCHKEY_LISTEN"), "{stderr}");
}

#[test]
fn unreadable_certificate_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.pem");
    let (_, key) = write_pair(tmp.path(), "a");
    let env = [
        ("LATCHKEY_TLS_CERT_FILE", missing.to_str().unwrap()),
        ("LATCHKEY_TLS_KEY_FILE", key.as_str()),
    ];
    let (code, _, stderr) = run(&["check-config", "--tls-mode", "files"], &env);
    assert_eq!(code, 2);
    let line = one_line(&stderr);
    assert!(
        line.contains("missing.pem") && line.contains("No such file"),
        "{line}"
    );
}

#[test]
fn mismatched_certificate_and_key_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert_a, _) = write_pair(tmp.path(), "a");
    let (_, key_b) = write_pair(tmp.path(), "b");
    let data = tmp.path().join("data");
    let env = [
        ("LATCHKEY_TLS_CERT_FILE", cert_a.as_str()),
        ("LATCHKEY_TLS_KEY_FILE", key_b.as_str()),
    ];
    for cmd in ["check-config", "serve"] {
        let (code, _, stderr) = run(
            &[
                cmd,
                "--tls-mode",
                "files",
                "--data-dir",
                data.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ],
            &env,
        );
        assert_eq!(code, 2, "{cmd}: {stderr}");
        let last = stderr.trim().lines().last().unwrap();
        assert!(
            last.contains("b.key does not match the certificate in") && last.contains("a.crt"),
            "{cmd}: {last}"
        );
    }
}

#[test]
fn a_second_serve_on_a_locked_data_dir_fails_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let _first = Server::start(tmp.path());
    let (code, _, stderr) = run(
        &[
            "serve",
            "--data-dir",
            tmp.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    assert_eq!(code, 1);
    let last = stderr.trim().lines().last().unwrap();
    assert!(
        last.contains("in use by another latchkey process"),
        "{stderr}"
    );
}

#[test]
fn check_config_accepts_the_sample_and_init_prints_only_a_token() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/appliance.toml");
    let (code, stdout, stderr) = run(&["check-config", "--config", sample], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("configuration is valid"), "{stdout}");

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let (code, first, stderr) = run(&["init", "--data-dir", dir], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(first.lines().count(), 1);
    assert!(first.trim().starts_with("lkadm_"));
    assert!(!stderr.contains(first.trim()), "the token is never logged");
    let (code, second, _) = run(&["init", "--data-dir", dir], &[]);
    assert_eq!(code, 0);
    assert_ne!(first, second, "init on an initialised dir adds a new token");
    assert!(
        !tmp.path().join("admin-token").exists(),
        "init prints the token instead of writing it"
    );
}

#[test]
fn outbound_allow_cidrs_must_be_networks() {
    let (code, _, stderr) = run(
        &["check-config"],
        &[("LATCHKEY_OUTBOUND_ALLOW_CIDRS", "10.0.0.0/8, intranet")],
    );
    assert_eq!(code, 2);
    let line = one_line(&stderr);
    assert!(
        line.contains("[outbound] allow_cidrs") && line.contains("`intranet`"),
        "{line}"
    );
}
