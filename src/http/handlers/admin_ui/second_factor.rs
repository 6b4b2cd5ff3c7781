//! The admin UI's second sign-in step (`/admin/login/mfa`, under `[admin] require_mfa`):
//! after an admin account's password, a TOTP or recovery code, or the enrolment of an
//! authenticator app when the account has none; only then an admin session. The
//! pages are the tenant sign-in's, under the same strict CSP.

use super::sessions::Sessions;
use super::steps::{self, Step};
use super::{Fields, admin_keys, internal, message, read_form, render, too_many};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::auth::factors;
use crate::grant::session::CSRF_COOKIE;
use crate::guard::{Key, Outcome, Realm, Subject};
use crate::http::handlers::cookie;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::state::State;
use crate::store::StoreError;
use crate::types::secret::constant_time_eq;
use crate::ui::Text;
use crate::ui::mfa::{CodeView, EnrolView, RecoveryCodesView, StepForm};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use std::net::IpAddr;

/// What went wrong, for the log only.
type Failed = crate::admin::AdminError;

/// `GET`/`POST /admin/login/mfa` from `peer`.
pub(super) async fn page(
    state: &State,
    sessions: &Sessions,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let now = state.clock.now();
    let step_cookie = cookie(&req, steps::COOKIE);
    let Some(step) = sessions.steps.get(step_cookie.as_deref(), now) else {
        return respond::see_other("/admin/login");
    };
    let is_post = req.method() == Method::POST;
    let csrf_cookie = cookie(&req, CSRF_COOKIE);
    let answer = if is_post {
        let address = [Key::address(Realm::Admin, peer)];
        if let Err(blocked) = state.limiter.admit(&address, now) {
            return too_many(state, blocked, log);
        }
        let fields = match read_form(state, req, log).await {
            Ok(f) => f,
            Err(resp) => return resp,
        };
        let keys = Key::all(Realm::Admin, peer, Subject::user(&step.username));
        if let Err(blocked) = state.limiter.admit(&keys, now) {
            return too_many(state, blocked, log);
        }
        let field = |k: &str| fields.get(k).map_or("", String::as_str);
        let csrf_ok =
            csrf_cookie.is_some_and(|c| constant_time_eq(c.as_bytes(), field("csrf").as_bytes()));
        if !csrf_ok {
            return message(
                state,
                StatusCode::BAD_REQUEST,
                "Form not accepted",
                "The form expired; sign in again.",
                log,
            );
        }
        let at = (step_cookie.as_deref(), peer);
        submit(state, sessions, step, at, &fields, log).await
    } else {
        show(state, sessions, step, step_cookie.as_deref(), None, log)
    };
    answer.unwrap_or_else(|e| internal(state, &e, log))
}

/// The page for `step`: the code form, or an enrolment (made once, kept with the step).
fn show(
    state: &State,
    sessions: &Sessions,
    mut step: Step,
    step_cookie: Option<&str>,
    error: Option<Text>,
    log: &RequestLog,
) -> Result<Response<Body>, Failed> {
    let Some(account) = state.store.account(&step.account_id)? else {
        return Ok(respond::see_other("/admin/login"));
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let form = step_form(error)?;
    let csrf = form.csrf.clone();
    let mut resp = if account.factors.any() {
        let view = CodeView {
            passkey: Default::default(),
            form,
            totp: account.factors.totp.is_some(),
        };
        render(state, "mfa_code.html", &view, status, log)
    } else {
        let secret = match &step.enrolling {
            Some(sealed) => factors::unseal(&state.master, &account.id, sealed)?,
            None => {
                let (secret, sealed) = factors::begin_enrolment(&state.master, &account.id)?;
                step.enrolling = Some(sealed);
                sessions.steps.update(step_cookie, step);
                secret
            }
        };
        let uri = secret.otpauth_uri("latchkey admin", &account.username);
        let view = EnrolView {
            passkey: Default::default(),
            form,
            // Without a QR code (a username too long for one) the key is typed in.
            qr_svg: factors::qr_svg(&uri).unwrap_or_default(),
            secret: secret.base32(),
            uri,
        };
        render(state, "mfa_enrol.html", &view, status, log)
    };
    respond::set_cookie(&mut resp, CSRF_COOKIE, &csrf, "Strict", steps::TTL_SECS);
    Ok(resp)
}

fn step_form(error: Option<Text>) -> Result<StepForm, Failed> {
    Ok(StepForm {
        tenant_name: "the admin UI".into(),
        action: "/admin/login/mfa".into(),
        csrf: crate::crypto::random::secret_token()?,
        request_id: "admin".into(),
        error,
    })
}

/// A code, an enrolment's first code, or the button after the recovery codes.
async fn submit(
    state: &State,
    sessions: &Sessions,
    mut step: Step,
    (step_cookie, peer): (Option<&str>, IpAddr),
    fields: &Fields,
    log: &RequestLog,
) -> Result<Response<Body>, Failed> {
    let now = state.clock.now();
    if step.done {
        return if fields.get("continue").map(String::as_str) == Some("1") {
            open(state, sessions, &step, step_cookie, None)
        } else {
            Ok(respond::see_other("/admin/login/mfa"))
        };
    }
    let code = fields.get("code").map_or("", |c| c.trim());
    let keys = admin_keys(
        peer,
        &[("username".to_owned(), step.username.clone())].into(),
    );
    // A factor enrolled elsewhere since this enrolment began is the one to ask for.
    let enrolling = match step.enrolling.clone() {
        Some(_) if factors::enrolled(&state.store, &step.account_id)? => None,
        sealed => sealed,
    };
    if let Some(sealed) = enrolling {
        let actor = Actor::Account(step.account_id.clone());
        let event = AuditEvent::new(now, AuditKind::MfaEnrolled, &actor)
            .account(&step.account_id)
            .detail("totp");
        let enrolled = factors::confirm_enrolment::<Failed>(
            &state.store,
            &state.master,
            &step.account_id,
            &sealed,
            code,
            (now, &event),
        )?;
        if let Some(codes) = enrolled {
            state.store.flush_durable().await?;
            state
                .limiter
                .record(&state.store, None, &keys, Outcome::Success, now)?;
            step.done = true;
            step.enrolling = None;
            sessions.steps.update(step_cookie, step);
            let view = RecoveryCodesView {
                form: step_form(None)?,
                codes,
            };
            let csrf = view.form.csrf.clone();
            let mut resp = render(state, "mfa_recovery_codes.html", &view, StatusCode::OK, log);
            respond::set_cookie(&mut resp, CSRF_COOKIE, &csrf, "Strict", steps::TTL_SECS);
            return Ok(resp);
        }
    } else {
        let used =
            factors::check::<Failed>(&state.store, &state.master, &step.account_id, code, now)?;
        if let Some(factor) = used {
            // The step or recovery code just spent must stay spent across a crash.
            state.store.flush_durable().await?;
            state
                .limiter
                .record(&state.store, None, &keys, Outcome::Success, now)?;
            return open(state, sessions, &step, step_cookie, Some(factor));
        }
    }
    let event = AuditEvent::new(now, AuditKind::MfaFailed, &Actor::System)
        .account(&step.account_id)
        .target(&step.username)
        .detail("admin_ui");
    state
        .store
        .transaction(|tx| tx.audit::<StoreError>(&event))?;
    state
        .limiter
        .record(&state.store, None, &keys, Outcome::Failure, now)?;
    show(
        state,
        sessions,
        step,
        step_cookie,
        Some(crate::oauth::second_factor::FAILED.into()),
        log,
    )
}

/// The second factor is in: the admin session, audited `login`.
fn open(
    state: &State,
    sessions: &Sessions,
    step: &Step,
    step_cookie: Option<&str>,
    factor: Option<crate::store::factors::Factor>,
) -> Result<Response<Body>, Failed> {
    let now = state.clock.now();
    let actor = Actor::Account(step.account_id.clone());
    let used = [
        crate::store::factors::Factor::Password,
        factor.unwrap_or(crate::store::factors::Factor::Totp),
    ];
    let detail = format!(
        "admin_ui {}",
        crate::store::factors::Authenticated(&used).audit_detail()
    );
    let event = AuditEvent::new(now, AuditKind::Login, &actor).detail(&detail);
    state
        .store
        .transaction(|tx| tx.audit::<StoreError>(&event))?;
    sessions.steps.end(step_cookie);
    let cookie = sessions.open(actor, step.username.clone(), now)?;
    let mut resp = super::into_console(&cookie);
    respond::set_cookie(&mut resp, steps::COOKIE, "", "Strict", 0);
    Ok(resp)
}
