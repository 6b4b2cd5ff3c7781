//! Refresh families (one live token per grant, rotated by compare-and-swap) and the
//! older-form refresh tokens that still lead to their family.

use super::codec::Record;
use super::factors::Factor;
use super::grant_key::GrantKey;
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::clock::UnixTime;
use crate::types::Jkt;
use serde::{Deserialize, Serialize};

/// A refresh token of the older form, which did not name its family, stored under its
/// [`GrantKey`]. No new ones are stored: tokens now name their family, which holds the
/// live one's hash. Those still out find their family through this record until the
/// sweep removes it at expiry, so a reuse still finds the family and kills it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefreshToken {
    /// SHA-256 of the token.
    pub hash: [u8; 32],
    /// The expiry second its key leads with; `None` for one stored under its hash alone.
    #[serde(default)]
    pub key_expiry: Option<UnixTime>,
    /// Its family.
    pub family_id: String,
    /// Expiry.
    pub expires_at: UnixTime,
}

impl RefreshToken {
    /// Where it is stored.
    pub fn grant_key(&self) -> GrantKey {
        GrantKey {
            expiry: self.key_expiry,
            hash: self.hash,
        }
    }
}

impl Record for RefreshToken {
    const TREE: TreeId = TreeId::RefreshTokens;
    fn key(&self) -> Vec<u8> {
        self.grant_key().bytes()
    }
}

/// A chain of refresh tokens from one grant; at most one is live.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefreshFamily {
    /// Random id.
    pub id: String,
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The client.
    pub client_id: String,
    /// The account.
    pub account_id: String,
    /// Scopes of the grant.
    pub scopes: Vec<String>,
    /// The SSO session it ends with, unless `offline_access` was granted.
    pub sid: Option<String>,
    /// When the user authenticated.
    pub auth_time: Option<UnixTime>,
    /// The one live token's SHA-256; `None` once revoked.
    pub live: Option<[u8; 32]>,
    /// The account's `refresh_epoch` when the grant was made (0 for a family stored
    /// before families carried it, as for every account never disabled since).
    #[serde(default)]
    pub account_epoch: u64,
    /// When the last token of the family expires.
    pub expires_at: UnixTime,
    /// How the session it came from authenticated, for `acr` and `amr` (browser grants).
    #[serde(default)]
    pub factors: Vec<Factor>,
    /// The DPoP key a public client's family is bound to: each use needs a proof by it
    /// (RFC 9449 §5). `None` for an unbound family and one stored before DPoP.
    #[serde(default)]
    pub jkt: Option<Jkt>,
}

impl Record for RefreshFamily {
    const TREE: TreeId = TreeId::Families;
    fn key(&self) -> Vec<u8> {
        self.id.as_bytes().to_vec()
    }
}

impl Store {
    /// Stores a refresh token of the older form: the next token of a family from before
    /// tokens named their family. It works only once [`Store::rotate_family`] makes it
    /// the family's live token.
    pub fn insert_older_refresh_token(&self, t: &RefreshToken) -> Result<(), StoreError> {
        self.put_alone(t)
    }

    /// Makes `new` the live token of family `id` if `old` still is, by compare-and-swap:
    /// of two rotations of one token, exactly one gets `true`. The rotation writes
    /// nothing else.
    pub fn rotate_family(
        &self,
        id: &str,
        old: &[u8; 32],
        new: &[u8; 32],
    ) -> Result<bool, StoreError> {
        self.swap_alone::<RefreshFamily>(id.as_bytes(), |f| {
            (f.live == Some(*old)).then_some(RefreshFamily {
                live: Some(*new),
                ..f
            })
        })
    }

    /// Stores a new refresh family: one new key no other write touches until the family
    /// is handed out, so no transaction. Nothing indexes it under its account: disabling
    /// the account bumps its `refresh_epoch` instead.
    pub fn insert_family(&self, f: &RefreshFamily) -> Result<(), StoreError> {
        self.put_alone(f)
    }

    /// The older-form refresh token stored at `key`.
    pub fn refresh_token(&self, key: &GrantKey) -> Result<Option<RefreshToken>, StoreError> {
        self.get(&key.bytes())
    }

    /// A refresh family by id.
    pub fn family(&self, id: &str) -> Result<Option<RefreshFamily>, StoreError> {
        self.get(id.as_bytes())
    }
}

impl Tx<'_> {
    /// Revokes a refresh family: its live token stops working.
    pub fn revoke_family<E: From<StoreError>>(&self, id: &str) -> Result<(), TxError<E>> {
        if let Some(mut f) = self.family::<E>(id)? {
            f.live = None;
            self.put(&f)?;
        }
        Ok(())
    }

    /// A refresh family by id.
    pub fn family<E: From<StoreError>>(
        &self,
        id: &str,
    ) -> Result<Option<RefreshFamily>, TxError<E>> {
        self.get(id.as_bytes())
    }

    /// Stores a refresh family.
    pub fn put_family<E: From<StoreError>>(&self, f: &RefreshFamily) -> Result<(), TxError<E>> {
        self.put(f)
    }
}
