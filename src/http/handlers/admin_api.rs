//! Handlers of the management API under `/v2/admin`: bearer authentication, JSON bodies,
//! problem+json errors, and a durable flush before every 2xx write.

use crate::admin::page::PageRequest;
use crate::admin::{self, AdminError};
use crate::http::body::{self, BodyError};
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::http::router::Route;
use crate::state::State;
use crate::types::{ErrorKind, Secret};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, HeaderValue, LOCATION, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};

/// Why a management call failed.
enum ApiError {
    Unauthorized,
    Body(BodyError),
    Admin(AdminError),
}

impl From<BodyError> for ApiError {
    fn from(e: BodyError) -> Self {
        ApiError::Body(e)
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        ApiError::Admin(e)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Admin(e.into())
    }
}

impl ApiError {
    fn into_response(self, log: &RequestLog) -> Response<Body> {
        match self {
            ApiError::Unauthorized => {
                let mut resp =
                    respond::problem(ErrorKind::Unauthorized, "a valid admin token is required");
                resp.headers_mut().insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"latchkey admin\""),
                );
                resp
            }
            ApiError::Body(e) => respond::problem(e.kind, &e.message),
            ApiError::Admin(e) => {
                if e.kind() == ErrorKind::Internal {
                    tracing::error!("{e} req={}", log.id());
                }
                respond::problem(e.kind(), &e.public_message())
            }
        }
    }
}

type ApiResult = Result<Response<Body>, ApiError>;

/// Answers one management call.
pub async fn handle(
    state: &State,
    route: Route<'_>,
    req: Request<Incoming>,
    log: &RequestLog,
) -> Response<Body> {
    let result = match authenticate(state, &req) {
        Ok(()) => dispatch(state, route, req).await,
        Err(e) => Err(e),
    };
    result.unwrap_or_else(|e| e.into_response(log))
}

async fn dispatch(state: &State, route: Route<'_>, req: Request<Incoming>) -> ApiResult {
    match route {
        Route::CreateAdminToken => create_token(state, req).await,
        Route::ListAdminTokens => list_tokens(state, &req),
        Route::DeleteAdminToken { id } => delete_token(state, id).await,
        _ => Ok(respond::problem(ErrorKind::NotFound, "no such endpoint")),
    }
}

/// Checks `Authorization: Bearer <admin token>` (scheme case-insensitive, RFC 7235 §2.1).
fn authenticate(state: &State, req: &Request<Incoming>) -> Result<(), ApiError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let Some((scheme, token)) = header.and_then(|h| h.split_once(' ')) else {
        return Err(ApiError::Unauthorized);
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized);
    }
    match admin::tokens::authenticate(&state.store, &Secret::new(token.trim()))? {
        Some(_) => Ok(()),
        None => Err(ApiError::Unauthorized),
    }
}

fn query_page(req: &Request<Incoming>) -> Result<PageRequest, AdminError> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    PageRequest::parse(get("limit"), get("after"))
}

fn created<T: serde::Serialize>(location: String, value: &T) -> Response<Body> {
    let mut resp = respond::json(StatusCode::CREATED, value);
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp
}

async fn create_token(state: &State, req: Request<Incoming>) -> ApiResult {
    let new: admin::tokens::NewAdminToken = body::json(req).await?;
    let (record, value) = admin::tokens::create(&state.store, &new.label, state.clock.now())?;
    state.store.flush_durable().await?;
    let location = format!("/v2/admin/tokens/{}", record.id);
    Ok(created(
        location,
        &admin::tokens::created_view(record, &value),
    ))
}

fn list_tokens(state: &State, req: &Request<Incoming>) -> ApiResult {
    let page = admin::tokens::list(&state.store, &query_page(req)?)?;
    Ok(respond::json(StatusCode::OK, &page))
}

async fn delete_token(state: &State, id: &str) -> ApiResult {
    admin::tokens::revoke(&state.store, id)?;
    state.store.flush_durable().await?;
    Ok(respond::no_content())
}
