//! Liveness and readiness probes for systemd, load balancers and tests, and the
//! Prometheus metrics.

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

/// `GET /metrics`: the Prometheus text format; it takes an admin token unless
/// `[metrics] public = true`.
pub fn metrics(state: &State, authorization: Option<&str>, log: &RequestLog) -> Response<Body> {
    if !state.config.metrics_public {
        let token = authorization
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| crate::types::Secret::new(t.trim()));
        let admitted = match token {
            Some(t) => crate::admin::tokens::authenticate(&state.store, &t),
            None => Ok(None),
        };
        match admitted {
            Ok(Some(t)) if matches!(t.role, crate::types::Role::Tenants(_)) => {
                return respond::problem(
                    ErrorKind::Forbidden,
                    "a tenant admin token may not read /metrics",
                );
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                let mut resp =
                    respond::problem(ErrorKind::Unauthorized, "an admin token is required");
                respond::bearer_challenge(&mut resp, "latchkey metrics");
                return resp;
            }
            Err(e) => {
                tracing::error!("metrics: {e} req={}", log.id());
                return respond::problem(ErrorKind::Internal, "internal error");
            }
        }
    }
    let gauges = crate::metrics::Gauges {
        store_bytes: state.store.size_on_disk().unwrap_or_else(|e| {
            tracing::warn!("metrics: store size unknown: {e}");
            0
        }),
        live_sessions: state
            .store
            .count_live_sessions(state.clock.now())
            .inspect_err(|e| tracing::warn!("metrics: sessions not counted: {e}"))
            .ok(),
        certificate_expiry: state
            .certificate_expiry()
            .inspect_err(|e| tracing::warn!("metrics: certificate expiry unknown: {e}"))
            .ok()
            .flatten(),
        signing_key_ages: crate::admin::keys::active_key_ages(&state.store, state.clock.now())
            .unwrap_or_else(|e| {
                tracing::error!("metrics: signing key ages unknown: {e}");
                Vec::new()
            }),
        sign_ins: crate::audit::sign_ins().to_vec(),
    };
    respond::text(
        "text/plain; version=0.0.4; charset=utf-8",
        state.metrics.render(&gauges),
    )
}

/// `GET /readyz`: the store answers and the key set is loaded.
pub fn ready(state: &State, log: &RequestLog) -> Response<Body> {
    if crate::store::storage_fault() {
        return respond::problem(
            ErrorKind::StorageUnavailable,
            "the store cannot write; latchkey exits for a restart once the disk takes writes again",
        );
    }
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
