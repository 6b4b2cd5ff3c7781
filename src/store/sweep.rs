//! Physical removal of what a deleted tenant left behind. Deleting a tenant removes its
//! record in one transaction, which makes everything keyed by its incarnation
//! unreachable at once; the sweep then frees the space, right after the delete and, for
//! anything a crash interrupted, at every start.

use super::codec;
use super::{Store, StoreError, TreeId, TxError};
use crate::clock::UnixTime;
use std::collections::BTreeSet;

/// Records removed per transaction, so a large tenant never makes one huge transaction.
const BATCH: usize = 256;

/// Where binary grant keys without an expiry second begin: keys that lead with one start
/// with four zero bytes until 2106 (see `GrantKey`); family ids, in hex, with "00000000".
const BINARY_LEGACY_FROM: [u8; 8] = (1u64 << 32).to_be_bytes();

/// Trees whose keys start with a tenant incarnation.
const TENANT_TREES: [TreeId; 10] = [
    TreeId::Consents,
    TreeId::Clients,
    TreeId::RevokedJtis,
    TreeId::Introspection,
    TreeId::Upstream,
    TreeId::Members,
    TreeId::ExternalIds,
    TreeId::ScimTokens,
    TreeId::ScimGroups,
    TreeId::Branding,
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
                    if matches!(id, TreeId::ScimTokens) {
                        let id = String::from_utf8_lossy(&key[8..]);
                        tx.remove_scim_token::<StoreError>(uid, &id)?;
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

/// What one sweep of expired grants removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Expired {
    /// Authorization codes.
    pub codes: usize,
    /// Pending sign-ins.
    pub pending: usize,
    /// Brokered sign-ins whose callback never came.
    pub broker_flights: usize,
    /// SSO sessions.
    pub sessions: usize,
    /// Refresh tokens.
    pub refresh_tokens: usize,
    /// Refresh families. One bound to an ended session is refused at once and removed
    /// when it expires.
    pub families: usize,
    /// Denylist entries of access tokens that have expired anyway.
    pub revoked_jtis: usize,
    /// Pushed authorization requests nobody took up.
    pub pushed: usize,
    /// Used JWT ids whose JWTs have expired anyway.
    pub seen_jtis: usize,
    /// WebAuthn ceremonies whose challenge lapsed.
    pub ceremonies: usize,
    /// Recovery links nobody used in time.
    pub recovery_links: usize,
}

/// A swept record; `None`, said in the log, for one that no longer decodes: the sweep
/// removes it, as nothing could ever read it.
fn decoded<R: codec::Record>(value: &[u8]) -> Option<R> {
    codec::decode::<R>(value)
        .inspect_err(|e| tracing::warn!("removing an undecodable record of {:?}: {e}", R::TREE))
        .ok()
}

impl Store {
    /// Removes the records of `R` that `expired` selects; one key at a time, as nothing
    /// else refers to them.
    fn sweep_records<R: super::codec::Record>(
        &self,
        expired: impl Fn(&R) -> bool,
    ) -> Result<usize, StoreError> {
        let mut removed = 0;
        for item in self.tree(R::TREE).iter() {
            let (key, value) = item?;
            if decoded::<R>(&value).is_none_or(|r| expired(&r)) {
                let _shared = self.gate.read().unwrap_or_else(|p| p.into_inner());
                self.tree(R::TREE).remove(key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Removes the records of `R` that expired by `now`, calling `removed` with each.
    /// Keys that lead with their expiry second put every expired record in the front of
    /// the tree, before `cutoff`, so the scan reads nothing else; keys from `legacy_from`
    /// on were stored before keys carried the second and are checked one by one.
    fn sweep_front<R: super::codec::Record>(
        &self,
        cutoff: &[u8],
        legacy_from: &[u8],
        expired: impl Fn(&R) -> bool,
        mut removed: impl FnMut(&R) -> Result<(), StoreError>,
    ) -> Result<usize, StoreError> {
        let tree = self.tree(R::TREE);
        let front = tree.range::<&[u8], _>(..cutoff);
        let mut count = 0;
        for item in front.chain(tree.range::<&[u8], _>(legacy_from..)) {
            let (key, value) = item?;
            let record = decoded::<R>(&value);
            if record.as_ref().is_none_or(&expired) {
                let _shared = self.gate.read().unwrap_or_else(|p| p.into_inner());
                tree.remove(key)?;
                if let Some(r) = &record {
                    removed(r)?;
                }
                count += 1;
            }
        }
        Ok(count)
    }

    /// Removes the codes, refresh tokens and refresh families that expired by `now`.
    /// Each is the front of its tree, so this reads only what it removes and can run
    /// every few seconds: a small sweep often keeps the process smaller than a large
    /// one each minute.
    pub fn sweep_expired_grants(&self, now: UnixTime) -> Result<Expired, StoreError> {
        use super::codes::AuthCode;
        use super::refresh::{RefreshFamily, RefreshToken};
        let binary_cutoff = (now + 1).to_be_bytes();
        Ok(Expired {
            codes: self.sweep_front(
                &binary_cutoff,
                &BINARY_LEGACY_FROM,
                |c: &AuthCode| c.expires_at <= now,
                |_| Ok(()),
            )?,
            refresh_tokens: self.sweep_front(
                &binary_cutoff,
                &BINARY_LEGACY_FROM,
                |t: &RefreshToken| t.expires_at <= now,
                |_| Ok(()),
            )?,
            // Families stored before accounts had a `refresh_epoch` were indexed under
            // their account; the entry goes with its family.
            families: self.sweep_front(
                format!("{:016x}", now + 1).as_bytes(),
                b"00000001",
                |f: &RefreshFamily| f.expires_at <= now,
                |f| {
                    self.tree(TreeId::AccountFamilies)
                        .remove(super::account_key(&f.account_id, &f.id))?;
                    Ok(())
                },
            )?,
            ..Expired::default()
        })
    }

    /// Removes everything that expired by `now`: the grants above, and sessions, pending
    /// sign-ins, brokered sign-ins in flight, denylist entries, pushed requests, used
    /// JWT ids and recovery links, which take a full scan. Sessions are ended through their transaction so
    /// that their indexes go with them.
    pub fn sweep_expired(&self, now: UnixTime) -> Result<Expired, StoreError> {
        use super::ceremonies::Ceremony;
        use super::flights::BrokerFlight;
        use super::pending::PendingAuthorization;
        use super::pushed::PushedRequest;
        use super::revoked::RevokedJti;
        use super::seen_jtis::SeenJti;
        use super::sessions::SsoSession;
        let mut sessions = Vec::new();
        for item in self.tree(TreeId::Sessions).iter() {
            let s: SsoSession = codec::decode(&item?.1)?;
            if s.expires_at <= now {
                sessions.push(s.id);
            }
        }
        for id in &sessions {
            self.transaction(|tx| tx.end_session::<StoreError>(id).map(|_| ()))?;
        }
        Ok(Expired {
            pending: self.sweep_records(|p: &PendingAuthorization| p.expires_at <= now)?,
            broker_flights: self.sweep_records(|f: &BrokerFlight| f.expires_at <= now)?,
            sessions: sessions.len(),
            revoked_jtis: self.sweep_records(|r: &RevokedJti| r.exp <= now)?,
            pushed: self.sweep_records(|p: &PushedRequest| p.expires_at <= now)?,
            seen_jtis: self.sweep_records(|s: &SeenJti| s.expires_at <= now)?,
            ceremonies: self.sweep_records(|c: &Ceremony| c.expires_at <= now)?,
            recovery_links: self.sweep_recovery_links(now)?,
            ..self.sweep_expired_grants(now)?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::pending::PendingAuthorization;
    use super::super::refresh::{RefreshFamily, RefreshToken};
    use super::super::revoked::RevokedJti;
    use super::super::sessions::SsoSession;
    use super::*;

    fn flight(key: u8, expires_at: u64) -> super::super::flights::BrokerFlight {
        super::super::flights::BrokerFlight {
            state_hash: [key; 32],
            tenant: "t".into(),
            tenant_uid: 1,
            pending_id: "p".into(),
            sealed_nonce: vec![],
            sealed_verifier: vec![],
            redirect_uri: "https://sso/cb".into(),
            browser_hash: [0; 32],
            address: "192.0.2.1".parse().unwrap(),
            expires_at,
        }
    }

    fn pending(id: &str, expires_at: u64) -> PendingAuthorization {
        PendingAuthorization {
            id: id.into(),
            tenant_uid: 1,
            params: vec![],
            created_at: 0,
            expires_at,
            second_step: None,
            continuation: Default::default(),
        }
    }

    #[test]
    fn only_expired_grants_go_and_an_expired_session_leaves_no_index() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        let session = |id: &str, expires_at| SsoSession {
            id: id.into(),
            cookie_hash: [id.as_bytes()[0]; 32],
            account_id: "a".into(),
            auth_time: 0,
            expires_at,
            upstream: None,
            id_token_clients: vec![],
            factors: vec![],
        };
        store
            .transaction(|tx| {
                tx.put_pending::<StoreError>(&pending("old", 100))?;
                tx.put_pending(&pending("new", 300))?;
                tx.put_session(&session("s-old", 100))?;
                tx.put_session(&session("t-new", 300))?;
                tx.revoke_jti(&RevokedJti {
                    tenant_uid: 1,
                    jti: "j".into(),
                    exp: 150,
                })
            })
            .unwrap();
        store.put_flight(&flight(1, 100)).unwrap();
        store.put_flight(&flight(2, 300)).unwrap();
        for (key, expires_at) in [(1, 100), (2, 300)] {
            store
                .put_pushed(&super::super::pushed::PushedRequest {
                    hash: [key; 32],
                    tenant_uid: 1,
                    client_id: "c".into(),
                    params: vec![],
                    expires_at,
                })
                .unwrap();
            let seen = super::super::seen_jtis::SeenJti {
                scope: "c".into(),
                jti: key.to_string(),
                expires_at,
            };
            assert!(store.first_use(&seen, 0).unwrap());
        }
        // Ids and keys that lead with the expiry second, and ones stored before that.
        let family = |id: &str, expires_at, key_expiry, sid: Option<&str>| {
            let f = RefreshFamily {
                id: id.into(),
                tenant_uid: 1,
                client_id: "c".into(),
                account_id: "a".into(),
                scopes: vec![],
                sid: sid.map(str::to_owned),
                auth_time: None,
                live: Some([id.as_bytes()[17]; 32]),
                account_epoch: 0,
                expires_at,
                factors: vec![],
                jkt: None,
            };
            store.insert_family(&f).unwrap();
            store
                .tree(TreeId::AccountFamilies)
                .insert(super::super::account_key("a", id), &[])
                .unwrap();
            store
                .insert_older_refresh_token(&RefreshToken {
                    hash: [id.as_bytes()[17]; 32],
                    key_expiry,
                    family_id: id.into(),
                    expires_at,
                })
                .unwrap();
        };
        let (gone, kept) = (format!("{:016x}-a", 150), format!("{:016x}-b", 300));
        family(&gone, 150, Some(150), None);
        family(&kept, 300, Some(300), Some("s-old"));
        family("legacy-family-gone", 150, None, None);
        family("legacy-family-kept", 300, None, None);
        let swept = store.sweep_expired(200).unwrap();
        assert_eq!(
            (
                swept.pending,
                swept.broker_flights,
                swept.sessions,
                swept.revoked_jtis,
                swept.families,
                swept.refresh_tokens,
                swept.pushed,
                swept.seen_jtis
            ),
            (1, 1, 1, 1, 2, 2, 1, 1)
        );
        assert!(store.take_pushed(&[1; 32], 1, "c").unwrap().is_none());
        assert!(store.take_pushed(&[2; 32], 1, "c").unwrap().is_some());
        assert!(store.take_flight(&[1; 32]).unwrap().is_none());
        assert!(store.take_flight(&[2; 32]).unwrap().is_some());
        assert!(store.family(&gone).unwrap().is_none());
        assert!(
            store.family(&kept).unwrap().is_some(),
            "a family of an ended session is refused, and removed when it expires"
        );
        assert_eq!(
            store.account_index(TreeId::AccountFamilies, "a").unwrap(),
            vec![kept.clone(), "legacy-family-kept".to_owned()],
            "expired families left the account index of older releases too"
        );
        assert!(store.pending("old").unwrap().is_none() && store.pending("new").unwrap().is_some());
        assert!(
            store.session("s-old").unwrap().is_none() && store.session("t-new").unwrap().is_some()
        );
        assert!(
            store.session_by_cookie(&[b's'; 32]).unwrap().is_none(),
            "the cookie index went too"
        );
        assert_eq!(
            store.account_sessions("a").unwrap(),
            vec!["t-new".to_owned()]
        );
        assert!(!store.is_revoked(1, "j").unwrap());
    }
}
