//! Requests passed by reference at the authorization endpoint (RFC 9101; OIDC Core §6):
//! a `request` object signed with a key the client registered, whose parameters then
//! replace the query's (RFC 9101 §6.3); and `request_uri`, which is only ever a
//! reference from the pushed authorization request endpoint (RFC 9126 §4) and never
//! fetched.

use crate::auth::client_keys;
use crate::clock::UnixTime;
use crate::crypto::jose::{Unverified, VerifyingKey};
use crate::crypto::random;
use crate::oauth::ErrorCode;
use crate::oauth::request::{AuthorizeRequest, Params};
use crate::store::clients::Client;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The prefix of the references the pushed authorization request endpoint hands out
/// (RFC 9126 §2.2).
const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
/// How far `exp` and `nbf` may be off (SPEC: 60 s).
const LEEWAY_SECS: u64 = 60;
/// Claims about the object itself, not authorization parameters.
const ENVELOPE: [&str; 8] = [
    "iss",
    "aud",
    "exp",
    "iat",
    "nbf",
    "jti",
    "request",
    "request_uri",
];

/// Why a request by reference is refused: its error code and description.
pub(super) type Refusal = (ErrorCode, String);

/// The reference a request carries in place of its parameters.
pub(super) enum Reference<'a> {
    /// A request object (`request`).
    Object(&'a str),
    /// A pushed request's `request_uri`, a URN this service handed out.
    Pushed(&'a str),
}

/// The reference `sent` carries, if any. SPEC's order: both forms at once, then a
/// `request_uri` that is not one of ours.
pub(super) fn reference(sent: &AuthorizeRequest) -> Result<Option<Reference<'_>>, Refusal> {
    match (sent.request.as_deref(), sent.request_uri.as_deref()) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err((
            ErrorCode::InvalidRequest,
            "request and request_uri cannot be sent together".into(),
        )),
        (None, Some(uri)) if !uri.starts_with(REQUEST_URI_PREFIX) => Err((
            ErrorCode::RequestUriNotSupported,
            "request_uri must be a reference from this service's pushed authorization request endpoint".into(),
        )),
        (None, Some(uri)) => Ok(Some(Reference::Pushed(uri))),
        (Some(object), None) => Ok(Some(Reference::Object(object))),
    }
}

/// The refusal of a `request_uri` that names no pushed request this client may use.
pub(super) fn unknown_request_uri() -> Refusal {
    (
        ErrorCode::InvalidRequestUri,
        "the request_uri is unknown, expired, already used, or was issued to another client".into(),
    )
}

/// A new `request_uri` for a pushed request: the URN prefix and 256 random bits.
pub(super) fn new_request_uri() -> Result<String, crate::crypto::CryptoError> {
    Ok(format!("{REQUEST_URI_PREFIX}{}", random::secret_token()?))
}

/// The keys that may verify `object` for `client` at `now` (its registered set, fetched
/// from its `jwks_uri` when needed): a client with no keys is `request_not_supported`.
pub(super) async fn keys_for(
    ctx: &client_keys::Ctx<'_>,
    client: &Client,
    object: &str,
    now: UnixTime,
) -> Result<Arc<[VerifyingKey]>, Refusal> {
    if !client_keys::registered(client) {
        return Err((
            ErrorCode::RequestNotSupported,
            "this client has registered no keys to sign request objects with".into(),
        ));
    }
    let kid = Unverified::parse(object).ok().and_then(|u| u.header.kid);
    client_keys::for_client(ctx, client, kid.as_deref(), now)
        .await
        .map_err(|e| {
            tracing::warn!(
                "the keys of client {} (tenant incarnation {}) are out of reach: {e}",
                client.client_id,
                client.tenant_uid
            );
            (
                ErrorCode::InvalidRequestObject,
                "the client's registered keys could not be obtained".to_owned(),
            )
        })
}

/// The request `object` (sent as `sent`) carries, checked with `keys` for `client` of
/// the tenant `issuer` at `now`.
pub(super) fn unpack(
    (client, keys): (&Client, &[VerifyingKey]),
    issuer: &str,
    object: &str,
    sent: &AuthorizeRequest,
    now: UnixTime,
) -> Result<AuthorizeRequest, Refusal> {
    let bad = |why: String| (ErrorCode::InvalidRequestObject, why);
    let claims = verified(object, keys, client, issuer, now).map_err(bad)?;
    parameters(&claims, sent).map_err(bad)
}

/// The object's claims, once its signature, `typ`, `iss`, `aud`, `exp` and `nbf` hold.
fn verified(
    object: &str,
    keys: &[VerifyingKey],
    client: &Client,
    issuer: &str,
    now: UnixTime,
) -> Result<Map<String, Value>, String> {
    let unverified = Unverified::parse(object)
        .map_err(|_| "the request object is not a JWS signed with RS256, PS256, ES256 or EdDSA")?;
    if let Some(typ) = unverified.header.typ.as_deref()
        && !["JWT", "oauth-authz-req+jwt"]
            .iter()
            .any(|t| typ.eq_ignore_ascii_case(t))
    {
        return Err(format!("a request object's typ cannot be `{typ}`"));
    }
    let key = VerifyingKey::pick(keys, unverified.header.kid.as_deref(), unverified.alg())
        .ok_or("no key the client registered verifies this request object")?;
    let payload = unverified
        .verify(key)
        .map_err(|_| "the request object's signature does not verify")?;
    let claims: Map<String, Value> = serde_json::from_slice(&payload)
        .map_err(|_| "the request object's payload is not a JSON object")?;
    if claims.get("iss").and_then(Value::as_str) != Some(client.client_id.as_str()) {
        return Err("the request object's iss must be the client id".into());
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == issuer,
        Some(Value::Array(all)) => all.iter().any(|a| a.as_str() == Some(issuer)),
        _ => false,
    };
    if !audience_ok {
        return Err("the request object's aud must be this issuer".into());
    }
    let time = |name: &str| match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or(format!("the request object's {name} is not a time")),
    };
    if time("exp")?.is_some_and(|exp| exp + LEEWAY_SECS <= now) {
        return Err("the request object has expired".into());
    }
    if time("nbf")?.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
        return Err("the request object is not valid yet".into());
    }
    Ok(claims)
}

/// The authorization request the object carries. Its `client_id` must be the query's,
/// and a `response_type` or `scope` also in the query must be the same (OIDC Core §6.1);
/// every other query parameter is ignored (RFC 9101 §6.3).
fn parameters(
    claims: &Map<String, Value>,
    sent: &AuthorizeRequest,
) -> Result<AuthorizeRequest, String> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("client_id") != sent.client_id.as_deref() {
        return Err("the request object's client_id must be the request's".into());
    }
    if sent
        .response_type
        .as_deref()
        .is_some_and(|q| Some(q) != text("response_type"))
    {
        return Err("response_type differs between the query and the request object".into());
    }
    let object_scopes = crate::grant::scopes::split(text("scope"));
    if !sent.scopes.is_empty() && sent.scopes != object_scopes {
        return Err("scope differs between the query and the request object".into());
    }
    let pairs: Vec<(String, String)> = claims
        .iter()
        .filter(|(name, _)| !ENVELOPE.contains(&name.as_str()))
        .filter_map(|(name, value)| match value {
            Value::String(s) => Some((name.clone(), s.clone())),
            Value::Number(n) => Some((name.clone(), n.to_string())),
            // `claims` is a JSON object inside a request object (OIDC Core §6.1), and a
            // JSON string as a query parameter: kept as its text either way.
            Value::Object(_) if name == "claims" => Some((name.clone(), value.to_string())),
            _ => None,
        })
        .collect();
    AuthorizeRequest::parse(&Params::from_pairs(&pairs)).map_err(|e| e.public_message())
}
