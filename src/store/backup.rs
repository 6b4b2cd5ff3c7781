//! Backup and restore: the whole store as a CBOR sequence (RFC 8742) of items, a header
//! first (format, schema version, the master key), then every record of every tree,
//! then an end marker with the count, so a truncated file is detected.

use super::codec::{self, Record};
use super::{
    Store, StoreError, TREE_NAMES, TreeId, accounts, admin_tokens, audit, branding, ceremonies,
    clients, codes, consents, deliveries, flights, members, migrate, pending, pushed,
    recovery_links, refresh, revoked, scim, seen_jtis, sessions, settings, signing_keys, tenants,
};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::io::{Read, Write};

/// Identifies a latchkey backup.
const FORMAT: &str = "latchkey-backup";
/// Meta key of the record a backup opens with: an id the source store's generator had
/// just issued, above every id its records hold. It is read at restore, not stored.
const ID_FLOOR_KEY: &[u8] = b"id_floor";

/// Bytes encoded as a CBOR byte string rather than an array of integers.
#[derive(Debug, Clone, PartialEq)]
struct Bytes(Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
        }
        d.deserialize_bytes(V)
    }
}

#[derive(Debug, Serialize, Deserialize)]
enum Item {
    Header {
        format: String,
        schema: u32,
        master_key: Bytes,
    },
    Record {
        tree: String,
        key: Bytes,
        value: Bytes,
    },
    /// The self-signed TLS files, after the records, in a backup taken with
    /// `--include-tls` (SPEC leaves them out by default).
    Tls(TlsFiles),
    End {
        records: u64,
    },
}

/// The data dir's self-signed TLS files as a backup can carry them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlsFiles {
    /// `tls/ca.pem`.
    pub ca_pem: String,
    /// `tls/cert.pem`.
    pub cert_pem: String,
    /// `tls/key.pem`.
    pub key_pem: String,
}

/// Why a backup could not be read or restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The output could not be written.
    #[error("writing the backup: {0}")]
    Write(std::io::Error),
    /// The file is not a complete latchkey backup.
    #[error("not a complete latchkey backup: {0}")]
    Invalid(String),
    /// A record does not decode as what its tree holds: restored, it would stop the
    /// server at start or at the first request that reads it.
    #[error("record {position} of the backup (tree `{tree}`) does not decode: {source}")]
    BadRecord {
        /// Its place among the records, from 1.
        position: u64,
        /// The tree it belongs to.
        tree: &'static str,
        /// What decoding it said.
        source: StoreError,
    },
}

fn write_item(out: &mut impl Write, item: &Item) -> Result<(), BackupError> {
    ciborium::into_writer(item, &mut *out).map_err(|e| match e {
        ciborium::ser::Error::Io(io) => BackupError::Write(io),
        ciborium::ser::Error::Value(message) => BackupError::Invalid(message),
    })
}

impl Store {
    /// Writes every record, with the master key and the TLS files when given, to `out`.
    /// The caller makes it a snapshot: offline, the data dir lock keeps writers away.
    pub fn export(
        &self,
        master_key: &[u8],
        tls: Option<&TlsFiles>,
        out: &mut impl Write,
    ) -> Result<u64, BackupError> {
        let header = Item::Header {
            format: FORMAT.into(),
            schema: migrate::CURRENT,
            master_key: Bytes(master_key.to_vec()),
        };
        write_item(out, &header)?;
        let floor = Item::Record {
            tree: TREE_NAMES[TreeId::Meta as usize].into(),
            key: Bytes(ID_FLOOR_KEY.to_vec()),
            value: Bytes(codec::encode(
                &self.db.generate_id().map_err(StoreError::from)?,
            )?),
        };
        write_item(out, &floor)?;
        let mut records = 1;
        for (name, tree) in TREE_NAMES.iter().zip(&self.trees) {
            for item in tree.iter() {
                let (k, v) = item.map_err(StoreError::from)?;
                write_item(
                    out,
                    &Item::Record {
                        tree: (*name).into(),
                        key: Bytes(k.to_vec()),
                        value: Bytes(v.to_vec()),
                    },
                )?;
                records += 1;
            }
        }
        if let Some(files) = tls {
            write_item(out, &Item::Tls(files.clone()))?;
        }
        write_item(out, &Item::End { records })?;
        out.flush().map_err(BackupError::Write)?;
        Ok(records)
    }

    /// Writes a consistent snapshot of the running store: writers wait while it is
    /// taken, so `out` should be fast (a local file), not a network peer.
    pub fn export_snapshot(
        &self,
        master_key: &[u8],
        out: &mut impl Write,
    ) -> Result<u64, BackupError> {
        let _alone = self.gate.write().unwrap_or_else(|p| p.into_inner());
        self.export(master_key, None, out)
    }

    /// Loads a backup into this (empty) store and migrates it to the current schema;
    /// returns what it carried besides the records (the master key, the TLS files).
    /// Every record is decoded as what its tree holds before it is inserted; the caller
    /// discards the store on any error.
    pub fn import(&self, input: &mut impl Read) -> Result<Verified, BackupError> {
        let mut issued = 0u64;
        let read = read_backup(input, |id, key, value| {
            issued = issued.max(issued_id(id, key, value)?);
            if !matches!(id, TreeId::Meta) || key != ID_FLOOR_KEY {
                self.tree(id).insert(key, value)?;
            }
            Ok(())
        })?;
        self.issue_ids_past(issued)?;
        migrate::run(self)?;
        Ok(read)
    }
}

/// What a whole, readable backup holds, as `latchkey verify-backup` reports it.
#[derive(Debug)]
pub struct Verified {
    /// The schema version of the store it came from.
    pub schema: u32,
    /// The master key it carries.
    pub master_key: Vec<u8>,
    /// How many records of each tree, in the store's tree order; empty trees left out.
    pub records: Vec<(&'static str, u64)>,
    /// The self-signed TLS files, when the backup was taken with them.
    pub tls: Option<TlsFiles>,
}

/// Reads a whole backup without restoring it: the header, every record decoded as what
/// its tree holds, and the end marker's count. What a restore of it would refuse, this
/// refuses too, with the same message.
pub fn verify(input: &mut impl Read) -> Result<Verified, BackupError> {
    let mut counts = [0u64; TREE_NAMES.len()];
    let mut verified = read_backup(input, |id, _, _| {
        counts[id as usize] += 1;
        Ok(())
    })?;
    verified.records = TREE_NAMES
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| (*name, n))
        .collect();
    Ok(verified)
}

/// Reads a backup from its header to its end marker, handing each checked record to
/// `each`; the end marker must count exactly the records read.
fn read_backup(
    input: &mut impl Read,
    mut each: impl FnMut(TreeId, &[u8], &[u8]) -> Result<(), StoreError>,
) -> Result<Verified, BackupError> {
    let (schema, master_key) = read_header(input)?;
    let mut records = 0u64;
    let mut tls = None;
    loop {
        match read_item(input)? {
            Item::Record { .. } if tls.is_some() => {
                return Err(BackupError::Invalid("a record after the TLS files".into()));
            }
            Item::Tls(_) if tls.is_some() => {
                return Err(BackupError::Invalid("the TLS files twice".into()));
            }
            Item::Tls(files) => tls = Some(files),
            Item::Record { tree, key, value } => {
                records += 1;
                let id = checked_tree(records, &tree, schema, &key.0, &value.0)?;
                each(id, &key.0, &value.0)?;
            }
            Item::End { records: expected } if expected == records => {
                return Ok(Verified {
                    schema,
                    master_key,
                    records: Vec::new(),
                    tls,
                });
            }
            Item::End { records: expected } => {
                return Err(BackupError::Invalid(format!(
                    "{records} records read, {expected} announced"
                )));
            }
            Item::Header { .. } => return Err(BackupError::Invalid("a second header".into())),
        }
    }
}

impl Store {
    /// Moves sled's id generator past `issued`: a restored store starts it afresh, and
    /// a new tenant or audit event must never take an id the restored records hold.
    fn issue_ids_past(&self, issued: u64) -> Result<(), StoreError> {
        while self.db.generate_id()? <= issued {}
        Ok(())
    }
}

/// The highest id the store's generator had issued that a record shows: the floor the
/// backup carries ([`ID_FLOOR_KEY`]), a tenant incarnation, an audit event's id. A
/// backup from before the floor was written is judged by the other two alone.
fn issued_id(tree: TreeId, key: &[u8], value: &[u8]) -> Result<u64, StoreError> {
    Ok(match tree {
        TreeId::Meta if key == ID_FLOOR_KEY => codec::decode::<u64>(value)?,
        TreeId::Tenants => codec::decode::<tenants::Tenant>(value)?.uid,
        TreeId::Audit => key.try_into().map_or(0, u64::from_be_bytes),
        _ => 0,
    })
}

fn read_item(input: &mut dyn Read) -> Result<Item, BackupError> {
    ciborium::from_reader::<Item, _>(input)
        .map_err(|e| BackupError::Invalid(codec::decode_error(&e)))
}

/// The schema version and the master key of the header, which must come first.
fn read_header(input: &mut dyn Read) -> Result<(u32, Vec<u8>), BackupError> {
    match read_item(input)? {
        Item::Header {
            format,
            schema,
            master_key,
        } if format == FORMAT => {
            if schema > migrate::CURRENT {
                return Err(StoreError::TooNew {
                    found: schema,
                    supported: migrate::CURRENT,
                }
                .into());
            }
            Ok((schema, master_key.0))
        }
        _ => Err(BackupError::Invalid(
            "it does not start with a latchkey header".into(),
        )),
    }
}

/// The tree of the `position`th record, once its value has decoded as what that tree
/// holds in a store of `schema`.
fn checked_tree(
    position: u64,
    name: &str,
    schema: u32,
    key: &[u8],
    value: &[u8],
) -> Result<TreeId, BackupError> {
    let id = TREE_NAMES
        .iter()
        .position(|n| *n == name)
        .map(|index| TreeId::ALL[index])
        .ok_or_else(|| {
            BackupError::Invalid(format!("record {position} names an unknown tree `{name}`"))
        })?;
    check_record(id, schema, key, value).map_err(|source| BackupError::BadRecord {
        position,
        tree: TREE_NAMES[id as usize],
        source,
    })?;
    Ok(id)
}

/// Decodes `value` as the record kind `tree` holds. Index entries hold the id of the
/// record they point to (UTF-8), or nothing at all.
fn check_record(tree: TreeId, schema: u32, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
    fn decodes<R: Record>(value: &[u8]) -> Result<(), StoreError> {
        codec::decode::<R>(value).map(drop)
    }
    match tree {
        TreeId::Meta if key == migrate::SCHEMA_KEY => codec::decode::<u32>(value).map(drop),
        TreeId::Meta if key == ID_FLOOR_KEY => codec::decode::<u64>(value).map(drop),
        TreeId::Meta => Err(StoreError::Codec(format!(
            "unknown key `{}`",
            String::from_utf8_lossy(key)
        ))),
        TreeId::Tenants => decodes::<tenants::Tenant>(value),
        TreeId::SigningKeys => decodes::<signing_keys::SigningKeyRecord>(value),
        TreeId::AdminTokens => decodes::<admin_tokens::AdminToken>(value),
        TreeId::Clients => decodes::<clients::Client>(value),
        TreeId::ApiKeys => migrate::check_api_key(schema, value),
        TreeId::Introspection => decodes::<settings::IntrospectionSettings>(value),
        TreeId::Upstream => decodes::<settings::UpstreamSettings>(value),
        TreeId::Accounts => decodes::<accounts::Account>(value),
        TreeId::Members => decodes::<members::Membership>(value),
        TreeId::Audit => decodes::<audit::StoredEvent>(value),
        TreeId::RevokedJtis => decodes::<revoked::RevokedJti>(value),
        TreeId::Sessions => decodes::<sessions::SsoSession>(value),
        TreeId::Pending => decodes::<pending::PendingAuthorization>(value),
        TreeId::Codes => decodes::<codes::AuthCode>(value),
        TreeId::RefreshTokens => decodes::<refresh::RefreshToken>(value),
        TreeId::Families => decodes::<refresh::RefreshFamily>(value),
        TreeId::Consents => decodes::<consents::Consent>(value),
        TreeId::BrokerFlights => decodes::<flights::BrokerFlight>(value),
        TreeId::Pushed => decodes::<pushed::PushedRequest>(value),
        TreeId::SeenJtis => decodes::<seen_jtis::SeenJti>(value),
        TreeId::Deliveries => decodes::<deliveries::Delivery>(value),
        TreeId::Ceremonies => decodes::<ceremonies::Ceremony>(value),
        TreeId::RecoveryLinks => decodes::<recovery_links::RecoveryLink>(value),
        TreeId::ScimTokens => decodes::<scim::ScimToken>(value),
        TreeId::ScimTokenHashes => Ok(()),
        TreeId::ScimGroups => decodes::<scim::ScimGroup>(value),
        TreeId::Branding => decodes::<branding::Branding>(value),
        TreeId::AdminTokenHashes
        | TreeId::ApiKeyHashes
        | TreeId::Usernames
        | TreeId::ExternalIds
        | TreeId::SessionCookies
        | TreeId::RecoveryLinkHashes => std::str::from_utf8(value)
            .map(drop)
            .map_err(|e| StoreError::Codec(format!("an index entry's id: {e}"))),
        TreeId::AccountSessions | TreeId::AccountFamilies => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup(schema: u32, records: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        let header = Item::Header {
            format: FORMAT.into(),
            schema,
            master_key: Bytes(vec![7; 32]),
        };
        write_item(&mut out, &header).unwrap();
        for (i, (tree, value)) in records.iter().enumerate() {
            let record = Item::Record {
                tree: (*tree).into(),
                key: Bytes(i.to_be_bytes().to_vec()),
                value: Bytes(value.clone()),
            };
            write_item(&mut out, &record).unwrap();
        }
        let end = Item::End {
            records: records.len() as u64,
        };
        write_item(&mut out, &end).unwrap();
        out
    }

    fn import(file: &[u8]) -> Result<Verified, BackupError> {
        let tmp = tempfile::tempdir().unwrap();
        Store::open(tmp.path(), 100).unwrap().import(&mut &file[..])
    }

    /// A restored store's generator starts above every id the source had issued, so a
    /// new tenant never shares an incarnation with a restored one.
    #[test]
    fn ids_issued_after_a_restore_are_new() {
        let tmp = tempfile::tempdir().unwrap();
        let source = Store::open(&tmp.path().join("a"), 100).unwrap();
        let uid = (0..5000)
            .map(|_| source.generate_id().unwrap())
            .last()
            .unwrap();
        let slug = crate::types::TenantId::parse("acme").unwrap();
        let tenant = tenants::Tenant::new(slug, uid, "Acme".into(), 0);
        let encoded = codec::encode(&tenant).unwrap();
        source
            .tree(TreeId::Tenants)
            .insert(tenant.key(), encoded.clone())
            .unwrap();
        let mut file = Vec::new();
        source.export(&[7; 32], None, &mut file).unwrap();
        let restored = Store::open(&tmp.path().join("b"), 100).unwrap();
        restored.import(&mut &file[..]).unwrap();
        assert!(restored.generate_id().unwrap() > uid);

        let older = backup(migrate::CURRENT, &[("tenants", encoded)]);
        let restored = Store::open(&tmp.path().join("c"), 100).unwrap();
        restored.import(&mut &older[..]).unwrap();
        assert!(
            restored.generate_id().unwrap() > uid,
            "a backup without the floor is judged by its tenants"
        );
    }

    #[test]
    fn a_record_that_does_not_decode_is_named_by_position_and_tree() {
        let id = codec::encode(&"an id").unwrap();
        let file = backup(
            migrate::CURRENT,
            &[("usernames", id), ("clients", vec![0xa0])],
        );
        match import(&file) {
            Err(BackupError::BadRecord { position, tree, .. }) => {
                assert_eq!((position, tree), (2, "clients"))
            }
            other => panic!("expected BadRecord, got {other:?}"),
        }
    }

    /// An account as schema 2 stored it, with the `admin` flag.
    #[derive(Serialize)]
    struct OldAccount {
        id: String,
        username: String,
        email: Option<String>,
        name: Option<String>,
        password_hash: Option<String>,
        admin: bool,
        disabled: bool,
        created_at: u64,
        tenant_uids: Vec<u64>,
    }

    #[test]
    fn a_schema_2_backup_restores_its_admins_as_appliance_admins() {
        let old = OldAccount {
            id: "root".into(),
            username: "root".into(),
            email: None,
            name: None,
            password_hash: None,
            admin: true,
            disabled: false,
            created_at: 1,
            tenant_uids: vec![],
        };
        let file = backup(2, &[("accounts", codec::encode(&old).unwrap())]);
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        store.import(&mut &file[..]).unwrap();
        let (_, bytes) = store.tree(TreeId::Accounts).iter().next().unwrap().unwrap();
        let account: accounts::Account = codec::decode(&bytes).unwrap();
        assert_eq!(account.role, Some(crate::types::AdminRole::Appliance));
    }

    /// An API key as schema 1 stored it, without its tenant's slug.
    #[derive(Serialize)]
    struct OldApiKey {
        id: String,
        tenant_uid: u64,
        client_id: String,
        label: String,
        key_hash: [u8; 32],
        created_at: u64,
        last_used_at: Option<u64>,
    }

    #[test]
    fn api_keys_of_the_old_shape_restore_only_from_a_backup_of_that_schema() {
        let old = OldApiKey {
            id: "k".into(),
            tenant_uid: 7,
            client_id: "app".into(),
            label: "l".into(),
            key_hash: [1; 32],
            created_at: 1,
            last_used_at: None,
        };
        let old = codec::encode(&old).unwrap();
        assert!(import(&backup(1, &[("api_keys", old.clone())])).is_ok());
        let refused = import(&backup(2, &[("api_keys", old)]));
        assert!(matches!(
            refused,
            Err(BackupError::BadRecord { position: 1, .. })
        ));
    }
}
