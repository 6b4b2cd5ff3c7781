//! Handlers of `/v2/sso`: the API key first, then a JSON body, then one domain call;
//! failures are problem+json, a busy IdP pool adds `Retry-After`.

use crate::exchange::api_key::{self, Caller};
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
        ExchangeError::Busy => respond::retry_after(&mut resp, 1),
        ExchangeError::TooMany(secs) => respond::retry_after(&mut resp, *secs),
        _ => {}
    }
    resp
}

/// The limiters, the API key, then the body. Each refusal is audited as a failed
/// exchange: both `/v2/sso` calls are the exchange API.
async fn admit<T: DeserializeOwned>(
    state: &State,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Result<(Caller, T), Response<Body>> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let authenticated = api::admit(state, peer, None)
        .and_then(|()| api_key::authenticate(state, header.as_deref()))
        .and_then(|caller| api::admit(state, peer, Some(&caller)).map(|()| caller));
    if let Err(e) = api::count(state, peer, None, &authenticated) {
        return Err(fail(&e, log));
    }
    let (caller, refusal) = match authenticated {
        Err(e) => (None, (fail(&e, log), e)),
        Ok(caller) => match body::json(req).await {
            Ok(request) => return Ok((caller, request)),
            Err(e) => {
                let resp = respond::problem(e.kind, &e.message);
                (Some(caller), (resp, ExchangeError::BadRequest(e.message)))
            }
        },
    };
    let who = caller
        .as_ref()
        .map(|c| (&c.tenant, c.client.client_id.as_str()));
    match exchange::audit(state, who, Err(&refusal.1)) {
        Ok(()) => Err(refusal.0),
        Err(audit_failed) => Err(fail(&audit_failed, log)),
    }
}

/// The shape of both calls: admit, one domain call, the tokens as JSON.
async fn endpoint<T: DeserializeOwned>(
    state: &State,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
    call: impl AsyncFnOnce(&Caller, &T) -> Result<api::SsoTokens, ExchangeError>,
) -> Response<Body> {
    let (caller, request) = match admit(state, req, peer, log).await {
        Ok(admitted) => admitted,
        Err(resp) => return resp,
    };
    let result = call(&caller, &request).await;
    if let Err(e) = api::count(state, peer, Some(&caller), &result) {
        return fail(&e, log);
    }
    match result {
        Ok(tokens) => respond::json(StatusCode::OK, &tokens),
        Err(e) => fail(&e, log),
    }
}

/// `POST /v2/sso/exchange-token`.
pub async fn exchange_token(
    state: &State,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    endpoint(state, req, peer, log, async |caller, request| {
        api::exchange_token(state, caller, request).await
    })
    .await
}

/// `POST /v2/sso/refresh-token`.
pub async fn refresh_token(
    state: &State,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    endpoint(state, req, peer, log, async |caller, request| {
        let rotated = api::refresh_token(state, caller, request);
        // The rotation, or the revocation of a replayed family, is on disk first.
        state.store.flush_durable().await?;
        rotated
    })
    .await
}
