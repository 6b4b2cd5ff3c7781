//! The data directory's layout on disk: the lock, the master key, the store, the TLS
//! files and the first admin token. The master key and the store belong together: a
//! dir holding one without the other is refused, never initialised over.

use crate::crypto::seal::{MASTER_KEY_LEN, MasterKey};
use crate::crypto::self_signed::GeneratedCert;
use crate::crypto::{CryptoError, random};
use crate::types::Secret;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why the data dir cannot be used; each names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Another process holds the lock.
    #[error("data dir {0} is in use by another latchkey process (lock held on {0}/lock)")]
    Locked(PathBuf),
    /// The master key file is damaged.
    #[error("{path}: {source}")]
    MasterKey {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        source: CryptoError,
    },
    /// One of the two parts that belong together is there without the other.
    #[error(
        "data dir {root} is half there: it holds {present} but no {missing}; latchkey will not initialise over it (put {missing} back, or restore a backup into an empty data dir)"
    )]
    HalfThere {
        /// The data dir.
        root: PathBuf,
        /// The part found.
        present: &'static str,
        /// The part missing.
        missing: &'static str,
    },
}

/// An open, exclusively locked data directory.
pub struct DataDir {
    root: PathBuf,
    lock: File,
    /// What this open created, so that a failed restore can take it away again.
    created: Created,
}

/// The directory and the lock file, each true when [`DataDir::open`] made it.
struct Created {
    root: bool,
    lock: bool,
}

/// The master key's file name.
const MASTER_KEY: &str = "master.key";
/// The store's directory name.
const STORE: &str = "store";
/// The directory of the self-signed TLS files.
const TLS: &str = "tls";
/// Where a restore builds the store and master key before moving them into place.
const STAGING: &str = "restore.partial";

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DataDirError + '_ {
    move |source| DataDirError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl DataDir {
    /// Creates the directory (mode 0700) if needed and takes its lock for this process.
    pub fn open(root: &Path) -> Result<DataDir, DataDirError> {
        let created_root = !exists(root)?;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(root)
            .map_err(io_err(root))?;
        if created_root {
            // The umask may have cut the mode asked for; ours is 0700 whatever it is.
            set_mode(root, 0o700)?;
        }
        let lock_path = root.join("lock");
        let created_lock = !exists(&lock_path)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(DataDirError::Locked(root.to_path_buf()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&lock_path)(e)),
        }
        Ok(DataDir {
            root: root.to_path_buf(),
            lock,
            created: Created {
                root: created_root,
                lock: created_lock,
            },
        })
    }

    /// Where the sled store lives.
    pub fn store_path(&self) -> PathBuf {
        self.root.join(STORE)
    }

    fn master_key_path(&self) -> PathBuf {
        self.root.join(MASTER_KEY)
    }

    /// The self-signed certificate's path.
    pub fn tls_cert_path(&self) -> PathBuf {
        self.root.join("tls").join("cert.pem")
    }

    /// The local CA certificate of the self-signed mode, which clients trust.
    pub fn tls_ca_path(&self) -> PathBuf {
        self.root.join("tls").join("ca.pem")
    }

    /// The self-signed certificate's private key path.
    pub fn tls_key_path(&self) -> PathBuf {
        self.root.join("tls").join("key.pem")
    }

    /// Where the first admin token is written.
    pub fn admin_token_path(&self) -> PathBuf {
        self.root.join("admin-token")
    }

    /// True when the master key and the store are both there, false when neither is. A
    /// dir holding one without the other is refused: initialising it would put new keys
    /// beside an old store, or a new store beside the key of a lost one.
    pub fn is_initialised(&self) -> Result<bool, DataDirError> {
        let half = |present, missing| DataDirError::HalfThere {
            root: self.root.clone(),
            present,
            missing,
        };
        match (
            exists(&self.master_key_path())?,
            exists(&self.store_path())?,
        ) {
            (true, true) => Ok(true),
            (false, false) => Ok(false),
            (true, false) => Err(half(MASTER_KEY, "store/")),
            (false, true) => Err(half("store/", MASTER_KEY)),
        }
    }

    /// Loads the master key.
    pub fn master_key(&self) -> Result<MasterKey, DataDirError> {
        let bytes = self.master_key_bytes()?;
        MasterKey::from_bytes(&bytes).map_err(|source| DataDirError::MasterKey {
            path: self.master_key_path(),
            source,
        })
    }

    /// The master key file's bytes; a backup carries them.
    pub fn master_key_bytes(&self) -> Result<Vec<u8>, DataDirError> {
        let path = self.master_key_path();
        std::fs::read(&path).map_err(io_err(&path))
    }

    /// Writes a new random master key (0600): the first step of initialising the dir.
    pub fn create_master_key(&self) -> Result<(), DataDirError> {
        let path = self.master_key_path();
        let fresh =
            random::bytes::<MASTER_KEY_LEN>().map_err(|source| DataDirError::MasterKey {
                path: path.clone(),
                source,
            })?;
        write_new_private(&path, &fresh)
    }

    /// True when the directory holds nothing but the lock file (and what a restore cut
    /// short left, which the next restore replaces): a restore target.
    pub fn is_empty(&self) -> Result<bool, DataDirError> {
        let entries = std::fs::read_dir(&self.root).map_err(io_err(&self.root))?;
        for entry in entries {
            let entry = entry.map_err(io_err(&self.root))?;
            if entry.file_name() != "lock" && entry.file_name() != STAGING {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Makes an empty staging dir (0700) for a restore, replacing one a restore cut short
    /// left. Nothing in it is the data dir's until [`DataDir::commit`].
    pub fn stage(&self) -> Result<Staging, DataDirError> {
        let dir = self.root.join(STAGING);
        remove_if_there(&dir)?;
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(io_err(&dir))?;
        set_mode(&dir, 0o700)?;
        Ok(Staging { dir })
    }

    /// Moves the staged store, then the staged master key, into place, and removes the
    /// staging dir. If the key cannot follow, the store is moved back, so a failure never
    /// leaves the data dir half there.
    pub fn commit(&self, staging: Staging) -> Result<(), DataDirError> {
        let (staged_tls, tls) = (staging.dir.join(TLS), self.root.join(TLS));
        let with_tls = exists(&staged_tls)?;
        let undo_tls = || match with_tls {
            true => rename(&tls, &staged_tls),
            false => Ok(()),
        };
        if with_tls {
            rename(&staged_tls, &tls)?;
        }
        let (staged_store, store) = (staging.store_path(), self.store_path());
        if let Err(e) = rename(&staged_store, &store) {
            undo_tls()?;
            return Err(e);
        }
        if let Err(e) = rename(&staging.dir.join(MASTER_KEY), &self.master_key_path()) {
            rename(&store, &staged_store)?;
            undo_tls()?;
            return Err(e);
        }
        File::open(&self.root)
            .and_then(|d| d.sync_all())
            .map_err(io_err(&self.root))?;
        std::fs::remove_dir(&staging.dir).map_err(io_err(&staging.dir))
    }

    /// Takes away what this open and a failed restore added: the staging dir, and the
    /// lock file and the directory itself when this open created them.
    pub fn discard(self) -> Result<(), DataDirError> {
        remove_if_there(&self.root.join(STAGING))?;
        let lock_path = self.root.join("lock");
        if self.created.lock {
            std::fs::remove_file(&lock_path).map_err(io_err(&lock_path))?;
        }
        let DataDir {
            root,
            lock,
            created,
        } = self;
        drop(lock);
        if created.root {
            std::fs::remove_dir(&root).map_err(io_err(&root))?;
        }
        Ok(())
    }

    /// Writes the first admin token unless the file already exists; true if written.
    pub fn write_admin_token_once(&self, token: &Secret) -> Result<bool, DataDirError> {
        let path = self.admin_token_path();
        match write_new_private(&path, format!("{}\n", token.expose()).as_bytes()) {
            Ok(()) => Ok(true),
            Err(DataDirError::Io { source, .. }) if source.kind() == ErrorKind::AlreadyExists => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The self-signed TLS files, read for a backup; `None` when there are none.
    pub fn read_tls_files(&self) -> Result<Option<GeneratedCert>, DataDirError> {
        let read = |path: PathBuf| std::fs::read_to_string(&path).map_err(io_err(&path));
        if !exists(&self.tls_cert_path())? {
            return Ok(None);
        }
        Ok(Some(GeneratedCert {
            ca_pem: read(self.tls_ca_path())?,
            cert_pem: read(self.tls_cert_path())?,
            key_pem: read(self.tls_key_path())?,
        }))
    }

    /// Puts the self-signed TLS files in place, replacing any there: each is written
    /// beside its place first, and `cert.pem`, whose presence means the set is there,
    /// is moved last. All are 0600, as everything in the data dir is.
    pub fn write_tls_files(&self, files: &GeneratedCert) -> Result<(), DataDirError> {
        let dir = self.root.join("tls");
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(io_err(&dir))?;
        let placed = [
            (self.tls_ca_path(), &files.ca_pem),
            (self.tls_key_path(), &files.key_pem),
            (self.tls_cert_path(), &files.cert_pem),
        ];
        let mut staged = Vec::new();
        for (path, content) in placed {
            let next = path.with_extension("pem.new");
            remove_file_if_there(&next)?;
            write_new_private(&next, content.as_bytes())?;
            staged.push((next, path));
        }
        for (next, path) in staged {
            rename(&next, &path)?;
        }
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(&dir))
    }
}

/// A restore's work in progress: a store and a master key inside the data dir that
/// become its own only when [`DataDir::commit`] moves them into place.
pub struct Staging {
    dir: PathBuf,
}

impl Staging {
    /// Where the staged store lives.
    pub fn store_path(&self) -> PathBuf {
        self.dir.join(STORE)
    }

    /// Writes the self-signed TLS files a backup carried (0600, in a 0700 `tls`).
    pub fn write_tls_files(&self, files: &GeneratedCert) -> Result<(), DataDirError> {
        let dir = self.dir.join(TLS);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(io_err(&dir))?;
        set_mode(&dir, 0o700)?;
        for (name, content) in [
            ("ca.pem", &files.ca_pem),
            ("cert.pem", &files.cert_pem),
            ("key.pem", &files.key_pem),
        ] {
            write_new_private(&dir.join(name), content.as_bytes())?;
        }
        Ok(())
    }

    /// Writes the master key a backup carried (0600), refusing one that is not a key.
    pub fn write_master_key(&self, bytes: &[u8]) -> Result<(), DataDirError> {
        let path = self.dir.join(MASTER_KEY);
        MasterKey::from_bytes(bytes).map_err(|source| DataDirError::MasterKey {
            path: path.clone(),
            source,
        })?;
        write_new_private(&path, bytes)
    }
}

/// Whether `path` exists; an error other than "not found" is not taken for "no".
fn exists(path: &Path) -> Result<bool, DataDirError> {
    path.try_exists().map_err(io_err(path))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), DataDirError> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io_err(path))
}

fn rename(from: &Path, to: &Path) -> Result<(), DataDirError> {
    std::fs::rename(from, to).map_err(io_err(from))
}

/// Removes the directory tree at `path`, if there is one.
fn remove_if_there(path: &Path) -> Result<(), DataDirError> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

/// Removes the file at `path`, if there is one.
fn remove_file_if_there(path: &Path) -> Result<(), DataDirError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

/// Creates `path` with mode 0600, refusing to overwrite, and syncs it to disk.
fn write_new_private(path: &Path, content: &[u8]) -> Result<(), DataDirError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err(path))?;
    f.write_all(content).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_exclusive_and_files_are_private() -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir()?;
        let dir = DataDir::open(tmp.path())?;
        assert!(matches!(
            DataDir::open(tmp.path()),
            Err(DataDirError::Locked(_))
        ));
        dir.create_master_key()?;
        dir.master_key()?;
        let mode = std::fs::metadata(tmp.path().join("master.key"))?
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(dir.write_admin_token_once(&Secret::new("a"))?);
        assert!(!dir.write_admin_token_once(&Secret::new("b"))?);
        assert_eq!(std::fs::read_to_string(dir.admin_token_path())?, "a\n");
        drop(dir);
        assert!(DataDir::open(tmp.path()).is_ok());
        Ok(())
    }

    #[test]
    fn master_key_is_stable_across_opens() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let dir = DataDir::open(tmp.path())?;
        dir.create_master_key()?;
        let sealed = dir.master_key()?.seal("p", b"x")?;
        drop(dir);
        let again = DataDir::open(tmp.path())?.master_key()?;
        assert_eq!(again.open("p", &sealed)?, b"x");
        Ok(())
    }

    #[test]
    fn a_key_without_a_store_or_a_store_without_a_key_is_half_there()
    -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let dir = DataDir::open(tmp.path())?;
        assert!(!dir.is_initialised()?);
        dir.create_master_key()?;
        let refused = dir.is_initialised().map_err(|e| e.to_string());
        let expected = "it holds master.key but no store/;";
        assert!(
            refused.as_ref().is_err_and(|e| e.contains(expected)),
            "{refused:?}"
        );
        std::fs::create_dir(dir.store_path())?;
        assert!(dir.is_initialised()?);
        std::fs::remove_file(tmp.path().join("master.key"))?;
        let refused = dir.is_initialised().map_err(|e| e.to_string());
        let expected = "it holds store/ but no master.key;";
        assert!(
            refused.as_ref().is_err_and(|e| e.contains(expected)),
            "{refused:?}"
        );
        Ok(())
    }

    #[test]
    fn a_discarded_restore_leaves_no_trace() -> Result<(), Box<dyn std::error::Error>> {
        let tmp = tempfile::tempdir()?;
        let root = tmp.path().join("new");
        let dir = DataDir::open(&root)?;
        std::fs::create_dir(dir.stage()?.store_path())?;
        dir.discard()?;
        assert!(!root.exists(), "the dir it created is gone");

        let dir = DataDir::open(tmp.path())?;
        dir.stage()?.write_master_key(&[7; MASTER_KEY_LEN])?;
        dir.discard()?;
        assert_eq!(
            std::fs::read_dir(tmp.path())?.count(),
            0,
            "lock and staging gone"
        );
        Ok(())
    }

    #[test]
    fn a_commit_moves_the_staged_store_and_key_into_place() -> Result<(), Box<dyn std::error::Error>>
    {
        let tmp = tempfile::tempdir()?;
        let dir = DataDir::open(tmp.path())?;
        let staging = dir.stage()?;
        staging.write_master_key(&[7; MASTER_KEY_LEN])?;
        std::fs::create_dir(staging.store_path())?;
        dir.commit(staging)?;
        assert!(dir.is_initialised()?);
        assert_eq!(dir.master_key_bytes()?, [7; MASTER_KEY_LEN]);
        assert!(!tmp.path().join(STAGING).exists());
        Ok(())
    }
}
