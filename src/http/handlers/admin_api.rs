//! Handlers of the management API under `/v2/admin`: bearer authentication, JSON bodies,
//! problem+json errors, and a durable flush before every 2xx write.

use crate::admin::page::PageRequest;
use crate::admin::{self, AdminError, Ctx};
use crate::audit::Actor;
use crate::auth::ForeignTokenError;
use crate::exchange::{self, ExchangeError};
use crate::http::body::{self, BodyError};
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::http::router::AdminRoute;
use crate::state::State;
use crate::types::{ErrorKind, Secret};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, HeaderValue, LOCATION, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};
use serde::Serialize;

/// Why a management call failed.
enum ApiError {
    Unauthorized,
    Body(BodyError),
    Admin(AdminError),
    Exchange(ExchangeError),
}

impl From<ExchangeError> for ApiError {
    fn from(e: ExchangeError) -> Self {
        match e {
            ExchangeError::ForeignToken(ForeignTokenError::NotConfigured(t)) => ApiError::Admin(
                AdminError::NotFound(format!("tenant `{t}` has no introspection settings")),
            ),
            other => ApiError::Exchange(other),
        }
    }
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
            ApiError::Exchange(e) => {
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
    route: AdminRoute<'_>,
    req: Request<Incoming>,
    log: &RequestLog,
) -> Response<Body> {
    let result = match authenticate(state, &req) {
        Ok((actor, role)) => {
            let ctx = Ctx {
                store: &state.store,
                master: &state.master,
                now: state.clock.now(),
                actor,
                role,
                public_url: &state.config.public_url,
                passwords: state.config.passwords,
                destinations: &state.destinations,
            };
            dispatch(state, &ctx, route, req).await
        }
        Err(e) => Err(e),
    };
    result.unwrap_or_else(|e| e.into_response(log))
}

/// The 401 (or store failure) a request without a valid admin token gets, if it has none.
pub(super) fn unauthenticated(
    state: &State,
    req: &Request<Incoming>,
    log: &RequestLog,
) -> Option<Response<Body>> {
    authenticate(state, req).err().map(|e| e.into_response(log))
}

/// Checks `Authorization: Bearer <admin token>` (scheme case-insensitive, RFC 7235 §2.1);
/// answers who acts and the token's role.
fn authenticate(
    state: &State,
    req: &Request<Incoming>,
) -> Result<(Actor, crate::types::AdminRole), ApiError> {
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
    match admin::tokens::authenticate_manager(&state.store, &Secret::new(token.trim()))? {
        Some(t) => Ok((Actor::AdminToken(t.id), t.role)),
        None => Err(ApiError::Unauthorized),
    }
}

/// The query string's pairs.
fn query(req: &Request<Incoming>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn param<'q>(pairs: &'q [(String, String)], key: &str) -> Option<&'q str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn page(pairs: &[(String, String)]) -> Result<PageRequest, AdminError> {
    PageRequest::parse(param(pairs, "limit"), param(pairs, "after"))
}

fn ok<T: Serialize>(value: &T) -> ApiResult {
    Ok(respond::json(StatusCode::OK, value))
}

/// Makes the write durable, then answers `status` with `value` (and `Location` if given).
async fn written<T: Serialize>(
    state: &State,
    status: StatusCode,
    location: Option<String>,
    value: &T,
) -> ApiResult {
    state.store.flush_durable().await?;
    let mut resp = respond::json(status, value);
    if let Some(l) = location {
        // Built from validated ids, so this cannot fail; should it, the body still names it.
        match HeaderValue::from_str(&l) {
            Ok(v) => {
                resp.headers_mut().insert(LOCATION, v);
            }
            Err(e) => tracing::error!("no Location header for {l:?}: {e}"),
        }
    }
    Ok(resp)
}

async fn deleted(state: &State) -> ApiResult {
    state.store.flush_durable().await?;
    Ok(respond::no_content())
}

async fn dispatch(
    state: &State,
    ctx: &Ctx<'_>,
    route: AdminRoute<'_>,
    req: Request<Incoming>,
) -> ApiResult {
    use AdminRoute::*;
    use admin::{
        accounts, api_keys, audit_log, branding, clients, keys, members, recovery_links, settings,
        tenants, tokens,
    };
    let q = query(&req);
    match route {
        CreateTenant => {
            let v = tenants::create(ctx, &body::json(req).await?)?;
            written(
                state,
                StatusCode::CREATED,
                Some(format!("/v2/admin/tenants/{}", v.id)),
                &v,
            )
            .await
        }
        ListTenants => ok(&tenants::list(ctx, &page(&q)?)?),
        GetTenant { t } => ok(&tenants::get(ctx, t)?),
        PatchTenant { t } => {
            let v = tenants::patch(ctx, t, &body::json(req).await?)?;
            written(state, StatusCode::OK, None, &v).await
        }
        DeleteTenant { t } => {
            let uid = tenants::delete(ctx, t)?;
            tenants::sweep(std::sync::Arc::clone(&state.store), uid).await?;
            deleted(state).await
        }
        PutIntrospection { t } => {
            let v = settings::put_introspection(ctx, t, &body::json(req).await?)?;
            written(state, StatusCode::OK, None, &v).await
        }
        GetIntrospection { t } => ok(&settings::get_introspection(ctx, t)?),
        TestIntrospection { t } => {
            let tenant = ctx.tenant(t)?;
            let probe: exchange::probe::ProbeRequest = body::json(req).await?;
            let report = exchange::probe::run(&state.exchange(), &tenant, &probe, ctx.now).await?;
            ok(&report.for_caller(ctx))
        }
        DeleteIntrospection { t } => {
            settings::delete_introspection(ctx, t)?;
            deleted(state).await
        }
        PutUpstream { t } => {
            let v = settings::put_upstream(ctx, t, &body::json(req).await?)?;
            written(state, StatusCode::OK, None, &v).await
        }
        GetUpstream { t } => ok(&settings::get_upstream(ctx, t)?),
        TestUpstream { t } => {
            let tenant = ctx.tenant(t)?;
            let Some(upstream) = ctx.store.upstream(tenant.uid)? else {
                return Err(ApiError::Admin(AdminError::NotFound(format!(
                    "tenant `{t}` has no upstream OpenID provider"
                ))));
            };
            ok(&crate::broker::probe::run(&state.broker(), &upstream).await)
        }
        DeleteUpstream { t } => {
            settings::delete_upstream(ctx, t)?;
            deleted(state).await
        }
        PutBranding { t } => {
            let v = branding::put(ctx, t, &body::json(req).await?)?;
            written(state, StatusCode::OK, None, &v).await
        }
        GetBranding { t } => ok(&branding::get(ctx, t)?),
        DeleteBranding { t } => {
            branding::delete(ctx, t)?;
            deleted(state).await
        }
        CreateClient { t } => {
            let v = clients::create(ctx, t, &body::json(req).await?)?;
            let location = format!("/v2/admin/tenants/{t}/clients/{}", v.client_id);
            written(state, StatusCode::CREATED, Some(location), &v).await
        }
        ListClients { t } => ok(&clients::list(ctx, t, &page(&q)?)?),
        GetClient { t, c } => ok(&clients::get(ctx, t, c)?),
        PatchClient { t, c } => {
            let v = clients::patch(ctx, t, c, &body::json(req).await?)?;
            written(state, StatusCode::OK, None, &v).await
        }
        DeleteClient { t, c } => {
            clients::delete(ctx, t, c)?;
            deleted(state).await
        }
        RotateClientSecret { t, c } => {
            let v = clients::rotate_secret(ctx, t, c)?;
            written(state, StatusCode::OK, None, &v).await
        }
        CreateApiKey { t, c } => {
            let v = api_keys::create(ctx, t, c, &body::json(req).await?)?;
            let location = format!("/v2/admin/tenants/{t}/clients/{c}/api-keys/{}", v.id);
            written(state, StatusCode::CREATED, Some(location), &v).await
        }
        ListApiKeys { t, c } => ok(&api_keys::list(ctx, t, c, &page(&q)?)?),
        DeleteApiKey { t, c, id } => {
            api_keys::revoke(ctx, t, c, id)?;
            deleted(state).await
        }
        PutMember { t, account } => {
            let v = members::put(ctx, t, account, &body::json(req).await?)?;
            written(state, StatusCode::OK, None, &v).await
        }
        ListMembers { t } => ok(&members::list(ctx, t, &page(&q)?)?),
        DeleteMember { t, account } => {
            members::delete(ctx, t, account)?;
            deleted(state).await
        }
        CreateScimToken { t } => {
            let v = admin::scim_tokens::create(ctx, t, &body::json(req).await?)?;
            let location = format!("/v2/admin/tenants/{t}/scim-tokens/{}", v.id);
            written(state, StatusCode::CREATED, Some(location), &v).await
        }
        ListScimTokens { t } => ok(&admin::scim_tokens::list(ctx, t, &page(&q)?)?),
        DeleteScimToken { t, id } => {
            admin::scim_tokens::delete(ctx, t, id)?;
            deleted(state).await
        }
        ProvisionAccount { t } => {
            let v = members::provision(ctx, t, &body::json(req).await?).await?;
            written(
                state,
                StatusCode::CREATED,
                Some(format!("/v2/admin/accounts/{}", v.id)),
                &v,
            )
            .await
        }
        ImportAccounts { t } => {
            // Another tenant's import is a 404 whatever the body, as for every route.
            ctx.tenant(t)?;
            let (media, text) = body::text(req, &["text/csv", "application/x-ndjson"]).await?;
            let format = match media {
                "text/csv" => admin::file_import::Format::Csv,
                _ => admin::file_import::Format::Ndjson,
            };
            let report = admin::file_import::run(ctx, t, ctx.reach(), format, &text).await?;
            written(state, StatusCode::OK, None, &report).await
        }
        CreateAccount => {
            let v = accounts::create(ctx, &body::json(req).await?).await?;
            written(
                state,
                StatusCode::CREATED,
                Some(format!("/v2/admin/accounts/{}", v.id)),
                &v,
            )
            .await
        }
        // A search scans every account: let the runtime move other work off this worker.
        ListAccounts => ok(&tokio::task::block_in_place(|| {
            accounts::list(ctx, param(&q, "username"), param(&q, "q"), &page(&q)?)
        })?),
        GetAccount { id } => ok(&accounts::get(ctx, id)?),
        PatchAccount { id } => {
            let v = accounts::patch(ctx, id, &body::json(req).await?).await?;
            written(state, StatusCode::OK, None, &v).await
        }
        DeleteAccount { id } => {
            accounts::delete(ctx, id)?;
            deleted(state).await
        }
        EndAccountSessions { id } => {
            accounts::end_sessions(ctx, id)?;
            deleted(state).await
        }
        RemoveAccountMfa { id } => {
            accounts::remove_factors(ctx, id)?;
            deleted(state).await
        }
        CreateRecoveryLink { id } => {
            let v = recovery_links::create(ctx, id, &body::json(req).await?)?;
            written(state, StatusCode::CREATED, None, &v).await
        }
        CreateToken => {
            let new: tokens::NewAdminToken = body::json(req).await?;
            let (record, value) = tokens::create_from(ctx, &new)?;
            let location = format!("/v2/admin/tokens/{}", record.id);
            written(
                state,
                StatusCode::CREATED,
                Some(location),
                &tokens::created_view(ctx, record, &value)?,
            )
            .await
        }
        ListTokens => ok(&tokens::list(ctx, &page(&q)?)?),
        DeleteToken { id } => {
            tokens::revoke(ctx, id)?;
            deleted(state).await
        }
        ListKeys => ok(&keys::list(ctx)?),
        RotateKeys => {
            state.set_keys(keys::rotate(ctx).await?);
            written(state, StatusCode::OK, None, &keys::list(ctx)?).await
        }
        Backup => {
            let dir = state.config.data_dir.clone();
            let (file, records) =
                tokio::task::block_in_place(|| admin::backup::snapshot(ctx, &dir))?;
            tracing::info!("backup: {records} records streamed");
            state.metrics.backup_written(ctx.now);
            Ok(respond::stream_file(file, "application/cbor-seq"))
        }
        ListAudit => {
            let filter = audit_log::AuditFilter {
                tenant: param(&q, "tenant").map(str::to_owned),
                account: param(&q, "account").map(str::to_owned),
                kind: param(&q, "kind").map(str::to_owned),
                since: param(&q, "since")
                    .map(|d| audit_log::parse_day("since", d, false))
                    .transpose()?,
                until: param(&q, "until")
                    .map(|d| audit_log::parse_day("until", d, true))
                    .transpose()?,
            };
            // A filtered read may scan far back: keep it off the other requests' way.
            ok(&tokio::task::block_in_place(|| {
                audit_log::list(ctx, &filter, &page(&q)?)
            })?)
        }
    }
}
