//! OAuth 2.0 vocabulary: grant types, response types, client authentication methods,
//! scope tokens and redirect URIs, parsed once at the edge.

use serde::{Deserialize, Serialize};

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every value, in wire order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The value as it appears on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }

            /// Parses the wire form.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

wire_enum!(
    /// A grant a client may use (RFC 6749 §4, RFC 8693).
    GrantType {
        /// RFC 6749 §4.1.
        AuthorizationCode = "authorization_code",
        /// RFC 6749 §4.2 and OIDC implicit.
        Implicit = "implicit",
        /// RFC 6749 §6.
        RefreshToken = "refresh_token",
        /// RFC 6749 §4.4.
        ClientCredentials = "client_credentials",
        /// RFC 8693.
        TokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange",
    }
);

wire_enum!(
    /// A `response_type` at the authorization endpoint.
    ResponseType {
        /// Authorization code.
        Code = "code",
        /// OIDC implicit, ID token only.
        IdToken = "id_token",
        /// OIDC implicit with an access token.
        IdTokenToken = "id_token token",
        /// OAuth 2.0 implicit: access token only.
        Token = "token",
    }
);

wire_enum!(
    /// How a client authenticates at the token endpoint (RFC 7591 §2).
    AuthMethod {
        /// HTTP Basic with form-encoded id and secret (RFC 6749 §2.3.1).
        ClientSecretBasic = "client_secret_basic",
        /// Id and secret in the form body.
        ClientSecretPost = "client_secret_post",
        /// A JWT signed with a key the client registered (RFC 7523 §2.2, OIDC Core §9).
        PrivateKeyJwt = "private_key_jwt",
        /// A public client: no secret.
        None = "none",
    }
);

impl AuthMethod {
    /// Whether a client of this method holds a secret latchkey generated (and can have it
    /// rotated).
    pub fn uses_secret(self) -> bool {
        matches!(
            self,
            AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost
        )
    }
}

impl ResponseType {
    /// The grant a client needs to use this response type.
    pub fn grant(self) -> GrantType {
        match self {
            ResponseType::Code => GrantType::AuthorizationCode,
            ResponseType::IdToken | ResponseType::IdTokenToken | ResponseType::Token => {
                GrantType::Implicit
            }
        }
    }
}

/// True if `s` is a scope token: one or more of `%x21 / %x23-5B / %x5D-7E` (RFC 6749 §3.3).
pub fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

/// Why a redirect URI is refused.
#[derive(Debug, thiserror::Error)]
pub enum RedirectUriError {
    /// Not an absolute URL.
    #[error("`{0}` is not an absolute URL")]
    NotAbsolute(String),
    /// Carries a fragment (RFC 6749 §3.1.2).
    #[error("`{0}` must not have a fragment")]
    Fragment(String),
    /// Plain http to a non-loopback host.
    #[error("`{0}` must use https (http is allowed only for 127.0.0.1, [::1] and localhost)")]
    Insecure(String),
}

/// Checks a redirect URI: absolute, no fragment, https or http on loopback (RFC 8252 §7.3).
pub fn check_redirect_uri(s: &str) -> Result<(), RedirectUriError> {
    let url = url::Url::parse(s).map_err(|_| RedirectUriError::NotAbsolute(s.to_owned()))?;
    if url.fragment().is_some() || s.contains('#') {
        return Err(RedirectUriError::Fragment(s.to_owned()));
    }
    match (url.scheme(), url.host_str()) {
        ("https", Some(_)) => Ok(()),
        ("http", Some("127.0.0.1" | "[::1]" | "localhost")) => Ok(()),
        ("http" | "https", _) => Err(RedirectUriError::Insecure(s.to_owned())),
        _ => Err(RedirectUriError::Insecure(s.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms_round_trip() {
        for g in GrantType::ALL {
            assert_eq!(GrantType::parse(g.as_str()), Some(*g));
        }
        assert_eq!(
            ResponseType::parse("id_token token"),
            Some(ResponseType::IdTokenToken)
        );
        assert_eq!(ResponseType::parse("token id_token"), None);
        assert_eq!(
            AuthMethod::parse("private_key_jwt"),
            Some(AuthMethod::PrivateKeyJwt)
        );
        assert_eq!(AuthMethod::parse("client_secret_jwt"), None, "no HMAC");
        assert!(!AuthMethod::PrivateKeyJwt.uses_secret() && !AuthMethod::None.uses_secret());
    }

    #[test]
    fn scope_tokens_follow_rfc_6749() {
        assert!(is_scope_token("openid") && is_scope_token("read:all"));
        assert!(
            !is_scope_token("")
                && !is_scope_token("a b")
                && !is_scope_token("a\"b")
                && !is_scope_token("a\\b")
        );
    }

    #[test]
    fn redirect_uris_are_checked() {
        assert!(check_redirect_uri("https://app.example/cb?x=1").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:8080/cb").is_ok());
        assert!(check_redirect_uri("http://localhost/cb").is_ok());
        assert!(check_redirect_uri("http://[::1]:9/cb").is_ok());
        assert!(matches!(
            check_redirect_uri("/cb"),
            Err(RedirectUriError::NotAbsolute(_))
        ));
        assert!(matches!(
            check_redirect_uri("https://a.example/cb#x"),
            Err(RedirectUriError::Fragment(_))
        ));
        assert!(matches!(
            check_redirect_uri("http://app.example/cb"),
            Err(RedirectUriError::Insecure(_))
        ));
        assert!(matches!(
            check_redirect_uri("javascript:alert(1)"),
            Err(RedirectUriError::Insecure(_))
        ));
    }
}
