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
    /// The foreign token proved no account (or could not be checked).
    #[error(transparent)]
    ForeignToken(#[from] ForeignTokenError),
    /// The refresh token was refused (unknown, reused, expired, revoked).
    #[error("{0}")]
    Rejected(String),
    /// The API key's client may not use the grant the endpoint stands for.
    #[error("{0}")]
    GrantNotAllowed(String),
    /// Too many failures from this address or API key: retry after this many seconds.
    #[error("too many failed attempts; retry in {0} s")]
    TooMany(u64),
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
            ExchangeError::ForeignToken(e) => e.kind(),
            ExchangeError::GrantNotAllowed(_) => ErrorKind::Forbidden,
            ExchangeError::TooMany(_) => ErrorKind::TooMany,
            ExchangeError::Store(e) => e.kind(),
            ExchangeError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// What the caller may be told.
    pub fn public_message(&self) -> String {
        match self {
            ExchangeError::ForeignToken(e) => e.public_message(),
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
            ExchangeError::ForeignToken(e) => e.reason(),
            ExchangeError::Rejected(_) => "token_rejected",
            ExchangeError::GrantNotAllowed(_) => "unauthorized_client",
            ExchangeError::TooMany(_) => "rate_limited",
            ExchangeError::Store(_) | ExchangeError::Internal(_) => "internal",
        }
    }

    /// Whether the token was refused for what it is (a guess, a reused or unknown token),
    /// which counts against the caller; IdP trouble does not.
    pub fn is_refused_token(&self) -> bool {
        matches!(
            self,
            ExchangeError::Rejected(_)
                | ExchangeError::ForeignToken(
                    ForeignTokenError::Rejected(_) | ForeignTokenError::NoAccount
                )
        )
    }
}

/// A grant failure in `/v2/sso` terms: a refused refresh token is a rejected token (401).
impl From<GrantError> for ExchangeError {
    fn from(e: GrantError) -> Self {
        let message = e.public_message();
        match e {
            GrantError::Store(s) => ExchangeError::Store(s),
            GrantError::Internal(why) => ExchangeError::Internal(why),
            GrantError::InvalidGrant(_) | GrantError::KeyNotProven(_) => {
                ExchangeError::Rejected(message)
            }
            GrantError::InvalidToken(_) | GrantError::InvalidScope(_) => {
                ExchangeError::BadRequest(message)
            }
        }
    }
}
