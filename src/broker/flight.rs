//! Logins in flight at the upstream: what the callback needs (nonce, PKCE verifier, the
//! pending downstream request) under the SHA-256 of their `state`. Kept in memory only:
//! the verifier never touches the disk, each entry is taken once, and at most
//! [`CAPACITY`] wait at a time, each for at most ten minutes.

use super::BrokerError;
use crate::clock::UnixTime;
use crate::types::Secret;
use std::collections::HashMap;
use std::sync::Mutex;

/// The most logins that may wait at the upstream at once.
const CAPACITY: usize = 10_000;

/// One login sent upstream.
pub struct Flight {
    /// The tenant, by slug and incarnation.
    pub tenant: crate::types::TenantId,
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The downstream request to finish.
    pub pending_id: String,
    /// The `nonce` the ID token must carry.
    pub nonce: Secret,
    /// The PKCE `code_verifier`.
    pub verifier: Secret,
    /// The `redirect_uri` sent, sent again with the code.
    pub redirect_uri: String,
    /// SHA-256 of the browser cookie's value.
    pub browser_hash: [u8; 32],
    /// When the login is void.
    pub expires_at: UnixTime,
}

/// The logins in flight.
#[derive(Default)]
pub struct Flights {
    by_state: Mutex<HashMap<[u8; 32], Flight>>,
}

impl Flights {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Flight>> {
        match self.by_state.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Records a login under its state's hash; expired ones make room first.
    pub fn insert(
        &self,
        state_hash: [u8; 32],
        flight: Flight,
        now: UnixTime,
    ) -> Result<(), BrokerError> {
        let mut map = self.map();
        if map.len() >= CAPACITY {
            map.retain(|_, f| f.expires_at > now);
        }
        if map.len() >= CAPACITY {
            return Err(BrokerError::Page(
                "Too many sign-ins are under way; try again in a few minutes.".into(),
            ));
        }
        map.insert(state_hash, flight);
        Ok(())
    }

    /// Takes the login of a state's hash out, if it has not expired by `now`: a second
    /// callback finds nothing.
    pub fn take(&self, state_hash: &[u8; 32], now: UnixTime) -> Option<Flight> {
        self.map().remove(state_hash).filter(|f| f.expires_at > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flight(expires_at: UnixTime) -> Flight {
        Flight {
            tenant: crate::types::TenantId::parse("t").unwrap(),
            tenant_uid: 1,
            pending_id: "p".into(),
            nonce: Secret::new("n"),
            verifier: Secret::new("v"),
            redirect_uri: "https://sso/cb".into(),
            browser_hash: [0; 32],
            expires_at,
        }
    }

    #[test]
    fn a_login_is_taken_once_and_never_after_it_expired() {
        let flights = Flights::default();
        flights.insert([1; 32], flight(700), 100).unwrap();
        flights.insert([2; 32], flight(700), 100).unwrap();
        assert!(flights.take(&[1; 32], 699).is_some());
        assert!(flights.take(&[1; 32], 699).is_none(), "single use");
        assert!(
            flights.take(&[2; 32], 700).is_none(),
            "expired after ten minutes"
        );
        assert!(flights.take(&[2; 32], 100).is_none(), "and gone for good");
        assert!(flights.take(&[3; 32], 100).is_none());
    }
}
