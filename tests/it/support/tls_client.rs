//! Raw TLS clients for protocol-level tests: chosen versions and ALPN, and hyper on top.

use rustls::pki_types::{CertificateDer, ServerName};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// A single-threaded runtime for the async clients of a sync test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// An HTTP/1.1 connection to `server` over TLS 1.3.
pub async fn connect_http1(server: &crate::support::server::Server) -> TlsStream<TcpStream> {
    connect(
        server.addr,
        &server.data_dir.join("tls/cert.pem"),
        &[b"http/1.1"],
        &[&rustls::version::TLS13],
    )
    .await
    .expect("TLS connection")
}

/// Writes `request` (a whole HTTP/1.1 request) and reads one response: the head, then
/// `Content-Length` bytes of body, or up to the end of the stream without one.
pub async fn round_trip(stream: &mut TlsStream<TcpStream>, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(request).await.expect("write");
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&seen).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end].lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            });
            if length.is_some_and(|n| seen.len() >= end + 4 + n) {
                return text;
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&seen).into_owned(),
            Ok(n) => seen.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A TCP connection to `server` from the local address `from` (any 127.0.0.0/8
/// address is usable on Linux), so a test can play clients at different addresses.
pub async fn tcp_from(server: &crate::support::server::Server, from: IpAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::new(from, 0)).expect("bind");
    socket.connect(server.addr).await.expect("connect")
}

/// An HTTP/1.1 connection over TLS 1.3 to `server` from the local address `from`; an
/// error when the server closes it instead of completing the handshake.
pub async fn connect_http1_from(
    server: &crate::support::server::Server,
    from: IpAddr,
) -> std::io::Result<TlsStream<TcpStream>> {
    handshake(
        tcp_from(server, from).await,
        server.addr,
        &server.data_dir.join("tls/cert.pem"),
        &[b"http/1.1"],
        &[&rustls::version::TLS13],
    )
    .await
}

/// Connects with TLS, trusting the PEM certificate at `cert`, offering `alpn` and `versions`.
pub async fn connect(
    addr: SocketAddr,
    cert: &Path,
    alpn: &[&[u8]],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> std::io::Result<TlsStream<TcpStream>> {
    handshake(TcpStream::connect(addr).await?, addr, cert, alpn, versions).await
}

/// The TLS handshake on `tcp`, connected to `addr`, as [`connect`] does it.
async fn handshake(
    tcp: TcpStream,
    addr: SocketAddr,
    cert: &Path,
    alpn: &[&[u8]],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> std::io::Result<TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read(cert)?;
    for c in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots
            .add(c.map_err(std::io::Error::other)?)
            .map_err(std::io::Error::other)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(std::io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from(addr.ip().to_string()).map_err(std::io::Error::other)?;
    connector.connect(name, tcp).await
}

/// The leaf certificate the server presented on `stream`.
pub fn peer_leaf(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    stream
        .get_ref()
        .1
        .peer_certificates()
        .expect("peer certificates")[0]
        .clone()
        .into_owned()
}

/// A TLS 1.1 ClientHello written by hand (rustls cannot send one): version 1.1 and no
/// `supported_versions` extension, but suites the server does support, so that the
/// version is the only reason to refuse it.
pub fn tls11_client_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x02];
    body.extend_from_slice(&[0x42; 32]);
    body.push(0);
    let suites: [u16; 4] = [0xc02b, 0xc02f, 0xc013, 0x002f];
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]);
    let extensions: [u8; 26] = [
        0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, // supported_groups: secp256r1
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec_point_formats: uncompressed
        0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x04, 0x01, 0x08,
        0x04, // signature_algorithms
    ];
    body.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
    body.extend_from_slice(&extensions);
    let mut handshake = vec![0x01];
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}
