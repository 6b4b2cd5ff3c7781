//! Client credentials as presented at the token, introspection, revocation and PAR
//! endpoints (RFC 6749 §2.3.1, RFC 7523 §2.2): `client_secret_basic` (id and secret
//! form-encoded inside Basic), `client_secret_post`, a `client_assertion` JWT
//! (`private_key_jwt`), or a bare `client_id` for a public client. Checking them against
//! the store is `oauth::client_auth`'s.

use super::Params;
use crate::crypto::jose::Unverified;
use crate::oauth::{ErrorCode, OAuthError};
use crate::types::Secret;
use base64::Engine;

/// The one `client_assertion_type` latchkey takes (RFC 7523 §2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Client credentials as presented, before they are checked.
#[derive(Debug)]
pub struct ClientAuth {
    /// The client id.
    pub client_id: String,
    /// What proves it.
    pub credential: Credential,
    /// For `client_secret_basic` whose halves form-decode to something else, the halves
    /// as sent: clients that never form-encoded them are tried with these too (SPEC
    /// "Tenants and issuers").
    pub raw_basic: Option<(String, Secret)>,
}

/// What a client presented to prove who it is.
#[derive(Debug)]
pub enum Credential {
    /// Nothing: a public client.
    None,
    /// Its secret, by either secret method.
    Secret(Secret),
    /// A JWT it signed (`private_key_jwt`); a bearer credential until its `jti` is spent.
    Assertion(Secret),
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

fn two_methods() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidRequest,
        "use one client authentication method, not two",
    )
}

impl ClientAuth {
    /// Reads the credentials from `Authorization: Basic` or the form, refusing two
    /// methods at once.
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
        if let Some(assertion) = assertion(params)? {
            if basic.is_some() || params.get("client_secret").is_some() {
                return Err(two_methods());
            }
            return Ok(ClientAuth {
                client_id: match params.get("client_id") {
                    Some(id) => id.to_owned(),
                    None => asserted_client(&assertion)?,
                },
                credential: Credential::Assertion(Secret::new(assertion)),
                raw_basic: None,
            });
        }
        match (basic, params.get("client_id"), params.get("client_secret")) {
            (Some(_), _, Some(_)) => Err(two_methods()),
            (Some(p), Some(id), None) if id != p.client_id => Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                "client_id differs from the authenticated client",
            )),
            (Some(p), _, None) => Ok(p),
            (None, Some(id), secret) => Ok(ClientAuth {
                client_id: id.to_owned(),
                credential: secret.map_or(Credential::None, |s| Credential::Secret(Secret::new(s))),
                raw_basic: None,
            }),
            (None, None, _) => Err(bad_client("client authentication is required")),
        }
    }
}

/// `client_assertion`, when the form carries one of the type latchkey takes.
fn assertion(params: &Params) -> Result<Option<String>, OAuthError> {
    match (
        params.get("client_assertion_type"),
        params.get("client_assertion"),
    ) {
        (None, None) => Ok(None),
        (Some(JWT_BEARER), Some(jwt)) => Ok(Some(jwt.to_owned())),
        (Some(JWT_BEARER), None) => Err(OAuthError::new(
            ErrorCode::InvalidRequest,
            "client_assertion_type without client_assertion",
        )),
        (None, Some(_)) => Err(OAuthError::new(
            ErrorCode::InvalidRequest,
            "client_assertion without client_assertion_type",
        )),
        (Some(_), _) => Err(bad_client(
            "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        )),
    }
}

/// The client an assertion sent without `client_id` names in its `sub` (RFC 7523 §3),
/// read before its signature is checked only to find the key that must verify it.
fn asserted_client(jwt: &str) -> Result<String, OAuthError> {
    let malformed = || bad_client("the client assertion is not a JWT naming its client in sub");
    let unverified = Unverified::parse(jwt).map_err(|_| malformed())?;
    let payload = unverified
        .payload_before_verification()
        .map_err(|_| malformed())?;
    let claims: serde_json::Value = serde_json::from_slice(&payload).map_err(|_| malformed())?;
    claims
        .get("sub")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(malformed)
}

fn decode_basic(value: &str) -> Result<ClientAuth, OAuthError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| bad_client("malformed Basic credentials"))?;
    let text = String::from_utf8(bytes).map_err(|_| bad_client("malformed Basic credentials"))?;
    let (id, secret) = text
        .split_once(':')
        .ok_or_else(|| bad_client("malformed Basic credentials"))?;
    let raw = (id != form_decode(id).as_deref().unwrap_or(id)
        || secret != form_decode(secret).as_deref().unwrap_or(secret))
    .then(|| (id.to_owned(), Secret::new(secret)));
    match (form_decode(id), form_decode(secret)) {
        (Some(client_id), Some(decoded)) => Ok(ClientAuth {
            client_id,
            credential: Credential::Secret(Secret::new(decoded)),
            raw_basic: raw,
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

    fn secret_of(p: &ClientAuth) -> Option<&str> {
        match &p.credential {
            Credential::Secret(s) => Some(s.expose()),
            _ => None,
        }
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let p =
            ClientAuth::parse(Some(&basic("my%20app", "s%3Acret+x")), &Params::default()).unwrap();
        assert_eq!(
            (p.client_id.as_str(), secret_of(&p)),
            ("my app", Some("s:cret x"))
        );
    }

    #[test]
    fn basic_halves_that_decode_differently_are_kept_as_sent_too() {
        let p = ClientAuth::parse(Some(&basic("app", "a+b%2Fc")), &Params::default()).unwrap();
        assert_eq!(secret_of(&p), Some("a b/c"));
        let (id, raw) = p.raw_basic.unwrap();
        assert_eq!((id.as_str(), raw.expose()), ("app", "a+b%2Fc"));
        let plain = ClientAuth::parse(Some(&basic("app", "s3cret")), &Params::default()).unwrap();
        assert!(plain.raw_basic.is_none(), "nothing to try twice");
    }

    #[test]
    fn two_methods_or_none_are_refused() {
        let both = Params::parse(b"client_id=a&client_secret=b").unwrap();
        assert!(ClientAuth::parse(Some(&basic("a", "b")), &both).is_err());
        assert!(ClientAuth::parse(None, &Params::default()).is_err());
        assert!(ClientAuth::parse(Some("Bearer x"), &Params::default()).is_err());
        assert!(ClientAuth::parse(Some("Basic !!!"), &Params::default()).is_err());
        let public = ClientAuth::parse(None, &Params::parse(b"client_id=spa").unwrap()).unwrap();
        assert_eq!(public.client_id, "spa");
        assert!(matches!(public.credential, Credential::None));
    }

    #[test]
    fn an_assertion_names_its_client_and_stands_alone() {
        // {"alg":"ES256"} . {"sub":"svc"} . a signature nobody checks here
        let jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzdmMifQ.c2ln";
        let form = |extra: &str| {
            Params::parse(
                format!("client_assertion_type={JWT_BEARER}&client_assertion={jwt}{extra}")
                    .as_bytes(),
            )
            .unwrap()
        };
        let p = ClientAuth::parse(None, &form("")).unwrap();
        assert_eq!(p.client_id, "svc");
        assert!(matches!(p.credential, Credential::Assertion(_)));
        let named = ClientAuth::parse(None, &form("&client_id=other")).unwrap();
        assert_eq!(
            named.client_id, "other",
            "checked against iss and sub later"
        );
        let code = |r: Result<ClientAuth, OAuthError>| r.unwrap_err().code();
        assert_eq!(
            code(ClientAuth::parse(Some(&basic("svc", "s")), &form(""))),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            code(ClientAuth::parse(None, &form("&client_secret=s"))),
            ErrorCode::InvalidRequest
        );
        let other_type = Params::parse(b"client_assertion_type=saml&client_assertion=x").unwrap();
        assert_eq!(
            code(ClientAuth::parse(None, &other_type)),
            ErrorCode::InvalidClient
        );
        let not_jwt = Params::parse(
            format!("client_assertion_type={JWT_BEARER}&client_assertion=xyz").as_bytes(),
        )
        .unwrap();
        assert_eq!(
            code(ClientAuth::parse(None, &not_jwt)),
            ErrorCode::InvalidClient
        );
        let alone = Params::parse(b"client_assertion=x").unwrap();
        assert_eq!(
            code(ClientAuth::parse(None, &alone)),
            ErrorCode::InvalidRequest
        );
    }
}
