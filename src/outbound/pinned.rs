//! Trust for an outbound peer configured with a `ca_pem` (SPEC "Operations"): a peer
//! presenting exactly one of the `ca_pem` certificates (byte-equal DER, within its
//! validity dates, naming the host called) is trusted as pinned, even when webpki
//! would refuse it, as it refuses a self-signed certificate made as a CA
//! (`CaUsedAsEndEntity`); any other certificate must chain, by webpki's usual rules,
//! to the system's roots or `ca_pem`. Handshake signatures are always checked with
//! ring's algorithms. ureq's own TLS connector takes no custom verifier, so this
//! module also holds the small connector that runs rustls with it.

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, StreamOwned,
};
use std::io::{Read, Write};
use std::sync::Arc;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

/// Accepts a pinned certificate as it is, else verifies by webpki's rules.
#[derive(Debug)]
struct PinnedOrChained {
    pinned: Vec<CertificateDer<'static>>,
    chained: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedOrChained {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref())
        {
            return self.chained.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            );
        }
        let Some((not_before, not_after)) = crate::crypto::cert_expiry::validity(end_entity) else {
            return Err(CertificateError::BadEncoding.into());
        };
        let now = now.as_secs();
        if now < not_before {
            return Err(CertificateError::NotValidYet.into());
        }
        if now > not_after {
            return Err(CertificateError::Expired.into());
        }
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A rustls client config trusting `roots` by webpki's rules and each of `pinned`
/// as it is.
pub fn client_config(
    roots: &[CertificateDer<'static>],
    pinned: Vec<CertificateDer<'static>>,
) -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut store = rustls::RootCertStore::empty();
    store.add_parsable_certificates(roots.iter().cloned());
    let chained =
        WebPkiServerVerifier::builder_with_provider(Arc::new(store), Arc::clone(&provider))
            .build()
            .map_err(|e| rustls::Error::General(format!("no usable trust anchor: {e}")))?;
    let verifier = PinnedOrChained {
        pinned,
        chained,
        provider: Arc::clone(&provider),
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Runs TLS over the TCP connection with a config of [`client_config`].
#[derive(Debug)]
pub struct PinnedTls(pub Arc<ClientConfig>);

impl<In: Transport> Connector<In> for PinnedTls {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Err(ureq::Error::Tls("no connection to run TLS over"));
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details.uri.host().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(host.to_owned())
            .map_err(|_| ureq::Error::Tls("the host is not a valid TLS server name"))?;
        let mut conn = ClientConnection::new(Arc::clone(&self.0), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TlsTransport {
            buffers,
            stream: StreamOwned { conn, sock },
        })))
    }
}

/// An open TLS connection made by [`PinnedTls`].
pub struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl std::fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

/// A TLS failure with an outbound peer as a sentence that says what to do; rustls's
/// own text for certificate errors is Rust's debug formatting.
pub fn describe(e: &rustls::Error) -> String {
    use CertificateError as C;
    let said = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => {
                "the server's certificate is not signed by a CA latchkey trusts: put the CA certificate that signed it in ca_pem, or the server's own certificate when it is self-signed"
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "the server's certificate does not name the host in the URL: call it by a name its certificate holds"
            }
            C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired",
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet (is either clock wrong?)"
            }
            C::BadEncoding => "the server's certificate is not a well-formed X.509 certificate",
            C::BadSignature => {
                "the server's certificate chain has a signature that does not verify"
            }
            C::Revoked => "the server's certificate has been revoked",
            C::Other(other) if other.to_string().contains("CaUsedAsEndEntity") => {
                "the server presents a CA certificate as its own (a self-signed certificate made as a CA): put exactly that certificate in ca_pem to pin it"
            }
            _ => "the server's certificate was refused",
        },
        rustls::Error::NoCertificatesPresented => "the server presented no certificate",
        rustls::Error::PeerIncompatible(_) => {
            "the server offers no TLS version or cipher suite latchkey accepts (TLS 1.2 or 1.3)"
        }
        rustls::Error::AlertReceived(_) => "the server ended the handshake with a TLS alert",
        _ => "the TLS handshake failed",
    };
    said.to_owned()
}
