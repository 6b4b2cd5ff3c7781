//! Calls from latchkey to other servers (a tenant's introspection endpoint, an upstream
//! OpenID provider, a client's back-channel logout URI): ureq over rustls, HTTPS only,
//! no redirects followed, each host resolved once and called at that address; run on
//! tokio's blocking threads so that a slow server never holds an async worker, and
//! bounded so that many slow calls cannot pile up: past the limit a call fails at once
//! with [`OutboundError::Busy`].
#![allow(
    clippy::disallowed_types,
    reason = "this module is the one place that owns ureq agents"
)]

use rustls::pki_types::CertificateDer;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{Connector, DefaultConnector, NextTimeout, TcpConnector};

pub mod destinations;
mod pinned;

pub use destinations::Destinations;

/// The most of a response body latchkey reads; a larger answer is an error (SPEC
/// "Outbound destinations": 256 KiB).
pub const MAX_BODY: u64 = 256 * 1024;

/// The largest response head latchkey reads: as large as our own `max_header_bytes`
/// default.
const MAX_HEAD: usize = 16 * 1024;

/// The size of each of a connection's read and write buffers (TCP and TLS each have a
/// pair). ureq's 128 KiB default kept half a MiB per pooled connection, 14 MiB under an
/// exchange load, for answers of a few hundred bytes. The read buffer holds more than
/// [`MAX_HEAD`] so that a longer head is reported as such, not as a stalled read.
const BUFFER_BYTES: usize = MAX_HEAD + 4 * 1024;

/// Where the system's trusted roots are, first match wins (Debian, RHEL, Alpine/BSD).
const SYSTEM_BUNDLES: [&str; 3] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// Why an outbound call produced no answer.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// Too many calls are already in flight.
    #[error("too many outbound calls are in flight")]
    Busy,
    /// No complete answer within the timeout.
    #[error("no answer within {0} ms")]
    Timeout(u128),
    /// The TLS handshake failed, usually an untrusted certificate.
    #[error("the TLS handshake failed: {0}")]
    Tls(String),
    /// The server could not be reached or broke the connection.
    #[error("the server could not be reached: {0}")]
    Unreachable(String),
    /// The answer's body is larger than [`MAX_BODY`].
    #[error("the answer is larger than {MAX_BODY} bytes")]
    TooLarge,
    /// The answer's status line and headers are longer than [`MAX_HEAD`].
    #[error("the answer's head is larger than {MAX_HEAD} bytes")]
    HeadTooLarge,
    /// A `ca_pem` holds no usable certificate.
    #[error("the configured CA PEM holds no certificate")]
    BadCa,
    /// The host of a URL a tenant admin set resolved to an address it may not reach.
    #[error("{0}")]
    Refused(String),
}

/// An answer, whatever its status.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The media type, lower-cased, without parameters.
    pub media_type: String,
    /// The body, at most [`MAX_BODY`] bytes.
    pub body: Vec<u8>,
}

/// Whom a call goes to: the connection pool to use and how to trust and wait for it.
#[derive(Debug)]
pub struct Peer<'a> {
    /// Names the pool of kept-alive connections, e.g. `introspection:{tenant uid}`.
    pub pool: String,
    /// Certificates trusted in addition to the system's roots.
    pub ca_pem: Option<&'a str>,
    /// Connect timeout, and the limit for the whole call.
    pub timeout: Duration,
    /// The URL was set by a tenant admin, so it may reach only what
    /// [`Destinations`] allows.
    pub restricted: bool,
}

/// A pooled agent and the settings it was built for.
struct Pooled {
    ca_pem: Option<String>,
    timeout: Duration,
    restricted: bool,
    agent: ureq::Agent,
}

/// The outbound HTTP client of the appliance.
pub struct Outbound {
    permits: Arc<Semaphore>,
    /// Also the kept-alive connections per IdP: every call that may run at once finds
    /// a warm connection instead of paying a TLS handshake.
    max_in_flight: usize,
    metrics: Arc<crate::metrics::Metrics>,
    system_roots: Arc<Vec<Certificate<'static>>>,
    pools: Mutex<HashMap<String, Pooled>>,
    destinations: Arc<Destinations>,
}

impl Outbound {
    /// A client allowing `max_in_flight` calls at once, trusting the system's roots,
    /// `SSL_CERT_FILE` and `ca_pem` (`[outbound] ca_file`); each call's duration goes to
    /// `metrics`; calls of restricted peers reach only what `destinations` allows.
    pub fn new(
        max_in_flight: usize,
        ca_pem: Option<&str>,
        metrics: Arc<crate::metrics::Metrics>,
        destinations: Arc<Destinations>,
    ) -> Self {
        let system_roots = SYSTEM_BUNDLES
            .iter()
            .find_map(|path| match std::fs::read(path) {
                Ok(pem) => Some(pem),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    tracing::warn!("cannot read the system CA bundle {path}: {e}");
                    None
                }
            })
            .map(|pem| certificates(&pem))
            .unwrap_or_default();
        let mut system_roots = system_roots;
        system_roots.extend(named_by_env());
        system_roots.extend(
            ca_pem
                .map(|p| certificates(p.as_bytes()))
                .unwrap_or_default(),
        );
        if system_roots.is_empty() {
            tracing::warn!(
                "no system CA bundle found; outbound TLS trusts only the bundled Mozilla roots and configured ca_pem"
            );
        }
        Outbound {
            permits: Arc::new(Semaphore::new(max_in_flight)),
            max_in_flight,
            metrics,
            system_roots: Arc::new(system_roots),
            pools: Mutex::new(HashMap::new()),
            destinations,
        }
    }

    /// POSTs `fields` as `application/x-www-form-urlencoded` to `url`, asking for JSON,
    /// with `authorization` as the `Authorization` header when given. Redirects are not
    /// followed: a 3xx comes back as the reply.
    pub async fn post_form(
        &self,
        peer: &Peer<'_>,
        url: &str,
        fields: &[(&str, &str)],
        authorization: Option<&str>,
    ) -> Result<Reply, OutboundError> {
        self.run(peer, form_post(url, fields, authorization), read_reply)
            .await
    }

    /// [`Outbound::post_form`] for a caller that needs only the status: the answer's
    /// body is read and dropped, and one that is too large or too slow does not change
    /// what the status said (a receiver that acknowledged did receive).
    pub async fn post_form_for_status(
        &self,
        peer: &Peer<'_>,
        url: &str,
        fields: &[(&str, &str)],
    ) -> Result<u16, OutboundError> {
        self.run(peer, form_post(url, fields, None), read_status)
            .await
    }

    /// GETs `url`, asking for JSON, with `authorization` when given.
    pub async fn get(
        &self,
        peer: &Peer<'_>,
        url: &str,
        authorization: Option<&str>,
    ) -> Result<Reply, OutboundError> {
        let (url, authorization) = (url.to_owned(), authorization.map(str::to_owned));
        let call = move |agent: &ureq::Agent| {
            let mut request = agent.get(&url).header("Accept", "application/json");
            if let Some(a) = &authorization {
                request = request.header("Authorization", a);
            }
            request.call()
        };
        self.run(peer, call, read_reply).await
    }

    /// Runs `call` with the pool's agent on a blocking thread, holding a permit, and
    /// reads its answer with `read`.
    async fn run<T: Send + 'static>(
        &self,
        peer: &Peer<'_>,
        call: impl FnOnce(&ureq::Agent) -> UreqAnswer + Send + 'static,
        read: fn(UreqAnswer, Duration) -> Result<T, OutboundError>,
    ) -> Result<T, OutboundError> {
        let permit = Arc::clone(&self.permits)
            .try_acquire_owned()
            .map_err(|_| OutboundError::Busy)?;
        let agent = self.agent(peer)?;
        let timeout = peer.timeout;
        let kind = match peer.pool.split(':').next() {
            Some("introspection") => "introspection",
            Some("upstream") => "upstream",
            _ => "other",
        };
        let started = std::time::Instant::now();
        let reply = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            read(call(&agent), timeout)
        })
        .await
        .map_err(|_| OutboundError::Unreachable("the call was cancelled".into()))?;
        self.metrics.idp_call(kind, started.elapsed().as_secs_f64());
        reply
    }

    /// The agent of `peer.pool`, rebuilt when its trust or timeout changed.
    fn agent(&self, peer: &Peer<'_>) -> Result<ureq::Agent, OutboundError> {
        let mut pools = match self.pools.lock() {
            Ok(p) => p,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(p) = pools.get(&peer.pool)
            && p.ca_pem.as_deref() == peer.ca_pem
            && p.timeout == peer.timeout
            && p.restricted == peer.restricted
        {
            return Ok(p.agent.clone());
        }
        let agent = self.build_agent(peer)?;
        pools.insert(
            peer.pool.clone(),
            Pooled {
                ca_pem: peer.ca_pem.map(str::to_owned),
                timeout: peer.timeout,
                restricted: peer.restricted,
                agent: agent.clone(),
            },
        );
        Ok(agent)
    }

    fn build_agent(&self, peer: &Peer<'_>) -> Result<ureq::Agent, OutboundError> {
        let Some(pem) = peer.ca_pem else {
            let roots = match self.system_roots.is_empty() {
                true => RootCerts::WebPki,
                false => RootCerts::new_with_certs(&self.system_roots),
            };
            let connector = DefaultConnector::default();
            return Ok(ureq::Agent::with_parts(
                self.agent_config(peer, roots),
                connector,
                self.resolver(peer),
            ));
        };
        let extra = certificates(pem.as_bytes());
        if extra.is_empty() {
            return Err(OutboundError::BadCa);
        }
        let der = |c: &Certificate<'static>| CertificateDer::from(c.der().to_vec());
        let roots: Vec<_> = self.system_roots.iter().chain(&extra).map(der).collect();
        let tls = pinned::client_config(&roots, extra.iter().map(der).collect())
            .map_err(|e| OutboundError::Tls(pinned::describe(&e)))?;
        let connector = ().chain(TcpConnector::default()).chain(pinned::PinnedTls(tls));
        Ok(ureq::Agent::with_parts(
            self.agent_config(peer, RootCerts::new_with_certs(&extra)),
            connector,
            self.resolver(peer),
        ))
    }

    /// The resolver of `peer`'s agent: the first address only, checked against the
    /// destination policy when a tenant admin set the URL.
    fn resolver(&self, peer: &Peer<'_>) -> FirstAddress {
        FirstAddress {
            inner: DefaultResolver::default(),
            guard: peer.restricted.then(|| Arc::clone(&self.destinations)),
        }
    }

    /// The agent settings every pool shares; `roots` serve ureq's own TLS connector.
    fn agent_config(&self, peer: &Peer<'_>, roots: RootCerts) -> ureq::config::Config {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(roots)
            .build();
        ureq::Agent::config_builder()
            .tls_config(tls)
            .https_only(true)
            // ureq would otherwise take a proxy from the environment, which would
            // resolve and reach the host itself, past the destination check.
            .proxy(None)
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(peer.timeout))
            .timeout_global(Some(peer.timeout))
            .max_idle_connections(self.max_in_flight)
            .max_idle_connections_per_host(self.max_in_flight)
            .input_buffer_size(BUFFER_BYTES)
            .output_buffer_size(BUFFER_BYTES)
            .max_response_header_size(MAX_HEAD)
            .user_agent(concat!("latchkey/", env!("CARGO_PKG_VERSION")))
            .build()
    }
}

/// Resolves a host once and keeps only its first address, so the connection goes to
/// the address that was resolved and nowhere else (SPEC "Outbound destinations"): a
/// name that resolves differently a moment later cannot move the call, and the address
/// checked against the policy is the one called.
#[derive(Debug)]
struct FirstAddress<R = DefaultResolver> {
    inner: R,
    guard: Option<Arc<Destinations>>,
}

/// The address a restricted call resolved to and may not reach; carried through
/// ureq's I/O error so [`classify`] can name it.
#[derive(Debug, thiserror::Error)]
#[error("the host resolved to {ip}, {why}, which a URL set by a tenant admin may not reach")]
struct RefusedAddress {
    ip: std::net::IpAddr,
    why: &'static str,
}

impl<R: Resolver> Resolver for FirstAddress<R> {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let mut addresses = self.inner.resolve(uri, config, timeout)?;
        addresses.truncate(1);
        if let (Some(guard), Some(first)) = (&self.guard, addresses.first()) {
            let ip = first.ip();
            if let Some(why) = guard.refusal(ip) {
                return Err(ureq::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    RefusedAddress { ip, why },
                )));
            }
        }
        Ok(addresses)
    }
}

/// The certificates of the PEM file named by `SSL_CERT_FILE`, which outbound calls
/// trust in addition to the system's (SPEC "Outbound trust").
fn named_by_env() -> Vec<Certificate<'static>> {
    let Some(path) = std::env::var_os("SSL_CERT_FILE") else {
        return Vec::new();
    };
    match std::fs::read(&path) {
        Ok(pem) => {
            let certs = certificates(&pem);
            if certs.is_empty() {
                tracing::warn!("SSL_CERT_FILE {} holds no certificate", path.display());
            }
            certs
        }
        Err(e) => {
            tracing::warn!("cannot read SSL_CERT_FILE {}: {e}", path.display());
            Vec::new()
        }
    }
}

/// The certificates in a PEM text, as a tenant's `ca_pem` is trusted; other items are
/// skipped.
pub fn certificates(pem: &[u8]) -> Vec<Certificate<'static>> {
    ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect()
}

/// What ureq answers a call with.
type UreqAnswer = Result<ureq::http::Response<ureq::Body>, ureq::Error>;

/// A form POST of `fields` to `url`, asking for JSON, with `authorization` when given.
fn form_post(
    url: &str,
    fields: &[(&str, &str)],
    authorization: Option<&str>,
) -> impl FnOnce(&ureq::Agent) -> UreqAnswer + Send + 'static {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let (url, authorization) = (url.to_owned(), authorization.map(str::to_owned));
    move |agent| {
        let mut request = agent
            .post(&url)
            .header("Accept", "application/json")
            .content_type("application/x-www-form-urlencoded");
        if let Some(a) = &authorization {
            request = request.header("Authorization", a);
        }
        request.send(body.as_str())
    }
}

/// The status of an answer; its body, up to [`MAX_BODY`], is read so the connection
/// can be kept, and whatever goes wrong reading it is ignored.
fn read_status(response: UreqAnswer, timeout: Duration) -> Result<u16, OutboundError> {
    let mut response = response.map_err(|e| classify(e, timeout))?;
    let status = response.status().as_u16();
    let _ignored = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec();
    Ok(status)
}

fn read_reply(response: UreqAnswer, timeout: Duration) -> Result<Reply, OutboundError> {
    let mut response = response.map_err(|e| classify(e, timeout))?;
    let media_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| classify(e, timeout))?;
    Ok(Reply {
        status: response.status().as_u16(),
        media_type,
        body,
    })
}

/// Sorts a ureq error into what the caller must tell apart.
fn classify(e: ureq::Error, timeout: Duration) -> OutboundError {
    match e {
        ureq::Error::Timeout(_) => OutboundError::Timeout(timeout.as_millis()),
        ureq::Error::BodyExceedsLimit(_) => OutboundError::TooLarge,
        ureq::Error::LargeResponseHeader(..) => OutboundError::HeadTooLarge,
        ureq::Error::Tls(why) => OutboundError::Tls(why.to_owned()),
        ureq::Error::Rustls(e) => OutboundError::Tls(pinned::describe(&e)),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            OutboundError::Timeout(timeout.as_millis())
        }
        ureq::Error::Io(io) => {
            let inner = io.get_ref();
            if let Some(refused) = inner.and_then(|i| i.downcast_ref::<RefusedAddress>()) {
                OutboundError::Refused(refused.to_string())
            } else if let Some(tls) = inner.and_then(|i| i.downcast_ref::<rustls::Error>()) {
                OutboundError::Tls(pinned::describe(tls))
            } else {
                OutboundError::Unreachable(io.to_string())
            }
        }
        other => OutboundError::Unreachable(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resolver that finds three addresses for any name.
    #[derive(Debug)]
    struct Three;

    impl Resolver for Three {
        fn resolve(
            &self,
            _: &ureq::http::Uri,
            _: &ureq::config::Config,
            _: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            let mut found = self.empty();
            for a in ["192.0.2.1:443", "[2001:db8::1]:443", "192.0.2.2:443"] {
                found.push(a.parse().unwrap());
            }
            Ok(found)
        }
    }

    #[test]
    fn only_the_first_address_found_is_called() {
        let config = ureq::config::Config::default();
        let uri = "https://rp.example/bcl".parse().unwrap();
        let kept = FirstAddress {
            inner: Three,
            guard: None,
        }
        .resolve(&uri, &config, NextTimeout::default())
        .unwrap();
        assert_eq!(&kept[..], &["192.0.2.1:443".parse().unwrap()]);
        let literal = FirstAddress {
            inner: DefaultResolver::default(),
            guard: None,
        }
        .resolve(
            &"https://127.0.0.1:9/x".parse().unwrap(),
            &config,
            NextTimeout::default(),
        )
        .unwrap();
        assert_eq!(&literal[..], &["127.0.0.1:9".parse().unwrap()]);
    }

    #[test]
    fn a_restricted_call_is_refused_the_address_it_may_not_reach() {
        let config = ureq::config::Config::default();
        let guard = Some(Arc::new(Destinations::new(
            Vec::new(),
            "0.0.0.0".parse().unwrap(),
        )));
        let public = FirstAddress {
            inner: Three,
            guard: guard.clone(),
        }
        .resolve(
            &"https://rp.example/bcl".parse().unwrap(),
            &config,
            NextTimeout::default(),
        )
        .unwrap();
        assert_eq!(&public[..], &["192.0.2.1:443".parse().unwrap()]);
        let refused = FirstAddress {
            inner: DefaultResolver::default(),
            guard,
        }
        .resolve(
            &"https://127.0.0.1:9/x".parse().unwrap(),
            &config,
            NextTimeout::default(),
        )
        .unwrap_err();
        match classify(refused, Duration::from_secs(1)) {
            OutboundError::Refused(why) => {
                assert!(why.contains("127.0.0.1, a loopback address"), "{why}")
            }
            other => panic!("{other:?}"),
        }
    }
}
