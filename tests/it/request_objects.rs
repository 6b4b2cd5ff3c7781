//! Requests passed by reference at the authorization endpoint (OIDC Core §6, RFC 9101,
//! RFC 9126): never silently ignored. No client can register keys to sign request
//! objects with yet, and no `request_uri` has been issued, so each such request gets its
//! OIDC Core §3.1.2.6 error at the client's redirect URI, with `state` and `iss`, and
//! discovery says neither parameter is supported.

use crate::oidc_code::{begin, rp_client, start};
use crate::support::browser::{Browser, redirect_params};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// A JWT-shaped request object; its signature is never looked at, as no key could check it.
const OBJECT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJjbGllbnRfaWQiOiJ3ZWIifQ.c2ln";

#[test]
fn request_and_request_uri_get_their_errors_at_the_redirect_uri_with_state_and_iss() {
    let f = start();
    let client = rp_client(&f);
    let issuer = format!("{}/t/acme", f.server.base);
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    let cases = [
        (format!("&request={OBJECT}"), "request_not_supported"),
        (
            format!("&request_uri={}", enc("https://app.example/request.jwt")),
            "request_uri_not_supported",
        ),
        (
            format!(
                "&request_uri={}",
                enc("urn:ietf:params:oauth:request_uri:bm90LWlzc3VlZA")
            ),
            "invalid_request_uri",
        ),
        (
            format!(
                "&request={OBJECT}&request_uri={}",
                enc("urn:ietf:params:oauth:request_uri:x")
            ),
            "invalid_request",
        ),
    ];
    for (extra, error) in cases {
        let started = begin(&client, &[]);
        let answer = Browser::new(&f.server).get(&format!("{}{extra}", started.url));
        assert_eq!(answer.status, 303, "{extra}: {}", answer.body);
        let location = answer.location.unwrap();
        assert!(
            location.starts_with(crate::oidc_code::REDIRECT),
            "{location}"
        );
        let params = redirect_params(&location);
        assert_eq!(
            params.get("error").map(String::as_str),
            Some(error),
            "{extra}"
        );
        assert_eq!(params.get("state"), Some(started.state.secret()), "{extra}");
        assert_eq!(params.get("iss"), Some(&issuer), "{extra}");
    }

    let unregistered = format!(
        "/t/acme/authorize?response_type=code&client_id=web&redirect_uri={}&request={OBJECT}",
        enc("https://evil.example/cb")
    );
    let page = Browser::new(&f.server).get(&unregistered);
    assert_eq!(
        (page.status, page.location),
        (400, None),
        "no redirect to an unregistered URI"
    );

    let (_, body) = f.server.get("/t/acme/.well-known/openid-configuration");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["request_parameter_supported"], false);
    assert_eq!(doc["request_uri_parameter_supported"], false);
}
