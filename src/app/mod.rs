//! Composition root: opens the data dir, store and keys, builds the state, runs the
//! server and handles signals. The only module that knows every other. The offline
//! commands (backup, restore, admin) are in `offline`, the error every command returns
//! in `error`.

use crate::admin;
use crate::audit::Actor;
use crate::cli::{Cli, Command, TlsCommand};
use crate::clock::Clock;
use crate::config::{Config, ConfigError, TlsMode};
use crate::crypto::{self, seal::MasterKey};
use crate::datadir::DataDir;
use crate::http;
use crate::state::State;
use crate::store::Store;
use crate::types::TenantId;
use std::sync::Arc;

mod backups;
mod courier;
mod error;
mod offline;
mod systemd;

pub use error::AppError;

/// Runs a command to completion.
pub fn run(cli: Cli) -> Result<(), AppError> {
    match cli.command {
        Command::Serve(args) => serve(Config::load(&args)?),
        Command::Init(args) => offline::while_serving(
            init(&Config::load(&args)?),
            "stop it first, or while it runs create admin tokens in the admin UI or with POST /v2/admin/tokens",
        ),
        Command::CheckConfig(args) => check_config(&Config::load(&args)?),
        Command::Backup { args, include_tls } => offline::while_serving(
            with_logging(&Config::load(&args)?, |c| offline::backup(c, include_tls)),
            "stop it first, or while it runs take a backup with the admin UI's Download backup or POST /v2/admin/backup",
        ),
        Command::Restore { args, file } => offline::while_serving(
            with_logging(&Config::load(&args)?, |c| offline::restore(c, &file)),
            "a restore needs a stopped server and an empty data dir",
        ),
        Command::VerifyBackup { file } => offline::verify_backup(&file),
        Command::Man => {
            use clap::CommandFactory;
            let page = crate::cli::man::page(&Cli::command());
            std::io::Write::write_all(&mut std::io::stdout(), page.as_bytes())
                .map_err(AppError::Runtime)
        }
        Command::Tls {
            command: TlsCommand::Regenerate(args),
        } => offline::while_serving(
            with_logging(&Config::load(&args)?, regenerate_tls),
            "stop it first; the certificate is replaced only while no server uses it",
        ),
        Command::Admin { args, command } => offline::while_serving(
            with_logging(&Config::load(&args)?, |c| offline::admin(c, command)),
            "stop it first, or while it runs use the admin UI or the management API (/v2/admin) instead",
        ),
    }
}

fn with_logging(
    config: &Config,
    f: impl FnOnce(&Config) -> Result<(), AppError>,
) -> Result<(), AppError> {
    init_logging(config);
    f(config)
}

fn init_logging(config: &Config) {
    use std::io::IsTerminal;
    // sled and ureq log through the `log` crate. Their warnings (a store repaired at
    // open, say) belong in our log; their debug chatter does not, and ureq's would carry
    // request headers. rustls warns about every odd handshake, which any client could
    // use to fill the log; a failed handshake is already a debug line of ours.
    let _ = tracing_log::LogTracer::builder()
        .with_max_level(tracing_log::log::LevelFilter::Warn)
        .ignore_crate("rustls")
        .init();
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter(
            &config.log_level,
        )));
    if config.log_json {
        builder.json().flatten_event(true).init();
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

/// The log filter of `log_level`. webauthn-rs logs at error level what any browser can
/// send (a tampered assertion, a changed backup flag), which would let anyone fill the
/// log with alarms; a refused passkey is audited `mfa.failed` by us instead. Its lines
/// stay off unless `log_level` names the crate, for troubleshooting.
fn filter(log_level: &str) -> String {
    if log_level.contains("webauthn") {
        log_level.to_owned()
    } else {
        format!("{log_level},webauthn_rs=off,webauthn_rs_core=off")
    }
}

/// The data dir, opened, locked and initialised.
struct Opened {
    dir: DataDir,
    store: Arc<Store>,
    master: MasterKey,
}

/// Everything `serve` and `init` do to an empty data dir; idempotent.
fn initialise(config: &Config, clock: &Clock) -> Result<Opened, AppError> {
    let dir = DataDir::open(&config.data_dir)?;
    if !dir.is_initialised()? {
        dir.create_master_key()?;
    }
    let master = dir.master_key()?;
    let store = Arc::new(Store::open(&dir.store_path(), config.flush_interval_ms)?);
    admin::keys::ensure_signing_keys(&store, &master, clock.now())?;
    if store.is_fresh() {
        let default = TenantId::parse("default").map_err(|e| ConfigError(e.to_string()))?;
        admin::tenants::ensure_tenant(&store, &default, "Default", clock.now())?;
    }
    if config.tls == TlsMode::SelfSigned {
        ensure_self_signed(&dir, config, clock)?;
    }
    store.flush_blocking()?;
    Ok(Opened { dir, store, master })
}

/// The one line that says what this process is and what it serves from.
fn log_start(config: &Config) {
    let tls = match &config.tls {
        TlsMode::SelfSigned => "self-signed".to_owned(),
        TlsMode::Files { cert_file, .. } => format!("files ({})", cert_file.display()),
        TlsMode::Off => "off".to_owned(),
    };
    let file = config.config_file.as_ref().map_or_else(
        || "none (defaults, environment and flags)".to_owned(),
        |f| f.display().to_string(),
    );
    tracing::info!(
        "latchkey {} starting: public URL {}, TLS {tls}, data dir {}, config file {file}",
        crate::cli::VERSION,
        config.public_url,
        config.data_dir.display()
    );
}

/// Makes the self-signed TLS files on first start; later starts keep them, whatever
/// version made them, and only warn when they do not name the public host.
fn ensure_self_signed(dir: &DataDir, config: &Config, clock: &Clock) -> Result<(), AppError> {
    let cert = dir.tls_cert_path();
    if cert.exists() {
        if !http::tls::certificate_covers(&cert, &config.public_host, clock.now())? {
            tracing::warn!(
                "the self-signed certificate {} does not cover {}; run `latchkey tls regenerate` with the server stopped, or use [tls] mode = \"files\"",
                cert.display(),
                config.public_host
            );
        }
        return Ok(());
    }
    make_self_signed(dir, config, clock)?;
    tracing::info!(
        "generated a self-signed TLS certificate {} signed by a local CA {}: clients trust either file",
        cert.display(),
        dir.tls_ca_path().display()
    );
    Ok(())
}

/// A new local CA and server certificate for the loopback names and the public host.
fn make_self_signed(dir: &DataDir, config: &Config, clock: &Clock) -> Result<(), AppError> {
    let mut hosts = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if !hosts.contains(&config.public_host) {
        hosts.push(config.public_host.clone());
    }
    let generated = crypto::self_signed::generate(&hosts, clock.now())?;
    dir.write_tls_files(&generated)?;
    Ok(())
}

/// `latchkey tls regenerate`: a new local CA and server certificate in place of the
/// old ones. The data dir's lock keeps a running server from being changed under.
fn regenerate_tls(config: &Config) -> Result<(), AppError> {
    if config.tls != TlsMode::SelfSigned {
        return Err(AppError::Usage(
            "[tls] mode is not self-signed, so the data dir's TLS files are not served".into(),
        ));
    }
    let dir = DataDir::open(&config.data_dir)?;
    make_self_signed(&dir, config, &Clock::system())?;
    tracing::info!(
        "made a new local CA {} and a server certificate {} it signed: clients must trust the new CA",
        dir.tls_ca_path().display(),
        dir.tls_cert_path().display()
    );
    Ok(())
}

/// The appliance without its listener: the shared state every request sees, and the
/// data dir, locked while this lives. `serve` puts HTTP on it; property tests and fuzz
/// targets drive the domain through it directly.
pub struct Appliance {
    /// What every request handler is given.
    pub state: Arc<State>,
    dir: DataDir,
}

/// Opens the data dir of `config` (initialising it when empty) and assembles the state,
/// exactly as `serve` does before it listens.
pub fn open(config: Config, clock: Clock) -> Result<Appliance, AppError> {
    let opened = initialise(&config, &clock)?;
    write_first_admin_token(&opened, &clock)?;
    let keys = admin::keys::load_key_set(&opened.store, &opened.master)?;
    let swept = opened.store.sweep_orphans()?;
    if swept > 0 {
        tracing::info!("removed {swept} records left by deleted tenants");
    }
    let Opened { store, master, dir } = opened;
    let ui = crate::ui::Ui::new(config.ui_templates_dir.as_deref())
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let dummy_hash = crypto::password::unmatchable()?;
    let state = State::new(config, store, clock, master, keys, ui, dummy_hash)
        .map_err(|e| AppError::Usage(e.to_string()))?;
    if !state.passkeys.available() {
        tracing::warn!(
            "passkeys are unavailable: the public URL's host {} is an IP address, and WebAuthn needs a host name",
            state.config.public_host
        );
    }
    let state = Arc::new(state);
    Ok(Appliance { state, dir })
}

fn serve(config: Config) -> Result<(), AppError> {
    init_logging(&config);
    log_start(&config);
    let Appliance { state, dir } = open(config, Clock::system())?;
    let cert = tls_certificate(&state.config, &dir)?;
    let acceptor = cert.clone().map(http::tls::acceptor).transpose()?;
    let kept = Arc::clone(&state);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(crate::store::release_deferred)
        .build()
        .map_err(AppError::Runtime)?;
    let store_dir = dir.store_path();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(state.config.listen)
            .await
            .map_err(|source| AppError::Listen {
                addr: state.config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(AppError::Runtime)?;
        // Signals are handled before the line that tells supervisors and tests the
        // server is up, so a stop sent right after it ends the process cleanly.
        let signalled = shutdown_signal()?;
        let shutdown = async move {
            tokio::select! {
                () = signalled => {}
                () = storage_recovered(store_dir) => {}
            }
            systemd::stopping();
        };
        if let Some(cert) = cert {
            spawn_reload_on_sighup(cert)?;
        }
        tracing::info!("listening on {addr}");
        systemd::ready();
        systemd::spawn_watchdog();
        tokio::spawn(sweep_expired_grants(Arc::clone(&state)));
        tokio::spawn(watch_certificate_expiry(Arc::clone(&state)));
        tokio::spawn(rotate_keys_on_schedule(Arc::clone(&state)));
        tokio::spawn(write_issued_audit(Arc::clone(&state)));
        tokio::spawn(courier::deliver_backchannel_logouts(Arc::clone(&state)));
        tokio::spawn(backups::take_on_schedule(Arc::clone(&state)));
        http::server::run(listener, acceptor, state, shutdown).await;
        Ok::<_, AppError>(())
    })?;
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    if crate::store::storage_fault() {
        // sled refuses every write since the fault; what it kept in memory is dropped
        // with the process, and the supervisor's restart opens the store from disk.
        return Err(AppError::StorageFault);
    }
    kept.write_issued_audit()?;
    kept.store.flush_blocking()?;
    drop(kept);
    // The next start then reads sled's snapshot instead of replaying this run's log.
    if let Err(e) = crate::store::checkpoint(&dir.store_path()) {
        tracing::warn!("could not leave a store snapshot for the next start: {e}");
    }
    tracing::info!("stopped");
    Ok(())
}

/// On first start, creates an admin token and writes it to `DIR/admin-token` (0600);
/// the log names the file, never the token.
fn write_first_admin_token(opened: &Opened, clock: &Clock) -> Result<(), AppError> {
    if !opened.store.admin_tokens(None, 1)?.is_empty() {
        return Ok(());
    }
    let (_, token) = admin::tokens::issue(
        &opened.store,
        "first admin token",
        crate::types::AdminRole::Appliance,
        clock.now(),
        &Actor::System,
    )?;
    opened.store.flush_blocking()?;
    if opened.dir.write_admin_token_once(&token)? {
        tracing::info!(
            "first admin token written to {}",
            opened.dir.admin_token_path().display()
        );
    }
    Ok(())
}

fn tls_certificate(
    config: &Config,
    dir: &DataDir,
) -> Result<Option<Arc<http::tls::ReloadableCert>>, AppError> {
    let load = http::tls::ReloadableCert::load;
    Ok(match &config.tls {
        TlsMode::SelfSigned => Some(load(dir.tls_cert_path(), dir.tls_key_path())?),
        TlsMode::Files {
            cert_file,
            key_file,
        } => Some(load(cert_file.clone(), key_file.clone())?),
        TlsMode::Off => {
            tracing::warn!(
                "TLS is off: serving plain HTTP; use this only behind a TLS-terminating proxy or on loopback"
            );
            None
        }
    })
}

/// Every flush interval, writes the queued token-issue audit events in one transaction,
/// so they reach disk with the tokens they describe.
async fn write_issued_audit(state: Arc<State>) {
    let every = std::time::Duration::from_millis(state.config.flush_interval_ms);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let state = Arc::clone(&state);
        match crate::store::run_blocking(move || state.write_issued_audit()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("writing token-issue audit events failed: {e}"),
            Err(_) => tracing::warn!("the token-issue audit writer stopped unexpectedly"),
        }
    }
}

/// How often expired codes, refresh tokens and families are removed.
const GRANT_SWEEP_SECS: u64 = 5;

/// Every [`GRANT_SWEEP_SECS`], removes expired codes, refresh tokens and families; every
/// minute also expired sign-ins, sessions and denylist entries, and audit events past
/// `[audit] retention_days`; all on the blocking pool.
async fn sweep_expired_grants(state: Arc<State>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(GRANT_SWEEP_SECS));
    for round in 0u64.. {
        tick.tick().await;
        let (store, now) = (Arc::clone(&state.store), state.clock.now());
        let retention = state.config.audit_retention_days * 86_400;
        let full = round % (60 / GRANT_SWEEP_SECS) == 0;
        let sweep = move || {
            if !full {
                return Ok((store.sweep_expired_grants(now)?, 0));
            }
            let swept = store.sweep_expired(now)?;
            let pruned = match retention {
                0 => 0,
                keep => store.prune_audit(now.saturating_sub(keep))?,
            };
            Ok::<_, crate::store::StoreError>((swept, pruned))
        };
        match crate::store::run_blocking(sweep).await {
            Ok(Ok((swept, pruned))) => {
                tracing::debug!("swept expired grants: {swept:?}; pruned {pruned} audit events")
            }
            Ok(Err(e)) => tracing::warn!("sweeping expired grants failed: {e}"),
            Err(_) => tracing::warn!("the sweep of expired grants stopped unexpectedly"),
        }
    }
}

/// Hourly: rotates the signing keys when the newest is `[keys] rotation_days` old, and
/// removes retired keys once every token they signed has expired.
async fn rotate_keys_on_schedule(state: Arc<State>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Err(e) = keys_maintenance(&state).await {
            tracing::warn!("scheduled signing-key maintenance failed: {e}");
        }
    }
}

async fn keys_maintenance(state: &State) -> Result<(), admin::AdminError> {
    let ctx = admin::Ctx {
        store: &state.store,
        master: &state.master,
        now: state.clock.now(),
        actor: Actor::System,
        role: crate::types::AdminRole::Appliance,
        public_url: &state.config.public_url,
        passwords: state.config.passwords,
        destinations: &state.destinations,
    };
    let every = state.config.key_rotation_days * 86_400;
    if every > 0 && admin::keys::rotation_due(ctx.store, ctx.now, every)? {
        state.set_keys(admin::keys::rotate(&ctx).await?);
        state.store.flush_durable().await?;
        tracing::info!("signing keys rotated on schedule");
    }
    let keep = admin::keys::longest_token_lifetime(ctx.store)?;
    if admin::keys::prune_retired(&ctx, keep)? > 0 {
        state.store.flush_durable().await?;
        state.set_keys(admin::keys::load_key_set(ctx.store, ctx.master)?);
        tracing::info!("retired signing keys whose tokens have expired were removed");
    }
    Ok(())
}

/// At start and then daily, warns in the log when the served certificate expires within
/// 30 days, and says so louder once it has expired.
async fn watch_certificate_expiry(state: Arc<State>) {
    const WARN_SECS: u64 = 30 * 86_400;
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(86_400));
    loop {
        tick.tick().await;
        let reader = Arc::clone(&state);
        let expiry = match tokio::task::spawn_blocking(move || reader.certificate_expiry()).await {
            Ok(Ok(e)) => e,
            Ok(Err(e)) => {
                tracing::warn!("cannot read the TLS certificate's expiry: {e}");
                None
            }
            Err(e) => {
                tracing::warn!("reading the TLS certificate's expiry stopped unexpectedly: {e}");
                None
            }
        };
        let now = state.clock.now();
        let advice = renewal_advice(&state.config.tls);
        match expiry {
            Some(at) if at <= now => tracing::error!(
                "the TLS certificate expired on {}: clients refuse it; {advice}",
                crate::clock::rfc3339(at)
            ),
            Some(at) if at < now + WARN_SECS => tracing::warn!(
                "the TLS certificate expires on {} (in {} days): {advice}",
                crate::clock::rfc3339(at),
                (at - now) / 86_400
            ),
            _ => {}
        }
    }
}

/// What renews the served certificate in `mode`.
fn renewal_advice(mode: &TlsMode) -> &'static str {
    match mode {
        TlsMode::SelfSigned => {
            "stop the server, run `latchkey tls regenerate` and have clients trust the new tls/ca.pem"
        }
        TlsMode::Files { .. } | TlsMode::Off => "install a new one and send SIGHUP",
    }
}

fn spawn_reload_on_sighup(cert: Arc<http::tls::ReloadableCert>) -> Result<(), AppError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = signal(SignalKind::hangup()).map_err(AppError::Runtime)?;
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            match cert.reload() {
                Ok(()) => tracing::info!("SIGHUP: TLS certificate reloaded"),
                Err(e) => tracing::error!("SIGHUP: keeping the old TLS certificate: {e}"),
            }
        }
    });
    Ok(())
}

/// How often a storage fault is looked for, and then whether the disk writes again.
const STORAGE_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// Resolves once the store has failed to write and a probe file of a few hundred KiB
/// can be written and synced in `store_dir` again: the moment to exit so that a restart
/// reopens the store. Until then the process stays up, answering 503.
async fn storage_recovered(store_dir: std::path::PathBuf) {
    let mut poll = tokio::time::interval(STORAGE_POLL);
    loop {
        poll.tick().await;
        if !crate::store::storage_fault() {
            continue;
        }
        let dir = store_dir.clone();
        match tokio::task::spawn_blocking(move || probe_write(&dir)).await {
            Ok(Ok(())) => {
                tracing::error!(
                    "the disk takes writes again: exiting so a restart reopens the store"
                );
                return;
            }
            Ok(Err(e)) => tracing::debug!("the disk still refuses writes: {e}"),
            Err(e) => tracing::debug!("the write probe did not run: {e}"),
        }
    }
}

/// Writes, syncs and removes a file as large as a sled log segment.
fn probe_write(dir: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let path = dir.join("write-probe");
    let written = std::fs::File::create(&path).and_then(|mut f| {
        f.write_all(&[0u8; 512 * 1024])?;
        f.sync_all()
    });
    let removed = std::fs::remove_file(&path);
    written.and(removed)
}

fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, AppError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(AppError::Runtime)?;
    let mut int = signal(SignalKind::interrupt()).map_err(AppError::Runtime)?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = int.recv() => tracing::info!("SIGINT received"),
        }
    })
}

fn init(config: &Config) -> Result<(), AppError> {
    init_logging(config);
    let clock = Clock::system();
    let opened = initialise(config, &clock)?;
    let (_, token) = admin::tokens::issue(
        &opened.store,
        "created by latchkey init",
        crate::types::AdminRole::Appliance,
        clock.now(),
        &Actor::System,
    )?;
    opened.store.flush_blocking()?;
    println!("{}", token.expose());
    Ok(())
}

fn check_config(config: &Config) -> Result<(), AppError> {
    match &config.tls {
        TlsMode::Files {
            cert_file,
            key_file,
        } => {
            http::tls::load_certified_key(cert_file, key_file)?;
        }
        TlsMode::SelfSigned => {
            let (cert, key) = (
                config.data_dir.join("tls/cert.pem"),
                config.data_dir.join("tls/key.pem"),
            );
            if cert.exists() {
                http::tls::load_certified_key(&cert, &key)?;
            }
        }
        TlsMode::Off => {}
    }
    println!(
        "configuration is valid: listen {}, public_url {}, data_dir {}",
        config.listen,
        config.public_url,
        config.data_dir.display()
    );
    Ok(())
}
