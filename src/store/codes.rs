//! Authorization codes (RFC 6749 §4.1.2), kept after redemption until they expire so a
//! replay is recognised, and their compare-and-swap redemption.

use super::codec::Record;
use super::factors::Factor;
use super::grant_key::GrantKey;
use super::{Store, StoreError, TreeId};
use crate::clock::UnixTime;
use crate::types::Jkt;
use serde::{Deserialize, Serialize};

/// An authorization code (RFC 6749 §4.1.2), stored under its [`GrantKey`]. It stays after
/// use, marked, until it would have expired, so a replay is recognised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthCode {
    /// SHA-256 of the code.
    pub hash: [u8; 32],
    /// The expiry second its key leads with; `None` for one stored under its hash alone.
    #[serde(default)]
    pub key_expiry: Option<UnixTime>,
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect URI it was sent to.
    pub redirect_uri: String,
    /// Whether the authorization request named it (then the token request must too).
    #[serde(default)]
    pub redirect_uri_sent: bool,
    /// The account.
    pub account_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The request's nonce, for the ID token.
    pub nonce: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// The SSO session.
    pub sid: String,
    /// When the user authenticated.
    pub auth_time: UnixTime,
    /// Expiry (60 s after issue).
    pub expires_at: UnixTime,
    /// The DPoP key the authorization request named (`dpop_jkt`, RFC 9449 §10): only a
    /// proof by it redeems the code. `None` for a code stored before DPoP.
    #[serde(default)]
    pub dpop_jkt: Option<Jkt>,
    /// How the session authenticated, for `acr` and `amr`.
    #[serde(default)]
    pub factors: Vec<Factor>,
    /// Set once redeemed: the refresh family and access-token id it produced, which a
    /// replay revokes.
    pub redeemed: Option<Redemption>,
}

/// What redeeming a code produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Redemption {
    /// The access token's `jti` and `exp`.
    pub access_jti: String,
    /// Its expiry.
    pub access_exp: UnixTime,
    /// The refresh family, if one was issued.
    pub family_id: Option<String>,
}

impl AuthCode {
    /// Where it is stored.
    pub fn grant_key(&self) -> GrantKey {
        GrantKey {
            expiry: self.key_expiry,
            hash: self.hash,
        }
    }
}

impl Record for AuthCode {
    const TREE: TreeId = TreeId::Codes;
    fn key(&self) -> Vec<u8> {
        self.grant_key().bytes()
    }
}

impl Store {
    /// Stores a new code: one record nothing else refers to, so it needs no transaction.
    pub fn insert_code(&self, c: &AuthCode) -> Result<(), StoreError> {
        self.put_alone(c)
    }

    /// Marks the code at `key` redeemed unless it already is, by compare-and-swap on its
    /// record: of two redemptions racing, exactly one gets `true`.
    pub fn redeem_code(&self, key: &GrantKey, redemption: &Redemption) -> Result<bool, StoreError> {
        self.swap_alone::<AuthCode>(&key.bytes(), |code| {
            code.redeemed.is_none().then(|| AuthCode {
                redeemed: Some(redemption.clone()),
                ..code
            })
        })
    }

    /// The code stored at `key`.
    pub fn code(&self, key: &GrantKey) -> Result<Option<AuthCode>, StoreError> {
        self.get(&key.bytes())
    }
}
