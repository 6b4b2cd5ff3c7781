//! Handlers of `/v2/sso`: the API key first (`exchange::admit`), then a JSON body, then
//! the call, all with one context and one `now`; failures are problem+json, a busy IdP
//! pool adds `Retry-After`.

use crate::clock::UnixTime;
use crate::exchange::api_key::Caller;
use crate::exchange::{self, ExchangeError, api};
use crate::http::body;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::state::State;
use crate::types::ErrorKind;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};
use serde::de::DeserializeOwned;
use std::net::IpAddr;

fn fail(e: &ExchangeError, log: &RequestLog) -> Response<Body> {
    if e.kind() == ErrorKind::Internal {
        tracing::error!("{e} req={}", log.id());
    }
    let mut resp = respond::problem(e.kind(), &e.public_message());
    match e {
        ExchangeError::BadApiKey => {
            resp.headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("API-key"));
        }
        ExchangeError::TooMany(secs) => respond::retry_after(&mut resp, *secs),
        _ if e.kind() == ErrorKind::UpstreamBusy => respond::retry_after(&mut resp, 1),
        _ => {}
    }
    resp
}

/// The caller and the body. The body is read only once the API key is accepted, so a
/// bad key is refused before its body is judged; a body that cannot be read is audited
/// as a failed exchange of that caller.
async fn admit<T: DeserializeOwned>(
    ctx: &exchange::Ctx<'_>,
    req: Request<Incoming>,
    peer: IpAddr,
    now: UnixTime,
    log: &RequestLog,
) -> Result<(Caller, T), Response<Body>> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let caller = exchange::admit(ctx, peer, header.as_deref(), now).map_err(|e| fail(&e, log))?;
    let e = match body::json(req).await {
        Ok(request) => return Ok((caller, request)),
        Err(e) => e,
    };
    let refusal = ExchangeError::BadRequest(e.message.clone());
    let who = Some((&caller.tenant, caller.client.client_id.as_str()));
    match exchange::audit(ctx, who, Err(&refusal), now) {
        Ok(()) => Err(respond::problem(e.kind, &e.message)),
        Err(audit_failed) => Err(fail(&audit_failed, log)),
    }
}

/// `POST /v2/sso/exchange-token`.
pub async fn exchange_token(
    state: &State,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let (ctx, now) = (state.exchange(), state.clock.now());
    let (caller, request) = match admit(&ctx, req, peer, now, log).await {
        Ok(admitted) => admitted,
        Err(resp) => return resp,
    };
    answer(
        api::exchange_token(&ctx, peer, &caller, &request, now).await,
        log,
    )
}

/// `POST /v2/sso/refresh-token`.
pub async fn refresh_token(
    state: &State,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let (ctx, now) = (state.exchange(), state.clock.now());
    let (caller, request) = match admit(&ctx, req, peer, now, log).await {
        Ok(admitted) => admitted,
        Err(resp) => return resp,
    };
    answer(
        api::refresh_token(&ctx, peer, &caller, &request, now).await,
        log,
    )
}

/// The tokens as JSON, or the failure.
fn answer(result: Result<api::SsoTokens, ExchangeError>, log: &RequestLog) -> Response<Body> {
    match result {
        Ok(tokens) => respond::json(StatusCode::OK, &tokens),
        Err(e) => fail(&e, log),
    }
}
