//! Handlers of `/t/{t}/scim/v2`: the address limiter, the tenant's SCIM token, the body,
//! one call into `scim`, a durable flush before a write's 2xx, and SCIM errors.

use crate::admin::scim_tokens;
use crate::audit::Actor;
use crate::guard::{Key, Outcome, Realm};
use crate::http::body;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::scim::{self, Answer, ScimError};
use crate::state::State;
use crate::store::scim::ScimToken;
use crate::store::tenants::Tenant;
use crate::types::{ErrorKind, Secret};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, HeaderValue, LOCATION, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};
use std::net::IpAddr;

/// Why a SCIM request got no answer from the SCIM module.
enum Refusal {
    /// No valid SCIM token of this tenant.
    Unauthorized,
    /// Too many bad tokens from this address.
    TooMany(u64),
    /// The store failed.
    Failed(ScimError),
}

/// Answers one SCIM call to tenant `slug`, path `rest` below `/scim/v2`.
pub async fn handle(
    state: &State,
    slug: &str,
    rest: &[&str],
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let now = state.clock.now();
    let (token, tenant) = match admit(state, slug, &req, peer, now) {
        Ok(admitted) => admitted,
        Err(refusal) => return refused(refusal, log),
    };
    let method = req.method().as_str().to_owned();
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let body = match body::scim(req).await {
        Ok(b) => b,
        Err(e) => {
            let scim_type = (e.kind == ErrorKind::BadRequest).then_some("invalidSyntax");
            return respond::scim_error(e.kind, scim_type, &e.message);
        }
    };
    let ctx = scim::Ctx {
        admin: crate::admin::Ctx {
            store: &state.store,
            master: &state.master,
            now,
            actor: Actor::ScimToken(token.id),
            role: crate::types::AdminRole::Appliance,
            public_url: &state.config.public_url,
            passwords: state.config.passwords,
            destinations: &state.destinations,
        },
        base: format!("{}/t/{}/scim/v2", state.config.public_url, tenant.id),
        tenant,
    };
    let answer = scim::handle(&ctx, &method, rest, &query, body).await;
    if answer.is_ok()
        && method != "GET"
        && let Err(e) = state.store.flush_durable().await
    {
        return failed(&ScimError::from(e), log);
    }
    match answer {
        Ok(Answer::Ok(v)) => respond::scim(StatusCode::OK, &v),
        Ok(Answer::Created(v)) => created(&v),
        Ok(Answer::NoContent) => respond::no_content(),
        Err(e) => failed(&e, log),
    }
}

/// The SCIM token of `slug` the request carries, behind the per-address limiter of
/// failed credentials; a bad token is counted against the address, in SCIM's own realm
/// so it never blocks sign-ins from that address (nor they SCIM).
fn admit(
    state: &State,
    slug: &str,
    req: &Request<Incoming>,
    peer: IpAddr,
    now: crate::clock::UnixTime,
) -> Result<(ScimToken, Tenant), Refusal> {
    let key = Key::address(Realm::Scim, peer);
    state
        .limiter
        .admit(std::slice::from_ref(&key), now)
        .map_err(|b| Refusal::TooMany(b.retry_after))?;
    let presented = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| Secret::new(token.trim()));
    let found = match presented {
        Some(p) => {
            scim_tokens::authenticate(&state.store, &p).map_err(|e| Refusal::Failed(e.into()))?
        }
        None => None,
    };
    match found.filter(|(_, tenant)| tenant.id.as_str() == slug) {
        Some(admitted) => Ok(admitted),
        None => {
            let recorded = state
                .limiter
                .record(&state.store, None, &[key], Outcome::Failure, now);
            match recorded {
                Ok(()) => Err(Refusal::Unauthorized),
                Err(e) => Err(Refusal::Failed(e.into())),
            }
        }
    }
}

fn refused(refusal: Refusal, log: &RequestLog) -> Response<Body> {
    match refusal {
        Refusal::Unauthorized => {
            let mut resp = respond::scim_error(
                ErrorKind::Unauthorized,
                None,
                "a valid SCIM token of this tenant is required",
            );
            resp.headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            resp
        }
        Refusal::TooMany(secs) => {
            let mut resp =
                respond::scim_error(ErrorKind::TooMany, None, "too many failed attempts");
            respond::retry_after(&mut resp, secs);
            resp
        }
        Refusal::Failed(e) => failed(&e, log),
    }
}

/// 201 with `Location` equal to the resource's `meta.location`.
fn created(resource: &serde_json::Value) -> Response<Body> {
    let mut resp = respond::scim(StatusCode::CREATED, resource);
    if let Some(l) = resource["meta"]["location"].as_str() {
        match HeaderValue::from_str(l) {
            Ok(v) => {
                resp.headers_mut().insert(LOCATION, v);
            }
            Err(e) => tracing::error!("no Location header for {l:?}: {e}"),
        }
    }
    resp
}

fn failed(e: &ScimError, log: &RequestLog) -> Response<Body> {
    if e.kind() == ErrorKind::Internal {
        tracing::error!("{e} req={}", log.id());
    }
    respond::scim_error(e.kind(), e.scim_type(), &e.public_message())
}
