//! Dispatch from a resolved route to its handler, with the request logged once.

mod account;
mod admin_api;
mod admin_ui;
mod branding;
mod browser;
mod health;
mod oauth_api;
mod oidc;
mod pages;
mod password_change;
mod recover;
mod scim;
mod second_factor;
mod sso_v2;

use super::log::RequestLog;
use super::respond::{self, Body};
use super::router::{self, Resolved, Route};
use crate::state::State;
use crate::types::ErrorKind;
use hyper::body::Incoming;
use hyper::header::{ALLOW, COOKIE, HeaderValue};
use hyper::{Request, Response};
use std::net::IpAddr;

/// `Retry-After` while the store cannot write: a restart follows the disk's recovery.
const STORAGE_RETRY_SECS: u64 = 5;

pub use admin_ui::Sessions as AdminSessions;

/// Answers one request; `admin_sessions` are the admin UI's, kept by the server.
pub async fn handle(
    state: &State,
    admin_sessions: &AdminSessions,
    mut req: Request<Incoming>,
    peer: IpAddr,
) -> Response<Body> {
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let joined = (!forwarded.is_empty()).then(|| forwarded.join(","));
    let from_proxy = state
        .config
        .trusted_proxies
        .iter()
        .any(|p| p.contains(peer));
    let peer = crate::http::client_addr::client_address(
        &state.config.trusted_proxies,
        peer,
        joined.as_deref(),
    );
    let path = req.uri().path().to_owned();
    let resolved = router::resolve(req.method(), &path);
    let forwarded_id = from_proxy
        .then(|| req.headers().get("x-request-id"))
        .flatten()
        .and_then(|v| v.to_str().ok());
    let log = RequestLog::start(
        req.method(),
        resolved.logged_path(&path),
        peer,
        forwarded_id,
        state.config.log_json,
    );
    let label = resolved.label();
    let sent_a_body_on_http1 = req.version() <= hyper::Version::HTTP_11
        && (req.headers().contains_key(hyper::header::TRANSFER_ENCODING)
            || req
                .headers()
                .get(hyper::header::CONTENT_LENGTH)
                .is_some_and(|v| v.as_bytes() != b"0"));
    req.extensions_mut()
        .insert(crate::http::body::Limit(resolved.body_limit()));
    let mut resp = if crate::store::storage_fault() && !resolved.is_probe() {
        // sled still holds the write that failed in memory: nothing is served from it.
        let mut resp = respond::problem(
            ErrorKind::StorageUnavailable,
            "the store cannot write at the moment; retry later",
        );
        respond::retry_after(&mut resp, STORAGE_RETRY_SECS);
        resp
    } else {
        route(state, admin_sessions, req, resolved, peer, &log).await
    };
    // Every answer over TLS, not only the admin pages: a browser that once reached the
    // appliance by HTTPS must never be talked into plain HTTP for any of its paths.
    if state.config.tls != crate::config::TlsMode::Off {
        respond::hsts(&mut resp);
    }
    // A refusal may leave the request's body unread, and hyper then ends the connection
    // after the answer: saying so keeps a client from sending its next request on a
    // connection that is closing (it saw "peer disconnected" instead of an answer).
    if sent_a_body_on_http1 && (resp.status().is_client_error() || resp.status().is_server_error())
    {
        resp.headers_mut().insert(
            hyper::header::CONNECTION,
            hyper::header::HeaderValue::from_static("close"),
        );
    }
    if let Ok(id) = hyper::header::HeaderValue::from_str(log.id()) {
        resp.headers_mut().insert("x-request-id", id);
    }
    state
        .metrics
        .request(label, resp.status().as_u16(), log.elapsed_secs());
    log.finish(resp.status());
    resp
}

async fn route(
    state: &State,
    admin_sessions: &AdminSessions,
    req: Request<Incoming>,
    resolved: Resolved<'_>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    match resolved {
        Resolved::Route(Route::Admin(r)) => admin_api::handle(state, r, req, log).await,
        Resolved::Route(Route::Scim { tenant, rest }) => {
            scim::handle(state, tenant, &rest, req, peer, log).await
        }
        Resolved::Route(Route::Healthz) => health::alive(),
        Resolved::Route(Route::Metrics) => {
            let auth = req
                .headers()
                .get(hyper::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            health::metrics(state, auth, log)
        }
        Resolved::Route(Route::Readyz) => health::ready(state, log),
        Resolved::Route(Route::Discovery { tenant }) => oidc::discovery(state, tenant, log),
        Resolved::Route(Route::Jwks { tenant }) => oidc::jwks(state, tenant, log),
        Resolved::Route(Route::Authorize { tenant }) => {
            browser::authorize(state, tenant, req, peer, log).await
        }
        Resolved::Route(Route::Login { tenant }) => {
            browser::login(state, tenant, req, peer, log).await
        }
        Resolved::Route(Route::SecondFactor { tenant }) => {
            second_factor::page(state, tenant, req, peer, log).await
        }
        Resolved::Route(Route::PasswordChange { tenant }) => {
            password_change::page(state, tenant, req, peer, log).await
        }
        Resolved::Route(Route::Account { tenant }) => {
            account::page(state, tenant, req, peer, log).await
        }
        Resolved::Route(Route::Recover { tenant }) => {
            recover::page(state, tenant, req, peer, log).await
        }
        Resolved::Route(Route::Logout { tenant }) => browser::logout(state, tenant, req, log).await,
        Resolved::Route(Route::Consent { tenant }) => {
            browser::consent(state, tenant, req, log).await
        }
        Resolved::Route(Route::BrandingLogo { tenant }) => branding::logo(state, tenant, &req, log),
        Resolved::Route(Route::BrandingCss { tenant }) => branding::css(state, tenant, &req, log),
        Resolved::Route(Route::Stylesheet) => browser::stylesheet(),
        Resolved::Route(Route::FormPostScript) => respond::script(crate::ui::FORM_POST_SCRIPT),
        Resolved::Route(Route::AdminScript) => respond::script(crate::ui::ADMIN_SCRIPT),
        Resolved::Route(Route::WebauthnScript) => respond::script(crate::ui::WEBAUTHN_SCRIPT),
        Resolved::Route(Route::Token { tenant }) => {
            oauth_api::token(state, tenant, req, peer, log).await
        }
        Resolved::Route(Route::Par { tenant }) => {
            oauth_api::par(state, tenant, req, peer, log).await
        }
        Resolved::Route(Route::Introspect { tenant }) => {
            oauth_api::introspect(state, tenant, req, peer, log).await
        }
        Resolved::Route(Route::Revoke { tenant }) => {
            oauth_api::revoke(state, tenant, req, peer, log).await
        }
        Resolved::Route(Route::AdminUi | Route::AdminUpload) => {
            admin_ui::handle(state, admin_sessions, req, peer, log).await
        }
        Resolved::Route(Route::BrokerCallback) => browser::callback(state, req, log).await,
        Resolved::Route(Route::SsoExchange) => sso_v2::exchange_token(state, req, peer, log).await,
        Resolved::Route(Route::SsoRefresh) => sso_v2::refresh_token(state, req, peer, log).await,
        Resolved::Route(Route::Userinfo { tenant }) => {
            oauth_api::userinfo(state, tenant, req, log).await
        }
        Resolved::Route(Route::Preflight { tenant, cors }) => {
            oauth_api::preflight(state, tenant, cors, &req, log)
        }
        Resolved::MethodNotAllowed(allow) => unmatched(state, &req, log, || {
            let mut resp = respond::problem(
                ErrorKind::MethodNotAllowed,
                "method not allowed on this path",
            );
            if let Ok(v) = HeaderValue::from_str(&allow) {
                resp.headers_mut().insert(ALLOW, v);
            }
            resp
        }),
        Resolved::NotFound => unmatched(state, &req, log, || {
            respond::problem(ErrorKind::NotFound, "no such endpoint")
        }),
    }
}

/// Answers a request no route takes. Under `/v2/admin` a caller without a valid admin
/// token gets 401 first, as on the known paths, so probing cannot map the API.
fn unmatched(
    state: &State,
    req: &Request<Incoming>,
    log: &RequestLog,
    answer: impl FnOnce() -> Response<Body>,
) -> Response<Body> {
    if router::under_admin_api(req.uri().path())
        && let Some(refused) = admin_api::unauthenticated(state, req, log)
    {
        return refused;
    }
    answer()
}

/// The value of cookie `name`, if the request carries it.
pub(super) fn cookie(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}
