//! Token requests (RFC 6749 §3.2) as the edge reads them: the grant a form names and that
//! grant's own parameters (§4.1.3, §4.4.2, §6, RFC 8693 §2.1). Nothing here needs the
//! client; each problem waits for its turn at the token endpoint (see [`TokenForm`]).

use super::Params;
use crate::grant::scopes;
use crate::oauth::token::exchange::ACCESS_TOKEN_TYPE;
use crate::oauth::{ErrorCode, OAuthError};
use crate::types::{GrantType, Secret};

/// A token request's grant and its parameters, read before any of them is judged
/// against the client.
#[derive(Debug)]
pub enum TokenRequest {
    /// Redeem an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.5).
    AuthorizationCode {
        /// The code.
        code: Secret,
        /// The redirect URI, when the client repeats it.
        redirect_uri: Option<String>,
        /// The PKCE verifier, when the client sends one.
        code_verifier: Option<Secret>,
    },
    /// Rotate a refresh token (RFC 6749 §6).
    RefreshToken {
        /// The refresh token.
        refresh_token: Secret,
        /// The scopes asked for; none keeps the family's.
        scopes: Vec<String>,
    },
    /// A token for the client itself (RFC 6749 §4.4.2).
    ClientCredentials {
        /// The scopes asked for.
        scopes: Vec<String>,
    },
    /// Exchange a foreign access token (RFC 8693 §2.1).
    TokenExchange {
        /// The foreign access token.
        subject_token: Secret,
        /// The scopes asked for; none means the client's.
        scopes: Vec<String>,
    },
}

/// What a token endpoint form asks for, each problem kept for its turn (RFC 6749 §5.2;
/// tests pin the order): a missing `grant_type` is answered before client
/// authentication, an unsupported one after it, and the grant's own parameters only once
/// the client is known to be allowed the grant.
#[derive(Debug)]
pub enum TokenForm {
    /// No `grant_type`.
    NoGrantType,
    /// A `grant_type` with no token request here (`implicit` among them).
    Unsupported(String),
    /// A grant served here, and its parameters or why they are refused.
    Grant(GrantType, Result<TokenRequest, OAuthError>),
}

impl TokenForm {
    /// Reads a token endpoint form.
    pub fn parse(params: &Params) -> TokenForm {
        let Some(name) = params.get("grant_type") else {
            return TokenForm::NoGrantType;
        };
        match GrantType::parse(name).and_then(|g| Some((g, TokenRequest::parse(g, params)?))) {
            Some((grant, request)) => TokenForm::Grant(grant, request),
            None => TokenForm::Unsupported(name.to_owned()),
        }
    }

    /// Whether the request may spend a code or a refresh token.
    pub fn ends_a_credential(&self) -> bool {
        matches!(
            self,
            TokenForm::Grant(GrantType::AuthorizationCode | GrantType::RefreshToken, _)
        )
    }
}

impl TokenRequest {
    /// The parameters of `grant`; `None` for the implicit grant, which has no token
    /// request (RFC 6749 §4.2).
    fn parse(grant: GrantType, params: &Params) -> Option<Result<TokenRequest, OAuthError>> {
        let secret = |name: &str| params.require(name).map(Secret::new);
        let scopes = || scopes::split(params.get("scope"));
        Some(match grant {
            GrantType::AuthorizationCode => {
                secret("code").map(|code| TokenRequest::AuthorizationCode {
                    code,
                    redirect_uri: params.get("redirect_uri").map(str::to_owned),
                    code_verifier: params.get("code_verifier").map(Secret::new),
                })
            }
            GrantType::RefreshToken => {
                secret("refresh_token").map(|refresh_token| TokenRequest::RefreshToken {
                    refresh_token,
                    scopes: scopes(),
                })
            }
            GrantType::ClientCredentials => {
                Ok(TokenRequest::ClientCredentials { scopes: scopes() })
            }
            GrantType::TokenExchange => {
                exchange(params).map(|subject_token| TokenRequest::TokenExchange {
                    subject_token,
                    scopes: scopes(),
                })
            }
            GrantType::Implicit => return None,
        })
    }
}

/// The subject token of an RFC 8693 request: an access token, exchanged for an access
/// token, without delegation (§2.1, §3).
fn exchange(params: &Params) -> Result<Secret, OAuthError> {
    let subject_token = params.require("subject_token")?;
    let bad = |what: &str| OAuthError::new(ErrorCode::InvalidRequest, what);
    if params.require("subject_token_type")? != ACCESS_TOKEN_TYPE {
        return Err(bad(
            "subject_token_type must be urn:ietf:params:oauth:token-type:access_token",
        ));
    }
    if params
        .get("requested_token_type")
        .is_some_and(|t| t != ACCESS_TOKEN_TYPE)
    {
        return Err(bad(
            "only access tokens can be requested (requested_token_type)",
        ));
    }
    if params.get("actor_token").is_some() {
        return Err(bad("delegation (actor_token) is not supported"));
    }
    Ok(Secret::new(subject_token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> TokenForm {
        TokenForm::parse(&Params::parse(body.as_bytes()).unwrap())
    }

    #[test]
    fn the_grant_type_is_read_first_and_the_grant_parameters_kept_for_later() {
        assert!(matches!(form("code=x"), TokenForm::NoGrantType));
        assert!(
            matches!(form("grant_type=implicit"), TokenForm::Unsupported(g) if g == "implicit")
        );
        assert!(matches!(
            form("grant_type=password"),
            TokenForm::Unsupported(_)
        ));
        let missing_code = form("grant_type=authorization_code");
        assert!(missing_code.ends_a_credential());
        assert!(matches!(
            missing_code,
            TokenForm::Grant(GrantType::AuthorizationCode, Err(e)) if e.public_message().contains("`code`")
        ));
        let refresh = form("grant_type=refresh_token&refresh_token=r&scope=openid%20email");
        assert!(matches!(
            refresh,
            TokenForm::Grant(_, Ok(TokenRequest::RefreshToken { ref scopes, .. })) if scopes.len() == 2
        ));
        assert!(!form("grant_type=client_credentials").ends_a_credential());
    }

    #[test]
    fn a_token_exchange_names_an_access_token_and_no_actor() {
        let grant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange";
        let access = "urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token";
        let ok = form(&format!(
            "{grant}&subject_token=t&subject_token_type={access}"
        ));
        assert!(matches!(
            ok,
            TokenForm::Grant(_, Ok(TokenRequest::TokenExchange { .. }))
        ));
        for refused in [
            format!("{grant}&subject_token_type={access}"),
            format!("{grant}&subject_token=t&subject_token_type=jwt"),
            format!("{grant}&subject_token=t&subject_token_type={access}&actor_token=a"),
            format!("{grant}&subject_token=t&subject_token_type={access}&requested_token_type=x"),
        ] {
            assert!(
                matches!(form(&refused), TokenForm::Grant(_, Err(_))),
                "{refused}"
            );
        }
    }
}
