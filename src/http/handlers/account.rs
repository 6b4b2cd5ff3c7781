//! Handler of the member's own account console (`/t/{tenant}/account`), an HTML page
//! under the strict CSP, reached only through the tenant's sign-in. Every form carries
//! the double-submit CSRF token of the sign-in forms; one without it is 403.

use super::browser::{
    BrowserRequest, TOO_MANY_FAILED, error_page, oauth_page, outcome, read, render, too_many,
};
use crate::account::factors::{self, FactorChange};
use crate::account::password::{self, Changed};
use crate::account::sessions;
use crate::auth::new_password::Chosen;
use crate::crypto::random;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::oauth::authorize::console::{self, Entry};
use crate::state::State;
use crate::store::accounts::Account;
use crate::store::sessions::SsoSession;
use crate::types::Secret;
use crate::types::secret::constant_time_eq;
use crate::ui::account::{AccountView, FactorsRow};
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
        return submit(state, &r, (&session, account), peer, log).await;
    }
    let notice = match r.params.get("done") {
        Some("sessions-ended") => Some("Your other sessions were ended.".to_owned()),
        Some("password-changed") => {
            Some("Your password was changed and your other sessions ended.".to_owned())
        }
        _ => None,
    };
    show(state, &r, (&session, account), Said::notice(notice), log)
}

/// What the console says besides its contents, after a form.
#[derive(Default)]
struct Said {
    notice: Option<String>,
    password_error: Option<String>,
    factor_error: Option<String>,
    new_codes: Vec<String>,
}

impl Said {
    fn notice(notice: Option<String>) -> Said {
        Said {
            notice,
            ..Said::default()
        }
    }
}

/// The console for `session`.
fn show(
    state: &State,
    r: &BrowserRequest<'_>,
    (session, account): (&SsoSession, Account),
    said: Said,
    log: &RequestLog,
) -> Response<Body> {
    let status = match said.password_error.is_some() || said.factor_error.is_some() {
        true => StatusCode::BAD_REQUEST,
        false => StatusCode::OK,
    };
    let factors = FactorsRow {
        totp: account.factors.totp.is_some(),
        passkeys: account.factors.passkeys.len(),
        recovery_codes_left: account.factors.recovery_hashes.len(),
    };
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
        notice: said.notice,
        password_error: said.password_error,
        min_length: state.config.passwords.min_length,
        factors,
        new_codes: said.new_codes,
        factor_error: said.factor_error,
    };
    render(state, "account.html", &view, status, Some(&view.csrf), log)
}

/// A console form of `session`, its CSRF token checked: the change, on disk before the
/// answer says it is done (ended sessions must stay ended across a crash), then the
/// console.
async fn submit(
    state: &State,
    r: &BrowserRequest<'_>,
    (session, account): (&SsoSession, Account),
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    match r.params.get("action") {
        Some("change-password") => {
            let secret = |name| Secret::new(r.params.get(name).unwrap_or(""));
            let chosen = Chosen {
                password: secret("password"),
                confirm: secret("confirm"),
            };
            let who = (&r.tenant, session, &account);
            let changed = password::change(
                &state.account(),
                who,
                (secret("current"), chosen),
                peer,
                r.now,
            )
            .await;
            match changed {
                Ok(Changed::Done) => respond::see_other(&format!(
                    "{}?done=password-changed",
                    console::path(&r.tenant)
                )),
                Ok(Changed::Refused(why)) => {
                    let said = Said {
                        password_error: Some(why),
                        ..Said::default()
                    };
                    show(state, r, (session, account), said, log)
                }
                Ok(Changed::TooMany(retry_after)) => {
                    too_many(state, retry_after, TOO_MANY_FAILED, log)
                }
                Err(e) => {
                    let status = respond::status_of(e.kind());
                    error_page(state, status, TITLE, &e.public_message(), log)
                }
            }
        }
        Some(which @ ("new-recovery-codes" | "remove-totp")) => {
            let who = (session, account.username.as_str());
            match console::sign_in_again(&r.ctx, &r.tenant, who, r.now, peer) {
                Ok(Some(again)) => return outcome(state, r.tenant.id.as_str(), again, log),
                Ok(None) => {}
                Err(e) => return oauth_page(state, e, log),
            }
            let ctx = state.account();
            let changed = match which {
                "remove-totp" => factors::remove_totp(&ctx, &r.tenant, &account.id, r.now).await,
                _ => factors::new_recovery_codes(&ctx, &r.tenant, &account.id, r.now).await,
            };
            let fresh = match r.ctx.store.account(&account.id) {
                Ok(Some(a)) => a,
                Ok(None) => account,
                Err(e) => return oauth_page(state, e.into(), log),
            };
            let said = match changed {
                Ok(FactorChange::Done(codes)) if which == "remove-totp" => Said {
                    notice: Some("The authenticator app was removed.".into()),
                    new_codes: codes,
                    ..Said::default()
                },
                Ok(FactorChange::Done(codes)) => Said {
                    notice: Some(
                        "New recovery codes were made; the old ones no longer work.".into(),
                    ),
                    new_codes: codes,
                    ..Said::default()
                },
                Ok(FactorChange::Refused(why)) => Said {
                    factor_error: Some(why.into()),
                    ..Said::default()
                },
                Err(e) => {
                    let status = respond::status_of(e.kind());
                    return error_page(state, status, TITLE, &e.public_message(), log);
                }
            };
            show(state, r, (session, fresh), said, log)
        }
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
