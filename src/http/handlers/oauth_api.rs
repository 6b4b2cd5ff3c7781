//! Handlers of the token, introspection, revocation and userinfo endpoints: form bodies,
//! RFC 6749 JSON errors, `Cache-Control: no-store`, and CORS for the ones browser apps
//! call.

use crate::clock::UnixTime;
use crate::http::body::{self, BodyError};
use crate::http::cors;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::oauth::request::{ClientAuth, DpopHeader, Params, TokenForm};
use crate::oauth::tenant::Tenant;
use crate::oauth::userinfo::{Presented, Scheme};
use crate::oauth::{self, ErrorCode, OAuthError};
use crate::state::State;
use crate::store::Store;
use crate::types::ErrorKind;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};
use std::net::IpAddr;

/// Renders an OAuth error; `invalid_client` gets a Basic challenge (RFC 6749 §5.2).
fn fail(e: OAuthError, log: &RequestLog) -> Response<Body> {
    if e.kind() == ErrorKind::Internal {
        tracing::error!("{e} req={}", log.id());
    }
    let mut resp = respond::oauth_error(e.kind(), e.code().as_str(), &e.public_message());
    match e {
        OAuthError::TooMany(retry_after) => respond::retry_after(&mut resp, retry_after),
        _ if e.kind() == ErrorKind::UpstreamBusy => respond::retry_after(&mut resp, 1),
        _ => {}
    }
    if e.code() == ErrorCode::InvalidClient {
        resp.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"latchkey\""),
        );
    }
    resp
}

/// A body problem in OAuth's words: `invalid_request`, with 413 for a body over the
/// limit, 408 for one too slow to arrive, else 400.
fn body_fail(e: BodyError) -> Response<Body> {
    respond::oauth_error(
        e.form_kind(),
        ErrorCode::InvalidRequest.as_str(),
        &e.message,
    )
}

fn authorization(req: &Request<Incoming>) -> Option<String> {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The request's `DPoP` headers, for the endpoints that take a proof (token, userinfo,
/// PAR).
pub fn dpop_header(req: &Request<Incoming>) -> DpopHeader {
    DpopHeader::from_values(
        req.headers()
            .get_all("dpop")
            .iter()
            .map(HeaderValue::as_bytes),
    )
}

/// Which browser origin asked, for the endpoints browser apps may call (token,
/// revocation, userinfo); `None` for the others and for requests with no `Origin`.
struct Cors(Option<String>);

impl Cors {
    fn of(req: &Request<Incoming>, enabled: bool) -> Cors {
        Cors(enabled.then(|| cors::origin(req.headers())).flatten())
    }

    /// Adds the CORS headers for an answer about `client_id` of `tenant` (any of the
    /// tenant's clients when none is known; none at all for an unknown tenant).
    fn apply(
        &self,
        mut resp: Response<Body>,
        store: &Store,
        tenant: Option<&Tenant>,
        client_id: Option<&str>,
        log: &RequestLog,
    ) -> Response<Body> {
        let Some(origin) = &self.0 else { return resp };
        let allowed = match tenant.map(|t| oauth::cors::allows(store, t, client_id, origin)) {
            Some(Ok(allowed)) => allowed,
            Some(Err(e)) => {
                tracing::warn!("cannot read the clients' origins: {e} req={}", log.id());
                false
            }
            None => false,
        };
        cors::for_origin(&mut resp, origin, allowed);
        resp
    }
}

/// How a client-authenticated form endpoint behaves around its domain call.
struct Shape {
    /// The client address, when the address limiter guards the endpoint.
    limited: Option<IpAddr>,
    /// Whether browser apps may call it (CORS).
    cors: bool,
    /// The status of a success.
    success: StatusCode,
}

/// The shape of the client-authenticated form endpoints: the tenant first (404 before
/// anything else), then the address limiter when `limited`, then the form and the
/// client's credentials, then one domain call answered as JSON; browser origins the
/// named client lists may read the answer when `cors`.
async fn form_endpoint<T: serde::Serialize>(
    ctx: &oauth::Ctx<'_>,
    slug: &str,
    req: Request<Incoming>,
    Shape {
        limited,
        cors,
        success,
    }: Shape,
    (now, log): (UnixTime, &RequestLog),
    call: impl AsyncFnOnce(&Tenant, ClientAuth, Params) -> Result<T, OAuthError>,
) -> Response<Body> {
    let cors = Cors::of(&req, cors);
    let tenant = match oauth::tenant::lookup(ctx.store, slug) {
        Ok(t) => t,
        Err(e) => return cors.apply(fail(e, log), ctx.store, None, None, log),
    };
    let answer = async {
        if let Some(Err(e)) = limited.map(|peer| oauth::token::admit(ctx, peer, now)) {
            return (fail(e, log), None);
        }
        let auth = authorization(&req);
        let bytes = match body::form(req).await {
            Ok(b) => b,
            Err(e) => return (body_fail(e), None),
        };
        let read =
            Params::parse(&bytes).and_then(|p| Ok((ClientAuth::parse(auth.as_deref(), &p)?, p)));
        let (client, params) = match read {
            Ok(read) => read,
            Err(e) => return (fail(e, log), None),
        };
        log.set_client(&client.client_id);
        // Only a request from a browser needs the client's name afterwards.
        let named = cors.0.as_ref().map(|_| client.client_id.clone());
        match call(&tenant, client, params).await {
            Ok(answer) => (respond::json(success, &answer), named),
            Err(e) => (fail(e, log), named),
        }
    };
    let (resp, named) = answer.await;
    cors.apply(resp, ctx.store, Some(&tenant), named.as_deref(), log)
}

/// `POST /t/{tenant}/token`.
pub async fn token(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let (ctx, now) = (state.oauth(), state.clock.now());
    let dpop = dpop_header(&req);
    form_endpoint(
        &ctx,
        tenant,
        req,
        Shape {
            limited: Some(peer),
            cors: true,
            success: StatusCode::OK,
        },
        (now, log),
        async |tenant, client, params| {
            let form = TokenForm::parse(&params);
            oauth::token::handle(&ctx, tenant, (client, &dpop), form, peer, now).await
        },
    )
    .await
}

/// `POST /t/{tenant}/par`: 201 with the `request_uri` (RFC 9126 §2.2).
pub async fn par(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let (ctx, now) = (state.oauth(), state.clock.now());
    let dpop = dpop_header(&req);
    form_endpoint(
        &ctx,
        tenant,
        req,
        Shape {
            limited: Some(peer),
            cors: true,
            success: StatusCode::CREATED,
        },
        (now, log),
        async |tenant, client, params| {
            oauth::authorize::par::handle(&ctx, tenant, (&client, &dpop), &params, peer, now).await
        },
    )
    .await
}

/// `POST /t/{tenant}/introspect`.
pub async fn introspect(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let (ctx, now) = (state.oauth(), state.clock.now());
    form_endpoint(
        &ctx,
        tenant,
        req,
        Shape {
            limited: Some(peer),
            cors: false,
            success: StatusCode::OK,
        },
        (now, log),
        async |tenant, client, params| {
            oauth::introspect::handle(&ctx, tenant, &client, params.get("token"), peer, now).await
        },
    )
    .await
}

/// `POST /t/{tenant}/revoke`: an empty JSON object whatever the token was (RFC 7009 §2.2).
pub async fn revoke(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let (ctx, now) = (state.oauth(), state.clock.now());
    form_endpoint(
        &ctx,
        tenant,
        req,
        Shape {
            limited: Some(peer),
            cors: true,
            success: StatusCode::OK,
        },
        (now, log),
        async |tenant, client, params| {
            oauth::revoke::handle(&ctx, tenant, &client, params.get("token"), peer, now).await?;
            Ok(serde_json::json!({}))
        },
    )
    .await
}

/// `GET`/`POST /t/{tenant}/userinfo`: the token from `Authorization: Bearer`, from the
/// form of a POST (RFC 6750 §2.2), or from `Authorization: DPoP` with a proof (RFC 9449
/// §7.1); a failure carries a Bearer or DPoP challenge (RFC 6750 §3, RFC 9449 §7.1).
pub async fn userinfo(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    log: &RequestLog,
) -> Response<Body> {
    let (ctx, now) = (state.oauth(), state.clock.now());
    let cors = Cors::of(&req, true);
    let tenant = match oauth::tenant::lookup(ctx.store, tenant) {
        Ok(t) => t,
        Err(e) => return cors.apply(fail(e, log), ctx.store, None, None, log),
    };
    let method = req.method().clone();
    let header_token = authorization(&req).and_then(|h| {
        let (scheme, token) = h.split_once(' ')?;
        let token = token.trim().to_owned();
        if scheme.eq_ignore_ascii_case("bearer") {
            Some(Presented::Bearer(token))
        } else if scheme.eq_ignore_ascii_case("dpop") {
            let proof = dpop_header(&req);
            Some(Presented::Dpop { token, proof })
        } else {
            None
        }
    });
    let presented = match (header_token, method == hyper::Method::POST) {
        (Some(p), _) => p,
        (None, true) => match body::form(req).await {
            Ok(b) => match Params::parse(&b) {
                Ok(p) => p
                    .get("access_token")
                    .map_or(Presented::Nothing, |t| Presented::Bearer(t.to_owned())),
                // A form that does not decode carries no token: the answer says one is needed.
                Err(_) => Presented::Nothing,
            },
            Err(e) => return cors.apply(body_fail(e), ctx.store, Some(&tenant), None, log),
        },
        (None, false) => Presented::Nothing,
    };
    let request = oauth::userinfo::Request {
        method: method.as_str(),
        now,
    };
    let answer = oauth::userinfo::handle(&ctx, &tenant, presented, request);
    if let Some(client) = &answer.client_id {
        log.set_client(client);
    }
    let resp = match answer.claims {
        Ok(u) => respond::json(StatusCode::OK, &u),
        Err(e) => bearer_fail(e, answer.scheme, log),
    };
    cors.apply(
        resp,
        ctx.store,
        Some(&tenant),
        answer.client_id.as_deref(),
        log,
    )
}

/// `OPTIONS` under `/t/{tenant}`: a CORS preflight, answered for an origin some client
/// of the tenant lists, on an endpoint browsers may call; else 403.
pub fn preflight(
    state: &State,
    tenant: &str,
    cors: bool,
    req: &Request<Incoming>,
    log: &RequestLog,
) -> Response<Body> {
    let origin = cors::origin(req.headers());
    let listed = match (&origin, oauth::tenant::lookup(&state.store, tenant)) {
        (Some(o), Ok(t)) if cors => oauth::cors::listed(&state.store, &t, o),
        _ => Ok(false),
    };
    match listed {
        Ok(listed) => cors::preflight(origin.as_deref(), listed),
        Err(e) => fail(e.into(), log),
    }
}

/// A userinfo refusal with its challenge: `Bearer` for a bearer token, `DPoP` naming the
/// algorithms for a bound token or the DPoP scheme, both when no token came (RFC 9449
/// §7.1, §7.2).
fn bearer_fail(e: OAuthError, scheme: Scheme, log: &RequestLog) -> Response<Body> {
    let algs = oauth::dpop::ALGS.join(" ");
    let challenge = match (e.code(), scheme) {
        (ErrorCode::InvalidRequest, _) if matches!(e, OAuthError::Protocol { .. }) => {
            format!("Bearer realm=\"latchkey\", DPoP algs=\"{algs}\"")
        }
        (
            code @ (ErrorCode::InvalidToken
            | ErrorCode::InsufficientScope
            | ErrorCode::InvalidDpopProof),
            Scheme::Dpop | Scheme::Either,
        ) => format!("DPoP error=\"{}\", algs=\"{algs}\"", code.as_str()),
        (code @ (ErrorCode::InvalidToken | ErrorCode::InsufficientScope), Scheme::Bearer) => {
            format!("Bearer realm=\"latchkey\", error=\"{}\"", code.as_str())
        }
        _ => return fail(e, log),
    };
    let mut resp = fail(e, log);
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(WWW_AUTHENTICATE, v);
    }
    *resp.status_mut() = match resp.status() {
        StatusCode::BAD_REQUEST => StatusCode::UNAUTHORIZED,
        s => s,
    };
    resp
}
