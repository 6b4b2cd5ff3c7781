//! Handler of the member's own account console (`/t/{tenant}/account`), an HTML page
//! under the strict CSP, reached only through the tenant's sign-in.

use super::browser::{BrowserRequest, oauth_page, outcome, read, render};
use crate::http::log::RequestLog;
use crate::http::respond::Body;
use crate::oauth::authorize::console::{self, Entry};
use crate::state::State;
use crate::ui::account::AccountView;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::net::IpAddr;

/// `GET /t/{tenant}/account` from `peer`: the console, or the sign-in step it needs.
pub async fn page(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let r: BrowserRequest = match read(state, tenant, req, None, "Account page", log).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    match console::enter(&r.ctx, &r.tenant, r.session.as_deref(), peer, r.now) {
        Ok(Entry::Page(signed_in)) => {
            let (_, account) = *signed_in;
            let view = AccountView {
                tenant_name: r.tenant.display_name.clone(),
                username: account.username,
                name: account.name,
                email: account.email,
                logout: format!("/t/{}/logout", r.tenant.id),
            };
            render(state, "account.html", &view, StatusCode::OK, None, log)
        }
        Ok(Entry::Go(o)) => outcome(state, tenant, o, log),
        Err(e) => oauth_page(state, e, log),
    }
}
