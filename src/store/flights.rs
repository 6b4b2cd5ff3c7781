//! Brokered sign-ins in flight at an upstream IdP (SPEC "High availability": broker
//! logins live in the store, so the callback may reach any node, or this one after a
//! restart). Each is keyed by the SHA-256 of its `state` and taken once: the take is
//! one atomic remove, so a replayed callback finds nothing.

use super::codec::{self, Record};
use super::{Store, StoreError, TreeId};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One login sent upstream, as stored. Its nonce and PKCE verifier are sealed by the
/// broker, bound to the state's hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BrokerFlight {
    /// SHA-256 of the `state` sent upstream: the key.
    pub state_hash: [u8; 32],
    /// The tenant's slug.
    pub tenant: String,
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The downstream request to finish.
    pub pending_id: String,
    /// The `nonce` the ID token must carry, sealed.
    pub sealed_nonce: Vec<u8>,
    /// The PKCE `code_verifier`, sealed.
    pub sealed_verifier: Vec<u8>,
    /// The `redirect_uri` sent, sent again with the code.
    pub redirect_uri: String,
    /// SHA-256 of the browser cookie's value.
    pub browser_hash: [u8; 32],
    /// The client address (bucketed) that started it, whose place under the cap on
    /// sign-ins in flight the callback frees.
    pub address: IpAddr,
    /// When the login is void; the sweep removes it then.
    pub expires_at: UnixTime,
}

impl Record for BrokerFlight {
    const TREE: TreeId = TreeId::BrokerFlights;
    fn key(&self) -> Vec<u8> {
        self.state_hash.to_vec()
    }
}

impl Store {
    /// Stores a login in flight.
    pub fn put_flight(&self, flight: &BrokerFlight) -> Result<(), StoreError> {
        self.put_alone(flight)
    }

    /// Removes and returns the login in flight of a state's hash, expired or not: of two
    /// callbacks with the same state, one gets it.
    pub fn take_flight(&self, state_hash: &[u8; 32]) -> Result<Option<BrokerFlight>, StoreError> {
        let _shared = self.shared();
        self.tree(TreeId::BrokerFlights)
            .remove(state_hash)?
            .map(|bytes| codec::decode(&bytes))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flight_is_taken_once() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        let flight = BrokerFlight {
            state_hash: [7; 32],
            tenant: "t".into(),
            tenant_uid: 1,
            pending_id: "p".into(),
            sealed_nonce: vec![1],
            sealed_verifier: vec![2],
            redirect_uri: "https://sso/cb".into(),
            browser_hash: [0; 32],
            address: "192.0.2.1".parse().unwrap(),
            expires_at: 700,
        };
        store.put_flight(&flight).unwrap();
        assert_eq!(store.take_flight(&[7; 32]).unwrap(), Some(flight));
        assert_eq!(store.take_flight(&[7; 32]).unwrap(), None, "single use");
        assert_eq!(store.take_flight(&[8; 32]).unwrap(), None);
    }
}
