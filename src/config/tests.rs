//! Tests of the configuration: file, environment and flags, and every validation.

use super::*;
use std::collections::HashMap;

fn load(args: ConfigArgs, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let names: Vec<String> = env.keys().cloned().collect();
    Config::load_from(&args, |k| env.get(k).cloned(), names.into_iter())
}

fn err(r: Result<Config, ConfigError>) -> String {
    match r {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(e) => e.0,
    }
}

#[test]
fn defaults_match_the_spec() -> Result<(), ConfigError> {
    let c = load(ConfigArgs::default(), &[])?;
    assert!(!c.admin_require_mfa);
    let on = load(
        ConfigArgs::default(),
        &[("LATCHKEY_ADMIN_REQUIRE_MFA", "true")],
    )?;
    assert!(on.admin_require_mfa);
    assert_eq!(c.passwords.min_length, 10);
    let twelve = load(
        ConfigArgs::default(),
        &[("LATCHKEY_PASSWORDS_MIN_LENGTH", "12")],
    )?;
    assert_eq!(twelve.passwords.min_length, 12);
    assert_eq!(c.listen.to_string(), "127.0.0.1:8443");
    assert_eq!(c.public_url, "https://localhost:8443");
    assert_eq!(c.data_dir, PathBuf::from("./data"));
    assert_eq!(c.tls, TlsMode::SelfSigned);
    assert_eq!(c.idle_timeout, std::time::Duration::from_secs(60));
    assert_eq!(c.max_header_bytes, 16384);
    assert_eq!(c.max_connections_per_address, 256);
    assert_eq!(
        c.rate_limits,
        crate::guard::Policy {
            free_failures: 5,
            free_failures_per_subject: 100,
            free_failures_per_address: 50,
            first_delay_secs: 1,
            max_delay_secs: 900
        }
    );
    Ok(())
}

#[test]
fn flags_override_env_which_overrides_the_file() -> Result<(), ConfigError> {
    let dir = tempfile::tempdir().map_err(|e| ConfigError(e.to_string()))?;
    let file = dir.path().join("a.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:1\"\npublic_url = \"https://a.example\"\ndata_dir = \"/f\"\n",
    )
    .map_err(|e| ConfigError(e.to_string()))?;
    let args = ConfigArgs {
        config: Some(file),
        listen: Some("127.0.0.1:3".into()),
        ..ConfigArgs::default()
    };
    let c = load(
        args,
        &[
            ("LATCHKEY_LISTEN", "127.0.0.1:2"),
            ("LATCHKEY_PUBLIC_URL", "https://b.example/"),
        ],
    )?;
    assert_eq!(c.listen.to_string(), "127.0.0.1:3");
    assert_eq!(c.public_url, "https://b.example");
    assert_eq!(c.data_dir, PathBuf::from("/f"));
    Ok(())
}

#[test]
fn each_bad_value_names_its_key() {
    let with = |env: &[(&str, &str)]| err(load(ConfigArgs::default(), env));
    assert!(with(&[("LATCHKEY_LISTEN", "nope")]).starts_with("listen:"));
    assert!(with(&[("LATCHKEY_PUBLIC_URL", "ftp://x")]).starts_with("public_url:"));
    assert!(with(&[("LATCHKEY_PUBLIC_URL", "https://x/path")]).starts_with("public_url:"));
    assert!(with(&[("LATCHKEY_TLS_MODE", "maybe")]).starts_with("[tls] mode:"));
    assert!(with(&[("LATCHKEY_TLS_MODE", "files")]).contains("cert_file"));
    assert!(with(&[("LATCHKEY_LOG_LEVEL", "loud")]).starts_with("log_level:"));
    assert!(with(&[("LATCHKEY_LOG_LEVEL", "info,latchkey=loud")]).starts_with("log_level:"));
    assert!(with(&[("LATCHKEY_LOG_LEVEL", "info,=debug")]).starts_with("log_level:"));
    assert!(with(&[("LATCHKEY_LOG_FORMAT", "xml")]).starts_with("log_format:"));
    assert!(with(&[("LATCHKEY_LISTNE", "x")]).contains("LATCHKEY_LISTNE"));
    assert!(with(&[("LATCHKEY_STORE_FLUSH_INTERVAL_MS", "soon")]).contains("whole number"));
    assert!(
        with(&[("LATCHKEY_ADMIN_REQUIRE_MFA", "yes")]).starts_with("LATCHKEY_ADMIN_REQUIRE_MFA:")
    );
    for bad in ["7", "129"] {
        assert!(
            with(&[("LATCHKEY_PASSWORDS_MIN_LENGTH", bad)])
                .starts_with("[passwords] min_length must be between 8 and 128")
        );
    }
    assert!(with(&[("LATCHKEY_METRICS_PUBLIC", "1")]).starts_with("LATCHKEY_METRICS_PUBLIC:"));
    assert!(
        with(&[("LATCHKEY_AUDIT_RETENTION_DAYS", "99999")]).starts_with("[audit] retention_days")
    );
    assert!(with(&[("LATCHKEY_KEYS_ROTATION_DAYS", "99999")]).starts_with("[keys] rotation_days"));
    assert!(
        with(&[("LATCHKEY_LIMITS_MAX_HEADER_BYTES", "100")])
            .starts_with("[limits] max_header_bytes")
    );
    assert!(
        with(&[("LATCHKEY_LIMITS_MAX_CONNECTIONS_PER_ADDRESS", "0")])
            .starts_with("[limits] max_connections_per_address")
    );
    assert!(
        with(&[("LATCHKEY_LIMITS_IDLE_TIMEOUT_SECS", "0")])
            .starts_with("[limits] idle_timeout_secs")
    );
    assert!(
        with(&[("LATCHKEY_RATE_LIMITS_FREE_FAILURES", "0")])
            .starts_with("[rate_limits] free_failures")
    );
    assert!(
        with(&[("LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_SUBJECT", "4")])
            .starts_with("[rate_limits] free_failures_per_subject")
    );
    assert!(
        with(&[
            ("LATCHKEY_RATE_LIMITS_FREE_FAILURES", "20"),
            ("LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_ADDRESS", "10")
        ])
        .starts_with("[rate_limits] free_failures_per_address")
    );
    assert!(
        with(&[
            ("LATCHKEY_RATE_LIMITS_FIRST_DELAY_SECS", "60"),
            ("LATCHKEY_RATE_LIMITS_MAX_DELAY_SECS", "30")
        ])
        .starts_with("[rate_limits] max_delay_secs")
    );
    assert!(
        with(&[("LATCHKEY_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.0/40")])
            .starts_with("trusted_proxies: `10.0.0.0/40`")
    );
    assert!(
        with(&[("LATCHKEY_OUTBOUND_CA_FILE", "/nonexistent/ca.pem")])
            .starts_with("[outbound] ca_file /nonexistent/ca.pem:")
    );
}

#[test]
fn the_outbound_ca_file_must_hold_a_certificate() -> Result<(), ConfigError> {
    let tmp = tempfile::tempdir().map_err(|e| ConfigError(e.to_string()))?;
    let empty = tmp.path().join("empty.pem");
    std::fs::write(&empty, "no certificates here\n").map_err(|e| ConfigError(e.to_string()))?;
    let empty = empty.to_str().unwrap_or_default().to_owned();
    let refused = err(load(
        ConfigArgs::default(),
        &[("LATCHKEY_OUTBOUND_CA_FILE", &empty)],
    ));
    assert!(refused.contains("holds no PEM certificate"), "{refused}");
    assert_eq!(load(ConfigArgs::default(), &[])?.outbound_ca_pem, None);
    let ca = tmp.path().join("ca.pem");
    let cert = rcgen::generate_simple_self_signed(vec!["ca.example".to_owned()])
        .map_err(|e| ConfigError(e.to_string()))?;
    std::fs::write(&ca, cert.cert.pem()).map_err(|e| ConfigError(e.to_string()))?;
    let c = load(
        ConfigArgs::default(),
        &[("LATCHKEY_OUTBOUND_CA_FILE", ca.to_str().unwrap_or_default())],
    )?;
    assert_eq!(c.outbound_ca_pem, Some(cert.cert.pem()));
    Ok(())
}

#[test]
fn trusted_proxies_come_from_the_file_or_a_comma_list() -> Result<(), ConfigError> {
    let c = load(
        ConfigArgs::default(),
        &[("LATCHKEY_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")],
    )?;
    assert_eq!(c.trusted_proxies.len(), 2);
    assert!(
        c.trusted_proxies[1].contains("10.9.8.7".parse().map_err(|_| ConfigError("ip".into()))?)
    );
    assert!(load(ConfigArgs::default(), &[])?.trusted_proxies.is_empty());
    Ok(())
}

#[test]
fn unknown_file_key_is_named_with_its_line() -> Result<(), std::io::Error> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("a.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:1\"\nlisten_addr = 1\n")?;
    let args = ConfigArgs {
        config: Some(file),
        ..ConfigArgs::default()
    };
    let msg = err(load(args, &[]));
    assert!(
        msg.contains("line 2") && msg.contains("listen_addr"),
        "{msg}"
    );
    Ok(())
}

#[test]
fn relative_tls_files_are_read_from_the_credentials_directory() {
    let files = |cert: &str, key: &str| TlsMode::Files {
        cert_file: PathBuf::from(cert),
        key_file: PathBuf::from(key),
    };
    let dir = Path::new("/run/credentials/latchkey.service");
    assert_eq!(
        in_credentials(files("cert.pem", "/etc/latchkey/key.pem"), Some(dir)),
        files(
            "/run/credentials/latchkey.service/cert.pem",
            "/etc/latchkey/key.pem"
        )
    );
    assert_eq!(
        in_credentials(files("cert.pem", "key.pem"), None),
        files("cert.pem", "key.pem"),
        "outside systemd a relative path stays relative"
    );
    assert_eq!(
        in_credentials(TlsMode::SelfSigned, Some(dir)),
        TlsMode::SelfSigned
    );
}

#[test]
fn log_level_takes_directives() -> Result<(), ConfigError> {
    let c = load(
        ConfigArgs::default(),
        &[("LATCHKEY_LOG_LEVEL", "warn,latchkey::http=debug")],
    )?;
    assert_eq!(c.log_level, "warn,latchkey::http=debug");
    Ok(())
}
