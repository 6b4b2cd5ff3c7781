//! SCIM errors (RFC 7644 §3.12): the failure class, the `scimType` that goes with a 400
//! or 409, and a detail safe to show the directory.

use crate::admin::AdminError;
use crate::store::StoreError;
use crate::types::ErrorKind;

/// The `scimType` values of RFC 7644 §3.12 that latchkey answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScimType {
    /// A filter could not be parsed or names what cannot be filtered.
    InvalidFilter,
    /// The body is not valid JSON or not a SCIM message.
    InvalidSyntax,
    /// A value is not allowed (a bad scope, a non-member in a group).
    InvalidValue,
    /// A PATCH path names nothing.
    NoTarget,
    /// A PATCH path is malformed.
    InvalidPath,
    /// A unique attribute is taken.
    Uniqueness,
    /// A read-only attribute was given another value.
    Mutability,
    /// More than latchkey processes in one request (a group PATCH's member changes).
    TooMany,
}

impl ScimType {
    /// The keyword as RFC 7644 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidValue => "invalidValue",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidPath => "invalidPath",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::TooMany => "tooMany",
        }
    }
}

/// A SCIM call that could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ScimError {
    /// The request is wrong in a way RFC 7644 names.
    #[error("{detail}")]
    Bad {
        /// RFC 7644's keyword.
        scim_type: ScimType,
        /// What is wrong.
        detail: String,
    },
    /// No such resource in this tenant.
    #[error("{0}")]
    NotFound(String),
    /// The endpoint exists, but not for this method.
    #[error("method not allowed here")]
    MethodNotAllowed,
    /// The account is outside the token's reach.
    #[error("{0}")]
    Forbidden(String),
    /// A management operation below failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
}

impl From<StoreError> for ScimError {
    fn from(e: StoreError) -> Self {
        ScimError::Admin(e.into())
    }
}

impl ScimError {
    /// A 400 or 409 with its `scimType`.
    pub fn bad(scim_type: ScimType, detail: impl Into<String>) -> Self {
        ScimError::Bad {
            scim_type,
            detail: detail.into(),
        }
    }

    /// The failure class, for the HTTP layer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ScimError::Bad {
                scim_type: ScimType::Uniqueness,
                ..
            } => ErrorKind::Conflict,
            ScimError::Bad { .. } => ErrorKind::BadRequest,
            ScimError::NotFound(_) => ErrorKind::NotFound,
            ScimError::Forbidden(_) => ErrorKind::Forbidden,
            ScimError::MethodNotAllowed => ErrorKind::MethodNotAllowed,
            ScimError::Admin(e) => e.kind(),
        }
    }

    /// The `scimType`, only ever with a 400 or 409 (RFC 7644 §3.12).
    pub fn scim_type(&self) -> Option<&'static str> {
        match self {
            ScimError::Bad { scim_type, .. } => Some(scim_type.as_str()),
            ScimError::Admin(e) => match e.kind() {
                ErrorKind::BadRequest => Some(ScimType::InvalidValue.as_str()),
                ErrorKind::Conflict => Some(ScimType::Uniqueness.as_str()),
                _ => None,
            },
            ScimError::NotFound(_) | ScimError::Forbidden(_) | ScimError::MethodNotAllowed => None,
        }
    }

    /// What the directory may be told; internal failures say nothing specific.
    pub fn public_message(&self) -> String {
        match self {
            ScimError::Admin(e) => e.public_message(),
            other => other.to_string(),
        }
    }
}
