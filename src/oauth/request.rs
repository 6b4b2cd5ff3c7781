//! The OpenID Provider's requests as the HTTP edge reads them: form parameters
//! (`application/x-www-form-urlencoded`, where a parameter given twice is an error, RFC
//! 6749 §3.1, §3.2), decoded into typed requests before the one domain call.

mod authorize;
mod authorize_params;
mod client;
mod dpop;
mod pages;
mod token;

pub use authorize::AuthorizeRequest;
pub use client::{ClientAuth, Credential};
pub use dpop::{DpopHeader, MAX_PROOF_BYTES};
pub use pages::{ConsentForm, LoginForm, LogoutRequest, NewPasswordForm, SecondFactorForm};
pub use token::{TokenForm, TokenRequest};

use super::{ErrorCode, OAuthError};
use std::collections::HashMap;

/// `invalid_request` naming a required parameter that is missing.
pub fn missing(key: &str) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidRequest,
        format!("parameter `{key}` is missing"),
    )
}

/// Decoded form or query parameters, each present at most once; empty values count as absent.
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    /// Decodes a form body or query string.
    pub fn parse(bytes: &[u8]) -> Result<Params, OAuthError> {
        if std::str::from_utf8(bytes).is_err() {
            return Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                "the parameters are not valid UTF-8",
            ));
        }
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(bytes) {
            if v.is_empty() {
                continue;
            }
            if map.insert(k.to_string(), v.into_owned()).is_some() {
                return Err(OAuthError::new(
                    ErrorCode::InvalidRequest,
                    format!("parameter `{k}` is repeated"),
                ));
            }
        }
        Ok(Params(map))
    }

    /// The parameters as pairs, to store a request and take it up again.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> =
            self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        pairs.sort();
        pairs
    }

    /// Parameters from stored pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Params {
        Params(pairs.iter().cloned().collect())
    }

    /// A parameter's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// A required parameter, or `invalid_request` naming it.
    pub fn require(&self, key: &str) -> Result<&str, OAuthError> {
        self.get(key).ok_or_else(|| missing(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_refused_and_empty_ones_absent() {
        assert!(Params::parse(b"a=1&a=2").is_err());
        let p = Params::parse(b"a=1&b=&c=x%20y").unwrap();
        assert_eq!(
            (p.get("a"), p.get("b"), p.get("c")),
            (Some("1"), None, Some("x y"))
        );
        assert!(p.require("b").is_err());
        assert!(Params::parse(b"a=\xff").is_err());
    }
}
