//! Field checks shared by the management operations; each error names its field.

use super::AdminError;
use crate::types::is_scope_token;

/// Trims and bounds a required text field.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<String, AdminError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(AdminError::invalid(
            field,
            format!("must be 1 to {max} characters, without control characters"),
        ));
    }
    Ok(v.to_owned())
}

/// Like [`text`] for an optional field; empty means absent.
pub fn optional_text(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, AdminError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

/// Checks a list of scope tokens and removes duplicates, keeping order.
pub fn scopes(field: &'static str, values: &[String]) -> Result<Vec<String>, AdminError> {
    let mut out: Vec<String> = Vec::new();
    for s in values {
        if !is_scope_token(s) {
            return Err(AdminError::invalid(
                field,
                format!("`{s}` is not a valid scope token (RFC 6749 §3.3)"),
            ));
        }
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    Ok(out)
}

/// An absolute https URL without credentials in it: a `user:password@` part would be
/// stored, shown and logged in clear, so it is refused without echoing the value.
pub fn https_url(field: &'static str, value: &str) -> Result<String, AdminError> {
    match url::Url::parse(value) {
        Ok(u) if !u.username().is_empty() || u.password().is_some() => Err(AdminError::invalid(
            field,
            "must not hold a user name or password (user:password@); the client id and secret are separate fields",
        )),
        Ok(u) if u.scheme() == "https" && u.host_str().is_some() && u.fragment().is_none() => {
            Ok(value.to_owned())
        }
        // Not echoed: a value that does not parse may still hold a password.
        _ => Err(AdminError::invalid(
            field,
            "must be an absolute https URL without fragment",
        )),
    }
}

/// Checks that `pem` holds at least one certificate and nothing unreadable.
pub fn ca_pem(field: &'static str, pem: Option<&str>) -> Result<Option<String>, AdminError> {
    let Some(pem) = pem.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    match crate::crypto::pem::certificates(pem.as_bytes()) {
        Ok(c) if !c.is_empty() => Ok(Some(pem.to_owned())),
        _ => Err(AdminError::invalid(
            field,
            "must hold one or more PEM certificates",
        )),
    }
}

/// Checks an RFC 6901 JSON Pointer: empty, or `/`-separated tokens where `~` is only
/// followed by `0` or `1`.
pub fn json_pointer(field: &'static str, value: &str) -> Result<String, AdminError> {
    let bad = || {
        AdminError::invalid(
            field,
            format!("`{value}` is not a JSON Pointer (RFC 6901), e.g. /account_id"),
        )
    };
    if !value.is_empty() && !value.starts_with('/') {
        return Err(bad());
    }
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(bad());
        }
    }
    Ok(value.to_owned())
}

/// Deserialises a field where `null` means "clear" and absence means "keep":
/// `None` = absent, `Some(None)` = null, `Some(Some(v))` = a value.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_pointers_follow_rfc_6901() {
        for ok in ["", "/account_id", "/ext/account_id", "/a~0b", "/a~1b", "/0"] {
            assert!(json_pointer("p", ok).is_ok(), "{ok}");
        }
        for bad in ["account_id", "/a~2b", "/a~", "#/a"] {
            assert!(json_pointer("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(text("f", "  x ", 5).unwrap(), "x");
        assert!(text("f", "   ", 5).is_err());
        assert!(text("f", "abcdef", 5).is_err());
        assert!(text("f", "a\u{7}", 5).is_err());
        assert_eq!(optional_text("f", Some(" "), 5).unwrap(), None);
    }

    #[test]
    fn a_url_that_does_not_parse_is_not_echoed() {
        let e = https_url("url", "https://user:s3cret@[bad").unwrap_err();
        assert!(!e.public_message().contains("s3cret"), "{e}");
    }

    #[test]
    fn https_urls_carry_no_credentials() {
        assert!(https_url("u", "https://idp.example/introspect?a=b").is_ok());
        for bad in [
            "https://user:pa55@idp.example/",
            "https://user@idp.example/",
            "https://:pa55@idp.example/",
        ] {
            let message = https_url("u", bad).unwrap_err().to_string();
            assert!(message.starts_with("u:"), "{message}");
            assert!(!message.contains("pa55"), "{message}");
        }
    }

    #[test]
    fn scopes_are_tokens_without_duplicates() {
        assert_eq!(
            scopes("s", &["a".into(), "a".into(), "b".into()]).unwrap(),
            vec!["a", "b"]
        );
        assert!(scopes("s", &["a b".into()]).is_err());
    }
}
