//! The parameters of an authorization request that outlive it (SPEC "Durability and
//! security promises"): a pending authorization keeps only the parameters latchkey reads
//! again after sign-in, each length-limited and 8 KiB in all, so that requests nobody
//! authenticated cannot fill the store with whatever they carry. Unknown parameters
//! are ignored (RFC 6749 §3.1) and never stored.

use super::Params;
use crate::oauth::{ErrorCode, OAuthError};

/// The most bytes the kept parameters may hold together (names and values).
pub const MAX_KEPT_BYTES: usize = 8 * 1024;

/// The parameters kept for after sign-in, each with its longest accepted value in bytes.
const KEPT: [(&str, usize); 15] = [
    ("client_id", 256),
    ("redirect_uri", 4096),
    ("response_type", 64),
    ("response_mode", 32),
    ("scope", 4096),
    ("state", 4096),
    ("nonce", 2048),
    ("code_challenge", 128),
    ("code_challenge_method", 16),
    ("prompt", 64),
    ("max_age", 20),
    ("dpop_jkt", 64),
    ("acr_values", 256),
    ("claims", 4096),
    // The pages after sign-in (second factor, consent, errors) stay in its language.
    ("ui_locales", 256),
];

/// Parameters read while the request is answered but never kept: `id_token_hint` has
/// identified the user by then, and `login_hint` travels in the sign-in page's URL.
const READ_ONCE: [(&str, usize); 2] = [("id_token_hint", 8192), ("login_hint", 256)];

/// The defined parameters of `params` worth keeping, in a fixed order; `invalid_request`
/// when a defined parameter is too long or the kept ones are over [`MAX_KEPT_BYTES`].
pub fn kept(params: &Params) -> Result<Vec<(String, String)>, OAuthError> {
    for (name, limit) in READ_ONCE {
        check_length(params, name, limit)?;
    }
    let mut pairs = Vec::new();
    for (name, limit) in KEPT {
        if let Some(value) = check_length(params, name, limit)? {
            pairs.push((name.to_owned(), value.to_owned()));
        }
    }
    let total: usize = pairs.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > MAX_KEPT_BYTES {
        return Err(OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("the request's parameters are longer than {MAX_KEPT_BYTES} bytes in all"),
        ));
    }
    Ok(pairs)
}

/// The value of `name`, unless it is longer than `limit` bytes.
fn check_length<'a>(
    params: &'a Params,
    name: &str,
    limit: usize,
) -> Result<Option<&'a str>, OAuthError> {
    match params.get(name) {
        Some(value) if value.len() > limit => Err(OAuthError::new(
            ErrorCode::InvalidRequest,
            format!("parameter `{name}` is longer than {limit} bytes"),
        )),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Params::from_pairs(&owned)
    }

    #[test]
    fn only_defined_parameters_are_kept_and_hints_are_not() {
        let junk = "x".repeat(9 * 1024);
        let kept = kept(&params(&[
            ("state", "s"),
            ("client_id", "web"),
            ("junk", &junk),
            ("login_hint", "alice"),
            ("id_token_hint", "a.b.c"),
        ]))
        .unwrap();
        let expected = [("client_id", "web"), ("state", "s")];
        assert_eq!(
            kept,
            expected.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec()
        );
    }

    #[test]
    fn over_long_values_and_totals_are_refused() {
        let long = |n: usize| "x".repeat(n);
        assert!(kept(&params(&[("state", &long(4096))])).is_ok());
        assert!(kept(&params(&[("state", &long(4097))])).is_err());
        assert!(kept(&params(&[("login_hint", &long(257))])).is_err());
        assert!(kept(&params(&[("id_token_hint", &long(8193))])).is_err());
        let total = kept(&params(&[
            ("state", &long(4096)),
            ("scope", &long(4096)),
            ("nonce", &long(64)),
        ]));
        assert!(total.unwrap_err().public_message().contains("in all"));
    }

    #[test]
    fn ui_locales_is_kept_length_limited_and_counted_in_the_total() {
        let kept_pairs = kept(&params(&[("ui_locales", "fr-CA de")])).unwrap();
        assert_eq!(
            kept_pairs,
            [("ui_locales".to_owned(), "fr-CA de".to_owned())]
        );
        assert!(kept(&params(&[("ui_locales", &"x".repeat(257))])).is_err());
        let x = |n: usize| "x".repeat(n);
        assert!(kept(&params(&[("state", &x(4096)), ("scope", &x(3900))])).is_ok());
        let total = kept(&params(&[
            ("state", &x(4096)),
            ("scope", &x(3900)),
            ("ui_locales", &x(256)),
        ]));
        assert!(total.unwrap_err().public_message().contains("in all"));
    }
}
