//! Everything a request handler may use, built once by `app` and passed by reference.

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::keys::KeySet;
use crate::store::Store;
use std::sync::{Arc, RwLock};

/// Shared state of the running appliance.
pub struct State {
    /// The validated configuration.
    pub config: Config,
    /// The store.
    pub store: Arc<Store>,
    /// The time source.
    pub clock: Clock,
    keys: RwLock<Arc<KeySet>>,
}

impl State {
    /// Assembles the state.
    pub fn new(config: Config, store: Arc<Store>, clock: Clock, keys: KeySet) -> Self {
        State {
            config,
            store,
            clock,
            keys: RwLock::new(Arc::new(keys)),
        }
    }

    /// The current key set; a rotation swaps it without blocking readers for long.
    pub fn keys(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(k) => Arc::clone(&k),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The issuer of a tenant: `{public_url}/t/{tenant}`.
    pub fn issuer(&self, tenant: &crate::types::TenantId) -> String {
        format!("{}/t/{}", self.config.public_url, tenant)
    }
}
