//! An authorization request judged against its client, without the store (RFC 6749
//! §3.1.2.3, §4.1.2.1, OIDC Core §3.1.2.1, §3.2.2.1, RFC 7636 §4.3, OAuth 2.0 Multiple
//! Response Types and Form Post Response Mode): once the client and its redirect URI are
//! known, every problem goes back to the client.

use super::Outcome;
use crate::oauth::ErrorCode;
use crate::oauth::request::AuthorizeRequest;
use crate::store::clients::Client;
use crate::types::{AuthMethod, Jkt, ResponseType};

/// `prompt` (OIDC Core §3.1.2.1), as far as it changes what happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Prompt {
    Default,
    None,
    Login,
}

/// How the answer travels back (OAuth 2.0 Multiple Response Types, Form Post Response Mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// A validated authorization request.
pub(super) struct Request {
    pub(super) client: Client,
    pub(super) redirect_uri: String,
    pub(super) redirect_uri_sent: bool,
    pub(super) response_type: ResponseType,
    pub(super) scopes: Vec<String>,
    pub(super) state: Option<String>,
    pub(super) nonce: Option<String>,
    pub(super) code_challenge: Option<String>,
    /// The DPoP key the code is bound to (RFC 9449 §10).
    pub(super) dpop_jkt: Option<Jkt>,
    pub(super) prompt: Prompt,
    pub(super) login_hint: Option<String>,
    /// `id_token_hint`, read once the request's parameters are settled (the query's,
    /// a request object's or a pushed request's), never kept.
    pub(super) id_token_hint: Option<String>,
    pub(super) max_age: Option<u64>,
    pub(super) prompt_consent: bool,
    pub(super) mode: ResponseMode,
    pub(super) issuer: String,
    /// Only an `id_token_hint` vouches for the user, no session cookie: such an
    /// authorization never grants `offline_access`, which would outlive the session.
    pub(super) hint_alone: bool,
    /// What it asks of the session's authentication.
    pub(super) acr: super::acr::Asked,
    /// The parameters a pending authorization keeps of it.
    pub(super) kept: Vec<(String, String)>,
}

/// Why a request was turned away before it could be answered.
pub(super) enum Rejected {
    /// An error page: there is no client or redirect URI to answer.
    Page(String),
    /// An error for the client, by redirect.
    Respond(Outcome),
}

/// A rejection shown as an error page.
pub(super) fn page(msg: impl Into<String>) -> Rejected {
    Rejected::Page(msg.into())
}

/// A request whose client must be told what is wrong with it: by redirect at
/// `/authorize`, as JSON at the pushed authorization request endpoint.
pub(super) struct Refused {
    pub(super) req: Request,
    pub(super) code: ErrorCode,
    pub(super) why: String,
}

impl From<Box<Refused>> for Rejected {
    fn from(r: Box<Refused>) -> Rejected {
        Rejected::Respond(r.req.error(r.code, &r.why))
    }
}

/// `req` refused with `code` and `why`.
fn refuse(req: Request, code: ErrorCode, why: impl Into<String>) -> Box<Refused> {
    Box::new(Refused {
        req,
        code,
        why: why.into(),
    })
}

/// Judges `sent` for `client`, which returns to `redirect_uri` and knows the tenant as
/// `issuer`; each problem is refused with its error, `refused` (a request by reference
/// turned away) first.
pub(super) fn validate(
    client: Client,
    redirect_uri: String,
    sent: AuthorizeRequest,
    issuer: String,
    refused: Option<(ErrorCode, String)>,
) -> Result<Request, Box<Refused>> {
    let fragment_default = sent.response_type.as_deref().is_some_and(|r| r != "code");
    let mut req = Request {
        client,
        redirect_uri,
        redirect_uri_sent: sent.redirect_uri.is_some(),
        response_type: ResponseType::Code,
        scopes: sent.scopes,
        state: sent.state,
        nonce: sent.nonce,
        code_challenge: sent.code_challenge,
        dpop_jkt: None,
        prompt: Prompt::Default,
        login_hint: sent.login_hint,
        id_token_hint: sent.id_token_hint,
        max_age: None,
        prompt_consent: sent
            .prompt
            .as_deref()
            .is_some_and(|p| p.split(' ').any(|v| v == "consent")),
        mode: match sent.response_mode.as_deref() {
            Some("form_post") => ResponseMode::FormPost,
            Some("fragment") => ResponseMode::Fragment,
            Some("query") => ResponseMode::Query,
            _ if fragment_default => ResponseMode::Fragment,
            _ => ResponseMode::Query,
        },
        issuer,
        hint_alone: false,
        acr: super::acr::Asked::default(),
        kept: sent.kept,
    };
    if let Some((code, why)) = refused {
        return Err(refuse(req, code, why));
    }
    let response_mode = sent.response_mode.as_deref();
    if let Some(mode) = response_mode.filter(|m| !matches!(*m, "query" | "fragment" | "form_post"))
    {
        let why = format!("response_mode `{mode}` is not supported");
        return Err(refuse(req, ErrorCode::InvalidRequest, why));
    }
    let Some(rt) = sent.response_type.as_deref() else {
        return Err(refuse(
            req,
            ErrorCode::InvalidRequest,
            "response_type is missing",
        ));
    };
    let Some(response_type) = ResponseType::parse(rt) else {
        let why = format!("response_type `{rt}` is not supported");
        return Err(refuse(req, ErrorCode::UnsupportedResponseType, why));
    };
    req.response_type = response_type;
    if !req.client.response_types.contains(&req.response_type) {
        let why = format!("this client is not registered for response_type `{rt}`");
        return Err(refuse(req, ErrorCode::UnauthorizedClient, why));
    }
    let implicit = req.response_type != ResponseType::Code;
    // A token in a redirect comes with no proof: a client that must use DPoP-bound
    // access tokens (RFC 9449 §5.2) cannot take one.
    if req.client.dpop_bound_access_tokens
        && matches!(
            req.response_type,
            ResponseType::Token | ResponseType::IdTokenToken
        )
    {
        return Err(refuse(
            req,
            ErrorCode::UnauthorizedClient,
            "this client must use DPoP-bound access tokens, which the implicit flow cannot issue",
        ));
    }
    if implicit && response_mode == Some("query") {
        return Err(refuse(
            req,
            ErrorCode::InvalidRequest,
            "tokens are never returned in the query; use response_mode=fragment",
        ));
    }
    let wants_id_token = matches!(
        req.response_type,
        ResponseType::IdToken | ResponseType::IdTokenToken
    );
    if wants_id_token && req.nonce.is_none() {
        return Err(refuse(
            req,
            ErrorCode::InvalidRequest,
            "nonce is required for the implicit flow",
        ));
    }
    if wants_id_token && !req.scopes.iter().any(|s| s == "openid") {
        return Err(refuse(
            req,
            ErrorCode::InvalidScope,
            "an ID token needs the openid scope",
        ));
    }
    req.max_age = match sent.max_age.as_deref().map(str::parse::<u64>) {
        Some(Ok(m)) => Some(m),
        Some(Err(_)) => {
            return Err(refuse(
                req,
                ErrorCode::InvalidRequest,
                "max_age must be a number of seconds",
            ));
        }
        None => None,
    };
    if let Err(why) = check_pkce(&req, sent.code_challenge_method.as_deref()) {
        return Err(refuse(req, ErrorCode::InvalidRequest, why));
    }
    match super::acr::read(sent.acr_values.as_deref(), sent.claims.as_deref()) {
        Ok(asked) => req.acr = asked,
        Err(why) => return Err(refuse(req, ErrorCode::InvalidRequest, why)),
    }
    match parse_prompt(sent.prompt.as_deref()) {
        Ok(prompt) => req.prompt = prompt,
        Err(why) => return Err(refuse(req, ErrorCode::InvalidRequest, why)),
    }
    match sent.dpop_jkt.as_deref().map(|j| (j, Jkt::parse(j))) {
        Some((_, Some(jkt))) => req.dpop_jkt = Some(jkt),
        Some((_, None)) => {
            let why = "dpop_jkt must be a base64url SHA-256 JWK thumbprint (43 characters)";
            return Err(refuse(req, ErrorCode::InvalidRequest, why));
        }
        None => {}
    }
    Ok(req)
}

fn check_pkce(req: &Request, method: Option<&str>) -> Result<(), &'static str> {
    match (req.code_challenge.as_deref(), method) {
        (Some(_), Some("S256")) => {}
        (Some(_), Some(_)) => return Err("code_challenge_method must be S256"),
        (Some(_), None) => return Err("code_challenge_method is required and must be S256"),
        (None, Some(_)) => return Err("code_challenge_method without code_challenge"),
        (None, None)
            if req.client.auth_method == AuthMethod::None
                && req.response_type == ResponseType::Code =>
        {
            return Err("a public client must use PKCE (code_challenge with S256)");
        }
        (None, None) => {}
    }
    match &req.code_challenge {
        Some(c)
            if c.len() != 43
                || !c
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Err("code_challenge must be a base64url SHA-256 (43 characters)")
        }
        _ => Ok(()),
    }
}

/// `prompt`'s space-separated values; `none` stands alone.
pub(super) fn parse_prompt(value: Option<&str>) -> Result<Prompt, &'static str> {
    let values: Vec<&str> = value
        .unwrap_or("")
        .split(' ')
        .filter(|v| !v.is_empty())
        .collect();
    if values
        .iter()
        .any(|v| !matches!(*v, "none" | "login" | "consent" | "select_account"))
    {
        return Err("prompt has an unknown value");
    }
    if values.contains(&"none") && values.len() > 1 {
        return Err("prompt=none cannot be combined with other values");
    }
    Ok(if values.contains(&"none") {
        Prompt::None
    } else if values.contains(&"login") {
        Prompt::Login
    } else {
        Prompt::Default
    })
}
