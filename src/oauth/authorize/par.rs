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
use crate::oauth::request::{AuthorizeRequest, ClientAuth, Params};
use crate::oauth::{Ctx, ErrorCode, OAuthError, client_auth};
use crate::store::clients::Client;
use crate::store::pushed::PushedRequest;
use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};
use crate::types::AuthMethod;
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

/// Answers `POST /t/{tenant}/par` at `now` from `peer`: client authentication under the
/// limiter, as at the token endpoint, then the request.
pub async fn handle(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    auth: &ClientAuth,
    params: &Params,
    peer: IpAddr,
    now: UnixTime,
) -> Result<Pushed, OAuthError> {
    let client = client_auth::authenticate_limited(ctx, tenant, auth, ("par", peer), now).await?;
    push(ctx, tenant, client, params, peer, now)
}

/// Judges and stores the request `client` pushed.
fn push(
    ctx: &Ctx,
    tenant: &Tenant,
    client: Client,
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
        sent = request_object::unpack(&client, &issuer, &object, &sent, now)
            .map_err(|(code, why)| OAuthError::new(code, why))?;
    }
    let redirect_uri = redirect_of(&client, &sent).map_err(invalid_request)?;
    let public = client.auth_method == AuthMethod::None;
    let req = parse::validate(client, redirect_uri, sent, issuer, None)
        .map_err(|r| OAuthError::new(r.code, r.why))?;
    if public {
        // Anyone may push for a public client: what they store counts against the
        // address, as a pending sign-in does.
        ctx.pending_quota
            .take(peer, now)
            .map_err(|blocked| OAuthError::TooMany(blocked.retry_after))?;
    }
    let request_uri = request_object::new_request_uri()?;
    let mut kept = req.kept.clone();
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

/// A problem with the client or redirect URI, as JSON.
fn invalid_request(rejected: Rejected) -> OAuthError {
    let why = match rejected {
        Rejected::Page(why) => why,
        Rejected::Respond(_) => "the request cannot be answered".to_owned(),
    };
    OAuthError::new(ErrorCode::InvalidRequest, why)
}

/// Takes the pushed request `uri` names for `client` of `tenant` at `now`: spent by this
/// look whatever follows, and refused when unknown, expired, or pushed by another client
/// or to another tenant.
pub(super) fn take(
    store: &Store,
    tenant: &Tenant,
    client: &Client,
    uri: &str,
    now: UnixTime,
) -> Result<Result<AuthorizeRequest, Refusal>, StoreError> {
    let taken = store.take_pushed(&hash::sha256(uri.as_bytes()))?;
    Ok(match taken {
        Some(p)
            if p.tenant_uid == tenant.uid
                && p.client_id == client.client_id
                && p.expires_at > now =>
        {
            AuthorizeRequest::from_pending(&p.params)
                .map_err(|_| request_object::unknown_request_uri())
        }
        _ => Err(request_object::unknown_request_uri()),
    })
}
