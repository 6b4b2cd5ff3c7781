//! rustls on the ring provider: TLS 1.2/1.3, ALPN h2 and http/1.1, and a certificate
//! that SIGHUP reloads without touching connections already open.

use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Why a certificate or key cannot be used; names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file holds no usable PEM item of the expected kind.
    #[error("{path}: {what}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is missing or wrong.
        what: String,
    },
    /// The key does not belong to the certificate.
    #[error("{key} does not match the certificate in {cert}")]
    Mismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn pem_error(path: &Path, what: impl Into<String>) -> TlsError {
    TlsError::Pem {
        path: path.to_path_buf(),
        what: what.into(),
    }
}

/// The certificates of a PEM text, or what is wrong with it.
pub fn parse_certs(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = crate::crypto::pem::certificates(pem)?;
    if certs.is_empty() {
        return Err("no CERTIFICATE block found".into());
    }
    Ok(certs)
}

/// The first private key of a PEM text, checked usable by the TLS provider.
pub fn parse_key(pem: &[u8]) -> Result<Arc<dyn rustls::sign::SigningKey>, String> {
    let der = crate::crypto::pem::private_key(pem)?;
    provider()
        .key_provider
        .load_private_key(der)
        .map_err(|e| format!("unusable private key ({e})"))
}

/// Reads a PEM certificate chain.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    parse_certs(&read(path)?).map_err(|e| pem_error(path, e))
}

/// Loads a certificate chain and its key, checking that they belong together.
pub fn load_certified_key(cert: &Path, key: &Path) -> Result<CertifiedKey, TlsError> {
    let certs = load_certs(cert)?;
    let signing_key = parse_key(&read(key)?).map_err(|e| pem_error(key, e))?;
    let certified = CertifiedKey::new(certs, signing_key);
    certified.keys_match().map_err(|_| TlsError::Mismatch {
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
    })?;
    Ok(certified)
}

/// The server certificate, swappable at run time.
#[derive(Debug)]
pub struct ReloadableCert {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ReloadableCert {
    /// Loads the pair from disk.
    pub fn load(cert_path: PathBuf, key_path: PathBuf) -> Result<Arc<Self>, TlsError> {
        let current = RwLock::new(Arc::new(load_certified_key(&cert_path, &key_path)?));
        Ok(Arc::new(ReloadableCert {
            cert_path,
            key_path,
            current,
        }))
    }

    /// Re-reads the files; on error the old certificate stays in use.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = Arc::new(load_certified_key(&self.cert_path, &self.key_path)?);
        match self.current.write() {
            Ok(mut slot) => *slot = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }
}

impl ResolvesServerCert for ReloadableCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        match self.current.read() {
            Ok(k) => Some(Arc::clone(&k)),
            Err(poisoned) => Some(Arc::clone(&poisoned.into_inner())),
        }
    }
}

/// The acceptor: TLS 1.3 and 1.2 only, ALPN `h2` then `http/1.1`.
pub fn acceptor(cert: Arc<ReloadableCert>) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_cert_resolver(cert);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// True if the first certificate in `cert_path` is valid for `host` at `now_secs`,
/// trusting the certificates of the file: a lone self-signed certificate, or the
/// self-signed mode's server certificate followed by its CA.
pub fn certificate_covers(cert_path: &Path, host: &str, now_secs: u64) -> Result<bool, TlsError> {
    let certs = load_certs(cert_path)?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in &certs {
        roots.add(cert.clone())?;
    }
    let verifier =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| pem_error(cert_path, e.to_string()))?;
    let Ok(name) = ServerName::try_from(host.to_owned()) else {
        return Ok(false);
    };
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now_secs));
    Ok(verifier
        .verify_server_cert(&certs[0], &certs[1..], &name, &[], now)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_pair_loads_covers_its_hosts_and_mismatch_is_named()
    -> Result<(), Box<dyn std::error::Error>> {
        let now = 1_790_000_000;
        let tmp = tempfile::tempdir()?;
        let write = |name: &str,
                     hosts: &[&str]|
         -> Result<(PathBuf, PathBuf), Box<dyn std::error::Error>> {
            let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
            let g = crate::crypto::self_signed::generate(&hosts, now)?;
            let (c, k) = (
                tmp.path().join(format!("{name}.crt")),
                tmp.path().join(format!("{name}.key")),
            );
            std::fs::write(&c, g.cert_pem)?;
            std::fs::write(&k, g.key_pem)?;
            Ok((c, k))
        };
        let (c1, k1) = write("one", &["localhost", "127.0.0.1"])?;
        let (_, k2) = write("two", &["localhost"])?;
        assert!(load_certified_key(&c1, &k1).is_ok());
        assert!(matches!(
            load_certified_key(&c1, &k2),
            Err(TlsError::Mismatch { .. })
        ));
        assert!(matches!(
            load_certified_key(&k1, &k1),
            Err(TlsError::Pem { .. })
        ));
        assert!(certificate_covers(&c1, "localhost", now)?);
        assert!(certificate_covers(&c1, "127.0.0.1", now)?);
        assert!(!certificate_covers(&c1, "sso.example.com", now)?);
        Ok(())
    }
}
