//! The schema version record and the migration hook run at every open.

use super::accounts::Account;
use super::api_keys::ApiKey;
use super::tenants::Tenant;
use super::{Store, StoreError, TreeId, codec};
use crate::clock::UnixTime;
use serde::Deserialize;
use std::collections::HashMap;

/// Key of the schema version in the meta tree.
pub(super) const SCHEMA_KEY: &[u8] = b"schema_version";

/// The schema this build writes. Bump it and add a step to [`STEPS`] when a record
/// changes shape in a way `#[serde(default)]` cannot absorb.
pub(super) const CURRENT: u32 = 3;

/// One migration step: rewrites records from one schema version to the next.
type Step = fn(&Store) -> Result<(), StoreError>;

/// Migration steps: `STEPS[i]` upgrades version `i + 1` to `i + 2`.
const STEPS: [Step; (CURRENT - 1) as usize] = [api_keys_name_their_tenant, accounts_hold_roles];

/// An API key as schema 1 stored it: without its tenant's slug.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ApiKeyV1 {
    id: String,
    tenant_uid: u64,
    client_id: String,
    label: String,
    key_hash: [u8; 32],
    created_at: UnixTime,
    last_used_at: Option<UnixTime>,
}

/// Schema 2: API keys carry their tenant's slug, so a key finds its tenant without a
/// scan. Keys of tenants deleted since are dropped: they could authenticate nothing.
/// Records already in the new shape are left alone, so a step cut short can run again.
fn api_keys_name_their_tenant(store: &Store) -> Result<(), StoreError> {
    let mut slugs = HashMap::new();
    for entry in store.tree(TreeId::Tenants).iter() {
        let tenant: Tenant = codec::decode(&entry?.1)?;
        slugs.insert(tenant.uid, tenant.id);
    }
    let keys = store.tree(TreeId::ApiKeys);
    for entry in keys.iter() {
        let (id, bytes) = entry?;
        if codec::decode::<ApiKey>(&bytes).is_ok() {
            continue;
        }
        let old: ApiKeyV1 = codec::decode(&bytes)?;
        match slugs.get(&old.tenant_uid) {
            Some(slug) => {
                let new = ApiKey {
                    id: old.id,
                    tenant: slug.clone(),
                    tenant_uid: old.tenant_uid,
                    client_id: old.client_id,
                    label: old.label,
                    key_hash: old.key_hash,
                    created_at: old.created_at,
                    last_used_at: old.last_used_at,
                };
                keys.insert(id, codec::encode(&new)?)?;
            }
            None => {
                store.tree(TreeId::ApiKeyHashes).remove(old.key_hash)?;
                keys.remove(id)?;
            }
        }
    }
    Ok(())
}

/// Schema 3: accounts hold an admin role instead of the `admin` flag. The account
/// decoder reads both shapes; rewriting every account here leaves one shape on disk, and
/// the version bump keeps builds that know only the flag from misreading the store.
fn accounts_hold_roles(store: &Store) -> Result<(), StoreError> {
    let accounts = store.tree(TreeId::Accounts);
    for entry in accounts.iter() {
        let (id, bytes) = entry?;
        let account: Account = codec::decode(&bytes)?;
        accounts.insert(id, codec::encode(&account)?)?;
    }
    Ok(())
}

/// Checks that `bytes` are an API key as a store of `schema` holds them: schema 1 keys
/// lack their tenant's slug, which the migration then adds.
pub(super) fn check_api_key(schema: u32, bytes: &[u8]) -> Result<(), StoreError> {
    match codec::decode::<ApiKey>(bytes) {
        Err(_) if schema < 2 => codec::decode::<ApiKeyV1>(bytes).map(drop),
        decoded => decoded.map(drop),
    }
}

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

    #[test]
    fn schema_1_api_keys_learn_their_tenant_and_orphans_go() {
        use super::super::codec::Record;
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        let tenant = Tenant::new(
            crate::types::TenantId::parse("acme").unwrap(),
            7,
            "Acme".into(),
            1,
        );
        store
            .tree(TreeId::Tenants)
            .insert(tenant.key(), codec::encode(&tenant).unwrap())
            .unwrap();
        for (id, uid, hash) in [("kept", 7, [1u8; 32]), ("orphan", 8, [2u8; 32])] {
            let old = ApiKeyV1 {
                id: id.into(),
                tenant_uid: uid,
                client_id: "app".into(),
                label: "l".into(),
                key_hash: hash,
                created_at: 1,
                last_used_at: None,
            };
            store
                .tree(TreeId::ApiKeys)
                .insert(id, codec::encode(&old).unwrap())
                .unwrap();
            store.tree(TreeId::ApiKeyHashes).insert(hash, id).unwrap();
        }
        store
            .tree(TreeId::Meta)
            .insert(SCHEMA_KEY, codec::encode(&1u32).unwrap())
            .unwrap();
        store.flush_blocking().unwrap();
        drop(store);

        let store = Store::open(tmp.path(), 100).unwrap();
        let kept = store.api_key_by_hash(&[1u8; 32]).unwrap().unwrap();
        assert_eq!((kept.tenant.as_str(), kept.tenant_uid), ("acme", 7));
        assert!(store.api_key("orphan").unwrap().is_none());
        assert!(store.api_key_by_hash(&[2u8; 32]).unwrap().is_none());
        let version: u32 =
            codec::decode(&store.tree(TreeId::Meta).get(SCHEMA_KEY).unwrap().unwrap()).unwrap();
        assert_eq!(version, CURRENT);
    }

    /// An account as schema 2 stored it: the `admin` flag instead of a role.
    #[derive(serde::Serialize)]
    struct AccountV2 {
        id: String,
        username: String,
        email: Option<String>,
        name: Option<String>,
        password_hash: Option<String>,
        admin: bool,
        disabled: bool,
        created_at: UnixTime,
        tenant_uids: Vec<u64>,
    }

    #[test]
    fn schema_2_admin_flags_become_appliance_roles() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        for (id, admin) in [("root", true), ("ann", false)] {
            let old = AccountV2 {
                id: id.into(),
                username: id.into(),
                email: None,
                name: None,
                password_hash: None,
                admin,
                disabled: false,
                created_at: 1,
                tenant_uids: vec![],
            };
            store
                .tree(TreeId::Accounts)
                .insert(id, codec::encode(&old).unwrap())
                .unwrap();
        }
        store
            .tree(TreeId::Meta)
            .insert(SCHEMA_KEY, codec::encode(&2u32).unwrap())
            .unwrap();
        store.flush_blocking().unwrap();
        drop(store);

        let store = Store::open(tmp.path(), 100).unwrap();
        let root = store.account("root").unwrap().unwrap();
        assert_eq!(root.role, Some(crate::types::AdminRole::Appliance));
        assert_eq!(store.account("ann").unwrap().unwrap().role, None);
        let raw = store.tree(TreeId::Accounts).get("root").unwrap().unwrap();
        let value: ciborium::Value = ciborium::from_reader(&raw[..]).unwrap();
        let keys: Vec<String> = value
            .as_map()
            .unwrap()
            .iter()
            .filter_map(|(k, _)| k.as_text().map(str::to_owned))
            .collect();
        assert!(keys.contains(&"role".to_owned()) && !keys.contains(&"admin".to_owned()));
    }
}
