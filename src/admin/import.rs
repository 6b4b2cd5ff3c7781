//! Bulk import of accounts from JSON Lines, offline: a migration from another IdP, or a
//! store pre-filled for a benchmark. Passwords come as argon2id PHC strings already
//! hashed elsewhere, so a million rows cost no hashing; rows are written a thousand to a
//! transaction, each batch with one audit event.

use super::accounts::{NewAccount, prepare, username_free};
use super::{AdminError, Ctx};
use crate::audit::{AuditEvent, AuditKind};
use serde::Deserialize;
use std::io::BufRead;

/// Rows per transaction.
const BATCH: usize = 1000;

/// One line of the import file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportedAccount {
    username: String,
    email: Option<String>,
    name: Option<String>,
    /// An argon2id PHC string (`$argon2id$v=19$…`), as another system stored it.
    password_hash: Option<String>,
}

fn argon2id_phc(line: usize, phc: &str) -> Result<String, AdminError> {
    match crate::crypto::password::acceptable_phc(phc) {
        true => Ok(phc.to_owned()),
        false => Err(AdminError::invalid(
            "password_hash",
            format!(
                "line {line}: must be an argon2id PHC string ($argon2id$v=19$…) with a salt, \
                 at most 256 MiB of memory, 10 passes and 8 lanes"
            ),
        )),
    }
}

/// Imports every line of `lines`; returns how many accounts were created. A bad line
/// stops the import with its line number; batches before it stay written.
pub async fn import(ctx: &Ctx<'_>, lines: impl BufRead) -> Result<usize, AdminError> {
    let mut batch = Vec::with_capacity(BATCH);
    let mut imported = 0;
    for (index, line) in lines.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|e| AdminError::invalid("file", format!("line {number}: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let row: ImportedAccount = serde_json::from_str(&line)
            .map_err(|e| AdminError::invalid("file", format!("line {number}: {e}")))?;
        let new = NewAccount {
            username: row.username,
            email: row.email,
            name: row.name,
            password: None,
            ..NewAccount::default()
        };
        let mut account = prepare(ctx, &new).await?;
        account.password_hash = row
            .password_hash
            .map(|phc| argon2id_phc(number, &phc))
            .transpose()?;
        batch.push(account);
        if batch.len() == BATCH {
            imported += write(ctx, &mut batch)?;
        }
    }
    Ok(imported + write(ctx, &mut batch)?)
}

fn write(
    ctx: &Ctx<'_>,
    batch: &mut Vec<crate::store::accounts::Account>,
) -> Result<usize, AdminError> {
    if batch.is_empty() {
        return Ok(0);
    }
    let event = AuditEvent::new(ctx.now, AuditKind::AccountsImported, &ctx.actor)
        .detail(&format!("{} accounts", batch.len()));
    ctx.store.transaction(|tx| {
        for account in batch.iter() {
            username_free(tx, &account.username, &account.id)?;
            tx.put_account(account)?;
        }
        tx.audit(&event)
    })?;
    let written = batch.len();
    batch.clear();
    Ok(written)
}
