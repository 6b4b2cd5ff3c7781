//! Backup and restore: the whole store as a CBOR sequence (RFC 8742) of items, a header
//! first (format, schema version, the master key), then every record of every tree,
//! then an end marker with the count, so a truncated file is detected.

use super::{Store, StoreError, TREE_NAMES, migrate};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::io::{Read, Write};

/// Identifies a latchkey backup.
const FORMAT: &str = "latchkey-backup";

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
    End {
        records: u64,
    },
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
}

fn write_item(out: &mut impl Write, item: &Item) -> Result<(), BackupError> {
    ciborium::into_writer(item, &mut *out).map_err(|e| match e {
        ciborium::ser::Error::Io(io) => BackupError::Write(io),
        other => BackupError::Invalid(other.to_string()),
    })
}

impl Store {
    /// Writes every record, with the master key, to `out`. The caller makes it a
    /// snapshot: offline, the data dir lock keeps writers away.
    pub fn export(&self, master_key: &[u8], out: &mut impl Write) -> Result<u64, BackupError> {
        let header = Item::Header {
            format: FORMAT.into(),
            schema: migrate::CURRENT,
            master_key: Bytes(master_key.to_vec()),
        };
        write_item(out, &header)?;
        let mut records = 0;
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
        self.export(master_key, out)
    }

    /// Loads a backup into this (empty) store and migrates it to the current schema;
    /// returns the master key it carried.
    pub fn import(&self, input: &mut impl Read) -> Result<Vec<u8>, BackupError> {
        let invalid = |m: String| BackupError::Invalid(m);
        let read = |input: &mut dyn Read| {
            ciborium::from_reader::<Item, _>(input).map_err(|e| invalid(e.to_string()))
        };
        let master_key = match read(input)? {
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
                master_key.0
            }
            _ => return Err(invalid("it does not start with a latchkey header".into())),
        };
        let mut records = 0u64;
        loop {
            match read(input)? {
                Item::Record { tree, key, value } => {
                    let index = TREE_NAMES
                        .iter()
                        .position(|n| *n == tree)
                        .ok_or_else(|| invalid(format!("unknown tree `{tree}`")))?;
                    self.trees[index]
                        .insert(key.0, value.0)
                        .map_err(StoreError::from)?;
                    records += 1;
                }
                Item::End { records: expected } if expected == records => {
                    migrate::run(self)?;
                    return Ok(master_key);
                }
                Item::End { records: expected } => {
                    return Err(invalid(format!(
                        "{records} records read, {expected} announced"
                    )));
                }
                Item::Header { .. } => return Err(invalid("a second header".into())),
            }
        }
    }
}
