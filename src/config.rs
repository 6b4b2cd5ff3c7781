//! Configuration: the TOML file, then `LATCHKEY_*` variables, then flags, validated into
//! one [`Config`]. Every error is one sentence naming the key or file at fault.

use crate::cli::ConfigArgs;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

mod backup;
mod network;
mod passwords;

pub use backup::BackupSchedule;

/// The validated configuration the appliance runs with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind.
    pub listen: SocketAddr,
    /// Public origin, without a trailing slash.
    pub public_url: String,
    /// The host part of `public_url` (an IPv6 address without brackets).
    pub public_host: String,
    /// Data directory.
    pub data_dir: PathBuf,
    /// The config file read, if any (for the start line).
    pub config_file: Option<PathBuf>,
    /// How the listener does TLS.
    pub tls: TlsMode,
    /// sled's background flush interval: the most a crash can lose of token issuance.
    pub flush_interval_ms: u64,
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Connections open at once from one client address; more are closed at once.
    pub max_connections_per_address: usize,
    /// A connection with no request in flight or begun for this long is closed.
    pub idle_timeout: std::time::Duration,
    /// The largest request head (request line and headers) read, in bytes.
    pub max_header_bytes: usize,
    /// Pending authorizations one client address may create per 10 minutes.
    pub pending_authorizations_per_address: u32,
    /// Brokered sign-ins one client address may have waiting at an upstream IdP.
    pub sign_ins_in_flight_per_address: usize,
    /// How failed sign-ins, client authentications and exchanges are slowed down.
    pub rate_limits: crate::guard::Policy,
    /// Calls to other servers (IdPs) in flight at once; more are refused with 503.
    pub max_outbound_calls: usize,
    /// Days audit events are kept; 0 keeps them forever.
    pub audit_retention_days: u64,
    /// Days between scheduled signing-key rotations; 0 rotates only on request.
    pub key_rotation_days: u64,
    /// Peers whose `X-Forwarded-For` names the client (reverse proxies).
    pub trusted_proxies: Vec<crate::types::Cidr>,
    /// Most verbose log level written.
    pub log_level: String,
    /// One JSON object per log line instead of text.
    pub log_json: bool,
    /// `/metrics` answers without an admin token.
    pub metrics_public: bool,
    /// `[admin] require_mfa`: admin UI sign-in by password completes a second factor
    /// too, enrolling one when the account has none.
    pub admin_require_mfa: bool,
    /// `[passwords]`: what every new password must satisfy.
    pub passwords: crate::auth::password_policy::Policy,
    /// `[backup]`: scheduled online backups.
    pub backup: BackupSchedule,
    /// `[outbound] ca_file`'s PEM, checked to hold a certificate: outbound calls trust
    /// it besides the system's roots (SPEC "Outbound trust").
    pub outbound_ca_pem: Option<String>,
    /// `[outbound] allow_cidrs`: networks a URL set by a tenant admin may reach although
    /// they are private or local (SPEC "Outbound destinations").
    pub outbound_allow_cidrs: Vec<crate::types::Cidr>,
    /// `[ui] templates_dir`: end-user templates that replace the shipped ones by file
    /// name, compiled at start.
    pub ui_templates_dir: Option<PathBuf>,
}

/// The three TLS modes of SPEC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// A certificate generated once into `DATA_DIR/tls/`.
    SelfSigned,
    /// PEM files given by the operator.
    Files {
        /// Certificate chain, leaf first.
        cert_file: PathBuf,
        /// Private key (PKCS#8, PKCS#1 or SEC1).
        key_file: PathBuf,
    },
    /// Plain HTTP, for use behind a reverse proxy or in tests.
    Off,
}

/// Why the configuration is not usable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn fail<T>(msg: String) -> Result<T, ConfigError> {
    Err(ConfigError(msg))
}

/// One layer of settings; later layers override earlier ones key by key.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    public_url: Option<String>,
    data_dir: Option<PathBuf>,
    log_level: Option<String>,
    log_format: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    #[serde(default)]
    tls: FileTls,
    #[serde(default)]
    store: FileStore,
    #[serde(default)]
    limits: FileLimits,
    #[serde(default)]
    rate_limits: FileRateLimits,
    #[serde(default)]
    audit: FileAudit,
    #[serde(default)]
    keys: FileKeys,
    #[serde(default)]
    metrics: FileMetrics,
    #[serde(default)]
    outbound: FileOutbound,
    #[serde(default)]
    admin: FileAdmin,
    #[serde(default)]
    passwords: passwords::FilePasswords,
    #[serde(default)]
    backup: backup::FileBackup,
    #[serde(default)]
    ui: FileUi,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileUi {
    templates_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAdmin {
    require_mfa: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOutbound {
    ca_file: Option<PathBuf>,
    allow_cidrs: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMetrics {
    public: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKeys {
    rotation_days: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAudit {
    retention_days: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTls {
    mode: Option<String>,
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStore {
    flush_interval_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    max_connections: Option<usize>,
    max_connections_per_address: Option<usize>,
    max_outbound_calls: Option<usize>,
    idle_timeout_secs: Option<u64>,
    max_header_bytes: Option<usize>,
    pending_authorizations_per_address: Option<u32>,
    sign_ins_in_flight_per_address: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRateLimits {
    free_failures: Option<u32>,
    free_failures_per_subject: Option<u32>,
    free_failures_per_address: Option<u32>,
    first_delay_secs: Option<u64>,
    max_delay_secs: Option<u64>,
}

/// The environment variables read, each overriding one file key.
const ENV_KEYS: [&str; 31] = [
    "LATCHKEY_CONFIG",
    "LATCHKEY_LISTEN",
    "LATCHKEY_PUBLIC_URL",
    "LATCHKEY_DATA_DIR",
    "LATCHKEY_LOG_LEVEL",
    "LATCHKEY_LOG_FORMAT",
    "LATCHKEY_TLS_MODE",
    "LATCHKEY_TLS_CERT_FILE",
    "LATCHKEY_TLS_KEY_FILE",
    "LATCHKEY_STORE_FLUSH_INTERVAL_MS",
    "LATCHKEY_LIMITS_MAX_CONNECTIONS",
    "LATCHKEY_LIMITS_MAX_CONNECTIONS_PER_ADDRESS",
    "LATCHKEY_LIMITS_MAX_OUTBOUND_CALLS",
    "LATCHKEY_LIMITS_IDLE_TIMEOUT_SECS",
    "LATCHKEY_LIMITS_MAX_HEADER_BYTES",
    "LATCHKEY_LIMITS_PENDING_AUTHORIZATIONS_PER_ADDRESS",
    "LATCHKEY_LIMITS_SIGN_INS_IN_FLIGHT_PER_ADDRESS",
    "LATCHKEY_RATE_LIMITS_FREE_FAILURES",
    "LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_SUBJECT",
    "LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_ADDRESS",
    "LATCHKEY_RATE_LIMITS_FIRST_DELAY_SECS",
    "LATCHKEY_RATE_LIMITS_MAX_DELAY_SECS",
    "LATCHKEY_TRUSTED_PROXIES",
    "LATCHKEY_AUDIT_RETENTION_DAYS",
    "LATCHKEY_KEYS_ROTATION_DAYS",
    "LATCHKEY_METRICS_PUBLIC",
    "LATCHKEY_OUTBOUND_CA_FILE",
    "LATCHKEY_OUTBOUND_ALLOW_CIDRS",
    "LATCHKEY_ADMIN_REQUIRE_MFA",
    "LATCHKEY_PASSWORDS_MIN_LENGTH",
    "LATCHKEY_UI_TEMPLATES_DIR",
];

impl Config {
    /// Where URLs set by tenant admins may send latchkey.
    pub fn destinations(&self) -> crate::outbound::Destinations {
        crate::outbound::Destinations::new(self.outbound_allow_cidrs.clone(), self.listen.ip())
    }

    /// Loads file, environment and flags, in that order of precedence, and validates.
    pub fn load(args: &ConfigArgs) -> Result<Config, ConfigError> {
        let mut ours = std::collections::HashMap::new();
        for (name, value) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if !name.starts_with("LATCHKEY_") {
                continue;
            }
            match value.into_string() {
                Ok(v) => ours.insert(name, v),
                Err(_) => return fail(format!("environment variable {name} is not UTF-8")),
            };
        }
        let names: Vec<String> = ours.keys().cloned().collect();
        let mut config = Config::load_from(args, |k| ours.get(k).cloned(), names.into_iter())?;
        let credentials = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
        config.tls = in_credentials(config.tls, credentials.as_deref());
        Ok(config)
    }

    fn load_from(
        args: &ConfigArgs,
        env: impl Fn(&str) -> Option<String>,
        env_names: impl Iterator<Item = String>,
    ) -> Result<Config, ConfigError> {
        for name in env_names.filter(|k| k.starts_with("LATCHKEY_")) {
            if !ENV_KEYS.contains(&name.as_str()) && !backup::ENV_KEYS.contains(&name.as_str()) {
                return fail(format!("unknown environment variable {name}"));
            }
        }
        let path = args
            .config
            .clone()
            .or_else(|| env("LATCHKEY_CONFIG").map(PathBuf::from));
        let mut file = match &path {
            Some(p) => read_file(p)?,
            None => FileConfig::default(),
        };
        apply_env(&mut file, &env)?;
        apply_flags(&mut file, args);
        Ok(Config {
            config_file: path,
            ..validate(file)?
        })
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(1);
        ConfigError(format!(
            "config file {} line {line}: {}",
            path.display(),
            e.message()
        ))
    })
}

fn apply_env(f: &mut FileConfig, env: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    let set = |slot: &mut Option<String>, key: &str| {
        if let Some(v) = env(key) {
            *slot = Some(v);
        }
    };
    set(&mut f.listen, "LATCHKEY_LISTEN");
    set(&mut f.public_url, "LATCHKEY_PUBLIC_URL");
    set(&mut f.log_level, "LATCHKEY_LOG_LEVEL");
    set(&mut f.log_format, "LATCHKEY_LOG_FORMAT");
    if let Some(v) = env("LATCHKEY_TRUSTED_PROXIES") {
        f.trusted_proxies = Some(network::comma_list(&v));
    }
    set(&mut f.tls.mode, "LATCHKEY_TLS_MODE");
    let path = |slot: &mut Option<PathBuf>, key: &str| {
        if let Some(v) = env(key) {
            *slot = Some(PathBuf::from(v));
        }
    };
    path(&mut f.data_dir, "LATCHKEY_DATA_DIR");
    path(&mut f.tls.cert_file, "LATCHKEY_TLS_CERT_FILE");
    path(&mut f.tls.key_file, "LATCHKEY_TLS_KEY_FILE");
    path(&mut f.outbound.ca_file, "LATCHKEY_OUTBOUND_CA_FILE");
    if let Some(v) = env("LATCHKEY_OUTBOUND_ALLOW_CIDRS") {
        f.outbound.allow_cidrs = Some(network::comma_list(&v));
    }
    path(&mut f.ui.templates_dir, "LATCHKEY_UI_TEMPLATES_DIR");
    number(
        env,
        "LATCHKEY_STORE_FLUSH_INTERVAL_MS",
        &mut f.store.flush_interval_ms,
    )?;
    boolean(env, "LATCHKEY_METRICS_PUBLIC", &mut f.metrics.public)?;
    boolean(env, "LATCHKEY_ADMIN_REQUIRE_MFA", &mut f.admin.require_mfa)?;
    number(
        env,
        "LATCHKEY_PASSWORDS_MIN_LENGTH",
        &mut f.passwords.min_length,
    )?;
    number(
        env,
        "LATCHKEY_KEYS_ROTATION_DAYS",
        &mut f.keys.rotation_days,
    )?;
    number(
        env,
        "LATCHKEY_AUDIT_RETENTION_DAYS",
        &mut f.audit.retention_days,
    )?;
    f.backup.apply_env(env)?;
    apply_env_limits(&mut f.limits, env)?;
    apply_env_rate_limits(&mut f.rate_limits, env)
}

fn apply_env_limits(
    l: &mut FileLimits,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    number(
        env,
        "LATCHKEY_LIMITS_MAX_CONNECTIONS",
        &mut l.max_connections,
    )?;
    number(
        env,
        "LATCHKEY_LIMITS_MAX_CONNECTIONS_PER_ADDRESS",
        &mut l.max_connections_per_address,
    )?;
    number(
        env,
        "LATCHKEY_LIMITS_MAX_OUTBOUND_CALLS",
        &mut l.max_outbound_calls,
    )?;
    number(
        env,
        "LATCHKEY_LIMITS_IDLE_TIMEOUT_SECS",
        &mut l.idle_timeout_secs,
    )?;
    number(
        env,
        "LATCHKEY_LIMITS_MAX_HEADER_BYTES",
        &mut l.max_header_bytes,
    )?;
    number(
        env,
        "LATCHKEY_LIMITS_PENDING_AUTHORIZATIONS_PER_ADDRESS",
        &mut l.pending_authorizations_per_address,
    )?;
    number(
        env,
        "LATCHKEY_LIMITS_SIGN_INS_IN_FLIGHT_PER_ADDRESS",
        &mut l.sign_ins_in_flight_per_address,
    )
}

fn apply_env_rate_limits(
    r: &mut FileRateLimits,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    number(
        env,
        "LATCHKEY_RATE_LIMITS_FREE_FAILURES",
        &mut r.free_failures,
    )?;
    number(
        env,
        "LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_SUBJECT",
        &mut r.free_failures_per_subject,
    )?;
    number(
        env,
        "LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_ADDRESS",
        &mut r.free_failures_per_address,
    )?;
    number(
        env,
        "LATCHKEY_RATE_LIMITS_FIRST_DELAY_SECS",
        &mut r.first_delay_secs,
    )?;
    number(
        env,
        "LATCHKEY_RATE_LIMITS_MAX_DELAY_SECS",
        &mut r.max_delay_secs,
    )
}

/// Sets `slot` from the environment variable `key`, when it is set.
/// Reads the environment variable `key`, `true` or `false`, into `slot`.
fn boolean(
    env: &impl Fn(&str) -> Option<String>,
    key: &str,
    slot: &mut Option<bool>,
) -> Result<(), ConfigError> {
    if let Some(v) = env(key) {
        *slot = Some(match v.as_str() {
            "true" => true,
            "false" => false,
            _ => return fail(format!("{key}: `{v}` is not true or false")),
        });
    }
    Ok(())
}

fn number<T: std::str::FromStr>(
    env: &impl Fn(&str) -> Option<String>,
    key: &str,
    slot: &mut Option<T>,
) -> Result<(), ConfigError> {
    if let Some(v) = env(key) {
        *slot = Some(parse_number(&v, key)?);
    }
    Ok(())
}

fn parse_number<T: std::str::FromStr>(v: &str, key: &str) -> Result<T, ConfigError> {
    v.parse()
        .map_err(|_| ConfigError(format!("{key}: `{v}` is not a whole number")))
}

fn apply_flags(f: &mut FileConfig, a: &ConfigArgs) {
    if let Some(v) = &a.listen {
        f.listen = Some(v.clone());
    }
    if let Some(v) = &a.public_url {
        f.public_url = Some(v.clone());
    }
    if let Some(v) = &a.data_dir {
        f.data_dir = Some(v.clone());
    }
    if let Some(v) = &a.tls_mode {
        f.tls.mode = Some(v.clone());
    }
}

fn validate_rate_limits(r: &FileRateLimits) -> Result<crate::guard::Policy, ConfigError> {
    let default = crate::guard::Policy::default();
    let policy = crate::guard::Policy {
        free_failures: r.free_failures.unwrap_or(default.free_failures),
        free_failures_per_subject: r
            .free_failures_per_subject
            .unwrap_or(default.free_failures_per_subject),
        free_failures_per_address: r
            .free_failures_per_address
            .unwrap_or(default.free_failures_per_address),
        first_delay_secs: r.first_delay_secs.unwrap_or(default.first_delay_secs),
        max_delay_secs: r.max_delay_secs.unwrap_or(default.max_delay_secs),
    };
    if !(1..=1000).contains(&policy.free_failures) {
        return fail("[rate_limits] free_failures must be between 1 and 1000".into());
    }
    if !(policy.free_failures..=100_000).contains(&policy.free_failures_per_subject) {
        return fail(
            "[rate_limits] free_failures_per_subject must be between free_failures and 100000"
                .into(),
        );
    }
    if !(policy.free_failures..=100_000).contains(&policy.free_failures_per_address) {
        return fail(
            "[rate_limits] free_failures_per_address must be between free_failures and 100000"
                .into(),
        );
    }
    if !(1..=3600).contains(&policy.first_delay_secs) {
        return fail("[rate_limits] first_delay_secs must be between 1 and 3600".into());
    }
    if !(policy.first_delay_secs..=86_400).contains(&policy.max_delay_secs) {
        return fail(
            "[rate_limits] max_delay_secs must be between first_delay_secs and 86400".into(),
        );
    }
    Ok(policy)
}

fn validate(f: FileConfig) -> Result<Config, ConfigError> {
    let listen_text = f.listen.as_deref().unwrap_or("127.0.0.1:8443");
    let Ok(listen) = listen_text.parse::<SocketAddr>() else {
        return fail(format!(
            "listen: `{listen_text}` is not an IP address and port like 127.0.0.1:8443"
        ));
    };
    let (public_url, public_host) =
        network::public_url(f.public_url.as_deref().unwrap_or("https://localhost:8443"))?;
    let flush_interval_ms = f.store.flush_interval_ms.unwrap_or(500);
    if !(1..=60_000).contains(&flush_interval_ms) {
        return fail("[store] flush_interval_ms must be between 1 and 60000".into());
    }
    let max_connections = f.limits.max_connections.unwrap_or(1024);
    if !(1..=1_000_000).contains(&max_connections) {
        return fail("[limits] max_connections must be between 1 and 1000000".into());
    }
    let max_connections_per_address = f.limits.max_connections_per_address.unwrap_or(256);
    if !(1..=1_000_000).contains(&max_connections_per_address) {
        return fail("[limits] max_connections_per_address must be between 1 and 1000000".into());
    }
    let max_outbound_calls = f.limits.max_outbound_calls.unwrap_or(64);
    if !(1..=4096).contains(&max_outbound_calls) {
        return fail("[limits] max_outbound_calls must be between 1 and 4096".into());
    }
    let idle_timeout_secs = f.limits.idle_timeout_secs.unwrap_or(60);
    if !(1..=3600).contains(&idle_timeout_secs) {
        return fail("[limits] idle_timeout_secs must be between 1 and 3600".into());
    }
    let max_header_bytes = f.limits.max_header_bytes.unwrap_or(16 * 1024);
    if !(8192..=1024 * 1024).contains(&max_header_bytes) {
        return fail("[limits] max_header_bytes must be between 8192 and 1048576".into());
    }
    let pending_authorizations_per_address =
        f.limits.pending_authorizations_per_address.unwrap_or(300);
    if !(1..=1_000_000).contains(&pending_authorizations_per_address) {
        return fail(
            "[limits] pending_authorizations_per_address must be between 1 and 1000000".into(),
        );
    }
    let sign_ins_in_flight_per_address = f.limits.sign_ins_in_flight_per_address.unwrap_or(50);
    if !(1..=100_000).contains(&sign_ins_in_flight_per_address) {
        return fail("[limits] sign_ins_in_flight_per_address must be between 1 and 100000".into());
    }
    let data_dir = f.data_dir.unwrap_or_else(|| PathBuf::from("./data"));
    Ok(Config {
        listen,
        public_url,
        public_host,
        backup: f.backup.validate(&data_dir)?,
        data_dir,
        config_file: None,
        tls: validate_tls(f.tls)?,
        flush_interval_ms,
        max_connections,
        max_connections_per_address,
        idle_timeout: std::time::Duration::from_secs(idle_timeout_secs),
        max_header_bytes,
        pending_authorizations_per_address,
        sign_ins_in_flight_per_address,
        rate_limits: validate_rate_limits(&f.rate_limits)?,
        max_outbound_calls,
        audit_retention_days: match f.audit.retention_days.unwrap_or(365) {
            d if d <= 36_500 => d,
            _ => {
                return fail(
                    "[audit] retention_days must be at most 36500 (0 keeps events forever)".into(),
                );
            }
        },
        key_rotation_days: match f.keys.rotation_days.unwrap_or(90) {
            d if d <= 3650 => d,
            _ => {
                return fail(
                    "[keys] rotation_days must be at most 3650 (0 rotates only on request)".into(),
                );
            }
        },
        trusted_proxies: network::trusted_proxies(f.trusted_proxies.unwrap_or_default())?,
        log_level: validate_log_level(f.log_level.as_deref().unwrap_or("info"))?,
        metrics_public: f.metrics.public.unwrap_or(false),
        admin_require_mfa: f.admin.require_mfa.unwrap_or(false),
        ui_templates_dir: f.ui.templates_dir,
        passwords: passwords::validate(&f.passwords)?,
        outbound_ca_pem: f
            .outbound
            .ca_file
            .as_deref()
            .map(network::read_ca_file)
            .transpose()?,
        outbound_allow_cidrs: network::allow_cidrs(f.outbound.allow_cidrs.unwrap_or_default())?,
        log_json: match f.log_format.as_deref().unwrap_or("text") {
            "text" => false,
            "json" => true,
            other => return fail(format!("log_format: `{other}` is not text or json")),
        },
    })
}

fn validate_tls(t: FileTls) -> Result<TlsMode, ConfigError> {
    match t.mode.as_deref().unwrap_or("self-signed") {
        "self-signed" => Ok(TlsMode::SelfSigned),
        "off" => Ok(TlsMode::Off),
        "files" => match (t.cert_file, t.key_file) {
            (Some(cert_file), Some(key_file)) => Ok(TlsMode::Files {
                cert_file,
                key_file,
            }),
            (None, _) => fail("[tls] cert_file is required when [tls] mode is \"files\"".into()),
            (_, None) => fail("[tls] key_file is required when [tls] mode is \"files\"".into()),
        },
        other => fail(format!(
            "[tls] mode: `{other}` is not one of self-signed, files, off"
        )),
    }
}

/// `[tls] cert_file` and `key_file` as systemd's `LoadCredential=` hands them over: a
/// relative path names a file in `$CREDENTIALS_DIRECTORY` when that is set, so files
/// only root may read (Let's Encrypt's) reach a `DynamicUser` service.
fn in_credentials(tls: TlsMode, credentials: Option<&Path>) -> TlsMode {
    match (tls, credentials) {
        (
            TlsMode::Files {
                cert_file,
                key_file,
            },
            Some(dir),
        ) => {
            let resolve = |p: PathBuf| if p.is_relative() { dir.join(p) } else { p };
            TlsMode::Files {
                cert_file: resolve(cert_file),
                key_file: resolve(key_file),
            }
        }
        (tls, _) => tls,
    }
}

fn validate_log_level(text: &str) -> Result<String, ConfigError> {
    const LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];
    let level = |l: &str| LEVELS.contains(&l.to_ascii_lowercase().as_str());
    for directive in text.split(',').map(str::trim) {
        let ok = match directive.split_once('=') {
            None => level(directive),
            Some((target, l)) => !target.is_empty() && level(l),
        };
        if !ok {
            return fail(format!(
                "log_level: `{directive}` is not a level (error, warn, info, debug, trace) or TARGET=LEVEL, as in `info,latchkey::http=debug`"
            ));
        }
    }
    tracing_subscriber::EnvFilter::try_new(text)
        .map(|_| text.to_owned())
        .map_err(|e| ConfigError(format!("log_level: `{text}`: {e}")))
}

#[cfg(test)]
mod tests;
