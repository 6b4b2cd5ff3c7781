//! URLs latchkey calls on its own initiative (SPEC "Outbound destinations"), checked
//! when an administrator sets them: absolute HTTPS with a host, no fragment, and no
//! user name or password, since these calls send no credentials but their own.

/// Why a configured destination URL was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    /// Not an absolute URL with a host.
    #[error("`{0}` is not an absolute URL such as https://app.example/logout")]
    NotAbsolute(String),
    /// Any scheme but `https`.
    #[error("`{0}` must use https")]
    Insecure(String),
    /// A `#fragment`, which HTTP never sends.
    #[error("`{0}` must not have a fragment")]
    Fragment(String),
    /// A user name or password before the host.
    #[error("`{0}` must not carry a user name or password")]
    Credentials(String),
    /// Longer than [`MAX_LEN`].
    #[error("must be at most {MAX_LEN} bytes")]
    TooLong,
}

/// The longest destination URL accepted.
pub const MAX_LEN: usize = 2048;

/// An HTTPS URL latchkey may send requests to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpsDestination(String);

impl HttpsDestination {
    /// Checks a URL an administrator configured; it is kept as written.
    pub fn parse(s: &str) -> Result<HttpsDestination, DestinationError> {
        if s.len() > MAX_LEN {
            return Err(DestinationError::TooLong);
        }
        let url = url::Url::parse(s).map_err(|_| DestinationError::NotAbsolute(s.to_owned()))?;
        if url.scheme() != "https" {
            return Err(DestinationError::Insecure(s.to_owned()));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(DestinationError::NotAbsolute(s.to_owned()));
        }
        if url.fragment().is_some() || s.contains('#') {
            return Err(DestinationError::Fragment(s.to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(DestinationError::Credentials(s.to_owned()));
        }
        Ok(HttpsDestination(s.to_owned()))
    }

    /// The URL, to store.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_https_without_fragment_or_credentials() {
        for good in [
            "https://rp.example/logout",
            "https://127.0.0.1:8443/bcl?tenant=a",
            "https://[::1]/bcl",
        ] {
            assert_eq!(HttpsDestination::parse(good).unwrap().into_string(), good);
        }
        for (bad, why) in [
            ("/logout", DestinationError::NotAbsolute("/logout".into())),
            ("", DestinationError::NotAbsolute("".into())),
            (
                "http://rp.example/logout",
                DestinationError::Insecure("http://rp.example/logout".into()),
            ),
            (
                "http://127.0.0.1/bcl",
                DestinationError::Insecure("http://127.0.0.1/bcl".into()),
            ),
            (
                "ftp://rp.example/",
                DestinationError::Insecure("ftp://rp.example/".into()),
            ),
            (
                "https://rp.example/l#x",
                DestinationError::Fragment("https://rp.example/l#x".into()),
            ),
            (
                "https://rp.example/l#",
                DestinationError::Fragment("https://rp.example/l#".into()),
            ),
            (
                "https://u:p@rp.example/",
                DestinationError::Credentials("https://u:p@rp.example/".into()),
            ),
            (
                &*format!("https://rp.example/{}", "a".repeat(MAX_LEN)),
                DestinationError::TooLong,
            ),
        ] {
            assert_eq!(HttpsDestination::parse(bad), Err(why), "{bad}");
        }
    }
}
