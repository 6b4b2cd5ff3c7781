//! Handler of the second sign-in step (`/t/{tenant}/mfa`): the code form, TOTP
//! enrolment and the recovery codes, as HTML pages under the strict CSP.

use super::browser::{BrowserRequest, outcome, read};
use super::pages::{TOO_MANY_FAILED, error_page, oauth_page, render, scripted, too_many};
use crate::grant::session;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::oauth::request::SecondFactorForm;
use crate::oauth::second_factor::{self, Cookies, StepOutcome};
use crate::state::State;
use crate::types::Secret;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::net::IpAddr;

/// `GET`/`POST /t/{tenant}/mfa` from `peer`; a POST from an address that failed too
/// often is refused before its form is read.
pub async fn page(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let step = super::cookie(&req, second_factor::STEP_COOKIE);
    let r: BrowserRequest =
        match read(state, tenant, req, Some(peer), "error.signin_title", log).await {
            Ok(r) => r,
            Err(resp) => return resp,
        };
    let cookies = Cookies {
        session: r.session.as_deref(),
        step: step.as_deref(),
        csrf: r.csrf.as_deref(),
    };
    let result = if r.is_post {
        let form = SecondFactorForm::parse(&r.params);
        second_factor::submit(&r.ctx, &r.tenant, form, &cookies, peer, r.now).await
    } else {
        second_factor::show(&r.ctx, &r.tenant, r.params.get("request"), &cookies, r.now)
    };
    let status = |failed: bool| {
        if failed {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        }
    };
    match result {
        Ok(StepOutcome::Code { view, failed }) => scripted(render(
            state,
            r.lang,
            "mfa_code.html",
            &view,
            status(failed),
            Some(&view.form.csrf),
            log,
        )),
        Ok(StepOutcome::Enrol { view, failed }) => scripted(render(
            state,
            r.lang,
            "mfa_enrol.html",
            &*view,
            status(failed),
            Some(&view.form.csrf),
            log,
        )),
        Ok(StepOutcome::RecoveryCodes { view, cookie }) => {
            let mut resp = render(
                state,
                r.lang,
                "mfa_recovery_codes.html",
                &view,
                StatusCode::OK,
                Some(&view.form.csrf),
                log,
            );
            set_session(&mut resp, cookie);
            resp
        }
        Ok(StepOutcome::ErrorPage(m)) => error_page(
            state,
            r.lang,
            StatusCode::BAD_REQUEST,
            "error.signin_title",
            m,
            log,
        ),
        Ok(StepOutcome::TooMany(retry_after)) => {
            too_many(state, r.lang, retry_after, TOO_MANY_FAILED, log)
        }
        Ok(StepOutcome::Done { cookie, outcome: o }) => {
            let mut resp = outcome(state, r.lang, tenant, o, log);
            set_session(&mut resp, cookie);
            respond::set_cookie(&mut resp, second_factor::STEP_COOKIE, "", "Lax", 0);
            resp
        }
        Err(e) => oauth_page(state, r.lang, e, log),
    }
}

/// Sets the session cookie when the step made a new session.
fn set_session(resp: &mut Response<Body>, cookie: Option<Secret>) {
    if let Some(cookie) = cookie {
        respond::set_cookie(
            resp,
            session::COOKIE,
            cookie.expose(),
            "Lax",
            session::LIFETIME_SECS,
        );
    }
}
