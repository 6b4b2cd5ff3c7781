//! Handlers of the per-tenant OpenID Provider documents, which any origin may read.

use crate::http::cors;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::oauth::{self, OAuthError};
use crate::state::State;
use hyper::Response;
use hyper::body::Bytes;

fn fail(e: OAuthError, log: &RequestLog) -> Response<Body> {
    if e.kind() == crate::types::ErrorKind::Internal {
        tracing::error!("{e} req={}", log.id());
    }
    respond::problem(e.kind(), &e.public_message())
}

/// `GET /t/{tenant}/.well-known/openid-configuration` (OIDC Discovery 1.0 §4).
pub fn discovery(state: &State, tenant: &str, log: &RequestLog) -> Response<Body> {
    let mut resp = match oauth::discovery::document(&state.oauth(), tenant) {
        Ok(doc) => respond::cacheable_json(Bytes::from(doc)),
        Err(e) => fail(e, log),
    };
    cors::any_origin(&mut resp);
    resp
}

/// `GET /t/{tenant}/jwks` (RFC 7517 §5): the appliance's keys, the same for every tenant.
pub fn jwks(state: &State, tenant: &str, log: &RequestLog) -> Response<Body> {
    let mut resp = match oauth::discovery::jwks(&state.oauth(), tenant) {
        Ok(bytes) => respond::cacheable_json(Bytes::from(bytes)),
        Err(e) => fail(e, log),
    };
    cors::any_origin(&mut resp);
    resp
}
