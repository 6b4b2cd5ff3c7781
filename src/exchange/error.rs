//! Why an exchange failed, sorted into the statuses SPEC gives each case.

use crate::auth::ForeignTokenError;
use crate::grant::GrantError;
use crate::store::StoreError;
use crate::types::ErrorKind;

/// A failed exchange. No variant holds the foreign token or a secret.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// No API key, an unknown one, or one whose client is gone.
    #[error("a valid API key is required: Authorization: API-key <key>")]
    BadApiKey,
    /// The request body is not what the endpoint takes.
    #[error("{0}")]
    BadRequest(String),
    /// The tenant has no introspection endpoint set.
    #[error("tenant `{0}` has no introspection endpoint configured")]
    NotConfigured(String),
    /// The IdP did not vouch for the token (inactive, expired, wrong issuer or audience).
    #[error("{0}")]
    Rejected(String),
    /// The token is good but names no account that may sign in to the tenant: no member
    /// has its external id, or the account is disabled. One answer for every case, so
    /// the exchange does not tell which external ids exist or which accounts are disabled.
    #[error("the token names no enabled member of this tenant")]
    NoAccount,
    /// The IdP answered, but not usefully (error status, not JSON, no id at the pointer).
    #[error("{0}")]
    Idp(String),
    /// The API key's client may not use the grant the endpoint stands for.
    #[error("{0}")]
    GrantNotAllowed(String),
    /// The IdP did not answer in time.
    #[error("{0}")]
    IdpTimeout(String),
    /// Too many failures from this address or API key: retry after this many seconds.
    #[error("too many failed attempts; retry in {0} s")]
    TooMany(u64),
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

impl ExchangeError {
    /// The failure class, for the HTTP layer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ExchangeError::BadApiKey | ExchangeError::Rejected(_) => ErrorKind::Unauthorized,
            ExchangeError::BadRequest(_) => ErrorKind::BadRequest,
            ExchangeError::NotConfigured(_)
            | ExchangeError::NoAccount
            | ExchangeError::GrantNotAllowed(_) => ErrorKind::Forbidden,
            ExchangeError::Idp(_) => ErrorKind::Upstream,
            ExchangeError::IdpTimeout(_) => ErrorKind::UpstreamTimeout,
            ExchangeError::Busy => ErrorKind::UpstreamBusy,
            ExchangeError::TooMany(_) => ErrorKind::TooMany,
            ExchangeError::Store(e) => e.kind(),
            ExchangeError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// What the caller may be told.
    pub fn public_message(&self) -> String {
        match self {
            ExchangeError::Store(e) => e.public_message().into(),
            ExchangeError::Internal(_) => "internal error".into(),
            other => other.to_string(),
        }
    }

    /// A short stable name for the audit log and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            ExchangeError::BadApiKey => "bad_api_key",
            ExchangeError::BadRequest(_) => "bad_request",
            ExchangeError::NotConfigured(_) => "not_configured",
            ExchangeError::Rejected(_) => "token_rejected",
            ExchangeError::NoAccount => "no_account",
            ExchangeError::GrantNotAllowed(_) => "unauthorized_client",
            ExchangeError::Idp(_) => "idp_error",
            ExchangeError::IdpTimeout(_) => "idp_timeout",
            ExchangeError::Busy => "idp_busy",
            ExchangeError::TooMany(_) => "rate_limited",
            ExchangeError::Store(_) | ExchangeError::Internal(_) => "internal",
        }
    }
}

/// A foreign token that proved no account, in `/v2/sso` terms.
impl From<ForeignTokenError> for ExchangeError {
    fn from(e: ForeignTokenError) -> Self {
        match e {
            ForeignTokenError::Malformed(why) => ExchangeError::BadRequest(why),
            ForeignTokenError::NotConfigured(tenant) => ExchangeError::NotConfigured(tenant),
            ForeignTokenError::Rejected(why) => ExchangeError::Rejected(why),
            ForeignTokenError::NoAccount => ExchangeError::NoAccount,
            ForeignTokenError::Idp(why) => ExchangeError::Idp(why),
            ForeignTokenError::IdpTimeout(why) => ExchangeError::IdpTimeout(why),
            ForeignTokenError::Busy => ExchangeError::Busy,
            ForeignTokenError::Store(s) => ExchangeError::Store(s),
            ForeignTokenError::Internal(why) => ExchangeError::Internal(why),
        }
    }
}

/// A grant failure in `/v2/sso` terms: a refused refresh token is a rejected token (401).
impl From<GrantError> for ExchangeError {
    fn from(e: GrantError) -> Self {
        let message = e.public_message();
        match e {
            GrantError::Store(s) => ExchangeError::Store(s),
            GrantError::Internal(why) => ExchangeError::Internal(why),
            GrantError::InvalidGrant(_) => ExchangeError::Rejected(message),
            GrantError::InvalidToken(_) | GrantError::InvalidScope(_) => {
                ExchangeError::BadRequest(message)
            }
        }
    }
}
