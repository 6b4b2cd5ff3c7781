//! Unit tests of the authorization endpoint's pure parts.

use super::answer::build_redirect;
use super::parse::{Prompt, parse_prompt};

#[test]
fn redirects_keep_existing_query_and_encode_values() {
    let r = build_redirect(
        "https://a.example/cb?x=1",
        false,
        &[("code", "a b")],
        Some("s&t"),
        "https://i",
    );
    assert_eq!(
        r,
        "https://a.example/cb?x=1&code=a+b&state=s%26t&iss=https%3A%2F%2Fi"
    );
    let f = build_redirect(
        "https://a.example/cb",
        true,
        &[("error", "login_required")],
        None,
        "i",
    );
    assert_eq!(f, "https://a.example/cb#error=login_required&iss=i");
}

#[test]
fn prompt_values_are_checked() {
    assert_eq!(parse_prompt(None), Ok(Prompt::Default));
    assert_eq!(parse_prompt(Some("login consent")), Ok(Prompt::Login));
    assert_eq!(parse_prompt(Some("none")), Ok(Prompt::None));
    assert!(parse_prompt(Some("none login")).is_err());
    assert!(parse_prompt(Some("sometimes")).is_err());
}
