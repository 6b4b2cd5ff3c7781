//! Authorization requests waiting for the user to sign in.

use super::codec::Record;
use super::factors::Factor;
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

/// An authorization request waiting for the user to sign in (10 minutes at most).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingAuthorization {
    /// Random id, carried by the login form.
    pub id: String,
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The request's defined parameters (none unknown, each length-limited), as query
    /// pairs, to finish it after sign-in.
    pub params: Vec<(String, String)>,
    /// When it was made: a login after this satisfies `prompt=login`.
    pub created_at: UnixTime,
    /// When it lapses.
    pub expires_at: UnixTime,
    /// The second sign-in step under way for it, if any.
    #[serde(default)]
    pub second_step: Option<SecondStep>,
    /// Where the request leads once the user signed in.
    #[serde(default)]
    pub continuation: Continuation,
}

/// Where a finished sign-in goes: back to the client that asked, or to the tenant's own
/// account console. Nothing else is a destination, so nothing here can redirect
/// elsewhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Continuation {
    /// The authorization request in `params`, answered to its client.
    #[default]
    Authorize,
    /// The account console of the pending request's tenant (`/t/{tenant}/account`).
    Console,
}

/// A user between the password (or a session that lacks a second factor) and the
/// second factor: whose account, and which browser may finish it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecondStep {
    /// The account signing in.
    pub account_id: String,
    /// Its username, for the limiter.
    pub username: String,
    /// The session being stepped up; `None` when the password was just entered and the
    /// session is made once the second factor is in.
    pub session_id: Option<String>,
    /// SHA-256 of the cookie that must come with each step: the session cookie when
    /// stepping a session up, else the step cookie set with the password's answer.
    pub binding: [u8; 32],
    /// A TOTP secret being enrolled, sealed for the account, until a code confirms it.
    #[serde(default)]
    pub enrolling: Option<Vec<u8>>,
    /// The factors completed so far.
    pub factors: Vec<Factor>,
    /// The account's `refresh_epoch` when the step began: a new password or disabling
    /// since then bumps it and voids the step.
    #[serde(default)]
    pub account_epoch: u64,
    /// Set once the second factor is in: the session to finish the request with.
    #[serde(default)]
    pub done_session: Option<String>,
}

impl Record for PendingAuthorization {
    const TREE: TreeId = TreeId::Pending;
    fn key(&self) -> Vec<u8> {
        self.id.as_bytes().to_vec()
    }
}

impl Store {
    /// A pending authorization by id.
    pub fn pending(&self, id: &str) -> Result<Option<PendingAuthorization>, StoreError> {
        self.get(id.as_bytes())
    }
}

impl Tx<'_> {
    /// Stores a pending authorization.
    pub fn put_pending<E: From<StoreError>>(
        &self,
        p: &PendingAuthorization,
    ) -> Result<(), TxError<E>> {
        self.put(p)
    }

    /// Removes a pending authorization.
    pub fn remove_pending<E: From<StoreError>>(
        &self,
        id: &str,
    ) -> Result<Option<PendingAuthorization>, TxError<E>> {
        self.remove(id.as_bytes())
    }
}
