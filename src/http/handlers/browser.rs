//! Handlers of the browser endpoints: authorize, the sign-in form and the stylesheet.
//! Errors here are HTML pages; redirects go only to registered redirect URIs.

use super::cookie;
use super::pages::{
    TOO_MANY_FAILED, TOO_MANY_STARTED, Title, accept_language, error_page, internal_error_page,
    oauth_page, render, scripted, tenant_default_locale, too_many,
};
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
use crate::ui::{FormPostView, Locale, MessageView, Msg, Text, locale};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use std::net::IpAddr;

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
fn unreadable(
    state: &State,
    lang: Locale,
    title: Title,
    e: &BodyError,
    log: &RequestLog,
) -> Response<Body> {
    let status = respond::status_of(e.form_kind());
    error_page(
        state,
        lang,
        status,
        title,
        Text::Plain(e.message.clone()),
        log,
    )
}

/// The answer to where an authorization request leads, its pages in `lang`.
pub(super) fn outcome(
    state: &State,
    lang: Locale,
    tenant: &str,
    o: Outcome,
    log: &RequestLog,
) -> Response<Body> {
    match o {
        Outcome::Redirect(location) => respond::see_other(&location),
        Outcome::ErrorPage(message) => error_page(
            state,
            lang,
            StatusCode::BAD_REQUEST,
            "error.request_title",
            message,
            log,
        ),
        Outcome::FormPost { action, fields } => {
            match state
                .ui
                .render_in("form_post.html", lang, &FormPostView { action, fields })
            {
                Ok(html) => respond::form_post_page(html),
                Err(e) => {
                    tracing::error!("{e} req={}", log.id());
                    respond::html(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into())
                }
            }
        }
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
    /// The language of the request's pages.
    pub(super) lang: Locale,
}

/// The `ui_locales` that rules a request's pages: its own parameter (authorize), else
/// the one kept with the pending request it names.
fn ui_locales(
    ctx: &oauth::Ctx,
    tenant: &Tenant,
    params: &Params,
    now: UnixTime,
) -> Result<Option<String>, OAuthError> {
    if let Some(asked) = params.get("ui_locales") {
        return Ok(Some(asked.to_owned()));
    }
    let pending = crate::grant::pending::find(ctx.store, tenant, params.get("request"), now)?;
    Ok(pending.and_then(|p| {
        p.params
            .into_iter()
            .find(|(k, _)| k == "ui_locales")
            .map(|(_, v)| v)
    }))
}

/// Reads a browser request: the tenant first (a 404 page before anything else), then for
/// a POST the address limiter when `limit` names the peer, then cookies and parameters,
/// and from them the language of its pages. `refused` titles the error page of
/// unreadable parameters.
pub(super) async fn read<'a>(
    state: &'a State,
    tenant: &str,
    req: Request<Incoming>,
    limit: Option<IpAddr>,
    refused: Title,
    log: &RequestLog,
) -> Result<BrowserRequest<'a>, Response<Body>> {
    let (ctx, now) = (state.oauth(), state.clock.now());
    let accept = accept_language(&req);
    let lang = locale::choose(None, accept.as_deref(), Locale::En);
    let tenant =
        oauth::tenant::lookup(ctx.store, tenant).map_err(|e| oauth_page(state, lang, e, log))?;
    let lang = locale::choose(
        None,
        accept.as_deref(),
        tenant_default_locale(state, &tenant),
    );
    let is_post = req.method() == Method::POST;
    if let Some(Err(blocked)) = limit
        .filter(|_| is_post)
        .map(|peer| login::admit_address(&ctx, peer, now))
    {
        return Err(too_many(
            state,
            lang,
            blocked.retry_after,
            TOO_MANY_FAILED,
            log,
        ));
    }
    let session = cookie(&req, session::COOKIE);
    let csrf = cookie(&req, session::CSRF_COOKIE);
    let params = params(req)
        .await
        .map_err(|e| unreadable(state, lang, refused, &e, log))?;
    let asked =
        ui_locales(&ctx, &tenant, &params, now).map_err(|e| oauth_page(state, lang, e, log))?;
    let lang = locale::choose(
        asked.as_deref(),
        accept.as_deref(),
        tenant_default_locale(state, &tenant),
    );
    Ok(BrowserRequest {
        ctx,
        now,
        tenant,
        params,
        session,
        csrf,
        is_post,
        lang,
    })
}

/// `GET`/`POST /t/{tenant}/authorize` from the client address `peer`.
pub async fn authorize(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let r = match read(state, tenant, req, None, "error.request_title", log).await {
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
        Ok(o) => outcome(state, r.lang, tenant, o, log),
        Err(e) => oauth_page(state, r.lang, e, log),
    }
}

fn login_form(
    state: &State,
    lang: Locale,
    view: &crate::ui::LoginView,
    status: StatusCode,
    log: &RequestLog,
) -> Response<Body> {
    scripted(render(
        state,
        lang,
        "login.html",
        view,
        status,
        Some(&view.csrf),
        log,
    ))
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
    let r = match read(state, tenant, req, Some(peer), "error.signin_title", log).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let lang = r.lang;
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
            Err(e) => return broker_page(state, lang, e, log),
        }
    };
    match result {
        Ok(LoginOutcome::Form { view, failed }) => {
            let status = if failed {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            };
            login_form(state, lang, &view, status, log)
        }
        Ok(LoginOutcome::ErrorPage(m)) => error_page(
            state,
            lang,
            StatusCode::BAD_REQUEST,
            "error.signin_title",
            m,
            log,
        ),
        Ok(LoginOutcome::TooMany(retry_after)) => {
            too_many(state, lang, retry_after, TOO_MANY_FAILED, log)
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
            let mut resp = outcome(state, lang, tenant, o, log);
            respond::set_cookie(
                &mut resp,
                session::COOKIE,
                cookie.expose(),
                "Lax",
                session::LIFETIME_SECS,
            );
            resp
        }
        Err(e) => oauth_page(state, lang, e, log),
    }
}

/// `GET`/`POST /t/{tenant}/logout`.
pub async fn logout(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    log: &RequestLog,
) -> Response<Body> {
    let r = match read(state, tenant, req, None, "error.signout_title", log).await {
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
                None => signed_out(state, r.lang, log),
            }
        }
        Ok(LogoutOutcome::SignedOut) => signed_out(state, r.lang, log),
        Ok(LogoutOutcome::Confirm(view)) => {
            return render(
                state,
                r.lang,
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
                r.lang,
                StatusCode::BAD_REQUEST,
                "error.signout_title",
                Text::Plain(m),
                log,
            );
        }
        Err(e) => return oauth_page(state, r.lang, e, log),
    };
    respond::set_cookie(&mut resp, session::COOKIE, "", "Lax", 0);
    resp
}

fn signed_out(state: &State, lang: Locale, log: &RequestLog) -> Response<Body> {
    let view = MessageView {
        title: Msg::new("logout.done_title").into(),
        message: Msg::new("logout.done").into(),
        detail: None,
        reference: None,
    };
    render(state, lang, "info.html", &view, StatusCode::OK, None, log)
}

/// A brokered sign-in that stopped: 403 for a user the broker refuses, else 400. What
/// the broker says is a technical detail under a translated sentence.
fn broker_page(state: &State, lang: Locale, e: BrokerError, log: &RequestLog) -> Response<Body> {
    match e {
        BrokerError::Page(m) => error_page(
            state,
            lang,
            StatusCode::BAD_REQUEST,
            "error.incomplete_title",
            Text::Plain(m),
            log,
        ),
        BrokerError::Said(m) => error_page(
            state,
            lang,
            StatusCode::BAD_REQUEST,
            "error.incomplete_title",
            m,
            log,
        ),
        BrokerError::Refused(m) => error_page(
            state,
            lang,
            StatusCode::FORBIDDEN,
            "error.refused_title",
            Text::Plain(m),
            log,
        ),
        BrokerError::TooMany(retry_after) => {
            too_many(state, lang, retry_after, TOO_MANY_STARTED, log)
        }
        BrokerError::UnknownTenant(_) => error_page(
            state,
            lang,
            StatusCode::NOT_FOUND,
            "error.unknown_tenant_title",
            Msg::new("error.unknown_tenant"),
            log,
        ),
        other => internal_error_page(state, lang, &other, log),
    }
}

/// `GET /v2/login/oidc/callback` (either spelling): the upstream's answer. The binding
/// cookie is cleared only on success, so a forged callback cannot spoil a real login.
pub async fn callback(state: &State, req: Request<Incoming>, log: &RequestLog) -> Response<Body> {
    let browser = cookie(&req, broker::COOKIE);
    let accept = accept_language(&req);
    let lang = locale::choose(None, accept.as_deref(), Locale::En);
    let params = match params(req).await {
        Ok(p) => p,
        Err(e) => return unreadable(state, lang, "error.incomplete_title", &e, log),
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
            Err(e) => return broker_page(state, lang, e, log),
        };
    let asked = done
        .pending
        .params
        .iter()
        .find(|(k, _)| k == "ui_locales")
        .map(|(_, v)| v.as_str());
    let fallback = tenant_default_locale(state, &done.tenant);
    let lang = locale::choose(asked, accept.as_deref(), fallback);
    let resumed = authorize::resume(
        &state.oauth(),
        &done.tenant,
        &done.pending,
        &done.session,
        now,
    );
    let mut resp = match resumed {
        Ok(o) => outcome(state, lang, done.tenant.id.as_str(), o, log),
        Err(e) => return oauth_page(state, lang, e, log),
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
    let r = match read(state, tenant, req, None, "error.consent_title", log).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let result = if r.is_post {
        let form = ConsentForm::parse(&r.params);
        let (session, csrf) = (r.session.as_deref(), r.csrf.as_deref());
        consent::decide(&r.ctx, &r.tenant, &form, session, csrf, r.now)
    } else {
        let request_id = r.params.get("request");
        let shown = (r.session.as_deref(), r.lang);
        consent::show(&r.ctx, &r.tenant, request_id, shown, r.now)
    };
    match result {
        Ok(ConsentOutcome::Page(view)) => render(
            state,
            r.lang,
            "consent.html",
            &view,
            StatusCode::OK,
            Some(&view.csrf),
            log,
        ),
        Ok(ConsentOutcome::ErrorPage(m)) => error_page(
            state,
            r.lang,
            StatusCode::BAD_REQUEST,
            "error.consent_title",
            m,
            log,
        ),
        Ok(ConsentOutcome::Done(o)) => outcome(state, r.lang, tenant, o, log),
        Err(e) => oauth_page(state, r.lang, e, log),
    }
}

/// `GET /static/style.css`.
pub fn stylesheet() -> Response<Body> {
    respond::stylesheet(crate::ui::STYLESHEET)
}
