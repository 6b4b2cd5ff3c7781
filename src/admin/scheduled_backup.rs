//! Scheduled backups (`[backup]`): the running server writes the same snapshot as
//! `POST /v2/admin/backup` into the backup dir, atomically (a temporary file, synced,
//! then renamed, so a crash never leaves a half file under a backup's name), mode 0600,
//! and keeps only the newest `keep` of its own files.

use super::{AdminError, Ctx};
use crate::clock::{UnixTime, rfc3339};
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::BufWriter;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Scheduled backups are `latchkey-<UTC time>.backup`; nothing else in the dir is
/// ever deleted.
const PREFIX: &str = "latchkey-";
const SUFFIX: &str = ".backup";
/// What a write in progress is called until it is complete.
const PARTIAL: &str = ".partial";

fn io(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> AdminError {
    let said = format!("{what} {}", path.display());
    move |e| AdminError::Backup(format!("{said}: {e}"))
}

/// The name of the backup taken at `now`; names sort in time order.
fn file_name(now: UnixTime) -> String {
    format!("{PREFIX}{}{SUFFIX}", rfc3339(now).replace(['-', ':'], ""))
}

/// Whether `name` is exactly what [`file_name`] makes (`latchkey-YYYYMMDDTHHMMSSZ.backup`):
/// retention counts and deletes only those, never a file an operator put beside them.
fn is_backup(name: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
    else {
        return false;
    };
    let b = stamp.as_bytes();
    b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
}

/// Writes a backup into `dir` (created 0700 when missing), then deletes the oldest of
/// the dir's scheduled backups beyond `keep`; returns the new file.
pub fn write(ctx: &Ctx<'_>, dir: &Path, keep: usize) -> Result<PathBuf, AdminError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io("cannot create the backup dir", dir))?;
    let name = file_name(ctx.now);
    let (done, partial) = (dir.join(&name), dir.join(format!(".{name}{PARTIAL}")));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(io("cannot create", &partial))?;
    if let Err(e) = fill(ctx, file, &partial).and_then(|()| publish(&partial, &done, dir)) {
        if let Err(cleanup) = std::fs::remove_file(&partial) {
            tracing::error!("cannot remove {}: {cleanup}", partial.display());
        }
        return Err(e);
    }
    prune(dir, keep)?;
    Ok(done)
}

/// Writes the snapshot (audited) into `file` and syncs it to disk.
fn fill(ctx: &Ctx<'_>, file: File, path: &Path) -> Result<(), AdminError> {
    let mut out = BufWriter::new(file);
    super::backup::audited_export(ctx, &mut out)?;
    let file = out
        .into_inner()
        .map_err(|e| io("cannot write", path)(e.into_error()))?;
    file.sync_all().map_err(io("cannot write", path))
}

/// Gives the complete file its name and makes the rename durable.
fn publish(partial: &Path, done: &Path, dir: &Path) -> Result<(), AdminError> {
    std::fs::rename(partial, done).map_err(io("cannot rename", partial))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("cannot sync", dir))
}

/// Deletes the oldest scheduled backups beyond `keep`, and what an interrupted write
/// left behind.
fn prune(dir: &Path, keep: usize) -> Result<(), AdminError> {
    let mut backups = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io("cannot list", dir))? {
        let name = entry.map_err(io("cannot list", dir))?.file_name();
        let Some(name) = name.to_str() else { continue };
        let partial_of = name.strip_prefix('.').and_then(|n| n.strip_suffix(PARTIAL));
        if partial_of.is_some_and(is_backup) {
            remove(&dir.join(name))?;
        } else if is_backup(name) {
            backups.push(name.to_owned());
        }
    }
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    for old in &backups[..excess] {
        remove(&dir.join(old))?;
    }
    Ok(())
}

fn remove(path: &Path) -> Result<(), AdminError> {
    std::fs::remove_file(path).map_err(io("cannot remove", path))
}

/// When the newest scheduled backup in `dir` was written, if there is one: the schedule
/// goes on from there after a restart.
pub fn newest(dir: &Path) -> Result<Option<UnixTime>, AdminError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("cannot list", dir)(e)),
    };
    let mut newest = None;
    for entry in entries {
        let entry = entry.map_err(io("cannot list", dir))?;
        if !entry.file_name().to_str().is_some_and(is_backup) {
            continue;
        }
        let modified = entry
            .metadata()
            .and_then(|m| m.modified())
            .map_err(io("cannot read", &entry.path()))?;
        let secs = modified
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        newest = newest.max(Some(secs));
    }
    Ok(newest)
}

#[cfg(test)]
mod tests {
    use super::{file_name, is_backup, prune};

    #[test]
    fn retention_counts_and_deletes_only_the_scheduled_backups() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            file_name(1_800_000_000),
            file_name(1_800_003_600),
            file_name(1_800_007_200),
        ];
        assert!(names.iter().all(|n| is_backup(n)), "{names:?}");
        let theirs = [
            "latchkey-pre-upgrade.backup",
            "latchkey-0-old.backup",
            "latchkey-20261207T210630.backup",
        ];
        for name in names.iter().map(String::as_str).chain(theirs) {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        prune(dir.path(), 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected: Vec<String> = theirs.iter().map(|s| s.to_string()).collect();
        expected.extend(names[1..].iter().cloned());
        expected.sort();
        assert_eq!(left, expected);
    }
}
