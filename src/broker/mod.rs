//! latchkey as relying party of a tenant's upstream OpenID provider (SPEC "Upstream
//! OpenID Connect (broker)"): discovery and JWKS cached per tenant, the authorization
//! code flow with state, nonce and PKCE, the callback's checks, and the upstream logout.
//! Only users latchkey already knows get in. The broker finds the pending downstream
//! request through `grant::pending` and hands it back with the new session; the HTTP
//! layer continues it at the OpenID provider.

pub mod begin;
pub mod callback;
mod ctx;
mod flight;
pub mod id_token;
pub mod logout;
pub mod probe;
pub mod provider;

pub use ctx::Ctx;
pub use flight::Flights;

use crate::outbound::OutboundError;
use crate::store::StoreError;

/// Name of the cookie that binds a login in flight to the browser that started it.
/// `SameSite=Lax`: the upstream's redirect back is a cross-site top-level navigation.
pub const COOKIE: &str = "__Host-latchkey_broker";
/// How long a login may stay at the upstream.
pub const FLIGHT_SECS: u64 = 600;

/// Why a brokered sign-in stopped. The browser sees an error page: 403 for a user the
/// broker refuses, 404 for an unknown tenant, 400 for everything else (SPEC "Browser
/// error pages").
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The request or the upstream's answer cannot go on; the message is for the user.
    #[error("{0}")]
    Page(String),
    /// The request cannot go on, for a reason the user reads in their language.
    #[error("{}", .0.key)]
    Said(crate::ui::Msg),
    /// The upstream user may not sign in here.
    #[error("{0}")]
    Refused(String),
    /// The client address has too many sign-ins in flight: retry after this many seconds.
    #[error("too many sign-ins in flight from this address; retry in {0} s")]
    TooMany(u64),
    /// The login names no tenant.
    #[error("no tenant named `{0}`")]
    UnknownTenant(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Our own fault, described for the log.
    #[error("internal: {0}")]
    Internal(&'static str),
}

impl From<OutboundError> for BrokerError {
    fn from(e: OutboundError) -> Self {
        BrokerError::Page(match e {
            OutboundError::Busy => {
                "The sign-in service is busy talking to the identity provider; try again in a moment.".into()
            }
            OutboundError::Tls(why) => format!(
                "TLS with the identity provider failed: {why}."
            ),
            other => format!("The identity provider could not be reached: {other}."),
        })
    }
}

impl From<crate::crypto::CryptoError> for BrokerError {
    fn from(_: crate::crypto::CryptoError) -> Self {
        BrokerError::Internal("a secret could not be generated, sealed or opened")
    }
}
