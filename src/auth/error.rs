//! Why a foreign access token did not prove an account. Each protocol that accepts one
//! says it in its own words (`ExchangeError`, `OAuthError`), converting from this one way.

use crate::outbound::OutboundError;
use crate::store::StoreError;
use crate::types::ErrorKind;

/// A foreign token that names no account. No variant holds the token or a secret.
#[derive(Debug, thiserror::Error)]
pub enum ForeignTokenError {
    /// The token is empty or too long to be one.
    #[error("{0}")]
    Malformed(String),
    /// The tenant has no introspection endpoint set.
    #[error("tenant `{0}` has no introspection endpoint configured")]
    NotConfigured(String),
    /// The IdP did not vouch for the token (inactive, expired, wrong issuer or audience).
    #[error("{0}")]
    Rejected(String),
    /// The token is good but names no account that may sign in to the tenant: no member
    /// has its external id, or the account is disabled. One answer for every case, so
    /// the caller does not learn which external ids exist or which accounts are disabled.
    #[error("the token names no enabled member of this tenant")]
    NoAccount,
    /// The IdP answered, but not usefully (error status, not JSON, no id at the pointer).
    #[error("{0}")]
    Idp(String),
    /// The IdP did not answer in time.
    #[error("{0}")]
    IdpTimeout(String),
    /// Too many IdP calls are in flight.
    #[error("too many identity provider calls are in flight; retry shortly")]
    Busy,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Our own fault, described for the log.
    #[error("internal: {0}")]
    Internal(&'static str),
}

impl ForeignTokenError {
    /// The failure class, as `/v2/sso` answers it (SPEC "Token exchange through
    /// introspection"): a refused token 401, no account 403, IdP trouble 502/503/504.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ForeignTokenError::Malformed(_) => ErrorKind::BadRequest,
            ForeignTokenError::Rejected(_) => ErrorKind::Unauthorized,
            ForeignTokenError::NotConfigured(_) | ForeignTokenError::NoAccount => {
                ErrorKind::Forbidden
            }
            ForeignTokenError::Idp(_) => ErrorKind::Upstream,
            ForeignTokenError::IdpTimeout(_) => ErrorKind::UpstreamTimeout,
            ForeignTokenError::Busy => ErrorKind::UpstreamBusy,
            ForeignTokenError::Store(e) => e.kind(),
            ForeignTokenError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// What the caller may be told.
    pub fn public_message(&self) -> String {
        match self {
            ForeignTokenError::Store(e) => e.public_message().into(),
            ForeignTokenError::Internal(_) => "internal error".into(),
            other => other.to_string(),
        }
    }

    /// A short stable name for the audit log and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            ForeignTokenError::Malformed(_) => "bad_request",
            ForeignTokenError::NotConfigured(_) => "not_configured",
            ForeignTokenError::Rejected(_) => "token_rejected",
            ForeignTokenError::NoAccount => "no_account",
            ForeignTokenError::Idp(_) => "idp_error",
            ForeignTokenError::IdpTimeout(_) => "idp_timeout",
            ForeignTokenError::Busy => "idp_busy",
            ForeignTokenError::Store(_) | ForeignTokenError::Internal(_) => "internal",
        }
    }
}

impl From<OutboundError> for ForeignTokenError {
    fn from(e: OutboundError) -> Self {
        match e {
            OutboundError::Busy => ForeignTokenError::Busy,
            OutboundError::Timeout(ms) => ForeignTokenError::IdpTimeout(format!(
                "the identity provider did not answer the introspection call within {ms} ms"
            )),
            OutboundError::Tls(why) => {
                ForeignTokenError::Idp(format!("TLS with the identity provider failed: {why}"))
            }
            OutboundError::TooLarge => ForeignTokenError::Idp(format!(
                "the identity provider's introspection answer is larger than {} bytes",
                crate::outbound::MAX_BODY
            )),
            other => ForeignTokenError::Idp(format!(
                "the introspection call to the identity provider failed: {other}"
            )),
        }
    }
}

impl From<crate::crypto::CryptoError> for ForeignTokenError {
    fn from(_: crate::crypto::CryptoError) -> Self {
        ForeignTokenError::Internal("a sealed secret could not be opened")
    }
}
