//! Pushed authorization requests (RFC 9126): a client sends its authorization
//! parameters straight to `/t/{t}/par`, authenticated, and gets back a `request_uri`
//! that `/authorize` takes once, within a minute, for that client alone. The request is
//! judged when pushed, as `/authorize` would judge it, but every problem is answered
//! as JSON to the client, never by redirect.

use super::parse::{self, Rejected};
use super::redirect_of;
use super::request_object::{self, Refusal};
use crate::clock::UnixTime;
use crate::crypto::hash;
use crate::guard::Outcome;
use crate::oauth::dpop::{self, Target};
use crate::oauth::request::{AuthorizeRequest, ClientAuth, DpopHeader, Params};
use crate::oauth::{Ctx, ErrorCode, OAuthError, client_auth};
use crate::store::clients::Client;
use crate::store::pushed::PushedRequest;
use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};
use crate::types::{AuthMethod, Jkt};
use serde::Serialize;
use std::net::IpAddr;

/// How long a `request_uri` may take to reach `/authorize` (SPEC: 60 s).
pub const LIFETIME_SECS: u64 = 60;

/// The answer to a push (RFC 9126 §2.2), sent with 201.
#[derive(Debug, Serialize)]
pub struct Pushed {
    /// The reference to pass to `/authorize`.
    pub request_uri: String,
    /// Seconds it stays usable.
    pub expires_in: u64,
}

/// Answers `POST /t/{tenant}/par` at `now` from `peer`, with the request's `DPoP`
/// header: client authentication under the limiter, as at the token endpoint, then the
/// request. A refused DPoP proof counts against the client as a failed authentication.
pub async fn handle(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (auth, dpop): (&ClientAuth, &DpopHeader),
    params: &Params,
    peer: IpAddr,
    now: UnixTime,
) -> Result<Pushed, OAuthError> {
    let client = client_auth::authenticate_limited(ctx, tenant, auth, ("par", peer), now).await?;
    let pushed = push(ctx, tenant, (client, dpop), params, peer, now).await;
    if let Err(e) = &pushed
        && e.code() == ErrorCode::InvalidDpopProof
    {
        let keys = client_auth::failure_keys(ctx.store, tenant, &auth.client_id, peer)?;
        ctx.limiter.record(
            ctx.store,
            Some(tenant.id.as_str()),
            &keys,
            Outcome::Failure,
            now,
        )?;
    }
    pushed
}

/// The DPoP key the push binds its code to (RFC 9449 §10.1): the one its `DPoP` header
/// proves for the PAR URL, or else its `dpop_jkt`; both must then name the same key.
fn bound_key(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    dpop: &DpopHeader,
    dpop_jkt: Option<&Jkt>,
    now: UnixTime,
) -> Result<Option<Jkt>, OAuthError> {
    let htu = format!("{}/par", ctx.grant.issuer(&tenant.id));
    let target = Target {
        method: "POST",
        htu: &htu,
        access_token: None,
    };
    match (dpop::check_header(ctx.store, dpop, target, now)?, dpop_jkt) {
        (Some(proved), Some(named)) if &proved != named => Err(OAuthError::new(
            ErrorCode::InvalidDpopProof,
            "dpop_jkt names another key than the DPoP proof's",
        )),
        (proved, named) => Ok(proved.or_else(|| named.cloned())),
    }
}

/// Judges and stores the request `client` pushed.
async fn push(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (client, dpop): (Client, &DpopHeader),
    params: &Params,
    peer: IpAddr,
    now: UnixTime,
) -> Result<Pushed, OAuthError> {
    let mut sent = AuthorizeRequest::parse(params)?;
    if sent.request_uri.is_some() {
        return Err(OAuthError::new(
            ErrorCode::InvalidRequest,
            "request_uri cannot be pushed (RFC 9126 §2.1)",
        ));
    }
    sent.client_id = Some(client.client_id.clone());
    let issuer = ctx.grant.issuer(&tenant.id);
    if let Some(object) = sent.request.take() {
        let refused = |(code, why)| refusal(code, why);
        let keys = request_object::keys_for(&ctx.client_keys, &client, &object, now)
            .await
            .map_err(refused)?;
        sent = request_object::unpack((&client, &keys), &issuer, &object, &sent, now)
            .map_err(refused)?;
    }
    let redirect_uri = redirect_of(&client, &sent).map_err(invalid_request)?;
    let public = client.auth_method == AuthMethod::None;
    let req = parse::validate(client, redirect_uri, sent, issuer, None)
        .map_err(|r| refusal(r.code, r.why))?;
    if public {
        // Anyone may push for a public client: what they store counts against the
        // address, as a pending sign-in does.
        ctx.pending_quota
            .take(peer, now)
            .map_err(|blocked| OAuthError::TooMany(blocked.retry_after))?;
    }
    let jkt = bound_key(ctx, tenant, dpop, req.dpop_jkt.as_ref(), now)?;
    let request_uri = request_object::new_request_uri()?;
    let mut kept: Vec<(String, String)> = req
        .kept
        .iter()
        .filter(|(name, _)| name != "dpop_jkt")
        .cloned()
        .collect();
    if let Some(jkt) = jkt {
        kept.push(("dpop_jkt".into(), jkt.as_str().to_owned()));
    }
    if !kept.iter().any(|(name, _)| name == "client_id") {
        kept.push(("client_id".into(), req.client.client_id.clone()));
    }
    let hints = [
        ("login_hint", &req.login_hint),
        ("id_token_hint", &req.id_token_hint),
    ];
    for (name, value) in hints {
        if let Some(v) = value {
            kept.push((name.into(), v.clone()));
        }
    }
    ctx.store.put_pushed(&PushedRequest {
        hash: hash::sha256(request_uri.as_bytes()),
        tenant_uid: tenant.uid,
        client_id: req.client.client_id.clone(),
        params: kept,
        expires_at: now + LIFETIME_SECS,
    })?;
    Ok(Pushed {
        request_uri,
        expires_in: LIFETIME_SECS,
    })
}

/// A refusal in the codes SPEC gives the PAR endpoint: `invalid_request_object`,
/// `unauthorized_client` and `invalid_scope` as they are, anything else (an unsupported
/// response type, a client without keys sending an object) `invalid_request`, saying
/// why.
fn refusal(code: ErrorCode, why: String) -> OAuthError {
    match code {
        ErrorCode::InvalidRequestObject
        | ErrorCode::UnauthorizedClient
        | ErrorCode::InvalidScope => OAuthError::new(code, why),
        _ => OAuthError::new(ErrorCode::InvalidRequest, why),
    }
}

/// A problem with the client or redirect URI, as JSON.
fn invalid_request(rejected: Rejected) -> OAuthError {
    let why = match rejected {
        Rejected::Page(why) => why,
        Rejected::Respond(_) => "the request cannot be answered".to_owned(),
    };
    OAuthError::new(ErrorCode::InvalidRequest, why)
}

/// Takes the pushed request `uri` names for `client` of `tenant` at `now`: spent by this
/// look when it is theirs, and refused when unknown, expired, or pushed by another client
/// or to another tenant (which leaves it to its own client).
pub(super) fn take(
    store: &Store,
    tenant: &Tenant,
    client: &Client,
    uri: &str,
    now: UnixTime,
) -> Result<Result<AuthorizeRequest, Refusal>, StoreError> {
    let taken = store.take_pushed(&hash::sha256(uri.as_bytes()), tenant.uid, &client.client_id)?;
    Ok(match taken {
        Some(p) if p.expires_at > now => AuthorizeRequest::from_pending(&p.params)
            .map_err(|_| request_object::unknown_request_uri()),
        _ => Err(request_object::unknown_request_uri()),
    })
}
