//! Web origins a client lets browsers call latchkey from (SPEC "Modern clients": CORS),
//! kept in their RFC 6454 §6.2 serialization so that a request's `Origin` header,
//! which browsers send serialized, matches by plain comparison.

/// Why a configured origin was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    /// `null`, `*` or something that is no absolute URL.
    #[error("`{0}` is not an origin such as https://app.example (no wildcards)")]
    NotAnOrigin(String),
    /// A path, query, fragment or credentials after the host.
    #[error("`{0}` has more than scheme, host and port: an origin has no path")]
    HasPath(String),
    /// `http:` for a host other than the loopback names.
    #[error("`{0}` must use https (http only for localhost, 127.0.0.1 or [::1])")]
    Insecure(String),
}

/// A serialized origin: lower-case scheme and host, default port removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    /// Parses and serializes an origin an administrator configured.
    pub fn parse(s: &str) -> Result<Origin, OriginError> {
        let not_one = || OriginError::NotAnOrigin(s.to_owned());
        let url = url::Url::parse(s).map_err(|_| not_one())?;
        let host = url.host_str().ok_or_else(not_one)?;
        let plain_name = |h: &str| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        };
        if matches!(url.host(), Some(url::Host::Domain(d)) if !plain_name(d)) {
            return Err(not_one());
        }
        if url.path() != "/"
            || s.ends_with('/')
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(OriginError::HasPath(s.to_owned()));
        }
        match url.scheme() {
            "https" => {}
            "http" if matches!(host, "localhost" | "127.0.0.1" | "[::1]") => {}
            "http" => return Err(OriginError::Insecure(s.to_owned())),
            _ => return Err(not_one()),
        }
        Ok(Origin(url.origin().ascii_serialization()))
    }

    /// The serialization, as browsers send it in `Origin`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The serialization, to store.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_serialized_as_browsers_send_them() {
        for (given, stored) in [
            ("https://App.Example", "https://app.example"),
            ("HTTPS://app.example:443", "https://app.example"),
            ("https://app.example:8443", "https://app.example:8443"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://127.0.0.1", "http://127.0.0.1"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("https://bücher.example", "https://xn--bcher-kva.example"),
        ] {
            assert_eq!(
                Origin::parse(given).map(Origin::into_string),
                Ok(stored.to_owned())
            );
        }
    }

    #[test]
    fn what_is_no_origin_is_refused() {
        for s in [
            "null",
            "*",
            "",
            "app.example",
            "https://*.app.example",
            "ftp://app.example",
            "data:text/plain,x",
        ] {
            assert!(
                matches!(Origin::parse(s), Err(OriginError::NotAnOrigin(_))),
                "{s}"
            );
        }
        for s in [
            "https://app.example/",
            "https://app.example/spa",
            "https://app.example?x=1",
            "https://app.example#top",
            "https://user@app.example",
        ] {
            assert!(
                matches!(Origin::parse(s), Err(OriginError::HasPath(_))),
                "{s}"
            );
        }
        for s in [
            "http://app.example",
            "http://10.0.0.1",
            "http://localhost.evil.example",
        ] {
            assert!(
                matches!(Origin::parse(s), Err(OriginError::Insecure(_))),
                "{s}"
            );
        }
    }
}
