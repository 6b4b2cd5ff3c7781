//! Physical removal of what a deleted tenant left behind. Deleting a tenant removes its
//! record in one transaction, which makes everything keyed by its incarnation
//! unreachable at once; the sweep then frees the space, right after the delete and, for
//! anything a crash interrupted, at every start.

use super::codec;
use super::{Store, StoreError, TreeId, TxError};
use std::collections::BTreeSet;

/// Records removed per transaction, so a large tenant never makes one huge transaction.
const BATCH: usize = 256;

/// Trees whose keys start with a tenant incarnation.
const TENANT_TREES: [TreeId; 6] = [
    TreeId::Clients,
    TreeId::RevokedJtis,
    TreeId::Introspection,
    TreeId::Upstream,
    TreeId::Members,
    TreeId::ExternalIds,
];

impl Store {
    /// Removes every record of the (deleted) tenant incarnation `uid`.
    pub fn sweep_tenant(&self, uid: u64) -> Result<usize, StoreError> {
        let mut removed = 0;
        for id in TENANT_TREES {
            removed += self.sweep_prefix(id, uid)?;
        }
        removed += self.sweep_api_keys(|k| k == uid)?;
        Ok(removed)
    }

    /// Sweeps every incarnation that no tenant record names any more.
    pub fn sweep_orphans(&self) -> Result<usize, StoreError> {
        let live: BTreeSet<u64> = self
            .tenants(None, usize::MAX)?
            .into_iter()
            .map(|t| t.uid)
            .collect();
        let mut dead = BTreeSet::new();
        for id in TENANT_TREES {
            for key in self.tree(id).iter().keys() {
                let key = key?;
                if let Some(uid) = key
                    .get(..8)
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_be_bytes)
                    && !live.contains(&uid)
                {
                    dead.insert(uid);
                }
            }
        }
        let mut removed = 0;
        for uid in &dead {
            removed += self.sweep_tenant(*uid)?;
        }
        Ok(removed + self.sweep_api_keys(|k| !live.contains(&k))?)
    }

    fn sweep_prefix(&self, id: TreeId, uid: u64) -> Result<usize, StoreError> {
        let prefix = uid.to_be_bytes();
        let mut removed = 0;
        loop {
            let keys: Vec<Vec<u8>> = self
                .tree(id)
                .scan_prefix(prefix)
                .keys()
                .take(BATCH)
                .map(|k| k.map(|k| k.to_vec()))
                .collect::<Result<_, _>>()?;
            if keys.is_empty() {
                return Ok(removed);
            }
            removed += keys.len();
            self.transaction(|tx| {
                for key in &keys {
                    if matches!(id, TreeId::Members) {
                        forget_tenant(tx, &key[8..], uid)?;
                    }
                    tx.remove_raw::<StoreError>(id, key)?;
                }
                Ok(())
            })?;
        }
    }

    fn sweep_api_keys(&self, dead: impl Fn(u64) -> bool) -> Result<usize, StoreError> {
        let doomed: Vec<String> = self
            .tree(TreeId::ApiKeys)
            .iter()
            .values()
            .map(|v| codec::decode::<super::api_keys::ApiKey>(&v?))
            .filter(|k| k.as_ref().map_or(true, |k| dead(k.tenant_uid)))
            .map(|k| k.map(|k| k.id))
            .collect::<Result<_, _>>()?;
        for chunk in doomed.chunks(BATCH) {
            self.transaction(|tx| {
                for id in chunk {
                    tx.remove_api_key::<StoreError>(id)?;
                }
                Ok(())
            })?;
        }
        Ok(doomed.len())
    }
}

/// Drops `uid` from the member account's list of tenants.
fn forget_tenant(
    tx: &super::Tx<'_>,
    account_id: &[u8],
    uid: u64,
) -> Result<(), TxError<StoreError>> {
    let id = String::from_utf8_lossy(account_id);
    if let Some(mut account) = tx.account::<StoreError>(&id)? {
        account.tenant_uids.retain(|u| *u != uid);
        tx.put(&account)?;
    }
    Ok(())
}
