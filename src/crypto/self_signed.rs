//! The TLS files of `[tls] mode = "self-signed"`, made once into the data dir: a local CA
//! certificate and a server certificate it signed (RFC 5280 §4.2.1.3, §4.2.1.6, §4.2.1.9,
//! §4.2.1.12). The CA's key signs once and is dropped, so nothing else can ever be issued
//! under the CA that clients are asked to trust.

use super::CryptoError;
use crate::clock::{UnixTime, civil_from_days};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

/// How long the local CA is valid: 10 years.
const CA_VALIDITY_DAYS: i64 = 3650;
/// How long the server certificate is valid: 825 days, the most Apple's clients accept.
const SERVER_VALIDITY_DAYS: i64 = 825;

/// The PEM files of a new local CA and its server certificate.
pub struct GeneratedCert {
    /// The CA certificate alone (`ca.pem`).
    pub ca_pem: String,
    /// The server certificate followed by the CA certificate (`cert.pem`), so the file
    /// serves as the TLS chain and, for clients, as a trust anchor.
    pub cert_pem: String,
    /// The server's PKCS#8 private key (`key.pem`).
    pub key_pem: String,
}

fn fail(e: rcgen::Error) -> CryptoError {
    CryptoError::Certificate(e.to_string())
}

/// Makes a CA and an ECDSA P-256 server certificate for `hosts` (DNS names, or IP
/// addresses, which become `iPAddress` SANs), valid from the day before `now`.
pub fn generate(hosts: &[String], now: UnixTime) -> Result<GeneratedCert, CryptoError> {
    let today = (now / 86_400) as i64;
    let ca_key = KeyPair::generate().map_err(fail)?;
    let ca = ca_params(today)?.self_signed(&ca_key).map_err(fail)?;
    let key = KeyPair::generate().map_err(fail)?;
    let server = server_params(hosts, today)?
        .signed_by(&key, &ca, &ca_key)
        .map_err(fail)?;
    Ok(GeneratedCert {
        cert_pem: format!("{}{}", server.pem(), ca.pem()),
        ca_pem: ca.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// A CA that may sign end-entity certificates only (`pathlen:0`); the day in its name
/// tells one regenerated CA from the next.
fn ca_params(today: i64) -> Result<CertificateParams, CryptoError> {
    let mut params = CertificateParams::new(Vec::new()).map_err(fail)?;
    let (y, m, d) = civil_from_days(today);
    let name = format!("latchkey local CA {y:04}-{m:02}-{d:02}");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    set_validity(&mut params, today, CA_VALIDITY_DAYS);
    Ok(params)
}

/// A TLS server certificate for `hosts`, with the authority key identifier that strict
/// verifiers (Python 3.13's default) require of a certificate a CA signed.
fn server_params(hosts: &[String], today: i64) -> Result<CertificateParams, CryptoError> {
    let mut params = CertificateParams::new(hosts.to_vec()).map_err(fail)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "latchkey server");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    set_validity(&mut params, today, SERVER_VALIDITY_DAYS);
    Ok(params)
}

/// Valid for `days` from the start of yesterday, so a client whose clock is a little
/// behind still accepts it and the whole span stays within `days`.
fn set_validity(params: &mut CertificateParams, today: i64, days: i64) {
    let (y, m, d) = civil_from_days(today - 1);
    params.not_before = rcgen::date_time_ymd(y, m, d);
    let (y, m, d) = civil_from_days(today - 1 + days);
    params.not_after = rcgen::date_time_ymd(y, m, d);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_is_the_server_certificate_then_the_ca() -> Result<(), CryptoError> {
        let g = generate(&["localhost".into(), "127.0.0.1".into()], 1_790_000_000)?;
        let blocks: Vec<&str> = g
            .cert_pem
            .split_inclusive("-----END CERTIFICATE-----")
            .filter(|b| !b.trim().is_empty())
            .collect();
        assert_eq!(blocks.len(), 2, "{}", g.cert_pem);
        assert_eq!(blocks[1].trim(), g.ca_pem.trim());
        assert!(g.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        Ok(())
    }

    #[test]
    fn the_server_certificate_spans_825_days_and_the_ca_ten_years() -> Result<(), CryptoError> {
        let now = 1_790_000_000;
        let g = generate(&["localhost".into()], now)?;
        let expiry = |pem: &str| {
            let certs = super::super::pem::certificates(pem.as_bytes()).ok()?;
            super::super::cert_expiry::not_after(certs.first()?)
        };
        let yesterday = (now / 86_400 - 1) * 86_400;
        assert_eq!(expiry(&g.cert_pem), Some(yesterday + 825 * 86_400));
        assert_eq!(expiry(&g.ca_pem), Some(yesterday + 3650 * 86_400));
        Ok(())
    }
}
