//! The settings that name addresses and peers: the public URL, the trusted reverse
//! proxies, and the extra CA file for outbound calls.

use super::{ConfigError, fail};
use std::path::Path;

/// The PEM text of `[outbound] ca_file`, which must hold at least one certificate.
pub(super) fn read_ca_file(path: &Path) -> Result<String, ConfigError> {
    let named = |why: String| ConfigError(format!("[outbound] ca_file {}: {why}", path.display()));
    let pem = std::fs::read_to_string(path).map_err(|e| named(e.to_string()))?;
    match crate::crypto::pem::certificates(pem.as_bytes()) {
        Ok(c) if !c.is_empty() => Ok(pem),
        Ok(_) => Err(named("holds no PEM certificate".into())),
        Err(e) => Err(named(e)),
    }
}

/// The items of a comma-separated environment value, trimmed, empty ones dropped.
pub(super) fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `trusted_proxies`: addresses or networks whose `X-Forwarded-For` is believed.
pub(super) fn trusted_proxies(list: Vec<String>) -> Result<Vec<crate::types::Cidr>, ConfigError> {
    networks("trusted_proxies", &list)
}

/// `[outbound] allow_cidrs`: networks a tenant admin's URLs may reach after all.
pub(super) fn allow_cidrs(list: Vec<String>) -> Result<Vec<crate::types::Cidr>, ConfigError> {
    networks("[outbound] allow_cidrs", &list)
}

fn networks(key: &str, list: &[String]) -> Result<Vec<crate::types::Cidr>, ConfigError> {
    list.iter()
        .map(|p| {
            crate::types::Cidr::parse(p).ok_or_else(|| {
                ConfigError(format!(
                    "{key}: `{p}` is not an IP address or network like 10.0.0.0/8"
                ))
            })
        })
        .collect()
}

/// `public_url`: an origin (no path, query or fragment); answers it and its host.
pub(super) fn public_url(text: &str) -> Result<(String, String), ConfigError> {
    let bad = |why: &str| fail(format!("public_url: `{text}` {why}"));
    let Ok(url) = url::Url::parse(text) else {
        return bad("is not an absolute URL like https://sso.example.com");
    };
    if !matches!(url.scheme(), "https" | "http") {
        return bad("must use https (or http behind a TLS-terminating proxy)");
    }
    if url.host_str().is_none()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return bad(
            "must be an origin with no path, query or fragment, like https://sso.example.com",
        );
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad("must not carry a user name or password");
    }
    let host = url.host_str().unwrap_or_default();
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok((url.as_str().trim_end_matches('/').to_owned(), host))
}
