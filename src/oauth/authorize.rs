//! The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2). An unknown client or a
//! redirect URI that is not registered exactly gets an error page, never a redirect;
//! every other error goes back to the client with `error`, `error_description`, `state`.

use super::request::Params;
use super::tenant;
use super::{Ctx, ErrorCode, OAuthError, authorize_params};
use crate::clock::UnixTime;
use crate::crypto::random;
use crate::grant::issue::{self, UserGrant, live_account};
use crate::grant::{format, pending, scopes};
use crate::session;
use crate::store::clients::Client;
use crate::store::codes::AuthCode;
use crate::store::consents::Consent;
use crate::store::pending::PendingAuthorization;
use crate::store::sessions::SsoSession;
use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};
use crate::types::{AuthMethod, ResponseType};
use std::net::IpAddr;
mod decide;

use decide::{Decision, decide, hint};

/// How long a code lives (SPEC: 60 s).
const CODE_TTL_SECS: u64 = 60;

/// What the browser gets.
#[derive(Debug)]
pub enum Outcome {
    /// An error page (400): the request cannot be trusted to redirect anywhere.
    ErrorPage(String),
    /// A redirect to the client, with the answer or an error.
    Redirect(String),
    /// The consent page, for the pending request.
    Consent {
        /// The stored request.
        pending_id: String,
    },
    /// A page that posts the answer to the client (`response_mode=form_post`).
    FormPost {
        /// The redirect URI.
        action: String,
        /// The answer's parameters.
        fields: Vec<(String, String)>,
    },
    /// The sign-in page, for the pending request.
    Login {
        /// The stored request.
        pending_id: String,
        /// A username to prefill.
        login_hint: Option<String>,
    },
}

/// `prompt` (OIDC Core §3.1.2.1), as far as it changes what happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prompt {
    Default,
    None,
    Login,
}

/// A validated authorization request.
struct Request {
    client: Client,
    redirect_uri: String,
    redirect_uri_sent: bool,
    response_type: ResponseType,
    scopes: Vec<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    prompt: Prompt,
    login_hint: Option<String>,
    max_age: Option<u64>,
    prompt_consent: bool,
    mode: ResponseMode,
    issuer: String,
    /// Only an `id_token_hint` vouches for the user, no session cookie: such an
    /// authorization never grants `offline_access`, which would outlive the session.
    hint_alone: bool,
    /// The parameters a pending authorization keeps of it.
    kept: Vec<(String, String)>,
}

/// How the answer travels back (OAuth 2.0 Multiple Response Types, Form Post Response Mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

impl Request {
    /// The answer to the client carrying `pairs` (plus `state` and `iss`): a redirect with
    /// them in the query or the fragment, or a form posted to the redirect URI.
    fn redirect(&self, pairs: &[(&str, &str)]) -> Outcome {
        if self.mode == ResponseMode::FormPost {
            let mut fields: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            if let Some(s) = &self.state {
                fields.push(("state".into(), s.clone()));
            }
            fields.push(("iss".into(), self.issuer.clone()));
            return Outcome::FormPost {
                action: self.redirect_uri.clone(),
                fields,
            };
        }
        let fragment = self.mode == ResponseMode::Fragment;
        Outcome::Redirect(build_redirect(
            &self.redirect_uri,
            fragment,
            pairs,
            self.state.as_deref(),
            &self.issuer,
        ))
    }

    fn error(&self, code: ErrorCode, description: &str) -> Outcome {
        self.redirect(&[("error", code.as_str()), ("error_description", description)])
    }
}

fn build_redirect(
    uri: &str,
    fragment: bool,
    pairs: &[(&str, &str)],
    state: Option<&str>,
    issuer: &str,
) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    if let Some(s) = state {
        ser.append_pair("state", s);
    }
    ser.append_pair("iss", issuer);
    let encoded = ser.finish();
    let sep = match (fragment, uri.contains('?')) {
        (true, _) => '#',
        (false, true) => '&',
        (false, false) => '?',
    };
    format!("{uri}{sep}{encoded}")
}

/// Why a request was turned away before it could be answered.
enum Rejected {
    Page(String),
    Respond(Outcome),
}

fn page(msg: impl Into<String>) -> Rejected {
    Rejected::Page(msg.into())
}

/// Finds the client and the redirect URI: failures here are error pages.
fn client_and_redirect(
    store: &Store,
    tenant: &Tenant,
    params: &Params,
) -> Result<(Client, String), Rejected> {
    let client_id = params
        .get("client_id")
        .ok_or_else(|| page("The request names no client (client_id is missing)."))?;
    let client = match store.client(tenant.uid, client_id) {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Err(page(
                "The application that sent you here is not known to this sign-in service.",
            ));
        }
        Err(_) => {
            return Err(page(
                "The sign-in service could not read its configuration.",
            ));
        }
    };
    let redirect = match params.get("redirect_uri") {
        Some(r) if client.redirect_uris.iter().any(|u| u == r) => r.to_owned(),
        Some(_) => {
            return Err(page(
                "The application asked to return to an address it has not registered.",
            ));
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => {
            return Err(page(
                "The request does not say where to return (redirect_uri is missing).",
            ));
        }
    };
    Ok((client, redirect))
}

fn parse(ctx: &Ctx, tenant: &Tenant, params: &Params) -> Result<Request, Rejected> {
    let kept = authorize_params::kept(params).map_err(|e| page(e.public_message()))?;
    let (client, redirect_uri) = client_and_redirect(ctx.store, tenant, params)?;
    let fragment_default = params.get("response_type").is_some_and(|r| r != "code");
    let mut req = Request {
        client,
        redirect_uri,
        redirect_uri_sent: params.get("redirect_uri").is_some(),
        response_type: ResponseType::Code,
        scopes: scopes::split(params.get("scope")),
        state: params.get("state").map(str::to_owned),
        nonce: params.get("nonce").map(str::to_owned),
        code_challenge: params.get("code_challenge").map(str::to_owned),
        prompt: Prompt::Default,
        login_hint: params.get("login_hint").map(str::to_owned),
        max_age: None,
        prompt_consent: params
            .get("prompt")
            .is_some_and(|p| p.split(' ').any(|v| v == "consent")),
        mode: match params.get("response_mode") {
            Some("form_post") => ResponseMode::FormPost,
            Some("fragment") => ResponseMode::Fragment,
            Some("query") => ResponseMode::Query,
            _ if fragment_default => ResponseMode::Fragment,
            _ => ResponseMode::Query,
        },
        issuer: ctx.grant.issuer(&tenant.id),
        hint_alone: false,
        kept,
    };
    let bad = |req: &Request, code: ErrorCode, d: &str| Rejected::Respond(req.error(code, d));
    if let Some(mode) = params
        .get("response_mode")
        .filter(|m| !matches!(*m, "query" | "fragment" | "form_post"))
    {
        return Err(bad(
            &req,
            ErrorCode::InvalidRequest,
            &format!("response_mode `{mode}` is not supported"),
        ));
    }
    let Some(rt) = params.get("response_type") else {
        return Err(bad(
            &req,
            ErrorCode::InvalidRequest,
            "response_type is missing",
        ));
    };
    req.response_type = ResponseType::parse(rt).ok_or_else(|| {
        bad(
            &req,
            ErrorCode::UnsupportedResponseType,
            &format!("response_type `{rt}` is not supported"),
        )
    })?;
    if !req.client.response_types.contains(&req.response_type) {
        return Err(bad(
            &req,
            ErrorCode::UnauthorizedClient,
            &format!("this client is not registered for response_type `{rt}`"),
        ));
    }
    let implicit = req.response_type != ResponseType::Code;
    if implicit && params.get("response_mode") == Some("query") {
        return Err(bad(
            &req,
            ErrorCode::InvalidRequest,
            "tokens are never returned in the query; use response_mode=fragment",
        ));
    }
    let wants_id_token = matches!(
        req.response_type,
        ResponseType::IdToken | ResponseType::IdTokenToken
    );
    if wants_id_token && req.nonce.is_none() {
        return Err(bad(
            &req,
            ErrorCode::InvalidRequest,
            "nonce is required for the implicit flow",
        ));
    }
    if wants_id_token && !req.scopes.iter().any(|s| s == "openid") {
        return Err(bad(
            &req,
            ErrorCode::InvalidScope,
            "an ID token needs the openid scope",
        ));
    }
    req.max_age = match params.get("max_age") {
        Some(m) => Some(m.parse::<u64>().map_err(|_| {
            bad(
                &req,
                ErrorCode::InvalidRequest,
                "max_age must be a number of seconds",
            )
        })?),
        None => None,
    };
    check_pkce(&req, params).map_err(|d| bad(&req, ErrorCode::InvalidRequest, d))?;
    req.prompt =
        parse_prompt(params.get("prompt")).map_err(|d| bad(&req, ErrorCode::InvalidRequest, d))?;
    Ok(req)
}

fn check_pkce(req: &Request, params: &Params) -> Result<(), &'static str> {
    match (
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    ) {
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

fn parse_prompt(value: Option<&str>) -> Result<Prompt, &'static str> {
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

/// Answers `GET`/`POST /t/{tenant}/authorize` at `now` from the client address `peer`,
/// which may create only so many pending authorizations.
pub fn handle(
    ctx: &Ctx,
    slug: &str,
    params: &Params,
    session_cookie: Option<&str>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    let tenant = tenant::lookup(ctx.store, slug)?;
    let mut req = match parse(ctx, &tenant, params) {
        Ok(r) => r,
        Err(Rejected::Page(m)) => return Ok(Outcome::ErrorPage(m)),
        Err(Rejected::Respond(o)) => return Ok(o),
    };
    let hinted = match params.get("id_token_hint") {
        Some(h) => match hint(&ctx.grant, h) {
            Some(found) => Some(found),
            None => {
                return Ok(req.error(
                    ErrorCode::InvalidRequest,
                    "id_token_hint is not an ID token this service issued",
                ));
            }
        },
        None => None,
    };
    let browser = session::from_cookie(ctx.store, session_cookie, now)?;
    match (
        decide(ctx.store, &tenant, &req, browser, hinted, now)?,
        req.prompt,
    ) {
        (Decision::Answer(s, hint_alone), _) => {
            req.hint_alone = hint_alone;
            proceed(ctx, &tenant, &req, &s, now, false, Some(peer))
        }
        (Decision::Refuse(code, description), _) => Ok(req.error(code, description)),
        (Decision::Login, Prompt::None) => {
            Ok(req.error(ErrorCode::LoginRequired, "the user must sign in"))
        }
        (Decision::Login, _) => Ok(Outcome::Login {
            pending_id: store_pending(ctx, &tenant, &req.kept, now, Some(peer))?,
            login_hint: req.login_hint,
        }),
    }
}

/// Stores the request to take up again after the user signed in or consented; one that
/// comes from outside (`from`, its client address) counts against that address's quota.
fn store_pending(
    ctx: &Ctx,
    tenant: &Tenant,
    params: &[(String, String)],
    now: UnixTime,
    from: Option<IpAddr>,
) -> Result<String, OAuthError> {
    if let Some(peer) = from {
        ctx.pending_quota
            .take(peer, now)
            .map_err(|blocked| OAuthError::TooMany(blocked.retry_after))?;
    }
    let pending = PendingAuthorization {
        id: random::uuid()?,
        tenant_uid: tenant.uid,
        params: params.to_vec(),
        created_at: now,
        expires_at: now + pending::TTL_SECS,
    };
    ctx.store
        .transaction(|tx| tx.put_pending::<StoreError>(&pending))?;
    Ok(pending.id)
}

/// The scopes `req` would grant to the session's user.
fn granted(
    store: &Store,
    tenant: &Tenant,
    req: &Request,
    session: &SsoSession,
) -> Result<Vec<String>, OAuthError> {
    let membership = store
        .membership(tenant.uid, &session.account_id)?
        .ok_or(OAuthError::Internal("member vanished during authorization"))?;
    let mut scopes = scopes::for_member(&req.scopes, &req.client, &membership);
    if req.hint_alone {
        scopes.retain(|s| s != "offline_access");
    }
    Ok(scopes)
}

/// Answers for `session`, unless the client asks for consent the user has not given
/// for these scopes (or `prompt=consent` asks again). `from` is the client address of a
/// request that comes from outside; one that takes up a pending request passes `None`.
fn proceed(
    ctx: &Ctx,
    tenant: &Tenant,
    req: &Request,
    session: &SsoSession,
    now: UnixTime,
    consented: bool,
    from: Option<IpAddr>,
) -> Result<Outcome, OAuthError> {
    if req.client.require_consent && !consented {
        let scopes = granted(ctx.store, tenant, req, session)?;
        let given = ctx
            .store
            .consent(tenant.uid, &session.account_id, &req.client.client_id)?;
        let covered = !req.prompt_consent
            && given.is_some_and(|c| scopes.iter().all(|s| c.scopes.contains(s)));
        if !covered {
            if req.prompt == Prompt::None {
                return Ok(req.error(
                    ErrorCode::ConsentRequired,
                    "the user has not consented to this client",
                ));
            }
            return Ok(Outcome::Consent {
                pending_id: store_pending(ctx, tenant, &req.kept, now, from)?,
            });
        }
    }
    answer(ctx, tenant, req, session, now)
}

fn reparse(ctx: &Ctx, tenant: &Tenant, pending: &PendingAuthorization) -> Result<Request, Outcome> {
    parse(ctx, tenant, &Params::from_pairs(&pending.params)).map_err(|r| match r {
        Rejected::Page(m) => Outcome::ErrorPage(m),
        Rejected::Respond(o) => o,
    })
}

/// Finishes a pending request at `now` for the user who just signed in with `session`.
pub fn resume(
    ctx: &Ctx,
    tenant: &Tenant,
    pending: &PendingAuthorization,
    session: &SsoSession,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    match reparse(ctx, tenant, pending) {
        Ok(req) => proceed(ctx, tenant, &req, session, now, false, None),
        Err(outcome) => Ok(outcome),
    }
}

/// What the consent page shows: the client's name and the scopes it would get.
pub fn consent_request(
    ctx: &Ctx,
    tenant: &Tenant,
    pending: &PendingAuthorization,
    session: &SsoSession,
) -> Result<Result<(String, Vec<String>), Outcome>, OAuthError> {
    match reparse(ctx, tenant, pending) {
        Ok(req) => Ok(Ok((
            req.client.name.clone(),
            granted(ctx.store, tenant, &req, session)?,
        ))),
        Err(outcome) => Ok(Err(outcome)),
    }
}

/// The user's answer on the consent page at `now`: remember it and answer, or refuse.
pub fn consent_given(
    ctx: &Ctx,
    tenant: &Tenant,
    pending: &PendingAuthorization,
    session: &SsoSession,
    allow: bool,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    let req = match reparse(ctx, tenant, pending) {
        Ok(r) => r,
        Err(outcome) => return Ok(outcome),
    };
    if !allow {
        return Ok(req.error(ErrorCode::AccessDenied, "the user declined"));
    }
    let consent = Consent {
        tenant_uid: tenant.uid,
        account_id: session.account_id.clone(),
        client_id: req.client.client_id.clone(),
        scopes: granted(ctx.store, tenant, &req, session)?,
        granted_at: now,
    };
    ctx.store
        .transaction(|tx| tx.put_consent::<StoreError>(&consent))?;
    proceed(ctx, tenant, &req, session, now, true, None)
}

/// The successful answer, by response type: a code (bound to client, redirect URI,
/// PKCE challenge, nonce and session), or tokens in the fragment (implicit).
fn answer(
    ctx: &Ctx,
    tenant: &Tenant,
    req: &Request,
    session: &SsoSession,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    let scopes = granted(ctx.store, tenant, req, session)?;
    if req.response_type == ResponseType::Code {
        return issue_code(ctx.store, tenant, req, session, scopes, now);
    }
    let account = live_account(&ctx.grant, tenant, &session.account_id)?.ok_or(
        OAuthError::Internal("account vanished during authorization"),
    )?;
    let grant = UserGrant {
        tenant,
        client: &req.client,
        account: &account,
        scopes: &scopes,
        sid: Some(&session.id),
        auth_time: Some(session.auth_time),
        nonce: req.nonce.as_deref(),
    };
    let access = match req.response_type {
        ResponseType::Token | ResponseType::IdTokenToken => {
            ctx.grant.token_issued(
                "implicit",
                &tenant.id,
                &req.client.client_id,
                Some(&account.id),
                now,
            );
            Some(issue::access_token(&ctx.grant, &grant, now)?)
        }
        _ => None,
    };
    let id = match req.response_type {
        ResponseType::IdToken | ResponseType::IdTokenToken => Some(issue::id_token(
            &ctx.grant,
            &grant,
            now,
            access.as_ref().map(|a| a.0.as_str()),
        )?),
        _ => None,
    };
    let expires = tenant.access_token_ttl_secs.to_string();
    let scope = scopes.join(" ");
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    if let Some((token, _)) = &access {
        pairs.extend([
            ("access_token", token.as_str()),
            ("token_type", "Bearer"),
            ("expires_in", expires.as_str()),
            ("scope", scope.as_str()),
        ]);
    }
    if let Some(id) = &id {
        pairs.push(("id_token", id));
    }
    Ok(req.redirect(&pairs))
}

fn issue_code(
    store: &Store,
    tenant: &Tenant,
    req: &Request,
    session: &SsoSession,
    scopes: Vec<String>,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    let expires_at = now + CODE_TTL_SECS;
    let (code, key) = format::issue(expires_at)?;
    let record = AuthCode {
        hash: key.hash,
        key_expiry: key.expiry,
        tenant_uid: tenant.uid,
        client_id: req.client.client_id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        redirect_uri_sent: req.redirect_uri_sent,
        account_id: session.account_id.clone(),
        scopes,
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        sid: session.id.clone(),
        auth_time: session.auth_time,
        expires_at,
        redeemed: None,
    };
    store.insert_code(&record)?;
    Ok(req.redirect(&[("code", &code)]))
}

#[cfg(test)]
mod tests;
