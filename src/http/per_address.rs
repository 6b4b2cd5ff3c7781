//! The cap on connections open at once from one client address (`[limits]
//! max_connections_per_address`), so one address cannot take every connection slot
//! with idle connections. It counts the TCP peer before TLS (IPv6 by /64, as the rate
//! limits do); a trusted proxy carries many clients' connections and is not capped.

use crate::guard::bucket;
use crate::types::Cidr;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Open connections per address, shared by the accept loop and its connections.
pub struct PerAddress {
    max: usize,
    trusted: Vec<Cidr>,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's place in its address's count, given back when dropped.
pub struct Held {
    owner: Arc<PerAddress>,
    /// `None` for a trusted proxy, which is not counted.
    address: Option<IpAddr>,
}

impl PerAddress {
    /// At most `max` connections per address, except from `trusted` proxies.
    pub fn new(max: usize, trusted: Vec<Cidr>) -> Arc<PerAddress> {
        Arc::new(PerAddress {
            max,
            trusted,
            open: Mutex::default(),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<IpAddr, usize>) -> T) -> T {
        match self.open.lock() {
            Ok(mut map) => f(&mut map),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// A place for a new connection from `peer`; `None` when its address has `max` open.
    pub fn hold(self: &Arc<Self>, peer: IpAddr) -> Option<Held> {
        let owner = Arc::clone(self);
        if self.trusted.iter().any(|c| c.contains(peer)) {
            return Some(Held {
                owner,
                address: None,
            });
        }
        let address = bucket(peer);
        let admitted = self.with(|open| {
            let n = open.entry(address).or_insert(0);
            let admitted = *n < self.max;
            *n += usize::from(admitted);
            admitted
        });
        admitted.then_some(Held {
            owner,
            address: Some(address),
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(address) = self.address else { return };
        self.owner.with(|open| {
            if let Some(n) = open.get_mut(&address) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(&address);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_gets_max_places_and_a_dropped_one_comes_back() {
        let caps = PerAddress::new(2, vec![Cidr::parse("10.0.0.0/8").unwrap()]);
        let here: IpAddr = "2001:db8::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8::2".parse().unwrap();
        let first = caps.hold(here).unwrap();
        let _second = caps.hold(same_64).unwrap();
        assert!(
            caps.hold(here).is_none(),
            "an IPv6 /64 counts as one address"
        );
        assert!(caps.hold("192.0.2.1".parse().unwrap()).is_some());
        let proxied: Vec<_> = (0..5)
            .map(|_| caps.hold("10.1.2.3".parse().unwrap()))
            .collect();
        assert!(
            proxied.iter().all(Option::is_some),
            "trusted proxies are not capped"
        );
        drop(first);
        assert!(caps.hold(here).is_some());
    }

    #[test]
    fn an_address_with_nothing_open_is_forgotten() {
        let caps = PerAddress::new(1, Vec::new());
        drop(caps.hold("192.0.2.1".parse().unwrap()));
        assert!(caps.with(|open| open.is_empty()));
    }
}
