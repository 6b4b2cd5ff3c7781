//! Reading request bodies: a size limit, the content type, and decoding into typed values.

use crate::types::ErrorKind;
use http_body_util::BodyExt;
use hyper::Request;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE};
use serde::de::DeserializeOwned;

/// The default body limit of SPEC: 64 KiB.
pub const DEFAULT_LIMIT: usize = 64 * 1024;
/// The limit of endpoints whose forms are a few short fields (sign-in, consent,
/// introspection, revocation, refresh), so a flood of large bodies costs less there.
pub const SMALL_LIMIT: usize = 16 * 1024;

/// The limit of `PUT /v2/admin/tenants/{t}/branding` (SPEC "Management API"): room for
/// a 64 KiB logo in base64 beside the other fields.
pub const BRANDING_LIMIT: usize = 128 * 1024;

/// The largest SCIM request body (SPEC "SCIM 2.0 provisioning"): 1 MiB.
pub const SCIM_LIMIT: usize = 1024 * 1024;

/// The largest account import file (SPEC "SCIM 2.0 provisioning"): 10 MiB.
pub const IMPORT_LIMIT: usize = 10 * 1024 * 1024;

/// The body limit of the request's route, set by the dispatcher before any handler
/// reads the body.
#[derive(Debug, Clone, Copy)]
pub struct Limit(pub usize);

/// A body that could not be read or decoded, with the message for the caller.
#[derive(Debug)]
pub struct BodyError {
    /// The failure class (400, 408, 413 or 415).
    pub kind: ErrorKind,
    /// What was wrong, naming the field where there is one.
    pub message: String,
}

impl BodyError {
    /// The failure class where only forms are taken (OAuth endpoints, browser pages): a
    /// body over the limit (413) or slower than [`BODY_READ_TIMEOUT`] (408) keeps its
    /// own; anything else, a wrong content type included, is a bad request there (SPEC:
    /// 415 belongs to the JSON endpoints under `/v2`).
    pub fn form_kind(&self) -> ErrorKind {
        match self.kind {
            ErrorKind::PayloadTooLarge | ErrorKind::RequestTimeout => self.kind,
            _ => ErrorKind::BadRequest,
        }
    }
}

fn error(kind: ErrorKind, message: impl Into<String>) -> BodyError {
    BodyError {
        kind,
        message: message.into(),
    }
}

/// How much of an oversize body is read and thrown away before answering 413, so a
/// client still sending gets the answer rather than a reset connection.
const DRAIN_CAP: usize = 1024 * 1024;
/// How long an oversize body is drained at most.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);
/// How long a whole body may take to arrive: a client trickling bytes cannot hold its
/// request (and connection slot) open for longer.
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads the whole body, refusing more than the route's [`Limit`] (by header and by
/// count), or one that takes longer than [`BODY_READ_TIMEOUT`] to arrive.
pub async fn read_limited(req: Request<Incoming>) -> Result<Bytes, BodyError> {
    tokio::time::timeout(BODY_READ_TIMEOUT, read_within_limit(req))
        .await
        .unwrap_or_else(|_| {
            Err(error(
                ErrorKind::RequestTimeout,
                format!(
                    "the body did not arrive within {} s",
                    BODY_READ_TIMEOUT.as_secs()
                ),
            ))
        })
}

async fn read_within_limit(req: Request<Incoming>) -> Result<Bytes, BodyError> {
    let limit = req
        .extensions()
        .get::<Limit>()
        .map_or(DEFAULT_LIMIT, |l| l.0);
    let too_large = || {
        error(
            ErrorKind::PayloadTooLarge,
            format!("the body is larger than {limit} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut body = req.into_body();
    if declared.is_some_and(|n| n > limit as u64) {
        if declared.is_some_and(|n| n <= DRAIN_CAP as u64) {
            drain_behind(body, DRAIN_CAP);
        }
        return Err(too_large());
    }
    let mut collected = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|_| error(ErrorKind::BadRequest, "the body could not be read"))?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > limit {
                drain_behind(body, DRAIN_CAP.saturating_sub(limit));
                return Err(too_large());
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(collected))
}

/// Reads and discards up to `cap` more bytes of `body` while the answer is sent (a
/// lingering close, as nginx does), for at most [`DRAIN_TIME`].
fn drain_behind(mut body: Incoming, cap: usize) {
    tokio::spawn(tokio::time::timeout(DRAIN_TIME, async move {
        let mut seen = 0;
        while seen < cap {
            match body.frame().await {
                Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |d| d.len()),
                _ => return,
            }
        }
    }));
}

/// The media type of the request, lower-cased, without parameters.
fn media_type<B>(req: &Request<B>) -> Option<String> {
    let value = req.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Reads a JSON body into `T`. A body-less request (no content type, empty body) is
/// read as `{}` when `T` allows it, since SPEC lets a `POST` without a body omit the type.
pub async fn json<T: DeserializeOwned>(req: Request<Incoming>) -> Result<T, BodyError> {
    let media = media_type(&req);
    let bytes = read_limited(req).await?;
    match media.as_deref() {
        Some("application/json") => decode_json(&bytes),
        None if bytes.is_empty() => decode_json(b"{}"),
        _ => Err(error(
            ErrorKind::UnsupportedMediaType,
            "the body must be application/json",
        )),
    }
}

/// Reads a SCIM body (RFC 7644 §3.1: `application/scim+json`, or `application/json` as
/// directories also send): `None` when there is none.
pub async fn scim(req: Request<Incoming>) -> Result<Option<serde_json::Value>, BodyError> {
    let media = media_type(&req);
    let bytes = read_limited(req).await?;
    match media.as_deref() {
        _ if bytes.is_empty() => Ok(None),
        Some("application/scim+json" | "application/json") => decode_json(&bytes).map(Some),
        _ => Err(error(
            ErrorKind::UnsupportedMediaType,
            "the body must be application/scim+json or application/json",
        )),
    }
}

/// Reads a text body of one of the `accepted` media types: 415 for another type
/// (before reading it), 400 for bytes that are not UTF-8. Answers the media type too.
pub async fn text(
    req: Request<Incoming>,
    accepted: &[&'static str],
) -> Result<(&'static str, String), BodyError> {
    let media = media_type(&req);
    let Some(kind) = accepted.iter().find(|a| media.as_deref() == Some(**a)) else {
        return Err(error(
            ErrorKind::UnsupportedMediaType,
            format!("the body must be {}", accepted.join(" or ")),
        ));
    };
    let bytes = read_limited(req).await?;
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| error(ErrorKind::BadRequest, "the body is not valid UTF-8"))?;
    Ok((kind, text))
}

/// Reads an `application/x-www-form-urlencoded` body, as OAuth endpoints take.
pub async fn form(req: Request<Incoming>) -> Result<Bytes, BodyError> {
    let media = media_type(&req);
    let bytes = read_limited(req).await?;
    match media.as_deref() {
        Some("application/x-www-form-urlencoded") => Ok(bytes),
        _ => Err(error(
            ErrorKind::UnsupportedMediaType,
            "the body must be application/x-www-form-urlencoded",
        )),
    }
}

/// Decodes a JSON object into `T`, with messages that name the offending field.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(error(ErrorKind::BadRequest, "the body is not valid UTF-8"));
    }
    require_object(bytes)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = match inner.classify() {
            serde_json::error::Category::Data if path == "." => {
                format!("invalid request: {}", without_value(&inner.to_string()))
            }
            serde_json::error::Category::Data => format!(
                "invalid request: {path}: {}",
                without_value(&inner.to_string())
            ),
            // serde_json reports a number or object where an enum's name belongs as
            // a syntax error; in a well-formed document it is the field's fault.
            serde_json::error::Category::Syntax
                if path != "."
                    && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() =>
            {
                format!("invalid request: {path}: wrong type or value")
            }
            _ => format!("malformed JSON: {inner}"),
        };
        error(ErrorKind::BadRequest, message)
    })?;
    de.end()
        .map_err(|e| error(ErrorKind::BadRequest, format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// Refuses a body whose top-level value is not an object: serde reads an array into a
/// struct field by field, so `["x"]` would pass for `{"first_field": "x"}`. An object
/// starts with `{` after JSON whitespace; an empty body is left to the decoder's message.
fn require_object(bytes: &[u8]) -> Result<(), BodyError> {
    match bytes.iter().find(|b| !b" \t\r\n".contains(b)) {
        Some(b'{') | None => Ok(()),
        Some(_) => Err(error(
            ErrorKind::BadRequest,
            "the body must be a JSON object ({...})",
        )),
    }
}

/// serde's "invalid type: string \"…\", expected …" quotes the value, which may be a
/// secret sent in the wrong shape; keep only what was expected.
fn without_value(message: &str) -> String {
    let quotes_value = ["invalid type", "invalid value", "invalid length"]
        .iter()
        .any(|p| message.starts_with(p));
    match message.split_once(", expected ") {
        Some((_, expected)) if quotes_value => format!("wrong type or value, expected {expected}"),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        label: String,
    }

    #[test]
    fn decode_names_fields_and_refuses_bad_utf8_and_non_objects() {
        let unknown = decode_json::<Sample>(br#"{"label":"a","lable":"b"}"#).unwrap_err();
        assert!(unknown.message.contains("lable"), "{}", unknown.message);
        let missing = decode_json::<Sample>(b"{}").unwrap_err();
        assert!(missing.message.contains("label"), "{}", missing.message);
        let utf8 = decode_json::<Sample>(b"{\"label\":\"\xff\"}").unwrap_err();
        assert!(utf8.message.contains("UTF-8"));
        let wrong_type = decode_json::<Sample>(br#"{"label":7}"#).unwrap_err();
        assert!(
            wrong_type.message.contains("label:"),
            "{}",
            wrong_type.message
        );
        let trailing = decode_json::<Sample>(br#"{"label":"a"} x"#).unwrap_err();
        assert!(
            trailing.message.starts_with("malformed JSON"),
            "{}",
            trailing.message
        );
        for not_object in [&br#"["a"]"#[..], b" \n\"a\"", b"null", b"1"] {
            let refused = decode_json::<Sample>(not_object).unwrap_err();
            assert!(
                refused.message.contains("JSON object"),
                "{}",
                refused.message
            );
        }
        let syntax = decode_json::<Sample>(b"{\"label\":").unwrap_err();
        assert!(syntax.message.starts_with("malformed JSON"));
        assert_eq!(syntax.kind, ErrorKind::BadRequest);
    }
}
