//! The embedded sled store: one tree per record kind, CBOR records, typed transactions.
//! This is the only module that names sled or ciborium.
#![allow(
    clippy::disallowed_types,
    clippy::disallowed_methods,
    reason = "the store module owns sled and ciborium"
)]

pub mod accounts;
pub mod admin_tokens;
pub mod api_keys;
pub mod audit;
pub mod backup;
pub mod branding;
pub mod ceremonies;
pub mod clients;
mod codec;
pub mod codes;
pub mod consents;
mod decoded;
pub mod deliveries;
mod error;
pub mod factors;
pub mod flights;
pub mod grant_key;
pub mod members;
mod migrate;
pub mod pending;
pub mod pushed;
pub mod recovery_links;
pub mod refresh;
pub mod revoked;
pub mod scim;
pub mod seen_jtis;
pub mod sessions;
pub mod settings;
pub mod signing_keys;
mod sweep;
pub mod tenants;
mod tx;

#[cfg(any(test, fuzzing))]
pub use codec::decode_as_every_record;
pub use error::{StoreError, storage_fault};
pub use tx::{Tx, TxError};

use codec::Record;
use sled::Transactional;
use std::path::{Path, PathBuf};

/// sled's page cache; its 1 GiB default is far more than an appliance should hold. sled
/// counts the nodes' size on disk, and holds two to three times that in memory, so the
/// process settles well above this figure: a refresh-rotation load peaked at 55 MiB
/// with 16 MiB here and at 41 MiB with 4 MiB, at the same rate. Grant records are keyed
/// by expiry, so their working set is the newest few nodes and a small cache serves it.
const CACHE_BYTES: u64 = 4 * 1024 * 1024;

/// Opens sled in `dir`, which it leaves readable by this user only.
fn open_db(dir: &Path, flush_every_ms: Option<u64>) -> Result<sled::Db, StoreError> {
    create_private_dir(dir)?;
    let db = open_locked_db(dir, flush_every_ms)?;
    make_private(dir)?;
    Ok(db)
}

/// Creates the store's directory 0700 before sled does (with the umask's 0755), so no
/// other user can ever open a file in it, even one sled writes later (its snapshots).
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(private_err(dir))
}

/// Sets the store's directories to 0700 and its files to 0600, whatever the umask was
/// when sled or an older latchkey made them: they hold password hashes and the audit log.
fn make_private(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let set = |path: &Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(private_err(path))
    };
    set(dir, 0o700)?;
    for entry in std::fs::read_dir(dir).map_err(private_err(dir))? {
        let entry = entry.map_err(private_err(dir))?;
        let kind = entry.file_type().map_err(private_err(&entry.path()))?;
        if kind.is_dir() {
            make_private(&entry.path())?;
        } else if kind.is_file() {
            set(&entry.path(), 0o600)?;
        }
    }
    Ok(())
}

fn private_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Private {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens sled, retrying briefly while its own file lock is still held by a `Db` this
/// process just dropped (sled's flusher thread lets go a moment later). Other processes
/// are kept out by the data dir's lock, so the wait is bounded and short.
fn open_locked_db(dir: &Path, flush_every_ms: Option<u64>) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(dir)
        .cache_capacity(CACHE_BYTES)
        .flush_every_ms(flush_every_ms);
    for _ in 0..100 {
        match config.open() {
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return Ok(other?),
        }
    }
    Ok(config.open()?)
}

/// Hands the garbage sled deferred on this thread (replaced nodes, sealed log buffers
/// that each keep a 512 KiB segment buffer alive) to the global epoch collector and lets
/// it free what no thread can still see. crossbeam-epoch otherwise keeps up to 64 such
/// items per thread until that thread defers more, so a thread that wrote once and went
/// quiet held megabytes.
pub fn release_deferred() {
    crossbeam_epoch::pin().flush();
}

/// Runs store work on the blocking pool, then releases what sled deferred on that thread
/// ([`release_deferred`]): blocking threads are many and often quiet afterwards.
pub async fn run_blocking<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || {
        let done = job();
        release_deferred();
        done
    })
    .await
}

/// Opens the closed store in `dir` once and closes it again. sled's open replays the log
/// written since its last snapshot and then writes a new one, so doing this on the way
/// out (after an import, a restore, a clean stop) spares the next start that replay: a
/// million freshly imported accounts made the first start take 660 ms.
pub fn checkpoint(dir: &Path) -> Result<(), StoreError> {
    drop(open_db(dir, None)?);
    Ok(())
}

/// The trees of the store; the discriminant is the position in [`TREE_NAMES`].
#[derive(Clone, Copy, Debug)]
enum TreeId {
    Meta = 0,
    Tenants,
    SigningKeys,
    AdminTokens,
    AdminTokenHashes,
    Clients,
    ApiKeys,
    ApiKeyHashes,
    Introspection,
    Upstream,
    Accounts,
    Usernames,
    Members,
    ExternalIds,
    Audit,
    RevokedJtis,
    Sessions,
    SessionCookies,
    Pending,
    Codes,
    RefreshTokens,
    Families,
    AccountSessions,
    AccountFamilies,
    Consents,
    BrokerFlights,
    Pushed,
    SeenJtis,
    Deliveries,
    Ceremonies,
    RecoveryLinks,
    RecoveryLinkHashes,
    ScimTokens,
    ScimTokenHashes,
    ScimGroups,
    Branding,
}

impl TreeId {
    /// Every tree, in the order of [`TREE_NAMES`].
    const ALL: [TreeId; 36] = [
        TreeId::Meta,
        TreeId::Tenants,
        TreeId::SigningKeys,
        TreeId::AdminTokens,
        TreeId::AdminTokenHashes,
        TreeId::Clients,
        TreeId::ApiKeys,
        TreeId::ApiKeyHashes,
        TreeId::Introspection,
        TreeId::Upstream,
        TreeId::Accounts,
        TreeId::Usernames,
        TreeId::Members,
        TreeId::ExternalIds,
        TreeId::Audit,
        TreeId::RevokedJtis,
        TreeId::Sessions,
        TreeId::SessionCookies,
        TreeId::Pending,
        TreeId::Codes,
        TreeId::RefreshTokens,
        TreeId::Families,
        TreeId::AccountSessions,
        TreeId::AccountFamilies,
        TreeId::Consents,
        TreeId::BrokerFlights,
        TreeId::Pushed,
        TreeId::SeenJtis,
        TreeId::Deliveries,
        TreeId::Ceremonies,
        TreeId::RecoveryLinks,
        TreeId::RecoveryLinkHashes,
        TreeId::ScimTokens,
        TreeId::ScimTokenHashes,
        TreeId::ScimGroups,
        TreeId::Branding,
    ];
}

/// Each tree sits at its own discriminant in [`TreeId::ALL`], checked at compile time.
const _: () = {
    let mut i = 0;
    while i < TreeId::ALL.len() {
        assert!(TreeId::ALL[i] as usize == i);
        i += 1;
    }
};

const TREE_NAMES: [&str; 36] = [
    "meta",
    "tenants",
    "signing_keys",
    "admin_tokens",
    "admin_token_hashes",
    "clients",
    "api_keys",
    "api_key_hashes",
    "introspection",
    "upstream_oidc",
    "accounts",
    "usernames",
    "members",
    "external_ids",
    "audit",
    "revoked_jtis",
    "sessions",
    "session_cookies",
    "pending_authorizations",
    "codes",
    "refresh_tokens",
    "refresh_families",
    "account_sessions",
    "account_families",
    "consents",
    "broker_flights",
    "pushed_requests",
    "seen_jtis",
    "backchannel_deliveries",
    "webauthn_ceremonies",
    "recovery_links",
    "recovery_link_hashes",
    "scim_tokens",
    "scim_token_hashes",
    "scim_groups",
    "branding",
];

/// The key of an account's index entry for `id`: the account id, a zero byte, `id`.
fn account_key(account_id: &str, id: &str) -> Vec<u8> {
    let mut key = account_id.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(id.as_bytes());
    key
}

/// The key of a record that belongs to the tenant incarnation `uid`: the uid in
/// big-endian (so one tenant's records are contiguous), then `rest`.
fn tenant_key(uid: u64, rest: &[u8]) -> Vec<u8> {
    let mut key = uid.to_be_bytes().to_vec();
    key.extend_from_slice(rest);
    key
}

/// The open store; cheap to share behind an `Arc`.
pub struct Store {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    dir: PathBuf,
    fresh: bool,
    /// Transactions hold it shared; an online backup holds it alone, briefly, so the
    /// snapshot sees no half of anything (sled's iterators are not snapshots).
    gate: std::sync::RwLock<()>,
    /// Tenants as every request reads them, decoded once per stored version.
    tenants: decoded::Decoded<tenants::Tenant>,
    /// Clients likewise.
    clients: decoded::Decoded<clients::Client>,
    /// Turns at making writes durable, shared by concurrent callers.
    commits: GroupCommit,
}

/// Group commit: concurrent callers that need their writes on disk share one flush.
/// A caller notes how many flushes had started when its writes were done, then waits
/// its turn; if a flush started after that note meanwhile, its writes are covered and it
/// takes that flush's outcome instead of starting another.
#[derive(Default)]
struct GroupCommit {
    turn: tokio::sync::Mutex<()>,
    started: std::sync::atomic::AtomicU64,
    last_failed: std::sync::atomic::AtomicBool,
}

impl Store {
    /// Opens (or creates) the store in `dir`, migrating it to the current schema.
    /// `flush_every_ms` bounds what a crash can lose of writes not flushed explicitly.
    pub fn open(dir: &Path, flush_every_ms: u64) -> Result<Store, StoreError> {
        let db = open_db(dir, Some(flush_every_ms))?;
        let trees = TREE_NAMES
            .iter()
            .map(|name| db.open_tree(name))
            .collect::<Result<Vec<_>, _>>()?;
        let mut store = Store {
            db,
            trees,
            dir: dir.to_path_buf(),
            fresh: false,
            gate: std::sync::RwLock::new(()),
            tenants: decoded::Decoded::new(),
            clients: decoded::Decoded::new(),
            commits: GroupCommit::default(),
        };
        store.fresh = migrate::run(&store)?;
        Ok(store)
    }

    /// True when this open created the store, so first-start steps should run.
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    fn tree(&self, id: TreeId) -> &sled::Tree {
        &self.trees[id as usize]
    }

    /// How many keys the whole store holds: what a test checks to see that an operation
    /// stored nothing new.
    #[cfg(test)]
    pub fn record_count(&self) -> usize {
        self.trees.iter().map(sled::Tree::len).sum()
    }

    /// Runs `f` atomically over every tree. sled may re-run `f` on conflict, so it must
    /// be pure: no I/O, no clock, no await.
    pub fn transaction<T, E: From<StoreError>>(
        &self,
        f: impl Fn(&Tx<'_>) -> Result<T, TxError<E>>,
    ) -> Result<T, E> {
        let _shared = self.gate.read().unwrap_or_else(|p| p.into_inner());
        let trees: Vec<&sled::Tree> = self.trees.iter().collect();
        trees
            .as_slice()
            .transaction(|views| f(&Tx::new(views)).map_err(TxError::into_sled))
            .map_err(tx::from_sled_outcome)
    }

    /// Holds off a backup snapshot while the caller writes outside a transaction.
    fn shared(&self) -> std::sync::RwLockReadGuard<'_, ()> {
        self.gate.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes one record outside a transaction; the caller holds [`Store::shared`]. A
    /// sled transaction ends by sealing its batch in the log, which costs a write and a
    /// wait on the disk; a lone insert only joins the next group flush.
    fn insert_record<R: Record>(&self, rec: &R) -> Result<(), StoreError> {
        self.tree(R::TREE).insert(rec.key(), codec::encode(rec)?)?;
        Ok(())
    }

    /// [`Store::insert_record`] for a record that stands alone.
    fn put_alone<R: Record>(&self, rec: &R) -> Result<(), StoreError> {
        let _shared = self.shared();
        self.insert_record(rec)
    }

    /// Replaces the record at `key` with what `change` makes of it, by compare-and-swap
    /// (retried if another write got in between): a single-record read-modify-write
    /// without a transaction. `false` if there is no record or `change` declines.
    fn swap_alone<R: Record>(
        &self,
        key: &[u8],
        change: impl Fn(R) -> Option<R>,
    ) -> Result<bool, StoreError> {
        let _shared = self.shared();
        let tree = self.tree(R::TREE);
        loop {
            let Some(old) = tree.get(key)? else {
                return Ok(false);
            };
            let Some(new) = change(codec::decode(&old)?) else {
                return Ok(false);
            };
            if tree
                .compare_and_swap(key, Some(&old), Some(codec::encode(&new)?))?
                .is_ok()
            {
                return Ok(true);
            }
        }
    }

    /// Reads one record outside a transaction.
    fn get<R: Record>(&self, key: &[u8]) -> Result<Option<R>, StoreError> {
        self.tree(R::TREE)
            .get(key)?
            .map(|bytes| codec::decode(&bytes))
            .transpose()
    }

    /// Lists records in key order, starting after `after`, at most `limit` of them.
    fn scan<R: Record>(&self, after: Option<&[u8]>, limit: usize) -> Result<Vec<R>, StoreError> {
        use std::ops::Bound;
        let start = after.map_or(Bound::Unbounded, |a| Bound::Excluded(a.to_vec()));
        self.tree(R::TREE)
            .range::<Vec<u8>, _>((start, Bound::Unbounded))
            .take(limit)
            .map(|item| codec::decode(&item?.1))
            .collect()
    }

    /// Lists records whose key starts with `prefix`, after the key `prefix + after`.
    fn scan_prefix<R: Record>(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<R>, StoreError> {
        use std::ops::Bound;
        let start = match after {
            Some(a) => Bound::Excluded([prefix, a].concat()),
            None => Bound::Included(prefix.to_vec()),
        };
        self.tree(R::TREE)
            .range::<Vec<u8>, _>((start, Bound::Unbounded))
            .take_while(|item| item.as_ref().map_or(true, |(k, _)| k.starts_with(prefix)))
            .take(limit)
            .map(|item| codec::decode(&item?.1))
            .collect()
    }

    /// How many keys of `tree` start with `prefix` (keys only, nothing decoded).
    fn count_prefix(&self, tree: TreeId, prefix: &[u8]) -> Result<usize, StoreError> {
        let mut n = 0;
        for key in self.tree(tree).scan_prefix(prefix).keys() {
            key?;
            n += 1;
        }
        Ok(n)
    }

    /// How many clients tenant incarnation `uid` has.
    pub fn count_clients(&self, uid: u64) -> Result<usize, StoreError> {
        self.count_prefix(TreeId::Clients, &uid.to_be_bytes())
    }

    /// How many members tenant incarnation `uid` has.
    pub fn count_members(&self, uid: u64) -> Result<usize, StoreError> {
        self.count_prefix(TreeId::Members, &uid.to_be_bytes())
    }

    /// How many SSO sessions are still live at `now`.
    pub fn count_live_sessions(&self, now: crate::clock::UnixTime) -> Result<usize, StoreError> {
        let mut n = 0;
        for item in self.tree(TreeId::Sessions).iter().values() {
            let session: sessions::SsoSession = codec::decode(&item?)?;
            n += usize::from(session.expires_at > now);
        }
        Ok(n)
    }

    /// The ids an account index holds for `account_id`.
    fn account_index(&self, tree: TreeId, account_id: &str) -> Result<Vec<String>, StoreError> {
        let prefix = account_key(account_id, "");
        self.tree(tree)
            .scan_prefix(&prefix)
            .keys()
            .map(|k| Ok(String::from_utf8_lossy(&k?[prefix.len()..]).into_owned()))
            .collect()
    }

    /// A new id, unique for the life of the store (tenant incarnations).
    pub fn generate_id(&self) -> Result<u64, StoreError> {
        Ok(self.db.generate_id()?)
    }

    /// Makes every write so far durable: sled's flush, then an `fdatasync` of its data
    /// file, since sled 0.34 only calls `sync_file_range` (no device cache flush).
    pub fn flush_blocking(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        std::fs::File::open(self.dir.join("db"))
            .and_then(|f| f.sync_data())
            .map_err(StoreError::sync_failed)
    }

    /// Makes every write the caller finished durable: [`Store::flush_blocking`] off the
    /// async workers, shared with concurrent callers ([`GroupCommit`]). Awaited before
    /// the 2xx of a management write and of whatever makes a credential stop working.
    pub async fn flush_durable(self: &std::sync::Arc<Self>) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering::SeqCst;
        let seen = self.commits.started.load(SeqCst);
        let _turn = self.commits.turn.lock().await;
        if self.commits.started.load(SeqCst) > seen {
            return match self.commits.last_failed.load(SeqCst) {
                false => Ok(()),
                true => Err(StoreError::Sync(std::io::Error::other(
                    "the shared flush failed",
                ))),
            };
        }
        self.commits.started.fetch_add(1, SeqCst);
        let store = std::sync::Arc::clone(self);
        let flushed = run_blocking(move || store.flush_blocking())
            .await
            .map_err(|_| StoreError::Sync(std::io::Error::other("flush task failed")))
            .and_then(|done| done);
        self.commits.last_failed.store(flushed.is_err(), SeqCst);
        flushed
    }

    /// Bytes the store occupies on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()?)
    }

    /// A cheap read proving the store answers, for readiness.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.tree(TreeId::Meta).get(migrate::SCHEMA_KEY)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a quiet thread deferred is freed while that thread lives on, once it has
    /// released it; without the release it would wait for the thread to exit.
    #[test]
    fn released_garbage_of_a_quiet_thread_is_freed() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let freed = std::sync::Arc::new(AtomicBool::new(false));
        let (done, hold) = std::sync::mpsc::channel::<()>();
        let flag = std::sync::Arc::clone(&freed);
        let quiet = std::thread::spawn(move || {
            crossbeam_epoch::pin().defer(move || flag.store(true, Ordering::SeqCst));
            release_deferred();
            let _ = hold.recv();
        });
        let mut tries = 0;
        while !freed.load(Ordering::SeqCst) && tries < 100_000 {
            release_deferred();
            tries += 1;
        }
        let seen = freed.load(Ordering::SeqCst);
        drop(done);
        quiet.join().unwrap();
        assert!(seen, "the garbage stayed with its thread");
    }

    /// Callers that need their writes on disk at once share flushes, and each still
    /// finds its own write durable.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_durable_writes_share_flushes() {
        use std::sync::atomic::Ordering::SeqCst;
        let tmp = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(Store::open(tmp.path(), 60_000).unwrap());
        let writers: Vec<_> = (0..32u32)
            .map(|i| {
                let store = std::sync::Arc::clone(&store);
                tokio::spawn(async move {
                    store
                        .tree(TreeId::Meta)
                        .insert(i.to_be_bytes(), &[1])
                        .unwrap();
                    store.flush_durable().await.unwrap();
                })
            })
            .collect();
        for w in writers {
            w.await.unwrap();
        }
        let flushes = store.commits.started.load(SeqCst);
        assert!(
            (1..32).contains(&flushes),
            "{flushes} flushes for 32 writers"
        );
    }

    /// The log position of the newest snapshot sled left in `dir`, if any.
    fn newest_snapshot(dir: &Path) -> Option<u64> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                u64::from_str_radix(name.strip_prefix("snap.")?, 16).ok()
            })
            .max()
    }

    #[test]
    fn a_checkpoint_leaves_a_snapshot_covering_every_write() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        for i in 0..1000u32 {
            store
                .tree(TreeId::Meta)
                .insert(i.to_be_bytes(), vec![7u8; 64])
                .unwrap();
        }
        store.flush_blocking().unwrap();
        let before = newest_snapshot(tmp.path()).unwrap_or(0);
        drop(store);
        checkpoint(tmp.path()).unwrap();
        let after = newest_snapshot(tmp.path()).unwrap();
        assert!(after > before, "{after} > {before}");
        let store = Store::open(tmp.path(), 100).unwrap();
        assert_eq!(
            newest_snapshot(tmp.path()),
            Some(after),
            "nothing left to replay"
        );
        assert_eq!(
            store.tree(TreeId::Meta).len(),
            1001,
            "the writes and the schema"
        );
    }
}
