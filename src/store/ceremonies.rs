//! WebAuthn ceremonies in flight: the relying-party state between the options a page
//! hands the browser and the credential it posts back (SPEC "High availability": kept in
//! the store so that any node can finish one). Each is keyed by what it was started for
//! (its purpose and pending sign-in), so a request holds one at a time and nobody can
//! pile them up; it is taken exactly once, by one compare-and-swap, and only with the
//! browser binding it was started with.

use super::codec::{self, Record};
use super::{Store, StoreError, TreeId};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

/// One ceremony waiting for the browser's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ceremony {
    /// What it is for, and which pending sign-in: the key.
    pub key: String,
    /// SHA-256 of the page's CSRF token, which the finishing form must carry.
    pub binding: [u8; 32],
    /// The relying-party library's state, serialised.
    pub state: String,
    /// When its challenge lapses (5 minutes); the sweep removes it then.
    pub expires_at: UnixTime,
}

impl Record for Ceremony {
    const TREE: TreeId = TreeId::Ceremonies;
    fn key(&self) -> Vec<u8> {
        self.key.as_bytes().to_vec()
    }
}

impl Store {
    /// Stores a ceremony, replacing (and so voiding) the one started before for the
    /// same purpose and request.
    pub fn put_ceremony(&self, c: &Ceremony) -> Result<(), StoreError> {
        self.put_alone(c)
    }

    /// Takes the ceremony under `key` if it carries `binding` and has not lapsed by
    /// `now`: removed by a compare-and-swap on the exact record read, so of two
    /// finishes with the same state only one gets it. A ceremony of another browser is
    /// left alone.
    pub fn take_ceremony(
        &self,
        key: &str,
        binding: &[u8; 32],
        now: UnixTime,
    ) -> Result<Option<Ceremony>, StoreError> {
        let _shared = self.shared();
        let tree = self.tree(TreeId::Ceremonies);
        let Some(bytes) = tree.get(key.as_bytes())? else {
            return Ok(None);
        };
        let c: Ceremony = codec::decode(&bytes)?;
        if !crate::types::secret::constant_time_eq(&c.binding, binding) {
            return Ok(None);
        }
        let swapped = tree.compare_and_swap(key.as_bytes(), Some(bytes), None::<&[u8]>)?;
        Ok(swapped.is_ok().then_some(c).filter(|c| c.expires_at > now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ceremony(expires_at: UnixTime) -> Ceremony {
        Ceremony {
            key: "signin:p1".into(),
            binding: [3; 32],
            state: "{}".into(),
            expires_at,
        }
    }

    #[test]
    fn a_ceremony_is_taken_once_by_its_own_browser_within_its_time() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        store.put_ceremony(&ceremony(400)).unwrap();
        assert_eq!(
            store.take_ceremony("signin:p1", &[4; 32], 100).unwrap(),
            None
        );
        assert_eq!(
            store.take_ceremony("signin:p1", &[3; 32], 100).unwrap(),
            Some(ceremony(400))
        );
        assert_eq!(
            store.take_ceremony("signin:p1", &[3; 32], 100).unwrap(),
            None
        );
        // Five minutes on, the challenge is void even if nobody swept it yet.
        store.put_ceremony(&ceremony(400)).unwrap();
        assert_eq!(
            store.take_ceremony("signin:p1", &[3; 32], 400).unwrap(),
            None
        );
        assert_eq!(
            store.take_ceremony("signin:p1", &[3; 32], 100).unwrap(),
            None
        );
        // A newer ceremony for the same request voids the older one; the sweep removes
        // what lapsed.
        store.put_ceremony(&ceremony(400)).unwrap();
        assert_eq!(store.sweep_expired(500).unwrap().ceremonies, 1);
        assert_eq!(
            store.take_ceremony("signin:p1", &[3; 32], 100).unwrap(),
            None
        );
    }
}
