//! Liveness and readiness probes for systemd, load balancers and tests.

use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::state::State;
use crate::types::ErrorKind;
use hyper::{Response, StatusCode};
use serde::Serialize;

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

/// `GET /healthz`: answers while the process serves at all.
pub fn alive() -> Response<Body> {
    respond::json(StatusCode::OK, &Status { status: "ok" })
}

/// `GET /readyz`: the store answers and the key set is loaded.
pub fn ready(state: &State, log: &RequestLog) -> Response<Body> {
    match state.store.ping() {
        Ok(()) if !state.keys().jwks_json().is_empty() => {
            respond::json(StatusCode::OK, &Status { status: "ready" })
        }
        Ok(()) => respond::problem(ErrorKind::Internal, "signing keys are not loaded"),
        Err(e) => {
            tracing::error!("readiness: {e} req={}", log.id());
            let mut resp = respond::problem(ErrorKind::Internal, "the store does not answer");
            *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            resp
        }
    }
}
