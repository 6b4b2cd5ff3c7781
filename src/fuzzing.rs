//! Entry points of the fuzz targets under `fuzz/` (libFuzzer through cargo-fuzz), one
//! per parser that sees untrusted bytes. Each feeds the bytes to the parser and checks
//! what must hold for any input; a panic is a finding. The corpus replay test below runs
//! every committed input through the same entry points on each `cargo test`.

use crate::crypto::jose::{Jwk, SigningKey, Unverified, VerifyingKey};
use crate::oauth::authorize::{self, Outcome};
use crate::oauth::request::{AuthorizeRequest, Params};
use crate::sandbox::{REDIRECT_URI, Sandbox};

/// Compact JWS parsing and verification, JWK import, and the sign → verify round trip.
/// `keys` are keys the input was never signed with, so no input may verify.
pub fn jws(keys: &[SigningKey], data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for key in keys {
        if let Ok(unverified) = Unverified::parse(text) {
            assert!(
                unverified.verify(&key.verifying_key()).is_err(),
                "a token nobody signed verified"
            );
        }
        if data.len() <= 4096 {
            let token = key
                .sign_compact(Some("JWT"), data)
                .unwrap_or_else(|e| panic!("signing failed: {e}"));
            let back = Unverified::parse(&token).and_then(|u| u.verify(&key.verifying_key()));
            assert_eq!(back.ok().as_deref(), Some(data), "the payload changed");
        }
    }
    if let Ok(jwk) = serde_json::from_str::<Jwk>(text) {
        let _ = VerifyingKey::from_jwk(&jwk);
    }
}

/// Form and query decoding: what decodes re-encodes to the same parameters; the
/// management API's paging and day parameters never panic.
pub fn form(data: &[u8]) {
    let Ok(params) = Params::parse(data) else {
        return;
    };
    let mut pairs = params.to_pairs();
    for (k, v) in &pairs {
        assert!(!v.is_empty(), "an empty value counts as absent");
        assert_eq!(params.get(k), Some(v.as_str()));
    }
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    let mut again = Params::parse(encoded.as_bytes())
        .unwrap_or_else(|e| panic!("re-encoded parameters do not parse: {e}"))
        .to_pairs();
    pairs.sort();
    again.sort();
    assert_eq!(pairs, again, "a round trip changed the parameters");
    let _ = crate::admin::page::PageRequest::parse(params.get("limit"), params.get("after"));
    for (field, end) in [("since", false), ("until", true)] {
        if let Some(day) = params.get(field) {
            let _ = crate::admin::audit_log::parse_day("day", day, end);
        }
    }
}

/// JSON Pointer (RFC 6901): the first line is a pointer, the rest a JSON document, as
/// an introspection answer. A pointer the settings accept finds the same value as
/// serde_json does, and an id comes back only as a non-empty string.
pub fn json_pointer(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pointer, document) = text.split_once('\n').unwrap_or((text, "{}"));
    if crate::admin::validate::json_pointer("pointer", pointer).is_err() {
        return;
    }
    let Ok(answer) = serde_json::from_str::<serde_json::Value>(document) else {
        return;
    };
    match crate::auth::introspection::external_id(&answer, pointer) {
        Ok(id) => {
            assert!(!id.is_empty());
            let found = match answer.pointer(pointer) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                other => panic!("an id from {other:?}"),
            };
            assert_eq!(id, found, "the id is not the value at the pointer");
        }
        Err(e) => assert!(e.to_string().contains(pointer)),
    }
}

/// A client address no earlier input came from (its own IPv6 /64), so that the
/// per-address cap on pending authorizations never stops a long run.
fn next_peer() -> std::net::IpAddr {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::net::Ipv6Addr::from((0x2001_0db8_u128 << 96) | (u128::from(n) << 64)).into()
}

/// The authorization endpoint's parameters, as a query string, for the sandbox's tenant
/// with no session. Whatever the input, a redirect goes only to the registered URI.
pub fn authorize(sandbox: &Sandbox, data: &[u8]) {
    let Ok(sent) = Params::parse(data).and_then(|p| AuthorizeRequest::parse(&p)) else {
        return;
    };
    let state = &sandbox.app.state;
    let (ctx, now) = (state.oauth(), state.clock.now());
    let answered = authorize::handle(&ctx, &sandbox.tenant, sent, None, next_peer(), now);
    let Ok(Ok(outcome)) = sandbox.block_on(answered) else {
        return;
    };
    let registered = |uri: &str| {
        url::Url::parse(uri).is_ok_and(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u.as_str() == REDIRECT_URI
        })
    };
    match outcome {
        Outcome::Redirect(location) => {
            assert!(registered(&location), "redirected to {location}");
        }
        Outcome::FormPost { action, .. } => assert_eq!(action, REDIRECT_URI),
        Outcome::ErrorPage(_)
        | Outcome::Consent { .. }
        | Outcome::Login { .. }
        | Outcome::SecondFactor { .. }
        | Outcome::PasswordChange { .. } => {}
    }
}

/// CBOR decoding of every record kind the store keeps.
pub fn cbor(data: &[u8]) {
    crate::store::decode_as_every_record(data);
}

/// PEM loading of certificates and keys (TLS files, `ca_pem` settings) and the DER walk
/// that finds a certificate's expiry. A `ca_pem` the settings accept gives the IdP
/// client at least one certificate to trust.
pub fn pem(data: &[u8]) {
    let _ = crate::crypto::cert_expiry::not_after(data);
    let certs = crate::http::tls::parse_certs(data);
    if let Ok(certs) = &certs {
        for cert in certs {
            let _ = crate::crypto::cert_expiry::not_after(cert);
        }
    }
    let _ = crate::http::tls::parse_key(data);
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(Some(accepted)) = crate::admin::validate::ca_pem("ca_pem", Some(text))
    {
        assert!(
            !crate::outbound::certificates(accepted.as_bytes()).is_empty(),
            "ca_pem accepted a text the IdP client finds no certificate in"
        );
    }
}

/// The logo check: any bytes are read as an image or refused, never a panic; an image
/// that passes has its format's signature and a size within the limit, and the same
/// bytes sent as a `data:` URL give the same logo whatever type is declared.
pub fn image(data: &[u8]) {
    use crate::types::image::{ImageKind, MAX_DIMENSION, inspect};
    use base64::Engine;
    let Ok(info) = inspect(data) else {
        return;
    };
    let signature: &[u8] = match info.kind {
        ImageKind::Png => b"\x89PNG\r\n\x1a\n",
        ImageKind::Jpeg => b"\xFF\xD8\xFF",
        ImageKind::Webp => b"RIFF",
    };
    assert!(
        data.starts_with(signature),
        "{:?} without its signature",
        info.kind
    );
    assert!((1..=MAX_DIMENSION).contains(&info.width));
    assert!((1..=MAX_DIMENSION).contains(&info.height));
    let url = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(data)
    );
    if let Ok(logo) = crate::admin::branding::logo(&url) {
        assert_eq!(
            (logo.kind, logo.width, logo.height),
            (info.kind, info.width, info.height)
        );
        assert_eq!(logo.bytes, data);
    }
}

/// The SCIM filter and PATCH path parsers: any input parses or is refused with its
/// 400 `scimType`, and what parses evaluates against a resource without panicking.
pub fn scim_filter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let resource = serde_json::json!({
        "userName": "Alice", "active": true, "name": {"givenName": "A"},
        "emails": [{"value": "a@example.com", "type": "work", "primary": true}],
        "members": [{"value": "1"}]
    });
    match crate::scim::filter::parse(text) {
        Ok(f) => {
            let _ = f.matches(&resource);
        }
        Err(e) => assert_eq!(e.scim_type(), Some("invalidFilter"), "{e}"),
    }
    match crate::scim::filter::parse_path(text) {
        Ok(p) => {
            let _ = p.filter.map(|f| f.matches(&resource));
        }
        Err(e) => assert_eq!(e.scim_type(), Some("invalidPath"), "{e}"),
    }
}

/// The account import's readers: any text reads into rows numbered in increasing order
/// within the text, and a CSV record that reads comes back the same once each of its
/// fields is quoted and read again.
pub fn account_file(data: &[u8]) {
    use crate::admin::file_import::{Format, csv, read_lines};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in [Format::Csv, Format::Ndjson] {
        if let Ok(lines) = read_lines(format, text) {
            let numbers: Vec<usize> = lines.iter().map(|(n, _)| *n).collect();
            assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
            assert!(numbers.iter().all(|n| (1..=text.len() + 1).contains(n)));
        }
    }
    for record in csv::records(text) {
        let Ok(fields) = record.fields else { continue };
        if fields.len() == 1 && fields[0].trim().is_empty() {
            continue;
        }
        let quoted: Vec<String> = fields
            .iter()
            .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
            .collect();
        let again = csv::records(&quoted.join(","));
        assert_eq!(again.len(), 1, "{fields:?}");
        assert_eq!(again[0].fields.as_ref().ok(), Some(&fields));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Alg;
    use std::path::Path;

    /// Every committed input of `target`'s corpus.
    fn corpus(target: &str) -> Vec<Vec<u8>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target);
        let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
            .collect();
        assert!(!inputs.is_empty(), "{} is empty", dir.display());
        inputs.sort();
        inputs
    }

    #[test]
    fn the_committed_corpora_replay_cleanly() {
        let keys = [
            SigningKey::generate(Alg::ES256).unwrap().0,
            SigningKey::generate(Alg::RS256).unwrap().0,
        ];
        corpus("jws").iter().for_each(|d| jws(&keys, d));
        corpus("form").iter().for_each(|d| form(d));
        corpus("json_pointer").iter().for_each(|d| json_pointer(d));
        corpus("cbor").iter().for_each(|d| cbor(d));
        corpus("pem").iter().for_each(|d| pem(d));
        corpus("scim_filter").iter().for_each(|d| scim_filter(d));
        corpus("account_file").iter().for_each(|d| account_file(d));
        corpus("image").iter().for_each(|d| image(d));
        let sandbox = Sandbox::new().unwrap();
        corpus("authorize")
            .iter()
            .for_each(|d| authorize(&sandbox, d));
    }
}
