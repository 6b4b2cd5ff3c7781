//! Pushed authorization requests (RFC 9126): what a client pushed, kept under the
//! SHA-256 of its `request_uri` until the first `/authorize` takes it (one atomic
//! remove, so two browsers presenting the same URN cannot both use it) or it lapses.

use super::codec::{self, Record};
use super::{Store, StoreError, TreeId};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

/// One pushed request, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushedRequest {
    /// SHA-256 of the `request_uri` handed out: the key.
    pub hash: [u8; 32],
    /// The tenant incarnation it was pushed to.
    pub tenant_uid: u64,
    /// The client that pushed it; only that client's `/authorize` may use it.
    pub client_id: String,
    /// The authorization parameters, validated when pushed.
    pub params: Vec<(String, String)>,
    /// When the reference lapses (60 s after the push).
    pub expires_at: UnixTime,
}

impl Record for PushedRequest {
    const TREE: TreeId = TreeId::Pushed;
    fn key(&self) -> Vec<u8> {
        self.hash.to_vec()
    }
}

impl Store {
    /// Stores a pushed request: one record nothing else refers to.
    pub fn put_pushed(&self, pushed: &PushedRequest) -> Result<(), StoreError> {
        self.put_alone(pushed)
    }

    /// Removes and returns the pushed request of a `request_uri`'s hash when it was
    /// pushed to tenant incarnation `uid` by `client_id`, expired or not: spent by its
    /// first presentation from that client, by compare-and-swap, so of two presentations
    /// one gets it. Presented by another client or at another tenant, it stays.
    pub fn take_pushed(
        &self,
        hash: &[u8; 32],
        uid: u64,
        client_id: &str,
    ) -> Result<Option<PushedRequest>, StoreError> {
        let _shared = self.shared();
        let tree = self.tree(TreeId::Pushed);
        loop {
            let Some(bytes) = tree.get(hash)? else {
                return Ok(None);
            };
            let pushed: PushedRequest = codec::decode(&bytes)?;
            if pushed.tenant_uid != uid || pushed.client_id != client_id {
                return Ok(None);
            }
            if tree
                .compare_and_swap(hash, Some(&bytes), None as Option<&[u8]>)?
                .is_ok()
            {
                return Ok(Some(pushed));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pushed_request_is_taken_once_and_only_by_its_client() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        let pushed = PushedRequest {
            hash: [3; 32],
            tenant_uid: 1,
            client_id: "app".into(),
            params: vec![("scope".into(), "openid".into())],
            expires_at: 160,
        };
        store.put_pushed(&pushed).unwrap();
        assert_eq!(store.take_pushed(&[3; 32], 1, "other").unwrap(), None);
        assert_eq!(store.take_pushed(&[3; 32], 2, "app").unwrap(), None);
        assert_eq!(store.take_pushed(&[3; 32], 1, "app").unwrap(), Some(pushed));
        assert_eq!(
            store.take_pushed(&[3; 32], 1, "app").unwrap(),
            None,
            "single use"
        );
    }
}
