//! `[backup]`: where and how often the running server writes scheduled backups, and how
//! many it keeps (SPEC "Operations").

use super::{ConfigError, fail, number};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `[backup]` as a file or the environment gives it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileBackup {
    dir: Option<PathBuf>,
    interval_hours: Option<u64>,
    keep: Option<usize>,
}

/// The environment variables of `[backup]`.
pub(super) const ENV_KEYS: [&str; 3] = [
    "LATCHKEY_BACKUP_DIR",
    "LATCHKEY_BACKUP_INTERVAL_HOURS",
    "LATCHKEY_BACKUP_KEEP",
];

/// Scheduled online backups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSchedule {
    /// Where the backup files go (created 0700 when missing).
    pub dir: PathBuf,
    /// Hours between backups; 0 takes none.
    pub interval_hours: u64,
    /// How many scheduled backups are kept; older ones are deleted.
    pub keep: usize,
}

impl FileBackup {
    /// Takes the `LATCHKEY_BACKUP_*` variables over the file's keys.
    pub(super) fn apply_env(
        &mut self,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        if let Some(dir) = env("LATCHKEY_BACKUP_DIR") {
            self.dir = Some(PathBuf::from(dir));
        }
        number(
            env,
            "LATCHKEY_BACKUP_INTERVAL_HOURS",
            &mut self.interval_hours,
        )?;
        number(env, "LATCHKEY_BACKUP_KEEP", &mut self.keep)
    }

    /// The schedule; the backup dir defaults to `backups` in the data dir.
    pub(super) fn validate(self, data_dir: &Path) -> Result<BackupSchedule, ConfigError> {
        let interval_hours = self.interval_hours.unwrap_or(0);
        if interval_hours > 8760 {
            return fail(
                "[backup] interval_hours must be at most 8760 (a year; 0 takes no scheduled backups)"
                    .into(),
            );
        }
        let keep = self.keep.unwrap_or(7);
        if !(1..=1000).contains(&keep) {
            return fail("[backup] keep must be between 1 and 1000".into());
        }
        Ok(BackupSchedule {
            dir: self.dir.unwrap_or_else(|| data_dir.join("backups")),
            interval_hours,
            keep,
        })
    }
}
