//! Handler of the member's own account console (`/t/{tenant}/account`), an HTML page
//! under the strict CSP, reached only through the tenant's sign-in. Every form carries
//! the double-submit CSRF token of the sign-in forms; one without it is 403.

use super::browser::{BrowserRequest, error_page, oauth_page, outcome, read, render};
use crate::account::sessions;
use crate::crypto::random;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::oauth::authorize::console::{self, Entry};
use crate::state::State;
use crate::store::accounts::Account;
use crate::store::sessions::SsoSession;
use crate::types::secret::constant_time_eq;
use crate::ui::account::AccountView;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::net::IpAddr;

const TITLE: &str = "Your account";
const FORGED: &str = "The form was not accepted (its security token is missing or stale). Open your account page again and retry.";

/// `GET`/`POST /t/{tenant}/account` from `peer`: the console, a form's change, or the
/// sign-in step the console needs first.
pub async fn page(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let r: BrowserRequest = match read(state, tenant, req, None, TITLE, log).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if r.is_post {
        let csrf_ok = match (r.params.get("csrf"), r.csrf.as_deref()) {
            (Some(f), Some(c)) => constant_time_eq(f.as_bytes(), c.as_bytes()),
            _ => false,
        };
        if !csrf_ok {
            return error_page(state, StatusCode::FORBIDDEN, TITLE, FORGED, log);
        }
    }
    let (session, account) =
        match console::enter(&r.ctx, &r.tenant, r.session.as_deref(), peer, r.now) {
            Ok(Entry::Page(signed_in)) => *signed_in,
            Ok(Entry::Go(o)) => return outcome(state, tenant, o, log),
            Err(e) => return oauth_page(state, e, log),
        };
    if r.is_post {
        return submit(state, &r, &session, log).await;
    }
    let notice = match r.params.get("done") {
        Some("sessions-ended") => Some("Your other sessions were ended.".to_owned()),
        _ => None,
    };
    show(state, &r, (&session, account), notice, log)
}

/// The console for `session`.
fn show(
    state: &State,
    r: &BrowserRequest<'_>,
    (session, account): (&SsoSession, Account),
    notice: Option<String>,
    log: &RequestLog,
) -> Response<Body> {
    let rows = match sessions::rows(r.ctx.store, session, r.now) {
        Ok(rows) => rows,
        Err(e) => return oauth_page(state, e.into(), log),
    };
    let csrf = match random::secret_token() {
        Ok(c) => c,
        Err(e) => return oauth_page(state, e.into(), log),
    };
    let view = AccountView {
        tenant_name: r.tenant.display_name.clone(),
        username: account.username,
        name: account.name,
        email: account.email,
        logout: format!("/t/{}/logout", r.tenant.id),
        action: console::path(&r.tenant),
        csrf,
        sessions: rows,
        notice,
    };
    render(
        state,
        "account.html",
        &view,
        StatusCode::OK,
        Some(&view.csrf),
        log,
    )
}

/// A console form of `session`, its CSRF token checked: the change, on disk before the
/// answer says it is done (ended sessions must stay ended across a crash), then the
/// console.
async fn submit(
    state: &State,
    r: &BrowserRequest<'_>,
    session: &SsoSession,
    log: &RequestLog,
) -> Response<Body> {
    match r.params.get("action") {
        Some("end-other-sessions") => {
            let ended = sessions::end_others(r.ctx.store, session, r.tenant.id.as_str(), r.now);
            match ended {
                Ok(_) => {
                    respond::see_other(&format!("{}?done=sessions-ended", console::path(&r.tenant)))
                }
                Err(e) => oauth_page(state, e.into(), log),
            }
        }
        _ => error_page(
            state,
            StatusCode::BAD_REQUEST,
            TITLE,
            "The form asked for nothing this page does.",
            log,
        ),
    }
}
