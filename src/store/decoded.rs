//! Decoded copies of the records every token request reads (tenants, clients), kept
//! with the bytes they were decoded from. A read still fetches the stored bytes; only
//! when they are the same bytes is the copy cloned instead of decoding CBOR again, so a
//! write is never missed and nothing needs invalidating.

use super::{StoreError, codec};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Mutex;

/// Copies kept per record kind; past it the map starts over.
const CAPACITY: usize = 1024;

/// The decoded copies of one record kind, by key.
pub(super) struct Decoded<R> {
    copies: Mutex<HashMap<Vec<u8>, (sled::IVec, R)>>,
}

impl<R: DeserializeOwned + Clone> Decoded<R> {
    pub(super) fn new() -> Self {
        Decoded {
            copies: Mutex::new(HashMap::new()),
        }
    }

    /// The record stored at `key` in `tree`.
    pub(super) fn get(&self, tree: &sled::Tree, key: &[u8]) -> Result<Option<R>, StoreError> {
        let Some(stored) = tree.get(key)? else {
            return Ok(None);
        };
        if let Some((bytes, record)) = self.lock().get(key)
            && *bytes == stored
        {
            return Ok(Some(record.clone()));
        }
        let record: R = codec::decode(&stored)?;
        let mut copies = self.lock();
        if copies.len() >= CAPACITY {
            copies.clear();
        }
        copies.insert(key.to_vec(), (stored, record.clone()));
        Ok(Some(record))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, (sled::IVec, R)>> {
        self.copies.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Thing {
        secret_hash: String,
    }

    #[test]
    fn a_copy_is_served_only_while_its_bytes_are_the_stored_ones() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let tree = db.open_tree("things").unwrap();
        let decoded = Decoded::<Thing>::new();
        let put = |v: &str| {
            let thing = Thing {
                secret_hash: v.into(),
            };
            tree.insert("k", codec::encode(&thing).unwrap()).unwrap();
        };
        put("old");
        let read = || decoded.get(&tree, b"k").unwrap().map(|t| t.secret_hash);
        assert_eq!(read().as_deref(), Some("old"));
        assert_eq!(read().as_deref(), Some("old"), "served from the copy");
        put("new");
        assert_eq!(read().as_deref(), Some("new"), "a rewrite is seen at once");
        tree.remove("k").unwrap();
        assert_eq!(read(), None, "so is a removal");
    }
}
