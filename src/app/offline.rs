//! Commands that work on the data dir of a stopped server: backup, restore and offline
//! administration. The data dir lock refuses them while a server runs.

use super::AppError;
use crate::admin::{self, AdminError, Ctx};
use crate::audit::Actor;
use crate::cli::AdminCommand;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::self_signed::GeneratedCert;
use crate::datadir::{DataDir, DataDirError};
use crate::store::backup::TlsFiles;
use crate::store::{self, Store};
use crate::types::AdminRole;
use std::io::{BufRead, Write};
use std::path::Path;

/// Says what to do instead when an offline command found the data dir locked, which
/// means a server runs on it: `instead` names the way that works while it runs.
pub fn while_serving(result: Result<(), AppError>, instead: &str) -> Result<(), AppError> {
    match result {
        Err(AppError::DataDir(DataDirError::Locked(dir))) => Err(AppError::Usage(format!(
            "data dir {} is in use by another latchkey process, most likely the running server: {instead}",
            dir.display()
        ))),
        other => other,
    }
}

/// `latchkey backup`: the snapshot goes to stdout, a summary to the log.
pub fn backup(config: &Config, include_tls: bool) -> Result<(), AppError> {
    let dir = DataDir::open(&config.data_dir)?;
    if !dir.is_initialised()? {
        return Err(AppError::Usage(format!(
            "{} holds no latchkey data to back up",
            config.data_dir.display()
        )));
    }
    let master = dir.master_key_bytes()?;
    let tls = match include_tls {
        true => Some(tls_to_carry(&dir)?),
        false => None,
    };
    let store = Store::open(&dir.store_path(), config.flush_interval_ms)?;
    if let Err(e) = make_stdout_private() {
        tracing::warn!(
            "could not make the backup file mode 0600 ({e}); it holds the master key, keep it private"
        );
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let records = store.export(&master, tls.as_ref(), &mut out)?;
    match tls {
        Some(_) => tracing::info!("backup: {records} records and the TLS files written"),
        None => tracing::info!("backup: {records} records written"),
    }
    Ok(())
}

/// The data dir's self-signed TLS files, for `backup --include-tls`.
fn tls_to_carry(dir: &DataDir) -> Result<TlsFiles, AppError> {
    let files = dir.read_tls_files()?.ok_or_else(|| {
        AppError::Usage(format!(
            "--include-tls: {} holds no self-signed TLS files (with [tls] mode = \"files\" the certificate lives outside the data dir)",
            dir.tls_cert_path().display()
        ))
    })?;
    Ok(TlsFiles {
        ca_pem: files.ca_pem,
        cert_pem: files.cert_pem,
        key_pem: files.key_pem,
    })
}

/// When stdout is a file (`latchkey backup > FILE`), makes it 0600 before anything is
/// written to it: the shell created it with its own umask, and a backup is as secret as
/// the data dir.
fn make_stdout_private() -> std::io::Result<()> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::PermissionsExt;
    let out = std::fs::File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
    if out.metadata()?.is_file() {
        out.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// `latchkey restore`: loads a snapshot into an empty data dir. It is built in a staging
/// dir inside the data dir (a sibling could not be created where the parent is not ours,
/// as under systemd's `StateDirectory`) and moved into place only once every record has
/// been read and decoded; a failure takes away everything the attempt added.
pub fn restore(config: &Config, file: &Path) -> Result<(), AppError> {
    let input = std::fs::File::open(file)
        .map_err(|e| AppError::Usage(format!("{}: {e}", file.display())))?;
    let dir = DataDir::open(&config.data_dir)?;
    if !dir.is_empty()? {
        return Err(AppError::Usage(format!(
            "{} is not empty: restore only into an empty data dir",
            config.data_dir.display()
        )));
    }
    if let Err(e) = restore_staged(&dir, input, config.flush_interval_ms) {
        if let Err(cleanup) = dir.discard() {
            tracing::error!("could not take away what the failed restore added: {cleanup}");
        }
        return Err(e);
    }
    tracing::info!(
        "restored {} into {}",
        file.display(),
        config.data_dir.display()
    );
    Ok(())
}

/// Imports `input` into a staging dir, closes the store, and moves it into place.
fn restore_staged(dir: &DataDir, input: std::fs::File, flush_ms: u64) -> Result<(), AppError> {
    let staging = dir.stage()?;
    let store = Store::open(&staging.store_path(), flush_ms)?;
    let carried = store.import(&mut std::io::BufReader::new(input))?;
    staging.write_master_key(&carried.master_key)?;
    if let Some(tls) = carried.tls {
        check_tls(&tls)?;
        staging.write_tls_files(&GeneratedCert {
            ca_pem: tls.ca_pem,
            cert_pem: tls.cert_pem,
            key_pem: tls.key_pem,
        })?;
    }
    store.flush_blocking()?;
    drop(store);
    store::checkpoint(&staging.store_path())?;
    dir.commit(staging)?;
    Ok(())
}

/// Refuses TLS files that `serve` could not use: a certificate and a key must be there.
fn check_tls(tls: &TlsFiles) -> Result<(), AppError> {
    let unusable = |why: String| AppError::Usage(format!("the backup's TLS files: {why}"));
    let certs = crate::crypto::pem::certificates(tls.cert_pem.as_bytes()).map_err(unusable)?;
    if certs.is_empty() {
        return Err(unusable("cert.pem holds no certificate".into()));
    }
    crate::crypto::pem::private_key(tls.key_pem.as_bytes()).map_err(unusable)?;
    Ok(())
}

/// `latchkey verify-backup FILE`: reads the whole file as a restore would, and prints
/// what it holds; any problem is the error a restore of it would end with.
pub fn verify_backup(file: &Path) -> Result<(), AppError> {
    let input = std::fs::File::open(file)
        .map_err(|e| AppError::Usage(format!("{}: {e}", file.display())))?;
    let verified = store::backup::verify(&mut std::io::BufReader::new(input))?;
    crate::crypto::seal::MasterKey::from_bytes(&verified.master_key).map_err(|_| {
        AppError::Usage(format!(
            "{}: its sealing key is not a latchkey master key",
            file.display()
        ))
    })?;
    let total: u64 = verified.records.iter().map(|(_, n)| n).sum();
    let trees: Vec<String> = verified
        .records
        .iter()
        .map(|(tree, n)| format!("{tree} {n}"))
        .collect();
    let mut stdout = std::io::stdout();
    writeln!(
        stdout,
        "{}: a whole latchkey backup (schema {}) of {total} records, with its sealing key{}; it can be restored\n{}",
        file.display(),
        verified.schema,
        match verified.tls {
            Some(_) => " and the self-signed TLS files",
            None => "",
        },
        trees.join(", ")
    )
    .map_err(AppError::Runtime)
}

/// `latchkey admin …`.
pub fn admin(config: &Config, command: AdminCommand) -> Result<(), AppError> {
    let dir = DataDir::open(&config.data_dir)?;
    if !dir.is_initialised()? {
        return Err(AppError::Usage(format!(
            "{} is not initialised: run `latchkey init` first",
            config.data_dir.display()
        )));
    }
    let master = dir.master_key()?;
    let store = Store::open(&dir.store_path(), config.flush_interval_ms)?;
    let ctx = Ctx {
        store: &store,
        master: &master,
        now: Clock::system().now(),
        actor: Actor::System,
        role: crate::types::AdminRole::Appliance,
        public_url: &config.public_url,
        passwords: config.passwords,
        destinations: &Default::default(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(AppError::Runtime)?;
    let line = runtime.block_on(run_admin(&ctx, command))?;
    store.flush_blocking()?;
    drop(store);
    store::checkpoint(&dir.store_path())?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{line}").map_err(AppError::Runtime)
}

/// Runs one admin command and returns the line to print.
async fn run_admin(ctx: &Ctx<'_>, command: AdminCommand) -> Result<String, AppError> {
    match command {
        AdminCommand::CreateToken { label, role } => {
            let role = match role.as_str() {
                "metrics" => AdminRole::Metrics,
                _ => AdminRole::Appliance,
            };
            let (_, token) = admin::tokens::create(ctx, &label, role)?;
            Ok(token.expose().to_owned())
        }
        AdminCommand::SetPassword { username } => {
            let account = ctx
                .store
                .account_by_username(&username)?
                .ok_or_else(|| AdminError::NotFound(format!("no account named `{username}`")))?;
            let patch = admin::accounts::AccountPatch {
                password: Some(Some(read_password()?)),
                ..Default::default()
            };
            admin::accounts::patch(ctx, &account.id, &patch).await?;
            Ok(format!("password set for {}", account.username))
        }
        AdminCommand::CreateAccount {
            username,
            email,
            admin,
            password_stdin,
        } => {
            let new = admin::accounts::NewAccount {
                username,
                email,
                name: None,
                password: if password_stdin {
                    Some(read_password()?)
                } else {
                    None
                },
                admin: Some(admin),
                role: None,
                ..Default::default()
            };
            Ok(admin::accounts::create(ctx, &new).await?.id)
        }
        AdminCommand::ImportAccounts { file } => {
            let imported = if file.as_os_str() == "-" {
                admin::import::import(ctx, std::io::stdin().lock()).await?
            } else {
                let opened = std::fs::File::open(&file)
                    .map_err(|e| AppError::Usage(format!("cannot read {}: {e}", file.display())))?;
                admin::import::import(ctx, std::io::BufReader::new(opened)).await?
            };
            Ok(format!("imported {imported} accounts"))
        }
    }
}

/// The first line of stdin, without its line ending.
fn read_password() -> Result<String, AppError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(AppError::Runtime)?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err(AppError::Usage("no password on stdin".into()));
    }
    Ok(password)
}
