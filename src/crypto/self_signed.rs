//! The self-signed TLS certificate generated once into the data dir (`[tls] mode = "self-signed"`).

use super::CryptoError;
use crate::clock::{UnixTime, civil_from_days};

/// How long a generated certificate is valid.
const VALIDITY_DAYS: i64 = 10 * 365;

/// A certificate and its private key, both PEM.
pub struct GeneratedCert {
    /// The certificate.
    pub cert_pem: String,
    /// The PKCS#8 private key.
    pub key_pem: String,
}

/// Generates an ECDSA P-256 certificate for `hosts` (DNS names or IP addresses).
pub fn generate(hosts: &[String], now: UnixTime) -> Result<GeneratedCert, CryptoError> {
    let fail = |e: rcgen::Error| CryptoError::Certificate(e.to_string());
    let mut params = rcgen::CertificateParams::new(hosts.to_vec()).map_err(fail)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "latchkey self-signed");
    let today = (now / 86_400) as i64;
    let (y, m, d) = civil_from_days(today - 1);
    params.not_before = rcgen::date_time_ymd(y, m, d);
    let (y, m, d) = civil_from_days(today + VALIDITY_DAYS);
    params.not_after = rcgen::date_time_ymd(y, m, d);
    let key = rcgen::KeyPair::generate().map_err(fail)?;
    let cert = params.self_signed(&key).map_err(fail)?;
    Ok(GeneratedCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_pem_pair() -> Result<(), CryptoError> {
        let g = generate(&["localhost".into(), "127.0.0.1".into()], 1_790_000_000)?;
        assert!(g.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(g.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        Ok(())
    }
}
