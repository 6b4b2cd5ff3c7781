//! `POST /v2/admin/backup`: a consistent snapshot of the running store. It is written
//! first to a temporary file in the data dir (unlinked at once, so a crash leaves
//! nothing behind), while writers wait for the disk only, never for the network; the
//! caller then streams the file. The snapshot is what `latchkey backup` writes.

use super::{AdminError, Ctx};
use crate::audit::{AuditEvent, AuditKind};
use crate::crypto::random;
use crate::store::StoreError;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

fn io(e: std::io::Error) -> AdminError {
    AdminError::Backup(e.to_string())
}

/// Takes the snapshot; returns the file, rewound, and how many records it holds.
pub fn snapshot(ctx: &Ctx<'_>, data_dir: &Path) -> Result<(File, u64), AdminError> {
    ctx.appliance_only("a backup")?;
    let path = data_dir.join(format!("backup-{}.tmp", random::uuid()?));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(io)?;
    std::fs::remove_file(&path).map_err(io)?;
    let records = audited_export(ctx, &mut BufWriter::new(&mut file))?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok((file, records))
}

/// Audits a backup and writes it to `out`; returns how many records it holds. The audit
/// event comes first, so the backup records its own making.
pub fn audited_export(ctx: &Ctx<'_>, out: &mut impl Write) -> Result<u64, AdminError> {
    let event = AuditEvent::new(ctx.now, AuditKind::BackupCreated, &ctx.actor);
    ctx.store.transaction(|tx| tx.audit::<StoreError>(&event))?;
    let records = ctx
        .store
        .export_snapshot(&ctx.master.bytes_for_backup(), out)
        .map_err(|e| AdminError::Backup(e.to_string()))?;
    out.flush().map_err(io)?;
    Ok(records)
}
