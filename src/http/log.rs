//! One log line per request: method, path without the query string, status, duration,
//! the client address, the tenant and client when known, and the request id, which the
//! answer also carries as `X-Request-Id` and error pages show. The query is never
//! logged: it can carry codes, tokens and hints.

use crate::crypto::random;
use hyper::{Method, StatusCode};
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Instant;

/// The longest request id taken from a trusted proxy.
const MAX_ID_LEN: usize = 64;

/// What is remembered of a request until its answer is logged.
pub struct RequestLog {
    id: String,
    method: Method,
    path: String,
    client_addr: IpAddr,
    tenant: Option<String>,
    client: OnceLock<String>,
    started: Instant,
    structured: bool,
}

/// A request id a trusted proxy sent that latchkey keeps: `[A-Za-z0-9._-]{1,64}`.
fn acceptable_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A new request id: 64 random bits in hex.
fn new_id() -> String {
    match random::bytes::<8>() {
        Ok(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
        Err(_) => "unavailable".to_owned(),
    }
}

impl RequestLog {
    /// Starts timing a request from `client_addr` to `path` (logged form); `structured`
    /// logs its line as fields (JSON logs). `forwarded_id` is the `X-Request-Id` a
    /// trusted proxy sent, kept when it has the accepted form; else a new id is made.
    pub fn start(
        method: &Method,
        path: &str,
        client_addr: IpAddr,
        forwarded_id: Option<&str>,
        structured: bool,
    ) -> Self {
        let tenant = path
            .strip_prefix("/t/")
            .and_then(|rest| rest.split('/').next())
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        RequestLog {
            id: forwarded_id
                .filter(|id| acceptable_id(id))
                .map_or_else(new_id, str::to_owned),
            method: method.clone(),
            path: path.to_owned(),
            client_addr,
            tenant,
            client: OnceLock::new(),
            started: Instant::now(),
            structured,
        }
    }

    /// The request id: in the log line, the `X-Request-Id` answer header and error pages.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The tenant slug the path names (`/t/{tenant}/…`), not yet validated.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// Names the client the request came for, once it is known.
    pub fn set_client(&self, client_id: &str) {
        let _first_wins = self.client.set(client_id.to_owned());
    }

    /// Seconds since the request started.
    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Writes the request's line.
    pub fn finish(self, status: StatusCode) {
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let tenant = self.tenant.as_deref().unwrap_or("-");
        let client = self.client.get().map_or("-", String::as_str);
        if self.structured {
            tracing::info!(
                method = %self.method,
                path = %self.path,
                status = status.as_u16(),
                ms,
                req = %self.id,
                addr = %self.client_addr,
                tenant,
                client,
                "request"
            );
            return;
        }
        tracing::info!(
            "{} {} {} {ms:.1}ms req={} addr={} tenant={tenant} client={client}",
            self.method,
            self.path,
            status.as_u16(),
            self.id,
            self.client_addr,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forwarded_id_is_kept_only_in_the_accepted_form() {
        let addr: IpAddr = "192.0.2.7".parse().unwrap();
        let start = |id| RequestLog::start(&Method::GET, "/t/acme/jwks", addr, id, false);
        assert_eq!(start(Some("edge-42.a_b")).id(), "edge-42.a_b");
        let long = "x".repeat(65);
        for bad in ["", "has space", "quote\"", &long, "ünï"] {
            let made = start(Some(bad));
            assert_ne!(made.id(), bad);
            assert_eq!(made.id().len(), 16, "a new id instead");
        }
        let log = start(None);
        assert_eq!(log.tenant.as_deref(), Some("acme"));
        log.set_client("web");
        log.set_client("other");
        assert_eq!(log.client.get().map(String::as_str), Some("web"));
    }
}
