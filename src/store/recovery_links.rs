//! Recovery links (SPEC "Account console and recovery"): at most one per account, keyed
//! by the account, with an index from the SHA-256 of its token. Storing a new link
//! drops the older one's index entry, so the older token finds nothing; taking a link is
//! one transaction that removes both, so of two submits exactly one gets it.

use super::codec::{self, Record};
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

/// A recovery link that has not been used yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecoveryLink {
    /// The account it lets set a password.
    pub account_id: String,
    /// SHA-256 of the token in the link; the token itself is never stored.
    pub token_hash: [u8; 32],
    /// The tenant incarnation whose page it opens.
    pub tenant_uid: u64,
    /// When it was made.
    pub created_at: UnixTime,
    /// When it stops working.
    pub expires_at: UnixTime,
}

impl Record for RecoveryLink {
    const TREE: TreeId = TreeId::RecoveryLinks;
    fn key(&self) -> Vec<u8> {
        self.account_id.as_bytes().to_vec()
    }
}

impl Store {
    /// The unused link whose token hashes to `token_hash`, expired or not.
    pub fn recovery_link(&self, token_hash: &[u8; 32]) -> Result<Option<RecoveryLink>, StoreError> {
        let Some(account) = self.tree(TreeId::RecoveryLinkHashes).get(token_hash)? else {
            return Ok(None);
        };
        let link: Option<RecoveryLink> = self.get(&account)?;
        Ok(link.filter(|l| l.token_hash == *token_hash))
    }

    /// Removes the links that expired by `now`, with their index entries.
    pub(super) fn sweep_recovery_links(&self, now: UnixTime) -> Result<usize, StoreError> {
        let mut expired = Vec::new();
        for item in self.tree(TreeId::RecoveryLinks).iter().values() {
            let link: RecoveryLink = codec::decode(&item?)?;
            if link.expires_at <= now {
                expired.push(link.account_id);
            }
        }
        for account in &expired {
            self.transaction(|tx| {
                if let Some(link) = tx.get::<RecoveryLink, StoreError>(account.as_bytes())?
                    && link.expires_at <= now
                {
                    tx.remove_recovery_link::<StoreError>(account)?;
                }
                Ok(())
            })?;
        }
        Ok(expired.len())
    }
}

impl Tx<'_> {
    /// Stores `link` as its account's only link: an older one stops working.
    pub fn put_recovery_link<E: From<StoreError>>(
        &self,
        link: &RecoveryLink,
    ) -> Result<(), TxError<E>> {
        self.remove_recovery_link::<E>(&link.account_id)?;
        self.put(link)?;
        self.index_put(
            TreeId::RecoveryLinkHashes,
            &link.token_hash,
            link.account_id.as_bytes(),
        )
    }

    /// Takes the link whose token hashes to `token_hash`: removed, and returned once.
    pub fn take_recovery_link<E: From<StoreError>>(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<RecoveryLink>, TxError<E>> {
        let Some(account) = self.index_get(TreeId::RecoveryLinkHashes, token_hash)? else {
            return Ok(None);
        };
        match self.get::<RecoveryLink, E>(&account)? {
            Some(link) if link.token_hash == *token_hash => {
                let account = String::from_utf8_lossy(&account).into_owned();
                self.remove_recovery_link::<E>(&account)?;
                Ok(Some(link))
            }
            _ => Ok(None),
        }
    }

    /// Removes an account's link, if it has one (a newer link, the account deleted).
    pub fn remove_recovery_link<E: From<StoreError>>(
        &self,
        account_id: &str,
    ) -> Result<(), TxError<E>> {
        if let Some(old) = self.remove::<RecoveryLink, E>(account_id.as_bytes())? {
            self.remove_raw(TreeId::RecoveryLinkHashes, &old.token_hash)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(account: &str, hash: u8, expires_at: UnixTime) -> RecoveryLink {
        RecoveryLink {
            account_id: account.into(),
            token_hash: [hash; 32],
            tenant_uid: 1,
            created_at: 0,
            expires_at,
        }
    }

    #[test]
    fn a_newer_link_voids_the_older_and_a_link_is_taken_once() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        let put = |l: &RecoveryLink| {
            store
                .transaction(|tx| tx.put_recovery_link::<StoreError>(l))
                .unwrap()
        };
        let take = |h: u8| {
            store
                .transaction(|tx| tx.take_recovery_link::<StoreError>(&[h; 32]))
                .unwrap()
        };
        put(&link("a", 1, 100));
        put(&link("a", 2, 100));
        assert_eq!(store.recovery_link(&[1; 32]).unwrap(), None, "voided");
        assert_eq!(take(1), None);
        assert_eq!(
            store.recovery_link(&[2; 32]).unwrap(),
            Some(link("a", 2, 100))
        );
        assert_eq!(take(2), Some(link("a", 2, 100)));
        assert_eq!(take(2), None, "once");
        put(&link("b", 3, 50));
        put(&link("c", 4, 150));
        assert_eq!(store.sweep_recovery_links(100).unwrap(), 1);
        assert_eq!(store.recovery_link(&[3; 32]).unwrap(), None);
        assert!(store.recovery_link(&[4; 32]).unwrap().is_some());
        assert!(
            store
                .tree(TreeId::RecoveryLinkHashes)
                .get([3; 32])
                .unwrap()
                .is_none()
        );
    }
}
