//! The HTML pages every browser endpoint answers with, in the request's language:
//! rendering (with the CSRF cookie of a form), error pages by kind, the 429 page, and
//! where the language comes from besides `ui_locales`.

use crate::grant::session;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::oauth::OAuthError;
use crate::state::State;
use crate::store::tenants::Tenant;
use crate::types::ErrorKind;
use crate::ui::{Locale, MessageView, Msg, Text};
use hyper::body::Incoming;
use hyper::header::ACCEPT_LANGUAGE;
use hyper::{Request, Response, StatusCode};

/// The catalog key of an error page's title.
pub(super) type Title = &'static str;

/// The sentence an error page shows under `title` when what went wrong is a technical
/// detail (a protocol error's English description), shown below it.
fn generic(title: Title) -> &'static str {
    match title {
        "error.request_title" => "error.request",
        "error.unknown_tenant_title" => "error.unknown_tenant",
        "error.refused_title" => "error.refused",
        "error.signout_title" => "error.signout",
        _ => "error.signin",
    }
}

/// An HTML error page in `lang`: `why` is a catalog message, or a technical detail
/// shown under the title's generic sentence.
pub(super) fn error_page(
    state: &State,
    lang: Locale,
    status: StatusCode,
    title: Title,
    why: impl Into<Text>,
    log: &RequestLog,
) -> Response<Body> {
    let (message, detail) = match why.into() {
        Text::Plain(detail) => (Msg::new(generic(title)), Some(detail)),
        Text::Msg(m) => (m, None),
    };
    let view = MessageView {
        title: Msg::new(title).into(),
        message: message.into(),
        detail,
        reference: Some(log.id().to_owned()),
    };
    render(state, lang, "error.html", &view, status, None, log)
}

/// Renders `template` in `lang`; a form page also gets `csrf` as its double-submit
/// cookie. A template that fails to render is a bug: logged, answered 500.
pub(super) fn render<T: serde::Serialize>(
    state: &State,
    lang: Locale,
    template: &'static str,
    view: &T,
    status: StatusCode,
    csrf: Option<&str>,
    log: &RequestLog,
) -> Response<Body> {
    let brand = super::branding::brand(state, log);
    match state
        .ui
        .render_branded(template, lang, view, brand.as_ref())
    {
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
pub(super) fn internal_error_page(
    state: &State,
    lang: Locale,
    e: &dyn std::fmt::Display,
    log: &RequestLog,
) -> Response<Body> {
    tracing::error!("{e} req={}", log.id());
    error_page(
        state,
        lang,
        StatusCode::INTERNAL_SERVER_ERROR,
        "error.internal_title",
        Msg::new("error.internal"),
        log,
    )
}

/// The page of a failed OpenID Provider call: its kind chooses the title, its public
/// message is the technical detail.
pub(super) fn oauth_page(
    state: &State,
    lang: Locale,
    e: OAuthError,
    log: &RequestLog,
) -> Response<Body> {
    if let OAuthError::TooMany(retry_after) = e {
        return too_many(state, lang, retry_after, TOO_MANY_STARTED, log);
    }
    match e.kind() {
        ErrorKind::NotFound => error_page(
            state,
            lang,
            StatusCode::NOT_FOUND,
            "error.unknown_tenant_title",
            Text::Plain(e.public_message()),
            log,
        ),
        ErrorKind::Internal => internal_error_page(state, lang, &e, log),
        _ => error_page(
            state,
            lang,
            StatusCode::BAD_REQUEST,
            "error.request_title",
            Text::Plain(e.public_message()),
            log,
        ),
    }
}

/// The language a tenant's pages fall back to when neither the client nor the browser
/// names a supported one: the `default_locale` of its branding, else English.
pub(super) fn tenant_default_locale(state: &State, tenant: &Tenant) -> Locale {
    match state.store.branding(tenant.uid) {
        Ok(branding) => branding
            .and_then(|b| b.default_locale)
            .and_then(|tag| Locale::from_tag(&tag))
            .unwrap_or(Locale::En),
        Err(e) => {
            tracing::error!("reading the branding of tenant {}: {e}", tenant.id);
            Locale::En
        }
    }
}

/// The browser's `Accept-Language`, when it is text (a header that is not names no
/// language, and the page falls back to the next choice).
pub(super) fn accept_language(req: &Request<Incoming>) -> Option<String> {
    let value = req.headers().get(ACCEPT_LANGUAGE)?;
    match value.to_str() {
        Ok(text) => Some(text.to_owned()),
        Err(_not_text) => None,
    }
}

/// A page that may run the passkey script: the CSP lets our own scripts run.
pub(super) fn scripted(mut resp: Response<Body>) -> Response<Body> {
    respond::allow_own_scripts(&mut resp);
    resp
}

/// Why a 429 page (a catalog key taking `{seconds}`): failed sign-ins, or sign-ins
/// started from one address.
pub(super) const TOO_MANY_FAILED: &str = "error.too_many_failed";
pub(super) const TOO_MANY_STARTED: &str = "error.too_many_started";

/// A 429 page with `Retry-After`, saying `why`.
pub(super) fn too_many(
    state: &State,
    lang: Locale,
    retry_after: u64,
    why: &'static str,
    log: &RequestLog,
) -> Response<Body> {
    let message = Msg::new(why).arg("seconds", retry_after);
    let mut resp = error_page(
        state,
        lang,
        StatusCode::TOO_MANY_REQUESTS,
        "error.wait_title",
        message,
        log,
    );
    respond::retry_after(&mut resp, retry_after);
    resp
}
