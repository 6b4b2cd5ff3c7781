//! Logins in flight at the upstream: what the callback needs (nonce, PKCE verifier, the
//! pending downstream request), kept in the store under the SHA-256 of their `state` so
//! that a restart (or, later, another node) can finish them. The nonce and verifier are
//! sealed under the data dir's key, bound to the state's hash; each login is taken once.
//! One client address may have at most `[limits] sign_ins_in_flight_per_address` logins
//! in flight at this node (SPEC "Durability and security promises"), so nobody can fill
//! the store, or take every place, with logins that never come back.

use super::BrokerError;
use crate::clock::UnixTime;
use crate::crypto::seal::MasterKey;
use crate::guard::bucket;
use crate::store::Store;
use crate::store::flights::BrokerFlight;
use crate::types::{Secret, TenantId};
use base64::Engine;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Addresses tracked at most before those with nothing in flight are pruned.
const MAX_ADDRESSES: usize = 100_000;

/// One login sent upstream.
pub struct Flight {
    /// The tenant, by slug.
    pub tenant: TenantId,
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
    /// The client address that started it.
    pub address: IpAddr,
    /// When the login is void.
    pub expires_at: UnixTime,
}

/// The logins in flight: stored, and counted per client address.
pub struct Flights {
    per_address: usize,
    /// The expiry of each login in flight, by client address (bucketed).
    expiries: Mutex<HashMap<IpAddr, Vec<UnixTime>>>,
}

/// Seal purposes of a login's nonce and verifier: bound to its state, so a sealed value
/// cannot be moved to another login.
fn purposes(state_hash: &[u8; 32]) -> (String, String) {
    let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(state_hash);
    (
        format!("broker-flight-nonce:{id}"),
        format!("broker-flight-verifier:{id}"),
    )
}

impl Flights {
    /// Logins in flight, at most `per_address` at a time from one client address.
    pub fn new(per_address: usize) -> Flights {
        Flights {
            per_address,
            expiries: Mutex::default(),
        }
    }

    fn expiries(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Vec<UnixTime>>> {
        match self.expiries.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Takes a place for a login from `address` until `expires_at`; refused, with the
    /// seconds until its first login lapses, when the address has no place left.
    fn claim(
        &self,
        address: IpAddr,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), BrokerError> {
        let mut map = self.expiries();
        if map.len() >= MAX_ADDRESSES {
            map.retain(|_, lapses| lapses.iter().any(|&at| at > now));
        }
        let lapses = map.entry(bucket(address)).or_default();
        lapses.retain(|&at| at > now);
        if lapses.len() >= self.per_address {
            let first = lapses.iter().min().copied().unwrap_or(now);
            return Err(BrokerError::TooMany(first.saturating_sub(now).max(1)));
        }
        lapses.push(expires_at);
        Ok(())
    }

    /// Gives back the place a login took.
    fn release(&self, address: IpAddr, expires_at: UnixTime) {
        let mut map = self.expiries();
        let key = bucket(address);
        if let Some(lapses) = map.get_mut(&key) {
            if let Some(i) = lapses.iter().position(|&at| at == expires_at) {
                lapses.swap_remove(i);
            }
            if lapses.is_empty() {
                map.remove(&key);
            }
        }
    }

    /// Records a login under its state's hash, if its address has a place left.
    pub fn insert(
        &self,
        store: &Store,
        master: &MasterKey,
        state_hash: [u8; 32],
        flight: Flight,
        now: UnixTime,
    ) -> Result<(), BrokerError> {
        self.claim(flight.address, flight.expires_at, now)?;
        let stored =
            seal(master, state_hash, &flight).and_then(|record| Ok(store.put_flight(&record)?));
        if stored.is_err() {
            self.release(flight.address, flight.expires_at);
        }
        stored
    }

    /// Takes the login of a state's hash out of the store, if it has not expired by
    /// `now`: a second callback finds nothing.
    pub fn take(
        &self,
        store: &Store,
        master: &MasterKey,
        state_hash: &[u8; 32],
        now: UnixTime,
    ) -> Result<Option<Flight>, BrokerError> {
        let Some(record) = store.take_flight(state_hash)? else {
            return Ok(None);
        };
        self.release(record.address, record.expires_at);
        if record.expires_at <= now {
            return Ok(None);
        }
        open(master, record).map(Some)
    }
}

/// The stored form of `flight`, its nonce and verifier sealed.
fn seal(
    master: &MasterKey,
    state_hash: [u8; 32],
    flight: &Flight,
) -> Result<BrokerFlight, BrokerError> {
    let (nonce_purpose, verifier_purpose) = purposes(&state_hash);
    Ok(BrokerFlight {
        state_hash,
        tenant: flight.tenant.as_str().to_owned(),
        tenant_uid: flight.tenant_uid,
        pending_id: flight.pending_id.clone(),
        sealed_nonce: master.seal(&nonce_purpose, flight.nonce.expose().as_bytes())?,
        sealed_verifier: master.seal(&verifier_purpose, flight.verifier.expose().as_bytes())?,
        redirect_uri: flight.redirect_uri.clone(),
        browser_hash: flight.browser_hash,
        address: bucket(flight.address),
        expires_at: flight.expires_at,
    })
}

/// The login a stored record holds, its nonce and verifier opened.
fn open(master: &MasterKey, record: BrokerFlight) -> Result<Flight, BrokerError> {
    let (nonce_purpose, verifier_purpose) = purposes(&record.state_hash);
    let unseal = |purpose: &str, sealed: &[u8]| -> Result<Secret, BrokerError> {
        String::from_utf8(master.open(purpose, sealed)?)
            .map(Secret::new)
            .map_err(|_| BrokerError::Internal("a sealed broker secret is not UTF-8"))
    };
    Ok(Flight {
        tenant: TenantId::parse(&record.tenant)
            .map_err(|_| BrokerError::Internal("a stored broker login names no valid tenant"))?,
        tenant_uid: record.tenant_uid,
        pending_id: record.pending_id,
        nonce: unseal(&nonce_purpose, &record.sealed_nonce)?,
        verifier: unseal(&verifier_purpose, &record.sealed_verifier)?,
        redirect_uri: record.redirect_uri,
        browser_hash: record.browser_hash,
        address: record.address,
        expires_at: record.expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flight(address: &str, expires_at: UnixTime) -> Flight {
        Flight {
            tenant: TenantId::parse("t").unwrap(),
            tenant_uid: 1,
            pending_id: "p".into(),
            nonce: Secret::new("the-nonce"),
            verifier: Secret::new("the-verifier"),
            redirect_uri: "https://sso/cb".into(),
            browser_hash: [0; 32],
            address: address.parse().unwrap(),
            expires_at,
        }
    }

    fn store() -> (tempfile::TempDir, Store, MasterKey) {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        (tmp, store, MasterKey::from_bytes(&[9; 32]).unwrap())
    }

    #[test]
    fn a_login_is_taken_once_sealed_and_never_after_it_expired() {
        let (_tmp, store, master) = store();
        let flights = Flights::new(10);
        let insert = |key: u8| {
            flights
                .insert(&store, &master, [key; 32], flight("192.0.2.1", 700), 100)
                .unwrap()
        };
        insert(1);
        insert(2);
        let taken = flights
            .take(&store, &master, &[1; 32], 699)
            .unwrap()
            .unwrap();
        assert_eq!(taken.verifier.expose(), "the-verifier");
        assert_eq!(taken.nonce.expose(), "the-nonce");
        assert!(
            flights
                .take(&store, &master, &[1; 32], 699)
                .unwrap()
                .is_none(),
            "single use"
        );
        assert!(
            flights
                .take(&store, &master, &[2; 32], 700)
                .unwrap()
                .is_none(),
            "expired after ten minutes"
        );
        assert!(
            flights
                .take(&store, &master, &[3; 32], 100)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_nonce_and_verifier_are_stored_sealed() {
        let (_tmp, _store, master) = store();
        let record = seal(&master, [1; 32], &flight("192.0.2.1", 700)).unwrap();
        let holds =
            |sealed: &[u8], plain: &str| sealed.windows(plain.len()).any(|w| w == plain.as_bytes());
        assert!(!holds(&record.sealed_nonce, "the-nonce"));
        assert!(!holds(&record.sealed_verifier, "the-verifier"));
        let moved = BrokerFlight {
            state_hash: [2; 32],
            ..record
        };
        assert!(open(&master, moved).is_err(), "bound to its state");
    }

    #[test]
    fn an_address_has_only_so_many_logins_in_flight_and_a_callback_frees_one() {
        let (_tmp, store, master) = store();
        let flights = Flights::new(2);
        let start = |key: u8, address: &str, now: UnixTime| {
            flights.insert(&store, &master, [key; 32], flight(address, now + 600), now)
        };
        start(1, "2001:db8::1", 100).unwrap();
        start(2, "2001:db8::2", 110).unwrap();
        assert!(
            matches!(start(3, "2001:db8::3", 120), Err(BrokerError::TooMany(580))),
            "the same /64"
        );
        start(4, "2001:db8:0:1::1", 120).unwrap();
        flights
            .take(&store, &master, &[2; 32], 130)
            .unwrap()
            .unwrap();
        start(5, "2001:db8::3", 130).unwrap();
        assert!(start(6, "2001:db8::3", 140).is_err());
        start(7, "2001:db8::3", 700).unwrap();
    }
}
