//! Everything a request handler may use, built once by `app` and passed by reference.

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::keys::KeySet;
use crate::crypto::seal::MasterKey;
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
    /// The data dir's master key, for sealing and unsealing.
    pub master: MasterKey,
    /// The page templates.
    pub ui: crate::ui::Ui,
    /// Failure counters for sign-in and the token endpoint.
    pub limiter: crate::guard::Limiter,
    /// Pending authorizations created per client address.
    pub pending_quota: crate::guard::Quota,
    /// An argon2id hash of a random password, verified for unknown usernames so that a
    /// failed sign-in takes as long whether or not the user exists.
    pub dummy_password_hash: String,
    /// The client for calls to IdPs, bounded by `max_outbound_calls`.
    pub outbound: crate::outbound::Outbound,
    /// Where URLs set by tenant admins may send latchkey.
    pub destinations: Arc<crate::outbound::Destinations>,
    /// Positive introspection answers, for tenants that turn the cache on.
    pub introspection_cache: crate::auth::introspection_cache::IntrospectionCache,
    /// The key sets fetched from clients' `jwks_uri`.
    pub client_keys: crate::auth::client_keys::Cache,
    /// Upstream discovery documents and keys, per brokered tenant.
    pub providers: crate::broker::provider::ProviderCache,
    /// Brokered logins waiting at their upstream.
    pub broker_flights: crate::broker::Flights,
    /// The WebAuthn relying party of the public URL (none on an IP address).
    pub passkeys: crate::auth::webauthn::Passkeys,
    /// Counters and histograms for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Token-issue and exchange audit events waiting for their batch write.
    pub issued: crate::audit::Batch,
    keys: RwLock<Arc<KeySet>>,
}

impl State {
    /// The grant layer's context: store, current keys, public origin, issue ledger.
    pub fn grant(&self) -> crate::grant::Ctx<'_> {
        crate::grant::Ctx {
            store: &self.store,
            keys: self.keys(),
            public_url: &self.config.public_url,
            metrics: &self.metrics,
            issued: &self.issued,
        }
    }

    /// The OpenID Provider's context: the grant layer's, the limits, the dummy hash.
    pub fn oauth(&self) -> crate::oauth::Ctx<'_> {
        crate::oauth::Ctx {
            store: &self.store,
            grant: self.grant(),
            limiter: &self.limiter,
            pending_quota: &self.pending_quota,
            dummy_password_hash: &self.dummy_password_hash,
            master: &self.master,
            passkeys: &self.passkeys,
            foreign_token: self.foreign_token(),
            client_keys: crate::auth::client_keys::Ctx {
                outbound: &self.outbound,
                cache: &self.client_keys,
            },
            passwords: self.config.passwords,
        }
    }

    /// What checking a foreign access token needs: store, IdP client, master key, cache.
    pub fn foreign_token(&self) -> crate::auth::foreign_token::Ctx<'_> {
        crate::auth::foreign_token::Ctx {
            store: &self.store,
            outbound: &self.outbound,
            master: &self.master,
            cache: &self.introspection_cache,
            metrics: &self.metrics,
            issued: &self.issued,
        }
    }

    /// What `/v2/sso` and the exchange probe need: grant, foreign-token check, limiter.
    pub fn exchange(&self) -> crate::exchange::Ctx<'_> {
        crate::exchange::Ctx {
            grant: self.grant(),
            foreign_token: self.foreign_token(),
            store: &self.store,
            limiter: &self.limiter,
        }
    }

    /// What the account pages need: store, master key, limiter, password policy.
    pub fn account(&self) -> crate::account::Ctx<'_> {
        crate::account::Ctx {
            store: &self.store,
            master: &self.master,
            limiter: &self.limiter,
            passwords: self.config.passwords,
            admin_require_mfa: self.config.admin_require_mfa,
        }
    }

    /// What the broker needs: store, master key, upstream client and caches, flights.
    pub fn broker(&self) -> crate::broker::Ctx<'_> {
        crate::broker::Ctx {
            store: &self.store,
            master: &self.master,
            outbound: &self.outbound,
            providers: &self.providers,
            flights: &self.broker_flights,
        }
    }

    /// What sending back-channel logouts needs: the grant layer and the outbound pool.
    pub fn backchannel(&self) -> crate::oauth::backchannel::Ctx<'_> {
        crate::oauth::backchannel::Ctx {
            grant: self.grant(),
            outbound: &self.outbound,
        }
    }

    /// Writes the queued token-issue events in one transaction.
    pub fn write_issued_audit(&self) -> Result<usize, crate::store::StoreError> {
        let events = self.issued.take();
        if !events.is_empty() {
            let written = self.store.transaction(|tx| {
                events
                    .iter()
                    .try_for_each(|e| tx.audit::<crate::store::StoreError>(e))
            });
            if let Err(e) = written {
                // Kept for the next batch rather than lost.
                events.into_iter().for_each(|event| self.issued.push(event));
                return Err(e);
            }
        }
        Ok(events.len())
    }

    /// Assembles the state; fails only when the public URL cannot be a WebAuthn relying
    /// party.
    pub fn new(
        config: Config,
        store: Arc<Store>,
        clock: Clock,
        master: MasterKey,
        keys: KeySet,
        ui: crate::ui::Ui,
        dummy_password_hash: String,
    ) -> Result<Self, crate::auth::webauthn::PasskeyError> {
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let destinations = Arc::new(config.destinations());
        let passkeys =
            crate::auth::webauthn::Passkeys::new(&config.public_url, &config.public_host)?;
        Ok(State {
            outbound: crate::outbound::Outbound::new(
                config.max_outbound_calls,
                config.outbound_ca_pem.as_deref(),
                Arc::clone(&metrics),
                Arc::clone(&destinations),
            ),
            destinations,
            metrics,
            introspection_cache: Default::default(),
            client_keys: Default::default(),
            providers: Default::default(),
            broker_flights: crate::broker::Flights::new(config.sign_ins_in_flight_per_address),
            issued: Default::default(),
            limiter: crate::guard::Limiter::new(config.rate_limits),
            pending_quota: crate::guard::Quota::new(
                config.pending_authorizations_per_address,
                crate::grant::pending::TTL_SECS,
            ),
            config,
            store,
            clock,
            master,
            ui,
            dummy_password_hash,
            passkeys,
            keys: RwLock::new(Arc::new(keys)),
        })
    }

    /// Installs a new key set after a rotation.
    pub fn set_keys(&self, keys: KeySet) {
        let keys = Arc::new(keys);
        match self.keys.write() {
            Ok(mut slot) => *slot = keys,
            Err(poisoned) => *poisoned.into_inner() = keys,
        }
    }

    /// The current key set; a rotation swaps it without blocking readers for long.
    pub fn keys(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(k) => Arc::clone(&k),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// When the served TLS certificate expires: `None` with TLS off, or when the file
    /// holds no certificate whose expiry can be read; an error when the file cannot be
    /// read. The file is read each time, so a SIGHUP reload shows at once.
    pub fn certificate_expiry(&self) -> std::io::Result<Option<crate::clock::UnixTime>> {
        let path = match &self.config.tls {
            crate::config::TlsMode::SelfSigned => self.config.data_dir.join("tls").join("cert.pem"),
            crate::config::TlsMode::Files { cert_file, .. } => cert_file.clone(),
            crate::config::TlsMode::Off => return Ok(None),
        };
        let pem = std::fs::read(&path)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let certs = crate::crypto::pem::certificates(&pem).map_err(std::io::Error::other)?;
        let Some(der) = certs.first() else {
            return Ok(None);
        };
        Ok(crate::crypto::cert_expiry::not_after(der))
    }
}
