//! Reading request bodies: a size limit, the content type, and decoding into typed values.

use crate::types::ErrorKind;
use http_body_util::{BodyExt, Limited};
use hyper::Request;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE};
use serde::de::DeserializeOwned;

/// The default body limit of SPEC: 64 KiB.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// A body that could not be read or decoded, with the message for the caller.
#[derive(Debug)]
pub struct BodyError {
    /// The failure class (400, 413 or 415).
    pub kind: ErrorKind,
    /// What was wrong, naming the field where there is one.
    pub message: String,
}

fn error(kind: ErrorKind, message: impl Into<String>) -> BodyError {
    BodyError {
        kind,
        message: message.into(),
    }
}

/// Reads the whole body, refusing more than `limit` bytes (by header and by count).
pub async fn read_limited(req: Request<Incoming>, limit: usize) -> Result<Bytes, BodyError> {
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
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(_) => Err(error(ErrorKind::BadRequest, "the body could not be read")),
    }
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
    let bytes = read_limited(req, DEFAULT_LIMIT).await?;
    match media.as_deref() {
        Some("application/json") => decode_json(&bytes),
        None if bytes.is_empty() => decode_json(b"{}"),
        _ => Err(error(
            ErrorKind::UnsupportedMediaType,
            "the body must be application/json",
        )),
    }
}

/// Decodes JSON bytes, with messages that name the offending field.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(error(ErrorKind::BadRequest, "the body is not valid UTF-8"));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "invalid request",
            _ => "malformed JSON",
        };
        error(ErrorKind::BadRequest, format!("{what}: {e}"))
    })
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
    fn decode_names_unknown_and_missing_fields_and_refuses_bad_utf8() {
        let unknown = decode_json::<Sample>(br#"{"label":"a","lable":"b"}"#).unwrap_err();
        assert!(unknown.message.contains("lable"), "{}", unknown.message);
        let missing = decode_json::<Sample>(b"{}").unwrap_err();
        assert!(missing.message.contains("label"), "{}", missing.message);
        let utf8 = decode_json::<Sample>(b"{\"label\":\"\xff\"}").unwrap_err();
        assert!(utf8.message.contains("UTF-8"));
        let syntax = decode_json::<Sample>(b"{\"label\":").unwrap_err();
        assert!(syntax.message.starts_with("malformed JSON"));
        assert_eq!(syntax.kind, ErrorKind::BadRequest);
    }
}
