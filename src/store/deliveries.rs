//! Back-channel logout deliveries waiting to be sent (OIDC Back-Channel Logout 1.0):
//! queued in the transaction that ends an SSO session, so a crash cannot lose one, and
//! keyed by when they are next due, so the courier finds the due ones with one range
//! scan. A delivery stays until it succeeds, is refused or is given up.

use super::codec::Record;
use super::sessions::{SessionClient, SsoSession};
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::audit::AuditEvent;
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

/// A logout to tell one client about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Unique for the life of the store; orders deliveries due in the same second.
    pub id: u64,
    /// When the next attempt is due.
    pub due_at: UnixTime,
    /// When the session ended: attempts stop a day later.
    pub queued_at: UnixTime,
    /// Attempts made so far.
    pub attempts: u32,
    /// The client to tell.
    pub client: SessionClient,
    /// The account signed out (`sub`).
    pub account_id: String,
    /// The session that ended (`sid`).
    pub sid: String,
}

/// The key of a delivery due at `due_at`: the second in big-endian, then the id.
fn key(due_at: UnixTime, id: u64) -> Vec<u8> {
    let mut key = due_at.to_be_bytes().to_vec();
    key.extend_from_slice(&id.to_be_bytes());
    key
}

impl Record for Delivery {
    const TREE: TreeId = TreeId::Deliveries;
    fn key(&self) -> Vec<u8> {
        key(self.due_at, self.id)
    }
}

impl Store {
    /// Ends every SSO session of `account_id` at `now`, which ends the refresh families
    /// tied to them, and queues the back-channel logouts of the clients that got ID
    /// tokens in them: what an admin setting a password, disabling or deleting an
    /// account, and a recovery link all do.
    pub fn end_account_sessions(&self, account_id: &str, now: UnixTime) -> Result<(), StoreError> {
        let sessions = self.account_sessions(account_id)?;
        self.transaction(|tx| {
            for sid in &sessions {
                tx.end_session_notifying::<StoreError>(sid, now)?;
            }
            Ok(())
        })
    }
}

impl Tx<'_> {
    /// Queues a delivery, due at once, for each of `clients` that registered a
    /// back-channel logout URI; returns how many were queued.
    pub fn queue_logouts<E: From<StoreError>>(
        &self,
        account_id: &str,
        sid: &str,
        clients: &[SessionClient],
        now: UnixTime,
    ) -> Result<usize, TxError<E>> {
        let mut queued = 0;
        for c in clients {
            let registered = self.client::<E>(c.tenant_uid, &c.client_id)?;
            if registered.is_none_or(|r| r.backchannel_logout_uri.is_none()) {
                continue;
            }
            self.put(&Delivery {
                id: self.generate_id(TreeId::Deliveries)?,
                due_at: now,
                queued_at: now,
                attempts: 0,
                client: c.clone(),
                account_id: account_id.to_owned(),
                sid: sid.to_owned(),
            })?;
            queued += 1;
        }
        Ok(queued)
    }

    /// Ends a session as [`Tx::end_session`] does, queuing the back-channel logouts of
    /// every client that got an ID token in it.
    pub fn end_session_notifying<E: From<StoreError>>(
        &self,
        id: &str,
        now: UnixTime,
    ) -> Result<Option<SsoSession>, TxError<E>> {
        let ended = self.end_session::<E>(id)?;
        if let Some(s) = &ended {
            self.queue_logouts::<E>(&s.account_id, &s.id, &s.id_token_clients, now)?;
        }
        Ok(ended)
    }

    /// Tells the clients of tenant incarnation `tenant_uid` that got an ID token in
    /// session `id` that it ended for them (the account left the tenant); the session
    /// itself goes on at other tenants and forgets those clients.
    pub fn end_session_at_tenant<E: From<StoreError>>(
        &self,
        id: &str,
        tenant_uid: u64,
        now: UnixTime,
    ) -> Result<(), TxError<E>> {
        let Some(mut s) = self.get::<SsoSession, E>(id.as_bytes())? else {
            return Ok(());
        };
        let (ended, kept): (Vec<_>, Vec<_>) = s
            .id_token_clients
            .into_iter()
            .partition(|c| c.tenant_uid == tenant_uid);
        if ended.is_empty() {
            return Ok(());
        }
        self.queue_logouts::<E>(&s.account_id, &s.id, &ended, now)?;
        s.id_token_clients = kept;
        self.put(&s)
    }
}

impl Store {
    /// Deliveries due at `now`, earliest first, at most `limit`.
    pub fn due_deliveries(&self, now: UnixTime, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        let end = key(now, u64::MAX);
        self.tree(TreeId::Deliveries)
            .range(..=end)
            .take(limit)
            .map(|item| super::codec::decode(&item?.1))
            .collect()
    }

    /// Removes a finished delivery and writes its audit event, in one transaction.
    pub fn finish_delivery(&self, d: &Delivery, event: &AuditEvent) -> Result<(), StoreError> {
        self.transaction(|tx| {
            tx.remove_raw::<StoreError>(TreeId::Deliveries, &d.key())?;
            tx.audit(event)
        })
    }

    /// Moves a delivery to `due_at`, counting the attempt just made, and writes its
    /// audit event, in one transaction.
    pub fn reschedule_delivery(
        &self,
        d: &Delivery,
        due_at: UnixTime,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let next = Delivery {
            due_at,
            attempts: d.attempts.saturating_add(1),
            ..d.clone()
        };
        self.transaction(|tx| {
            tx.remove_raw::<StoreError>(TreeId::Deliveries, &d.key())?;
            tx.put(&next)?;
            tx.audit(event)
        })
    }

    /// Records that `client` got an ID token naming session `sid` of `account_id`. When
    /// the session has already ended, the client is told at once, as it would have been.
    pub fn note_id_token(
        &self,
        sid: &str,
        account_id: &str,
        client: &SessionClient,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let known = std::cell::Cell::new(false);
        let added = self.swap_alone(sid.as_bytes(), |mut s: SsoSession| {
            if s.id_token_clients.contains(client) {
                known.set(true);
                return None;
            }
            s.id_token_clients.push(client.clone());
            Some(s)
        })?;
        if added || known.get() {
            return Ok(());
        }
        self.transaction(|tx| {
            tx.queue_logouts::<StoreError>(account_id, sid, std::slice::from_ref(client), now)
                .map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests;
