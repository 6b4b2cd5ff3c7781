//! Comparing a proof's `htu` with the endpoint's URL (RFC 9449 §4.3 check 9): both
//! without query and fragment, after RFC 3986 §6.2.2 (case, percent-encoding and
//! dot-segment) and §6.2.3 (default port, empty path) normalization.

use url::Url;

/// Whether `sent` and `expected` name the same endpoint.
pub(super) fn same_endpoint(sent: &str, expected: &str) -> bool {
    match (normalized(sent), normalized(expected)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// An absolute HTTP(S) URL in normal form, without query and fragment. The `url` crate
/// lower-cases scheme and host, drops the default port, removes dot segments and gives
/// an empty path its `/`; the percent-encoding of the path is normalized here.
fn normalized(text: &str) -> Option<String> {
    let mut url = Url::parse(text).ok()?;
    if !matches!(url.scheme(), "https" | "http") || url.cannot_be_a_base() {
        return None;
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = percent_normalized(url.path())?;
    url.set_path(&path);
    Some(url.into())
}

/// `path` with percent-encoded unreserved characters decoded and the hex digits of the
/// other encodings upper-cased (RFC 3986 §6.2.2.1, §6.2.2.2); `None` for a stray `%`.
fn percent_normalized(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'%' {
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let hex = path.get(i + 1..i + 3)?;
        let value = u8::from_str_radix(hex, 16).ok()?;
        if value.is_ascii_alphanumeric() || matches!(value, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(value));
        } else {
            out.push('%');
            out.push_str(&hex.to_ascii_uppercase());
        }
        i += 3;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "https://sso.example.com/t/acme/token";

    #[test]
    fn equivalent_spellings_of_the_endpoint_match() {
        for same in [
            TOKEN,
            "https://sso.example.com/t/acme/token?x=1#frag",
            "HTTPS://SSO.Example.COM/t/acme/token",
            "https://sso.example.com:443/t/acme/token",
            "https://sso.example.com/t/./acme/../acme/token",
            "https://sso.example.com/t/%61cme/%74oken",
        ] {
            assert!(same_endpoint(same, TOKEN), "{same}");
        }
        assert!(same_endpoint("https://h/a%2fb", "https://h/a%2Fb"));
        assert!(same_endpoint("https://h", "https://h/"));
    }

    #[test]
    fn other_endpoints_hosts_ports_and_schemes_do_not() {
        for other in [
            "https://evil.example.com/t/acme/token",
            "https://sso.example.com:8443/t/acme/token",
            "http://sso.example.com/t/acme/token",
            "https://sso.example.com/t/acme/token/",
            "https://sso.example.com/t/ACME/token",
            "https://sso.example.com/t/acme/userinfo",
            "https://user@sso.example.com/t/acme/token",
            "https://sso.example.com/t/acme/tok%en",
            "/t/acme/token",
            "urn:x:token",
            "",
        ] {
            assert!(!same_endpoint(other, TOKEN), "{other}");
        }
        assert!(!same_endpoint("https://h/a%2fb", "https://h/a/b"));
    }
}
