//! One log line per request: method, path without the query string, status, duration.
//! The query is never logged: it can carry codes, tokens and hints.

use hyper::{Method, StatusCode};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// What is remembered of a request until its answer is logged.
pub struct RequestLog {
    id: u64,
    method: Method,
    path: String,
    started: Instant,
    structured: bool,
}

impl RequestLog {
    /// Starts timing a request; `structured` logs its line as fields (JSON logs).
    pub fn start(method: &Method, path: &str, structured: bool) -> Self {
        RequestLog {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            method: method.clone(),
            path: path.to_owned(),
            started: Instant::now(),
            structured,
        }
    }

    /// The request id, for keying internal error details in the log.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Seconds since the request started.
    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Writes the request's line.
    pub fn finish(self, status: StatusCode) {
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        if self.structured {
            tracing::info!(
                method = %self.method,
                path = %self.path,
                status = status.as_u16(),
                ms,
                req = self.id,
                "request"
            );
            return;
        }
        tracing::info!(
            "{} {} {} {ms:.1}ms req={}",
            self.method,
            self.path,
            status.as_u16(),
            self.id
        );
    }
}
