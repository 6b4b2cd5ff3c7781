//! Client credentials as presented at the token, introspection and revocation endpoints
//! (RFC 6749 §2.3.1): `client_secret_basic` (id and secret form-encoded inside Basic),
//! `client_secret_post`, or a bare `client_id` for a public client. Checking them against
//! the store is `oauth::client_auth`'s.

use super::Params;
use crate::oauth::{ErrorCode, OAuthError};
use crate::types::Secret;
use base64::Engine;

/// Client credentials as presented, before they are checked.
#[derive(Debug)]
pub struct ClientAuth {
    /// The client id.
    pub client_id: String,
    /// The secret, absent for a public client.
    pub secret: Option<Secret>,
}

fn form_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

fn bad_client(description: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClient, description)
}

impl ClientAuth {
    /// Reads the credentials from `Authorization: Basic` or the form, refusing both at once.
    pub fn parse(authorization: Option<&str>, params: &Params) -> Result<ClientAuth, OAuthError> {
        let basic = match authorization.and_then(|h| h.split_once(' ')) {
            Some((scheme, value)) if scheme.eq_ignore_ascii_case("basic") => {
                Some(decode_basic(value.trim())?)
            }
            Some(_) => return Err(bad_client("unsupported authorization scheme")),
            None if authorization.is_some() => {
                return Err(bad_client("malformed authorization header"));
            }
            None => None,
        };
        match (basic, params.get("client_id"), params.get("client_secret")) {
            (Some(_), _, Some(_)) => Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                "use one client authentication method, not two",
            )),
            (Some(p), Some(id), None) if id != p.client_id => Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                "client_id differs from the authenticated client",
            )),
            (Some(p), _, None) => Ok(p),
            (None, Some(id), secret) => Ok(ClientAuth {
                client_id: id.to_owned(),
                secret: secret.map(Secret::new),
            }),
            (None, None, _) => Err(bad_client("client authentication is required")),
        }
    }
}

fn decode_basic(value: &str) -> Result<ClientAuth, OAuthError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| bad_client("malformed Basic credentials"))?;
    let text = String::from_utf8(bytes).map_err(|_| bad_client("malformed Basic credentials"))?;
    let (id, secret) = text
        .split_once(':')
        .ok_or_else(|| bad_client("malformed Basic credentials"))?;
    match (form_decode(id), form_decode(secret)) {
        (Some(client_id), Some(secret)) => Ok(ClientAuth {
            client_id,
            secret: Some(Secret::new(secret)),
        }),
        _ => Err(bad_client("malformed Basic credentials")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(id: &str, secret: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let p =
            ClientAuth::parse(Some(&basic("my%20app", "s%3Acret+x")), &Params::default()).unwrap();
        assert_eq!(
            (p.client_id.as_str(), p.secret.as_ref().map(Secret::expose)),
            ("my app", Some("s:cret x"))
        );
    }

    #[test]
    fn two_methods_or_none_are_refused() {
        let both = Params::parse(b"client_id=a&client_secret=b").unwrap();
        assert!(ClientAuth::parse(Some(&basic("a", "b")), &both).is_err());
        assert!(ClientAuth::parse(None, &Params::default()).is_err());
        assert!(ClientAuth::parse(Some("Bearer x"), &Params::default()).is_err());
        assert!(ClientAuth::parse(Some("Basic !!!"), &Params::default()).is_err());
        let public = ClientAuth::parse(None, &Params::parse(b"client_id=spa").unwrap()).unwrap();
        assert_eq!((public.client_id.as_str(), public.secret), ("spa", None));
    }
}
