//! Handler of the password change an admin asked for (`/t/{tenant}/password`), an HTML
//! page under the strict CSP.

use super::browser::{BrowserRequest, outcome, read};
use super::pages::{error_page, oauth_page, render};
use crate::http::log::RequestLog;
use crate::http::respond::Body;
use crate::oauth::password_change::{self, ChangeOutcome};
use crate::oauth::request::NewPasswordForm;
use crate::state::State;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::net::IpAddr;

/// `GET`/`POST /t/{tenant}/password` from `peer`; a POST from an address that failed
/// too often is refused before its form is read.
pub async fn page(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let r: BrowserRequest =
        match read(state, tenant, req, Some(peer), "error.password_title", log).await {
            Ok(r) => r,
            Err(resp) => return resp,
        };
    let session = r.session.as_deref();
    let result = if r.is_post {
        let form = NewPasswordForm::parse(&r.params);
        let cookies = (session, r.csrf.as_deref());
        password_change::submit(&r.ctx, &r.tenant, form, cookies, r.now).await
    } else {
        password_change::show(&r.ctx, &r.tenant, r.params.get("request"), session, r.now)
    };
    match result {
        Ok(ChangeOutcome::Form { view, failed }) => {
            let status = match failed {
                true => StatusCode::BAD_REQUEST,
                false => StatusCode::OK,
            };
            render(
                state,
                r.lang,
                "new_password.html",
                &*view,
                status,
                Some(&view.csrf),
                log,
            )
        }
        Ok(ChangeOutcome::ErrorPage(m)) => error_page(
            state,
            r.lang,
            StatusCode::BAD_REQUEST,
            "error.password_title",
            m,
            log,
        ),
        Ok(ChangeOutcome::Done(o)) => outcome(state, r.lang, tenant, o, log),
        Err(e) => oauth_page(state, r.lang, e, log),
    }
}
