//! Errors of the OpenID Provider endpoints, with the RFC 6749 §5.2 / RFC 6750 §3.1 /
//! OIDC Core §3.1.2.6 error codes.

use crate::auth::ForeignTokenError;
use crate::grant::GrantError;
use crate::store::StoreError;
use crate::types::ErrorKind;

/// An OAuth 2.0 / OIDC error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// Malformed or missing parameter.
    InvalidRequest,
    /// Client authentication failed.
    InvalidClient,
    /// The grant (code, refresh token, …) is invalid, expired or revoked.
    InvalidGrant,
    /// The client may not use this grant or response type.
    UnauthorizedClient,
    /// The grant type is unknown.
    UnsupportedGrantType,
    /// A requested scope is malformed.
    InvalidScope,
    /// The bearer token is invalid (RFC 6750).
    InvalidToken,
    /// The bearer token lacks a needed scope (RFC 6750).
    InsufficientScope,
    /// A dependency is busy or down.
    TemporarilyUnavailable,
    /// The user or the tenant refused (RFC 6749 §4.1.2.1).
    AccessDenied,
    /// The response type is unknown (RFC 6749 §4.1.2.1).
    UnsupportedResponseType,
    /// `prompt=none`, but the user must sign in (OIDC Core §3.1.2.6).
    LoginRequired,
    /// `prompt=none`, but the user must consent (OIDC Core §3.1.2.6).
    ConsentRequired,
    /// `prompt=none`, but the user must complete a step first, such as a second factor
    /// (OIDC Core §3.1.2.6).
    InteractionRequired,
    /// An essential `acr` the session does not meet and nothing here can meet
    /// (OpenID Connect Core Unmet Authentication Requirements 1.0).
    UnmetAuthenticationRequirements,
    /// Our own fault (RFC 6749 §5.2 leaves it to `server_error`).
    ServerError,
    /// Too many failed attempts: retry later.
    SlowDown,
    /// The client cannot send request objects (OIDC Core §6.1, §3.1.2.6).
    RequestNotSupported,
    /// `request_uri` is not a reference this server takes (OIDC Core §3.1.2.6).
    RequestUriNotSupported,
    /// The referenced request is unknown, expired, used or someone else's (RFC 9101 §7).
    InvalidRequestUri,
    /// The request object does not verify or does not fit the request (RFC 9101 §7).
    InvalidRequestObject,
    /// The DPoP proof is missing where one is required, or invalid (RFC 9449 §5, §7.1).
    InvalidDpopProof,
}

impl ErrorCode {
    /// The code on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::ConsentRequired => "consent_required",
            ErrorCode::InteractionRequired => "interaction_required",
            ErrorCode::UnmetAuthenticationRequirements => "unmet_authentication_requirements",
            ErrorCode::ServerError => "server_error",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::RequestNotSupported => "request_not_supported",
            ErrorCode::RequestUriNotSupported => "request_uri_not_supported",
            ErrorCode::InvalidRequestUri => "invalid_request_uri",
            ErrorCode::InvalidRequestObject => "invalid_request_object",
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
        }
    }
}

/// A request the provider could not serve.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The path names no tenant.
    #[error("no tenant named `{0}`")]
    UnknownTenant(String),
    /// A protocol error with its RFC code.
    #[error("{}: {description}", code.as_str())]
    Protocol {
        /// The code.
        code: ErrorCode,
        /// A human-readable description, never a secret.
        description: String,
    },
    /// Too many failed attempts, or too many sign-ins started from one address: retry
    /// after this many seconds.
    #[error("too many failed attempts; retry in {0} s")]
    TooMany(u64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Our own fault, described for the log.
    #[error("internal: {0}")]
    Internal(&'static str),
}

impl OAuthError {
    /// A protocol error.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        OAuthError::Protocol {
            code,
            description: description.into(),
        }
    }

    /// The failure class, for the HTTP layer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OAuthError::UnknownTenant(_) => ErrorKind::NotFound,
            OAuthError::Protocol { code, .. } => match code {
                ErrorCode::InvalidClient | ErrorCode::InvalidToken => ErrorKind::Unauthorized,
                ErrorCode::InsufficientScope => ErrorKind::Forbidden,
                ErrorCode::TemporarilyUnavailable => ErrorKind::UpstreamBusy,
                _ => ErrorKind::BadRequest,
            },
            OAuthError::TooMany(_) => ErrorKind::TooMany,
            OAuthError::Store(e) => e.kind(),
            OAuthError::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The RFC error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            OAuthError::Protocol { code, .. } => *code,
            OAuthError::UnknownTenant(_) => ErrorCode::InvalidRequest,
            OAuthError::TooMany(_) => ErrorCode::SlowDown,
            OAuthError::Store(e) if e.kind() == ErrorKind::StorageUnavailable => {
                ErrorCode::TemporarilyUnavailable
            }
            OAuthError::Store(_) | OAuthError::Internal(_) => ErrorCode::ServerError,
        }
    }

    /// What the caller may be told.
    pub fn public_message(&self) -> String {
        match self {
            OAuthError::UnknownTenant(_) | OAuthError::TooMany(_) => self.to_string(),
            OAuthError::Protocol { description, .. } => description.clone(),
            OAuthError::Store(e) => e.public_message().into(),
            OAuthError::Internal(_) => "internal error".into(),
        }
    }
}

impl From<crate::crypto::CryptoError> for OAuthError {
    fn from(_: crate::crypto::CryptoError) -> Self {
        OAuthError::Internal("signing failed")
    }
}

/// A foreign token that proved no account, in the token endpoint's words (SPEC: refused
/// tokens and accounts are `invalid_grant`, IdP trouble is `temporarily_unavailable`).
impl From<ForeignTokenError> for OAuthError {
    fn from(e: ForeignTokenError) -> Self {
        let message = e.to_string();
        match e {
            ForeignTokenError::Rejected(_) | ForeignTokenError::NoAccount => {
                OAuthError::new(ErrorCode::InvalidGrant, message)
            }
            ForeignTokenError::Idp(_)
            | ForeignTokenError::IdpTimeout(_)
            | ForeignTokenError::Busy => {
                OAuthError::new(ErrorCode::TemporarilyUnavailable, message)
            }
            ForeignTokenError::Malformed(_) | ForeignTokenError::NotConfigured(_) => {
                OAuthError::new(ErrorCode::InvalidRequest, message)
            }
            ForeignTokenError::Store(s) => OAuthError::Store(s),
            ForeignTokenError::Internal(why) => OAuthError::Internal(why),
        }
    }
}

impl From<GrantError> for OAuthError {
    fn from(e: GrantError) -> Self {
        match e {
            GrantError::InvalidToken(d) => OAuthError::new(ErrorCode::InvalidToken, d),
            GrantError::InvalidGrant(d) => OAuthError::new(ErrorCode::InvalidGrant, d),
            GrantError::InvalidScope(d) => OAuthError::new(ErrorCode::InvalidScope, d),
            GrantError::KeyNotProven(d) => OAuthError::new(ErrorCode::InvalidDpopProof, d),
            GrantError::Store(s) => OAuthError::Store(s),
            GrantError::Internal(why) => OAuthError::Internal(why),
        }
    }
}
