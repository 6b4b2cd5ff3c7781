//! The audit log: events keyed by a monotonic id, so the newest come first in reverse.

use super::codec::{self, Record};
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::audit::AuditEvent;
use serde::{Deserialize, Serialize};

/// A stored event with its id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Monotonic id; also the list cursor.
    pub id: u64,
    /// The event.
    pub event: AuditEvent,
}

impl Record for StoredEvent {
    const TREE: TreeId = TreeId::Audit;
    fn key(&self) -> Vec<u8> {
        self.id.to_be_bytes().to_vec()
    }
}

impl Tx<'_> {
    /// Appends an event in the same transaction as the write it records.
    pub fn audit<E: From<StoreError>>(&self, event: &AuditEvent) -> Result<(), TxError<E>> {
        event.observe();
        let id = self.generate_id(TreeId::Audit)?;
        self.put(&StoredEvent {
            id,
            event: event.clone(),
        })
    }
}

impl Store {
    /// Events newest first, older than the cursor `before`, that `keep` accepts; at most `limit`.
    pub fn audit_events(
        &self,
        before: Option<u64>,
        limit: usize,
        keep: impl Fn(&AuditEvent) -> bool,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let end = match before {
            None => u64::MAX,
            Some(0) => return Ok(Vec::new()),
            Some(b) => b - 1,
        };
        let mut out = Vec::new();
        for item in self.tree(TreeId::Audit).range(..=end.to_be_bytes()).rev() {
            let stored: StoredEvent = codec::decode(&item?.1)?;
            if keep(&stored.event) {
                out.push(stored);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Removes events older than `before`, oldest first, stopping at the first newer
    /// one (ids grow with time); returns how many went.
    pub fn prune_audit(&self, before: crate::clock::UnixTime) -> Result<usize, StoreError> {
        let mut removed = 0;
        for item in self.tree(TreeId::Audit).iter() {
            let (key, value) = item?;
            let stored: StoredEvent = codec::decode(&value)?;
            if stored.event.at >= before {
                break;
            }
            let _shared = self.gate.read().unwrap_or_else(|p| p.into_inner());
            self.tree(TreeId::Audit).remove(key)?;
            removed += 1;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Actor, AuditKind};

    #[test]
    fn pruning_removes_only_events_older_than_the_cutoff() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        for at in [10, 20, 30, 40] {
            let event = AuditEvent::new(at, AuditKind::Login, &Actor::System);
            store
                .transaction(|tx| tx.audit::<StoreError>(&event))
                .unwrap();
        }
        assert_eq!(store.prune_audit(25).unwrap(), 2);
        let left: Vec<u64> = store
            .audit_events(None, 10, |_| true)
            .unwrap()
            .iter()
            .map(|e| e.event.at)
            .collect();
        assert_eq!(left, [40, 30]);
        assert_eq!(store.prune_audit(25).unwrap(), 0, "nothing more to do");
    }
}
