//! The one place that maps error kinds to status codes and renders responses, with the
//! headers every response carries.

use crate::types::ErrorKind;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Frame};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

/// The body type of every response: usually one buffer, a stream for a backup.
pub type Body = BoxBody<Bytes, std::io::Error>;

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

/// A body fed chunk by chunk from a channel.
struct ChannelBody(tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|c| c.map(Frame::data)))
    }
}

/// Streams `file` from its current position, read on a blocking thread in 64 KiB chunks
/// while the client keeps up.
pub fn stream_file(file: std::fs::File, content_type: &'static str) -> Response<Body> {
    use std::io::Read;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let mut file = file;
        loop {
            let mut buf = vec![0u8; 64 * 1024];
            let chunk = match file.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    Ok(Bytes::from(buf))
                }
                Err(e) => Err(e),
            };
            let failed = chunk.is_err();
            if tx.blocking_send(chunk).is_err() || failed {
                return;
            }
        }
    });
    let mut resp = Response::new(ChannelBody(rx).boxed());
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The status a failure class is reported with.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::TooMany => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Upstream => StatusCode::BAD_GATEWAY,
        ErrorKind::UpstreamBusy | ErrorKind::Busy | ErrorKind::StorageUnavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        ErrorKind::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        ErrorKind::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn with_body(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A JSON body from a typed value.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => with_body(status, "application/json", Bytes::from(bytes)),
        Err(_) => problem(ErrorKind::Internal, "the response could not be serialised"),
    }
}

/// Pre-serialised public JSON that clients may cache for a few minutes.
pub fn cacheable_json(bytes: Bytes) -> Response<Body> {
    let mut resp = with_body(StatusCode::OK, "application/json", bytes);
    resp.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    resp
}

/// A SCIM body (RFC 7644 §3.1: `application/scim+json`).
pub fn scim(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => with_body(status, "application/scim+json", Bytes::from(bytes)),
        Err(_) => scim_error(
            ErrorKind::Internal,
            None,
            "the response could not be serialised",
        ),
    }
}

/// A SCIM error (RFC 7644 §3.12): `status` as a string, `scimType` when given.
pub fn scim_error(kind: ErrorKind, scim_type: Option<&str>, detail: &str) -> Response<Body> {
    let status = status_of(kind);
    let mut body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.as_u16().to_string(),
        "detail": detail,
    });
    if let Some(t) = scim_type {
        body["scimType"] = serde_json::Value::from(t);
    }
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    with_body(status, "application/scim+json", Bytes::from(bytes))
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
}

/// An RFC 9457 problem document.
pub fn problem(kind: ErrorKind, detail: &str) -> Response<Body> {
    let status = status_of(kind);
    let body = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    with_body(status, "application/problem+json", Bytes::from(bytes))
}

/// A `200` text body of `content_type`.
pub fn text(content_type: &'static str, body: String) -> Response<Body> {
    with_body(StatusCode::OK, content_type, Bytes::from(body))
}

/// Adds a `WWW-Authenticate: Bearer` challenge for `realm`.
pub fn bearer_challenge(resp: &mut Response<Body>, realm: &'static str) {
    if let Ok(v) = HeaderValue::from_str(&format!("Bearer realm=\"{realm}\"")) {
        resp.headers_mut()
            .insert(hyper::header::WWW_AUTHENTICATE, v);
    }
}

/// `204 No Content`.
pub fn no_content() -> Response<Body> {
    let mut resp = Response::new(full(Bytes::new()));
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

#[derive(Serialize)]
struct OAuthErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

/// An RFC 6749 §5.2 error: `{"error", "error_description"}` with the status of `kind`.
pub fn oauth_error(kind: ErrorKind, code: &str, description: &str) -> Response<Body> {
    let mut resp = json(
        status_of(kind),
        &OAuthErrorBody {
            error: code,
            error_description: description,
        },
    );
    resp.headers_mut()
        .insert("pragma", HeaderValue::from_static("no-cache"));
    resp
}

/// The policy of every HTML page: no script at all, styles only from us, no framing.
const PAGE_CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";
/// The policy of pages that run our own scripts (form_post, the admin UI): the same, plus `script-src 'self'`.
const OWN_SCRIPTS_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Headers every HTML page carries: a strict CSP, no framing, no referrer.
fn page_headers(resp: &mut Response<Body>) {
    let h = resp.headers_mut();
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(PAGE_CSP),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
}

/// Tells browsers to use HTTPS only for a year (RFC 6797), for answers served over TLS.
pub fn hsts(resp: &mut Response<Body>) {
    resp.headers_mut().insert(
        "strict-transport-security",
        HeaderValue::from_static("max-age=31536000"),
    );
}

/// Lets a page run our own scripts (`script-src 'self'`), nothing inline, nothing else.
pub fn allow_own_scripts(resp: &mut Response<Body>) {
    resp.headers_mut().insert(
        "content-security-policy",
        HeaderValue::from_static(OWN_SCRIPTS_CSP),
    );
}

/// An HTML page.
pub fn html(status: StatusCode, body: String) -> Response<Body> {
    let mut resp = with_body(status, "text/html; charset=utf-8", Bytes::from(body));
    page_headers(&mut resp);
    resp
}

/// The `form_post` page: like [`html`], but its CSP lets our own script run.
pub fn form_post_page(body: String) -> Response<Body> {
    let mut resp = html(StatusCode::OK, body);
    allow_own_scripts(&mut resp);
    resp
}

/// A script, cacheable.
pub fn script(js: &'static str) -> Response<Body> {
    let mut resp = with_body(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        Bytes::from_static(js.as_bytes()),
    );
    resp.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}

/// A `303 See Other` to `location` (after a form post, browsers follow it with GET).
pub fn see_other(location: &str) -> Response<Body> {
    let mut resp = with_body(
        StatusCode::SEE_OTHER,
        "text/plain; charset=utf-8",
        Bytes::new(),
    );
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(hyper::header::LOCATION, v);
    }
    page_headers(&mut resp);
    resp
}

/// Adds a `__Host-` cookie: Secure, HttpOnly, Path=/ (and so host-only).
pub fn set_cookie(
    resp: &mut Response<Body>,
    name: &str,
    value: &str,
    same_site: &str,
    max_age: u64,
) {
    let cookie = format!(
        "{name}={value}; Path=/; Secure; HttpOnly; SameSite={same_site}; Max-Age={max_age}"
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(hyper::header::SET_COOKIE, v);
    }
}

/// The stylesheet, cacheable.
pub fn stylesheet(css: &'static str) -> Response<Body> {
    let mut resp = with_body(
        StatusCode::OK,
        "text/css; charset=utf-8",
        Bytes::from_static(css.as_bytes()),
    );
    resp.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}

/// A body browsers may keep but must revalidate on every use (`no-cache` with an
/// `ETag`, RFC 9111 §5.2.2.4): a changed logo shows at once, an unchanged one costs a
/// `304` (RFC 9110 §13.1.2) when `if_none_match` names `etag` or is `*`.
pub fn revalidated(
    content_type: &'static str,
    body: Bytes,
    etag: &str,
    if_none_match: Option<&str>,
) -> Response<Body> {
    let matches = if_none_match.is_some_and(|header| {
        header
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
    });
    let mut resp = if matches {
        let mut resp = with_body(StatusCode::NOT_MODIFIED, content_type, Bytes::new());
        resp.headers_mut().remove(CONTENT_TYPE);
        resp
    } else {
        with_body(StatusCode::OK, content_type, body)
    };
    let h = resp.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(hyper::header::ETAG, v);
    }
    resp
}

/// Adds `Retry-After` (RFC 9110 §10.2.3) in seconds.
pub fn retry_after(resp: &mut Response<Body>, secs: u64) {
    resp.headers_mut()
        .insert(hyper::header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
}
