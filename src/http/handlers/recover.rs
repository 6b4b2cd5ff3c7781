//! Handler of the recovery link's page (`/t/{tenant}/recover`): HTML under the strict
//! CSP, never cached, never sending a referrer (the token is in the query).

use super::browser::{BrowserRequest, read};
use super::pages::{TOO_MANY_FAILED, error_page, oauth_page, render, too_many};
use crate::account::AccountError;
use crate::account::recover::{self, INVALID, RecoverForm, RecoverOutcome};
use crate::auth::new_password::Chosen;
use crate::http::log::RequestLog;
use crate::http::respond::Body;
use crate::oauth::OAuthError;
use crate::oauth::request::Params;
use crate::state::State;
use crate::types::Secret;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::net::IpAddr;

fn form(params: &Params) -> RecoverForm {
    let secret = |name| Secret::new(params.get(name).unwrap_or(""));
    RecoverForm {
        token: params.get("token").map(str::to_owned),
        chosen: Chosen {
            password: secret("password"),
            confirm: secret("confirm"),
        },
        code: Secret::new(params.get("code").unwrap_or("").trim()),
        enrolling: params.get("enrolling").map(str::to_owned),
        csrf: params.get("csrf").map(str::to_owned),
    }
}

/// `GET`/`POST /t/{tenant}/recover` from `peer`.
pub async fn page(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let r: BrowserRequest =
        match read(state, tenant, req, Some(peer), "error.link_title", log).await {
            Ok(r) => r,
            Err(resp) => return resp,
        };
    let ctx = state.account();
    let result = if r.is_post {
        let f = form(&r.params);
        recover::submit(&ctx, &r.tenant, f, r.csrf.as_deref(), peer, r.now).await
    } else {
        recover::show(&ctx, &r.tenant, r.params.get("token"), peer, r.now)
    };
    let (title, lang) = ("error.link_title", r.lang);
    match result {
        Ok(RecoverOutcome::Form { view, failed }) => {
            let status = match failed {
                true => StatusCode::BAD_REQUEST,
                false => StatusCode::OK,
            };
            render(
                state,
                lang,
                "new_password.html",
                &*view,
                status,
                Some(&view.csrf),
                log,
            )
        }
        Ok(RecoverOutcome::Invalid) => {
            error_page(state, lang, StatusCode::BAD_REQUEST, title, INVALID, log)
        }
        Ok(RecoverOutcome::Refused(m)) => {
            error_page(state, lang, StatusCode::BAD_REQUEST, title, m, log)
        }
        Ok(RecoverOutcome::TooMany(retry_after)) => {
            too_many(state, lang, retry_after, TOO_MANY_FAILED, log)
        }
        Ok(RecoverOutcome::Done(view)) => render(
            state,
            lang,
            "recovered.html",
            &view,
            StatusCode::OK,
            None,
            log,
        ),
        Err(AccountError::Store(e)) => oauth_page(state, lang, OAuthError::Store(e), log),
        Err(AccountError::Crypto(e)) => {
            tracing::error!("{e} req={}", log.id());
            oauth_page(state, lang, OAuthError::Internal("recovery link"), log)
        }
    }
}
