//! PEM texts (RFC 7468) of certificates and private keys, read with rustls-pki-types'
//! own PEM support (rustls-pemfile is unmaintained). Errors are sentences for the
//! operator who pasted or named the file.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Every certificate in `pem`, in order; other blocks are skipped. An empty list is
/// not an error here: each caller says what it needs.
pub fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("unreadable PEM ({e})"))
}

/// The first private key in `pem` (PKCS#8, PKCS#1 or SEC1).
pub fn private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => "no PRIVATE KEY block found".to_owned(),
        e => format!("unreadable PEM ({e})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_and_keys_are_found_among_other_blocks() {
        let generated = super::super::self_signed::generate(&["localhost".into()], 1_790_000_000)
            .unwrap_or_else(|e| panic!("{e}"));
        let count = |pem: &str| certificates(pem.as_bytes()).map(|c| c.len());
        let both = format!("{}{}", generated.cert_pem, generated.ca_pem);
        assert_eq!(count(&generated.cert_pem), Ok(2), "the leaf and its CA");
        assert_eq!(count(&both), Ok(3));
        assert_eq!(certificates(b"no pem here").map(|c| c.len()), Ok(0));
        assert!(
            certificates(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").is_err()
        );
        assert_eq!(
            private_key(generated.cert_pem.as_bytes()).err().as_deref(),
            Some("no PRIVATE KEY block found")
        );
        assert!(private_key(generated.key_pem.as_bytes()).is_ok());
    }
}
