//! What the broker needs, handed down by the HTTP layer: the store, the master key that
//! seals a login's secrets, the client for calls to the upstream, its cached discovery
//! documents and keys, and the logins in flight.

use super::Flights;
use super::provider::ProviderCache;
use crate::crypto::seal::MasterKey;
use crate::outbound::Outbound;
use crate::store::Store;

/// The broker's context for one request.
pub struct Ctx<'a> {
    /// The store: tenants, upstream settings, pending requests, sessions, the audit log.
    pub store: &'a Store,
    /// Seals and opens the upstream client secret, a login's nonce and verifier, and
    /// the upstream ID token kept for logout.
    pub master: &'a MasterKey,
    /// The client for calls to the upstream.
    pub outbound: &'a Outbound,
    /// Upstream discovery documents and keys, per brokered tenant.
    pub providers: &'a ProviderCache,
    /// Logins waiting at their upstream.
    pub flights: &'a Flights,
}
