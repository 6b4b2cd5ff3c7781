//! A real HTTPS server standing in for a partner's identity provider: its own test CA
//! (handed to latchkey as `ca_pem`), a certificate for 127.0.0.1 signed by it, every
//! request recorded, and answers chosen by the test, including never answering.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, KeyUsagePurpose};
use serde_json::Value;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// One request as the IdP received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string.
    pub query: String,
    /// Header values by lower-case name.
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The body read as a form.
    pub fn form(&self) -> BTreeMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The query's pairs.
    pub fn query(&self) -> BTreeMap<String, String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }
}

/// How the IdP answers one request.
pub enum Answer {
    /// JSON with a status.
    Json(u16, Value),
    /// Any bytes with a status and content type.
    Raw(u16, &'static str, Vec<u8>),
    /// A 302 to this location.
    Redirect(String),
    /// No answer until [`TestIdp::release`] (then a 503).
    Hang,
    /// JSON 200 with an `x-padding` header of this many bytes, for a large response head.
    PaddedHead(usize, Value),
}

type Handler = Arc<dyn Fn(&Recorded) -> Answer + Send + Sync>;

struct Shared {
    requests: Mutex<Vec<Recorded>>,
    handler: Mutex<Handler>,
    release: watch::Sender<bool>,
}

/// A running test IdP; it stops when dropped.
pub struct TestIdp {
    /// `https://127.0.0.1:PORT`.
    pub base: String,
    /// The PEM of the CA that signed its certificate.
    pub ca_pem: String,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestIdp {
    /// Starts an IdP answering 404 to everything until [`TestIdp::answer`] is called.
    pub fn start() -> TestIdp {
        let (ca_pem, chain, key) = certificates();
        TestIdp::serving(ca_pem, chain, key)
    }

    /// Starts an IdP whose certificate is self-signed for `names`, valid from
    /// `not_before` to `not_after` (years), and made as a CA when `as_ca` (as
    /// `openssl req -x509` makes one); `ca_pem` is that certificate itself.
    pub fn start_self_signed(names: &[&str], as_ca: bool, years: (i32, i32)) -> TestIdp {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        if as_ca {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        params.not_before = rcgen::date_time_ymd(years.0, 1, 1);
        params.not_after = rcgen::date_time_ymd(years.1, 1, 1);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "partner IdP, self-signed");
        let cert = params.self_signed(&key).unwrap();
        let der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
        TestIdp::serving(cert.pem(), vec![cert.der().clone()], der)
    }

    fn serving(
        ca_pem: String,
        chain: Vec<rustls::pki_types::CertificateDer<'static>>,
        key: rustls::pki_types::PrivateKeyDer<'static>,
    ) -> TestIdp {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("https://{}", listener.local_addr().unwrap());
        let not_found: Handler = Arc::new(|_| Answer::Json(404, Value::Null));
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            handler: Mutex::new(not_found),
            release: watch::channel(false).0,
        });
        let accepting = Arc::clone(&shared);
        runtime.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, shared) = (acceptor.clone(), Arc::clone(&accepting));
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = service_fn(move |req| serve(Arc::clone(&shared), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        TestIdp {
            base,
            ca_pem,
            shared,
            runtime: Some(runtime),
        }
    }

    /// Answers every later request with `handler`.
    pub fn answer(&self, handler: impl Fn(&Recorded) -> Answer + Send + Sync + 'static) {
        *self.shared.handler.lock().unwrap() = Arc::new(handler);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` requests have arrived.
    pub fn wait_for_requests(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.requests().len() < n {
            assert!(
                Instant::now() < deadline,
                "the IdP saw {} requests, not {n}",
                self.requests().len()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Lets every hanging answer go.
    pub fn release(&self) {
        self.shared.release.send_replace(true);
    }
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        self.release();
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

async fn serve(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes().to_vec());
    let recorded = Recorded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: body.unwrap_or_default(),
    };
    shared.requests.lock().unwrap().push(recorded.clone());
    let handler = Arc::clone(&shared.handler.lock().unwrap());
    let (mut location, mut padding) = (None, None);
    let (status, content_type, bytes) = match handler(&recorded) {
        Answer::Json(status, v) => (status, "application/json", v.to_string().into_bytes()),
        Answer::Raw(status, ct, bytes) => (status, ct, bytes),
        Answer::Redirect(to) => {
            location = Some(to);
            (302, "text/plain", Vec::new())
        }
        Answer::Hang => {
            let mut released = shared.release.subscribe();
            let _ = released.wait_for(|r| *r).await;
            (503, "text/plain", b"released".to_vec())
        }
        Answer::PaddedHead(size, v) => {
            padding = Some("p".repeat(size));
            (200, "application/json", v.to_string().into_bytes())
        }
    };
    let mut resp = hyper::Response::builder()
        .status(status)
        .header("content-type", content_type);
    if let Some(to) = location {
        resp = resp.header("location", to);
    }
    if let Some(p) = padding {
        resp = resp.header("x-padding", p);
    }
    Ok(resp.body(Full::new(Bytes::from(bytes))).unwrap())
}

/// A fresh CA, and a certificate for 127.0.0.1 and localhost signed by it.
fn certificates() -> (
    String,
    Vec<rustls::pki_types::CertificateDer<'static>>,
    rustls::pki_types::PrivateKeyDer<'static>,
) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "latchkey test IdP CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    (ca.pem(), vec![leaf.der().clone()], key)
}
