//! Handlers of the browser endpoints: authorize, the sign-in form and the stylesheet.
//! Errors here are HTML pages; redirects go only to registered redirect URIs.

use super::cookie;
use crate::broker::{self, BrokerError, begin::Begin};
use crate::clock::UnixTime;
use crate::grant::session;
use crate::http::body::{self, BodyError};
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::oauth::authorize::{self, Outcome};
use crate::oauth::consent::{self, ConsentOutcome};
use crate::oauth::login::{self, LoginOutcome};
use crate::oauth::logout::{self, LogoutOutcome};
use crate::oauth::request::{AuthorizeRequest, ConsentForm, LoginForm, LogoutRequest, Params};
use crate::oauth::second_factor;
use crate::oauth::tenant::Tenant;
use crate::oauth::{self, OAuthError};
use crate::state::State;
use crate::types::ErrorKind;
use crate::ui::{FormPostView, MessageView};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use std::net::IpAddr;

/// An HTML error page.
pub(super) fn error_page(
    state: &State,
    status: StatusCode,
    title: &str,
    message: &str,
    log: &RequestLog,
) -> Response<Body> {
    let view = MessageView {
        title: title.to_owned(),
        message: message.to_owned(),
        reference: Some(log.id().to_owned()),
    };
    render(state, "error.html", &view, status, None, log)
}

/// A page with a title and a message.
fn page(
    state: &State,
    template: &'static str,
    status: StatusCode,
    title: &str,
    message: &str,
    log: &RequestLog,
) -> Response<Body> {
    let view = MessageView {
        title: title.to_owned(),
        message: message.to_owned(),
        reference: None,
    };
    render(state, template, &view, status, None, log)
}

/// Renders `template`; a form page also gets `csrf` as its double-submit cookie. A
/// template that fails to render is a bug: logged, answered 500.
pub(super) fn render<T: serde::Serialize>(
    state: &State,
    template: &'static str,
    view: &T,
    status: StatusCode,
    csrf: Option<&str>,
    log: &RequestLog,
) -> Response<Body> {
    let brand = super::branding::brand(state, log);
    match state.ui.render_branded(template, view, brand.as_ref()) {
        Ok(html) => {
            let mut resp = respond::html(status, html);
            if let Some(token) = csrf {
                respond::set_cookie(&mut resp, session::CSRF_COOKIE, token, "Strict", 600);
            }
            resp
        }
        Err(e) => {
            tracing::error!("{e} req={}", log.id());
            respond::html(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
        }
    }
}

/// A 500 page; what went wrong goes to the log only.
fn internal_error_page(
    state: &State,
    e: &dyn std::fmt::Display,
    log: &RequestLog,
) -> Response<Body> {
    tracing::error!("{e} req={}", log.id());
    error_page(
        state,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The sign-in service failed; try again.",
        log,
    )
}

pub(super) fn oauth_page(state: &State, e: OAuthError, log: &RequestLog) -> Response<Body> {
    if let OAuthError::TooMany(retry_after) = e {
        return too_many(state, retry_after, TOO_MANY_STARTED, log);
    }
    match e.kind() {
        ErrorKind::NotFound => error_page(
            state,
            StatusCode::NOT_FOUND,
            "Unknown sign-in service",
            &e.public_message(),
            log,
        ),
        ErrorKind::Internal => internal_error_page(state, &e, log),
        _ => error_page(
            state,
            StatusCode::BAD_REQUEST,
            "Sign-in request not accepted",
            &e.public_message(),
            log,
        ),
    }
}

/// Reads the request's parameters: the query of a GET, the form of a POST.
async fn params(req: Request<Incoming>) -> Result<Params, BodyError> {
    let bytes = if req.method() == Method::POST {
        body::form(req).await?
    } else {
        hyper::body::Bytes::copy_from_slice(req.uri().query().unwrap_or("").as_bytes())
    };
    Params::parse(&bytes).map_err(|e| BodyError {
        kind: ErrorKind::BadRequest,
        message: e.public_message(),
    })
}

/// The page for parameters that could not be read, titled `title`: 413 for a body over
/// the limit, 408 for one too slow to arrive, else 400.
fn unreadable(state: &State, title: &str, e: &BodyError, log: &RequestLog) -> Response<Body> {
    let status = respond::status_of(e.form_kind());
    error_page(state, status, title, &e.message, log)
}

pub(super) fn outcome(state: &State, tenant: &str, o: Outcome, log: &RequestLog) -> Response<Body> {
    match o {
        Outcome::Redirect(location) => respond::see_other(&location),
        Outcome::ErrorPage(message) => error_page(
            state,
            StatusCode::BAD_REQUEST,
            "Sign-in request not accepted",
            &message,
            log,
        ),
        Outcome::FormPost { action, fields } => match state
            .ui
            .render("form_post.html", &FormPostView { action, fields })
        {
            Ok(html) => respond::form_post_page(html),
            Err(e) => {
                tracing::error!("{e} req={}", log.id());
                respond::html(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
            }
        },
        Outcome::Consent { pending_id } => {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("request", &pending_id)
                .finish();
            respond::see_other(&format!("/t/{tenant}/consent?{query}"))
        }
        Outcome::SecondFactor { pending_id } => {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("request", &pending_id)
                .finish();
            respond::see_other(&format!("/t/{tenant}/mfa?{query}"))
        }
        Outcome::PasswordChange { pending_id } => {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("request", &pending_id)
                .finish();
            respond::see_other(&format!("/t/{tenant}/password?{query}"))
        }
        Outcome::Login {
            pending_id,
            login_hint,
        } => {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            ser.append_pair("request", &pending_id);
            if let Some(h) = login_hint {
                ser.append_pair("login_hint", &h);
            }
            respond::see_other(&format!("/t/{tenant}/login?{}", ser.finish()))
        }
    }
}

/// What every browser endpoint reads first, in SPEC's order, with the OpenID
/// Provider's context and the request's time.
pub(super) struct BrowserRequest<'a> {
    pub(super) ctx: oauth::Ctx<'a>,
    pub(super) now: UnixTime,
    pub(super) tenant: Tenant,
    pub(super) params: Params,
    pub(super) session: Option<String>,
    pub(super) csrf: Option<String>,
    pub(super) is_post: bool,
}

/// Reads a browser request: the tenant first (a 404 page before anything else), then for
/// a POST the address limiter when `limit` names the peer, then cookies and parameters.
/// `refused` titles the error page of unreadable parameters.
pub(super) async fn read<'a>(
    state: &'a State,
    tenant: &str,
    req: Request<Incoming>,
    limit: Option<IpAddr>,
    refused: &str,
    log: &RequestLog,
) -> Result<BrowserRequest<'a>, Response<Body>> {
    let (ctx, now) = (state.oauth(), state.clock.now());
    let tenant = oauth::tenant::lookup(ctx.store, tenant).map_err(|e| oauth_page(state, e, log))?;
    let is_post = req.method() == Method::POST;
    if let Some(Err(blocked)) = limit
        .filter(|_| is_post)
        .map(|peer| login::admit_address(&ctx, peer, now))
    {
        return Err(too_many(state, blocked.retry_after, TOO_MANY_FAILED, log));
    }
    let session = cookie(&req, session::COOKIE);
    let csrf = cookie(&req, session::CSRF_COOKIE);
    match params(req).await {
        Ok(params) => Ok(BrowserRequest {
            ctx,
            now,
            tenant,
            params,
            session,
            csrf,
            is_post,
        }),
        Err(e) => Err(unreadable(state, refused, &e, log)),
    }
}

/// `GET`/`POST /t/{tenant}/authorize` from the client address `peer`.
pub async fn authorize(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let r = match read(
        state,
        tenant,
        req,
        None,
        "Sign-in request not accepted",
        log,
    )
    .await
    {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let answered = match AuthorizeRequest::parse(&r.params) {
        Ok(sent) => {
            if let Some(client) = &sent.client_id {
                log.set_client(client);
            }
            authorize::handle(&r.ctx, &r.tenant, sent, r.session.as_deref(), peer, r.now).await
        }
        Err(e) => Err(e),
    };
    match answered {
        Ok(o) => outcome(state, tenant, o, log),
        Err(e) => oauth_page(state, e, log),
    }
}

fn login_form(
    state: &State,
    view: &crate::ui::LoginView,
    status: StatusCode,
    log: &RequestLog,
) -> Response<Body> {
    scripted(render(
        state,
        "login.html",
        view,
        status,
        Some(&view.csrf),
        log,
    ))
}

/// A page that may run the passkey script: the CSP lets our own scripts run.
pub(super) fn scripted(mut resp: Response<Body>) -> Response<Body> {
    respond::allow_own_scripts(&mut resp);
    resp
}

/// Why a 429 page: failed sign-ins, or sign-ins started from one address.
pub(super) const TOO_MANY_FAILED: &str = "Too many failed sign-ins.";
const TOO_MANY_STARTED: &str = "Too many sign-ins were started from your network.";

/// A 429 page with `Retry-After`, saying `why`.
pub(super) fn too_many(
    state: &State,
    retry_after: u64,
    why: &str,
    log: &RequestLog,
) -> Response<Body> {
    let message = format!("{why} Try again in {retry_after} seconds.");
    let mut resp = error_page(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        "Please wait",
        &message,
        log,
    );
    respond::retry_after(&mut resp, retry_after);
    resp
}

/// `GET`/`POST /t/{tenant}/login`. A POST from an address that failed too often is
/// refused before its form is read.
pub async fn login(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let r = match read(state, tenant, req, Some(peer), "Sign-in not accepted", log).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let result = if r.is_post {
        let form = LoginForm::parse(&r.params);
        login::submit(&r.ctx, &r.tenant, form, r.csrf.as_deref(), peer, r.now).await
    } else {
        let (request_id, hint) = (r.params.get("request"), r.params.get("login_hint"));
        let session = r.session.as_deref();
        let broker = state.broker();
        match broker::begin::begin(&broker, tenant, request_id, hint, session, peer, r.now).await {
            Ok(Begin::NotBrokered) => login::show(&r.ctx, &r.tenant, request_id, hint, r.now),
            Ok(Begin::Redirect { location, cookie }) => {
                let mut resp = respond::see_other(&location);
                respond::set_cookie(
                    &mut resp,
                    broker::COOKIE,
                    cookie.expose(),
                    "Lax",
                    broker::FLIGHT_SECS,
                );
                return resp;
            }
            Err(e) => return broker_page(state, e, log),
        }
    };
    match result {
        Ok(LoginOutcome::Form { view, failed }) => {
            let status = if failed {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            };
            login_form(state, &view, status, log)
        }
        Ok(LoginOutcome::ErrorPage(m)) => error_page(
            state,
            StatusCode::BAD_REQUEST,
            "Sign-in not accepted",
            &m,
            log,
        ),
        Ok(LoginOutcome::TooMany(retry_after)) => {
            too_many(state, retry_after, TOO_MANY_FAILED, log)
        }
        Ok(LoginOutcome::SecondStep { cookie, pending_id }) => {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("request", &pending_id)
                .finish();
            let mut resp = respond::see_other(&format!("/t/{tenant}/mfa?{query}"));
            respond::set_cookie(
                &mut resp,
                second_factor::STEP_COOKIE,
                cookie.expose(),
                "Lax",
                crate::grant::pending::TTL_SECS,
            );
            resp
        }
        Ok(LoginOutcome::Done { cookie, outcome: o }) => {
            let mut resp = outcome(state, tenant, o, log);
            respond::set_cookie(
                &mut resp,
                session::COOKIE,
                cookie.expose(),
                "Lax",
                session::LIFETIME_SECS,
            );
            resp
        }
        Err(e) => oauth_page(state, e, log),
    }
}

/// `GET`/`POST /t/{tenant}/logout`.
pub async fn logout(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    log: &RequestLog,
) -> Response<Body> {
    let r = match read(state, tenant, req, None, "Sign-out not accepted", log).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let (session, csrf) = (r.session.as_deref(), r.csrf.as_deref());
    let req = LogoutRequest::parse(&r.params);
    let outcome = logout::handle(&r.ctx, &r.tenant, &req, session, csrf, r.now).await;
    let mut resp = match outcome {
        Ok(LogoutOutcome::Redirect(location)) => respond::see_other(&location),
        Ok(LogoutOutcome::Upstream { settings, ended }) => {
            let broker = state.broker();
            match broker::logout::location(&broker, &settings, ended.as_ref(), r.now).await {
                Some(location) => respond::see_other(&location),
                None => signed_out(state, log),
            }
        }
        Ok(LogoutOutcome::SignedOut) => signed_out(state, log),
        Ok(LogoutOutcome::Confirm(view)) => {
            return render(
                state,
                "logout.html",
                &view,
                StatusCode::OK,
                Some(&view.csrf),
                log,
            );
        }
        Ok(LogoutOutcome::ErrorPage(m)) => {
            return error_page(
                state,
                StatusCode::BAD_REQUEST,
                "Sign-out not accepted",
                &m,
                log,
            );
        }
        Err(e) => return oauth_page(state, e, log),
    };
    respond::set_cookie(&mut resp, session::COOKIE, "", "Lax", 0);
    resp
}

fn signed_out(state: &State, log: &RequestLog) -> Response<Body> {
    page(
        state,
        "info.html",
        StatusCode::OK,
        "You are signed out",
        "You can close this window.",
        log,
    )
}

/// A brokered sign-in that stopped: 403 for a user the broker refuses, else 400.
fn broker_page(state: &State, e: BrokerError, log: &RequestLog) -> Response<Body> {
    match e {
        BrokerError::Page(m) => error_page(
            state,
            StatusCode::BAD_REQUEST,
            "Sign-in not completed",
            &m,
            log,
        ),
        BrokerError::Refused(m) => {
            error_page(state, StatusCode::FORBIDDEN, "Access refused", &m, log)
        }
        BrokerError::TooMany(retry_after) => too_many(state, retry_after, TOO_MANY_STARTED, log),
        BrokerError::UnknownTenant(_) => error_page(
            state,
            StatusCode::NOT_FOUND,
            "Unknown sign-in service",
            &e.to_string(),
            log,
        ),
        other => internal_error_page(state, &other, log),
    }
}

/// `GET /v2/login/oidc/callback` (either spelling): the upstream's answer. The binding
/// cookie is cleared only on success, so a forged callback cannot spoil a real login.
pub async fn callback(state: &State, req: Request<Incoming>, log: &RequestLog) -> Response<Body> {
    let browser = cookie(&req, broker::COOKIE);
    let params = match params(req).await {
        Ok(p) => p,
        Err(e) => return unreadable(state, "Sign-in not completed", &e, log),
    };
    let request = broker::callback::CallbackRequest {
        state: params.get("state"),
        code: params.get("code"),
        error: params.get("error"),
        error_description: params.get("error_description"),
    };
    let now = state.clock.now();
    let done =
        match broker::callback::handle(&state.broker(), &request, browser.as_deref(), now).await {
            Ok(done) => done,
            Err(e) => return broker_page(state, e, log),
        };
    let resumed = authorize::resume(
        &state.oauth(),
        &done.tenant,
        &done.pending,
        &done.session,
        now,
    );
    let mut resp = match resumed {
        Ok(o) => outcome(state, done.tenant.id.as_str(), o, log),
        Err(e) => return oauth_page(state, e, log),
    };
    respond::set_cookie(
        &mut resp,
        session::COOKIE,
        done.cookie.expose(),
        "Lax",
        session::LIFETIME_SECS,
    );
    respond::set_cookie(&mut resp, broker::COOKIE, "", "Lax", 0);
    resp
}

/// `GET`/`POST /t/{tenant}/consent`.
pub async fn consent(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    log: &RequestLog,
) -> Response<Body> {
    let r = match read(state, tenant, req, None, "Consent not accepted", log).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let result = if r.is_post {
        let form = ConsentForm::parse(&r.params);
        let (session, csrf) = (r.session.as_deref(), r.csrf.as_deref());
        consent::decide(&r.ctx, &r.tenant, &form, session, csrf, r.now)
    } else {
        let request_id = r.params.get("request");
        consent::show(&r.ctx, &r.tenant, request_id, r.session.as_deref(), r.now)
    };
    match result {
        Ok(ConsentOutcome::Page(view)) => render(
            state,
            "consent.html",
            &view,
            StatusCode::OK,
            Some(&view.csrf),
            log,
        ),
        Ok(ConsentOutcome::ErrorPage(m)) => error_page(
            state,
            StatusCode::BAD_REQUEST,
            "Consent not accepted",
            &m,
            log,
        ),
        Ok(ConsentOutcome::Done(o)) => outcome(state, tenant, o, log),
        Err(e) => oauth_page(state, e, log),
    }
}

/// `GET /static/style.css`.
pub fn stylesheet() -> Response<Body> {
    respond::stylesheet(crate::ui::STYLESHEET)
}
