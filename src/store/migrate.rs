//! The schema version record and the migration hook run at every open.

use super::{Store, StoreError, TreeId, codec};

/// Key of the schema version in the meta tree.
pub(super) const SCHEMA_KEY: &[u8] = b"schema_version";

/// The schema this build writes. Bump it and add a step to [`STEPS`] when a record
/// changes shape in a way `#[serde(default)]` cannot absorb.
pub(super) const CURRENT: u32 = 1;

/// One migration step: rewrites records from one schema version to the next.
type Step = fn(&Store) -> Result<(), StoreError>;

/// Migration steps: `STEPS[i]` upgrades version `i + 1` to `i + 2`.
const STEPS: [Step; (CURRENT - 1) as usize] = [];

/// Brings the store to [`CURRENT`]; returns true when the store was empty.
pub(super) fn run(store: &Store) -> Result<bool, StoreError> {
    let meta = store.tree(TreeId::Meta);
    let found = meta
        .get(SCHEMA_KEY)?
        .map(|v| codec::decode::<u32>(&v))
        .transpose()?;
    let Some(mut version) = found else {
        meta.insert(SCHEMA_KEY, codec::encode(&CURRENT)?)?;
        return Ok(true);
    };
    if version > CURRENT {
        return Err(StoreError::TooNew {
            found: version,
            supported: CURRENT,
        });
    }
    while version < CURRENT {
        STEPS[(version - 1) as usize](store)?;
        version += 1;
        meta.insert(SCHEMA_KEY, codec::encode(&version)?)?;
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_store_gets_the_current_version_and_a_newer_one_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        assert!(store.is_fresh());
        drop(store);
        let store = Store::open(tmp.path(), 100).unwrap();
        assert!(!store.is_fresh(), "a reopened store is not fresh");
        store
            .tree(TreeId::Meta)
            .insert(SCHEMA_KEY, codec::encode(&(CURRENT + 1)).unwrap())
            .unwrap();
        store.flush_blocking().unwrap();
        drop(store);
        match Store::open(tmp.path(), 100) {
            Err(StoreError::TooNew { found, supported }) => {
                assert_eq!((found, supported), (CURRENT + 1, CURRENT))
            }
            other => panic!("expected TooNew, got {:?}", other.map(|_| ())),
        }
    }
}
