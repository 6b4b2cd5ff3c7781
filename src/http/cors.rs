//! CORS headers (Fetch standard §3.2; SPEC "Modern clients": CORS). Which origin may
//! read an answer is decided by `oauth::cors`; this module only writes the headers, and
//! never `Access-Control-Allow-Credentials`: no endpoint reads cookies cross-origin.

use super::respond::{self, Body};
use hyper::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, HeaderValue, ORIGIN, VARY,
};
use hyper::{HeaderMap, Response};

/// The request's `Origin`, when it sent one that can be echoed.
pub fn origin(headers: &HeaderMap) -> Option<String> {
    headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Lets any origin read a public document (discovery, JWKS).
pub fn any_origin(resp: &mut Response<Body>) {
    resp.headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
}

/// Marks an answer as depending on `Origin`, and lets `origin` read it when `allowed`,
/// with the challenge headers a browser app needs to see (RFC 9449 §7.1, §8).
pub fn for_origin(resp: &mut Response<Body>, origin: &str, allowed: bool) {
    let headers = resp.headers_mut();
    headers.append(VARY, HeaderValue::from_static("Origin"));
    if !allowed {
        return;
    }
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("WWW-Authenticate, DPoP-Nonce"),
        );
    }
}

/// The answer to a preflight: 204 with what the endpoints take when `origin` is listed,
/// else 403.
pub fn preflight(origin: Option<&str>, listed: bool) -> Response<Body> {
    let Some(origin) = origin.filter(|_| listed) else {
        return respond::problem(
            crate::types::ErrorKind::Forbidden,
            "no client of this tenant lists this origin",
        );
    };
    let mut resp = respond::no_content();
    let Ok(origin) = HeaderValue::from_str(origin) else {
        return respond::problem(
            crate::types::ErrorKind::Forbidden,
            "the origin is malformed",
        );
    };
    let headers = resp.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.append(VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Authorization, Content-Type, DPoP"),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    resp
}
