//! The authorization request (RFC 6749 §4.1.1, §4.2.1, OIDC Core §3.1.2.1, RFC 7636
//! §4.3) as the edge reads it: each parameter by name, none longer than its limit
//! (`authorize_params`). What the values mean for their client is judged by
//! `oauth::authorize`, because most errors go back to the client by redirect, and that
//! needs the client and its redirect URI first.

use super::{Params, authorize_params};
use crate::grant::scopes;
use crate::oauth::OAuthError;

/// An authorization request's parameters, as sent.
pub struct AuthorizeRequest {
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`; absent only for a client with one registered URI.
    pub redirect_uri: Option<String>,
    /// `response_type`, as sent.
    pub response_type: Option<String>,
    /// `response_mode`, as sent.
    pub response_mode: Option<String>,
    /// The scopes of `scope`.
    pub scopes: Vec<String>,
    /// `state`, returned to the client as it came.
    pub state: Option<String>,
    /// `nonce`, for the ID token.
    pub nonce: Option<String>,
    /// `code_challenge` (PKCE).
    pub code_challenge: Option<String>,
    /// `code_challenge_method`, as sent.
    pub code_challenge_method: Option<String>,
    /// `prompt`, as sent: space-separated values.
    pub prompt: Option<String>,
    /// `max_age`, as sent.
    pub max_age: Option<String>,
    /// `login_hint`, a username to prefill.
    pub login_hint: Option<String>,
    /// `id_token_hint`, an ID token naming the user.
    pub id_token_hint: Option<String>,
    /// `dpop_jkt`, the thumbprint of the DPoP key the code is to be bound to (RFC 9449
    /// §10), as sent.
    pub dpop_jkt: Option<String>,
    /// `acr_values`, as sent (OIDC Core §3.1.2.1).
    pub acr_values: Option<String>,
    /// `claims`, as sent: a JSON object (OIDC Core §5.5).
    pub claims: Option<String>,
    /// `request`, a request object (RFC 9101 §2.1).
    pub request: Option<String>,
    /// `request_uri`, a reference to one (RFC 9101 §2.2; RFC 9126 §4).
    pub request_uri: Option<String>,
    /// The parameters a pending authorization keeps, to take the request up again.
    pub kept: Vec<(String, String)>,
}

impl AuthorizeRequest {
    /// Reads an authorization request; `invalid_request` when a parameter is too long.
    pub fn parse(params: &Params) -> Result<AuthorizeRequest, OAuthError> {
        let kept = authorize_params::kept(params)?;
        let get = |name: &str| params.get(name).map(str::to_owned);
        Ok(AuthorizeRequest {
            client_id: get("client_id"),
            redirect_uri: get("redirect_uri"),
            response_type: get("response_type"),
            response_mode: get("response_mode"),
            scopes: scopes::split(params.get("scope")),
            state: get("state"),
            nonce: get("nonce"),
            code_challenge: get("code_challenge"),
            code_challenge_method: get("code_challenge_method"),
            prompt: get("prompt"),
            max_age: get("max_age"),
            login_hint: get("login_hint"),
            id_token_hint: get("id_token_hint"),
            dpop_jkt: get("dpop_jkt"),
            acr_values: get("acr_values"),
            claims: get("claims"),
            request: get("request"),
            request_uri: get("request_uri"),
            kept,
        })
    }

    /// The request a pending authorization kept, read again.
    pub fn from_pending(pairs: &[(String, String)]) -> Result<AuthorizeRequest, OAuthError> {
        AuthorizeRequest::parse(&Params::from_pairs(pairs))
    }
}
