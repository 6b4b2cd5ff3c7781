//! Client authentication at the token, introspection and revocation endpoints:
//! `client_secret_basic` (RFC 6749 §2.3.1, id and secret form-encoded inside Basic),
//! `client_secret_post`, and `none` for public clients.

use super::request::Params;
use super::{ErrorCode, OAuthError};
use crate::crypto::hash;
use crate::store::Store;
use crate::store::clients::Client;
use crate::store::tenants::Tenant;
use crate::types::AuthMethod;
use crate::types::secret::constant_time_eq;
use base64::Engine;

/// Client credentials as presented, before they are checked.
#[derive(Debug)]
pub struct Presented {
    /// The client id.
    pub client_id: String,
    /// The secret, absent for a public client.
    secret: Option<String>,
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

/// Reads the credentials from `Authorization: Basic` or the form, refusing both at once.
pub fn presented(authorization: Option<&str>, params: &Params) -> Result<Presented, OAuthError> {
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
        (None, Some(id), secret) => Ok(Presented {
            client_id: id.to_owned(),
            secret: secret.map(str::to_owned),
        }),
        (None, None, _) => Err(bad_client("client authentication is required")),
    }
}

fn decode_basic(value: &str) -> Result<Presented, OAuthError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| bad_client("malformed Basic credentials"))?;
    let text = String::from_utf8(bytes).map_err(|_| bad_client("malformed Basic credentials"))?;
    let (id, secret) = text
        .split_once(':')
        .ok_or_else(|| bad_client("malformed Basic credentials"))?;
    match (form_decode(id), form_decode(secret)) {
        (Some(client_id), Some(secret)) => Ok(Presented {
            client_id,
            secret: Some(secret),
        }),
        _ => Err(bad_client("malformed Basic credentials")),
    }
}

/// Checks presented credentials against the tenant's client. Confidential clients must
/// give their secret (by either secret method); public clients give none. Unknown
/// client and wrong secret get the same answer.
pub fn authenticate(store: &Store, tenant: &Tenant, p: &Presented) -> Result<Client, OAuthError> {
    let failed = || bad_client("client authentication failed");
    let client = store.client(tenant.uid, &p.client_id)?.ok_or_else(failed)?;
    match (client.auth_method, &p.secret, &client.secret_hash) {
        (AuthMethod::None, None, _) => Ok(client),
        (AuthMethod::None, Some(_), _) => Err(failed()),
        (_, Some(secret), Some(stored))
            if constant_time_eq(&hash::sha256(secret.as_bytes()), stored) =>
        {
            Ok(client)
        }
        _ => Err(failed()),
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
        let p = presented(Some(&basic("my%20app", "s%3Acret+x")), &Params::default()).unwrap();
        assert_eq!(
            (p.client_id.as_str(), p.secret.as_deref()),
            ("my app", Some("s:cret x"))
        );
    }

    #[test]
    fn two_methods_or_none_are_refused() {
        let both = Params::parse(b"client_id=a&client_secret=b").unwrap();
        assert!(presented(Some(&basic("a", "b")), &both).is_err());
        assert!(presented(None, &Params::default()).is_err());
        assert!(presented(Some("Bearer x"), &Params::default()).is_err());
        assert!(presented(Some("Basic !!!"), &Params::default()).is_err());
        let public = presented(None, &Params::parse(b"client_id=spa").unwrap()).unwrap();
        assert_eq!((public.client_id.as_str(), public.secret), ("spa", None));
    }
}
