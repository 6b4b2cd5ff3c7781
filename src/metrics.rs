//! Counters and latency histograms for `GET /metrics`, rendered in the Prometheus text
//! exposition format. Labels are fixed names (routes, grants, outcomes), never values
//! from a request, so the series stay few and no secret can become a label.

mod process;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds; the last covers an IdP call that
/// runs into the longest introspection timeout (30 s).
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 10.0, 30.0,
];

/// A latency histogram: a count per bucket (not cumulative), the sum and the count.
#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i] += 1;
        }
        self.sum += secs;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, label: &str, value: &str) {
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(self.buckets) {
            cumulative += n;
            let _ = writeln!(
                out,
                "{name}_bucket{{{label}=\"{value}\",le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{label}=\"{value}\",le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "{name}_sum{{{label}=\"{value}\"}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{label}=\"{value}\"}} {}", self.count);
    }
}

#[derive(Default)]
struct Series {
    requests: BTreeMap<(&'static str, u16), u64>,
    latency: BTreeMap<&'static str, Histogram>,
    tokens: BTreeMap<&'static str, u64>,
    exchanges: BTreeMap<&'static str, u64>,
    idp_calls: BTreeMap<&'static str, Histogram>,
    connections_refused: u64,
    last_backup: Option<u64>,
    backup_failures: u64,
}

/// What a scrape reads of the appliance's state, beside the counters.
#[derive(Debug, Default)]
pub struct Gauges {
    /// The store's size on disk.
    pub store_bytes: u64,
    /// Live SSO sessions, when they could be counted.
    pub live_sessions: Option<usize>,
    /// When the served TLS certificate expires, when there is one.
    pub certificate_expiry: Option<u64>,
    /// Seconds since each algorithm's active signing key was created.
    pub signing_key_ages: Vec<(&'static str, u64)>,
    /// Sign-ins since start by outcome.
    pub sign_ins: Vec<(&'static str, u64)>,
}

impl Gauges {
    fn render(&self, out: &mut String) {
        let mut gauge = |name: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        gauge(
            "latchkey_store_size_bytes",
            "The store's size on disk.",
            self.store_bytes.to_string(),
        );
        if let Some(n) = self.live_sessions {
            gauge("latchkey_sso_sessions", "Live SSO sessions.", n.to_string());
        }
        if let Some(at) = self.certificate_expiry {
            gauge(
                "latchkey_tls_certificate_expiry_seconds",
                "When the served TLS certificate expires, in Unix seconds.",
                at.to_string(),
            );
        }
        out.push_str("# HELP latchkey_signing_key_age_seconds Age of the active signing key, by algorithm.\n# TYPE latchkey_signing_key_age_seconds gauge\n");
        for (alg, age) in &self.signing_key_ages {
            let _ = writeln!(
                out,
                "latchkey_signing_key_age_seconds{{alg=\"{alg}\"}} {age}"
            );
        }
        out.push_str("# HELP latchkey_sign_ins_total Sign-in steps since start, by outcome.\n# TYPE latchkey_sign_ins_total counter\n");
        for (outcome, n) in &self.sign_ins {
            let _ = writeln!(out, "latchkey_sign_ins_total{{outcome=\"{outcome}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP latchkey_build_info The running build.\n# TYPE latchkey_build_info gauge\nlatchkey_build_info{{version=\"{}\",commit=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION"),
            env!("BUILD_GIT_COMMIT")
        );
    }
}

/// The appliance's metrics.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<Series>,
}

impl Metrics {
    fn with(&self, f: impl FnOnce(&mut Series)) {
        match self.series.lock() {
            Ok(mut s) => f(&mut s),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// A request answered on `route` with `status` after `secs`.
    pub fn request(&self, route: &'static str, status: u16, secs: f64) {
        self.with(|s| {
            *s.requests.entry((route, status)).or_default() += 1;
            s.latency.entry(route).or_default().observe(secs);
        });
    }

    /// Tokens issued by `grant` (a grant type, `implicit`, or `exchange`).
    pub fn token_issued(&self, grant: &'static str) {
        self.with(|s| *s.tokens.entry(grant).or_default() += 1);
    }

    /// A token exchange that ended with `outcome` (`ok` or a failure reason).
    pub fn exchange(&self, outcome: &'static str) {
        self.with(|s| *s.exchanges.entry(outcome).or_default() += 1);
    }

    /// A call to an IdP of `kind` (`introspection`, `upstream`) that took `secs`.
    pub fn idp_call(&self, kind: &'static str, secs: f64) {
        self.with(|s| s.idp_calls.entry(kind).or_default().observe(secs));
    }

    /// A connection refused because `[limits] max_connections` were open, or
    /// `max_connections_per_address` from its address.
    pub fn connection_refused(&self) {
        self.with(|s| s.connections_refused += 1);
    }

    /// A backup (scheduled, or taken through the API) written at `at`, or found on disk
    /// at start.
    pub fn backup_written(&self, at: u64) {
        self.with(|s| s.last_backup = s.last_backup.max(Some(at)));
    }

    /// When the last backup was written, if one was since start (or found at start).
    pub fn last_backup(&self) -> Option<u64> {
        let mut last = None;
        self.with(|s| last = s.last_backup);
        last
    }

    /// A scheduled backup that failed.
    pub fn backup_failed(&self) {
        self.with(|s| s.backup_failures += 1);
    }

    /// The text exposition, with the gauges read at scrape time and the process series.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        self.with(|s| {
            out.push_str(
                "# HELP latchkey_http_requests_total Requests answered, by route and status.\n",
            );
            out.push_str("# TYPE latchkey_http_requests_total counter\n");
            for ((route, status), n) in &s.requests {
                let _ = writeln!(
                    out,
                    "latchkey_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
            out.push_str(
                "# HELP latchkey_http_request_duration_seconds Time to answer, by route.\n",
            );
            out.push_str("# TYPE latchkey_http_request_duration_seconds histogram\n");
            for (route, h) in &s.latency {
                h.render(
                    &mut out,
                    "latchkey_http_request_duration_seconds",
                    "route",
                    route,
                );
            }
            out.push_str(
                "# HELP latchkey_rate_limited_total Requests refused with 429, by route.\n",
            );
            out.push_str("# TYPE latchkey_rate_limited_total counter\n");
            for ((route, _), n) in s.requests.iter().filter(|((_, st), _)| *st == 429) {
                let _ = writeln!(out, "latchkey_rate_limited_total{{route=\"{route}\"}} {n}");
            }
            out.push_str("# HELP latchkey_tokens_issued_total Token responses issued, by grant.\n");
            out.push_str("# TYPE latchkey_tokens_issued_total counter\n");
            for (grant, n) in &s.tokens {
                let _ = writeln!(out, "latchkey_tokens_issued_total{{grant=\"{grant}\"}} {n}");
            }
            out.push_str("# HELP latchkey_exchanges_total Token exchanges, by outcome.\n");
            out.push_str("# TYPE latchkey_exchanges_total counter\n");
            for (outcome, n) in &s.exchanges {
                let _ = writeln!(out, "latchkey_exchanges_total{{outcome=\"{outcome}\"}} {n}");
            }
            out.push_str(
                "# HELP latchkey_idp_call_duration_seconds Calls to identity providers, by kind.\n",
            );
            out.push_str("# TYPE latchkey_idp_call_duration_seconds histogram\n");
            for (kind, h) in &s.idp_calls {
                h.render(&mut out, "latchkey_idp_call_duration_seconds", "kind", kind);
            }
            out.push_str(
                "# HELP latchkey_connections_refused_total Connections refused at [limits] max_connections.\n",
            );
            out.push_str("# TYPE latchkey_connections_refused_total counter\n");
            let _ = writeln!(
                out,
                "latchkey_connections_refused_total {}",
                s.connections_refused
            );
            out.push_str(
                "# HELP latchkey_last_backup_timestamp_seconds When the last backup was written, in Unix seconds (0: none since start).\n",
            );
            out.push_str("# TYPE latchkey_last_backup_timestamp_seconds gauge\n");
            let _ = writeln!(
                out,
                "latchkey_last_backup_timestamp_seconds {}",
                s.last_backup.unwrap_or(0)
            );
            out.push_str(
                "# HELP latchkey_backup_failures_total Scheduled backups that failed.\n",
            );
            out.push_str("# TYPE latchkey_backup_failures_total counter\n");
            let _ = writeln!(out, "latchkey_backup_failures_total {}", s.backup_failures);
        });
        gauges.render(&mut out);
        process::render(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_histograms() {
        let m = Metrics::default();
        m.request("token", 200, 0.002);
        m.request("token", 200, 0.3);
        m.request("token", 429, 0.0001);
        m.token_issued("client_credentials");
        m.exchange("idp_timeout");
        m.connection_refused();
        let text = m.render(&Gauges {
            store_bytes: 4096,
            live_sessions: Some(3),
            certificate_expiry: Some(1_900_000_000),
            signing_key_ages: vec![("ES256", 86_400)],
            sign_ins: vec![("success", 2), ("failure", 1)],
        });
        assert!(text.contains("latchkey_http_requests_total{route=\"token\",status=\"200\"} 2"));
        assert!(text.contains("latchkey_rate_limited_total{route=\"token\"} 1"));
        assert!(text.contains(
            "latchkey_http_request_duration_seconds_bucket{route=\"token\",le=\"0.001\"} 1"
        ));
        assert!(text.contains(
            "latchkey_http_request_duration_seconds_bucket{route=\"token\",le=\"0.0025\"} 2"
        ));
        assert!(text.contains(
            "latchkey_http_request_duration_seconds_bucket{route=\"token\",le=\"+Inf\"} 3"
        ));
        assert!(text.contains("latchkey_http_request_duration_seconds_count{route=\"token\"} 3"));
        assert!(text.contains("latchkey_tokens_issued_total{grant=\"client_credentials\"} 1"));
        assert!(text.contains("latchkey_exchanges_total{outcome=\"idp_timeout\"} 1"));
        assert!(text.contains("latchkey_store_size_bytes 4096"));
        assert!(text.contains("latchkey_connections_refused_total 1"));
        assert!(text.contains("latchkey_sso_sessions 3"));
        assert!(text.contains("latchkey_signing_key_age_seconds{alg=\"ES256\"} 86400"));
        assert!(text.contains("latchkey_sign_ins_total{outcome=\"failure\"} 1"));
        assert!(text.contains("latchkey_last_backup_timestamp_seconds 0"));
        assert!(text.contains("latchkey_tls_certificate_expiry_seconds 1900000000"));
        assert!(text.contains(&format!(
            "latchkey_build_info{{version=\"{}\",commit=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION"),
            env!("BUILD_GIT_COMMIT")
        )));
        assert!(text.contains("\nprocess_resident_memory_bytes "));
        assert!(text.contains("\nprocess_open_fds "));
    }
}
