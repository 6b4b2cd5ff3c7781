//! The second sign-in step (`/t/{tenant}/mfa`): after a correct password for an account
//! with a second factor, or for a session that lacks the second factor its tenant or
//! request wants. A TOTP code (each step accepted once) or a recovery code (each used
//! once); an account without a factor enrols TOTP here and is shown its recovery codes.
//! The step is bound to the browser by a cookie and keeps the pending request.

use super::authorize::{self, Outcome};
use super::login::PASSKEY_FAILED;
use super::login::{record_failure, username_keys};
use super::passkey::{self, Failure, Purpose};
use super::request::SecondFactorForm;
use super::{Ctx, OAuthError};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::auth::factors;
use crate::clock::UnixTime;
use crate::crypto::{hash, random};
use crate::grant::pending::{self, EXPIRED};
use crate::grant::session;
use crate::grant::subject::member;
use crate::guard;
use crate::store::StoreError;
use crate::store::TxError;
use crate::store::factors::{Authenticated, Factor};
use crate::store::pending::{PendingAuthorization, SecondStep};
use crate::store::sessions::SsoSession;
use crate::store::tenants::Tenant;
use crate::types::Secret;
use crate::types::secret::constant_time_eq;
use crate::ui::Msg;
use crate::ui::mfa::{CodeView, EnrolView, RecoveryCodesView, StepForm};
use std::net::IpAddr;

/// The cookie that binds a second step begun by a password to its browser.
pub const STEP_COOKIE: &str = "__Host-latchkey_step";

/// The one failure message of the second step.
pub const FAILED: Msg = Msg::new("mfa.failed");

/// The cookies a second step may be bound to.
pub struct Cookies<'a> {
    /// The SSO session cookie.
    pub session: Option<&'a str>,
    /// The step cookie.
    pub step: Option<&'a str>,
    /// The CSRF cookie.
    pub csrf: Option<&'a str>,
}

/// What the second-step page answers.
pub enum StepOutcome {
    /// Ask for a code (401 after a failure).
    Code {
        /// The page.
        view: CodeView,
        /// True after a failed attempt.
        failed: bool,
    },
    /// Enrol TOTP (401 after a failure).
    Enrol {
        /// The page.
        view: Box<EnrolView>,
        /// True after a failed attempt.
        failed: bool,
    },
    /// The new recovery codes, once; the session cookie to set when one was made.
    RecoveryCodes {
        /// The page.
        view: RecoveryCodesView,
        /// A new session's cookie.
        cookie: Option<Secret>,
    },
    /// An error page (400).
    ErrorPage(Msg),
    /// Too many failures for this username (429).
    TooMany(u64),
    /// Done: set the session cookie when one was made, and go on.
    Done {
        /// A new session's cookie.
        cookie: Option<Secret>,
        /// Where the pending request leads.
        outcome: Outcome,
    },
}

const STALE: Msg = Msg::new("error.stale");
/// The page for an account that may no longer sign in at the tenant.
const GONE: Msg = Msg::new("error.gone");

fn form(tenant: &Tenant, request_id: &str, error: Option<&Msg>) -> Result<StepForm, OAuthError> {
    Ok(StepForm {
        tenant_name: tenant.display_name.clone(),
        action: format!("/t/{}/mfa", tenant.id),
        csrf: random::secret_token()?,
        request_id: request_id.to_owned(),
        error: error.map(|m| m.clone().into()),
    })
}

/// The pending request and its second step, if `cookies` carry the cookie it is bound to.
fn bound(
    ctx: &Ctx,
    tenant: &Tenant,
    request_id: Option<&str>,
    cookies: &Cookies,
    now: UnixTime,
) -> Result<Option<(PendingAuthorization, SecondStep)>, OAuthError> {
    let Some(p) = pending::find(ctx.store, tenant, request_id, now)? else {
        return Ok(None);
    };
    let Some(step) = p.second_step.clone() else {
        return Ok(None);
    };
    let presented = match step.session_id {
        Some(_) => cookies.session,
        None => cookies.step,
    };
    let matches =
        presented.is_some_and(|c| constant_time_eq(&hash::sha256(c.as_bytes()), &step.binding));
    Ok(matches.then_some((p, step)))
}

/// `GET /t/{tenant}/mfa?request=…`: the code form, or TOTP enrolment for an account
/// without a second factor (the secret is made once and kept with the request).
pub fn show(
    ctx: &Ctx,
    tenant: &Tenant,
    request_id: Option<&str>,
    cookies: &Cookies,
    now: UnixTime,
) -> Result<StepOutcome, OAuthError> {
    let Some((p, step)) = bound(ctx, tenant, request_id, cookies, now)? else {
        return Ok(StepOutcome::ErrorPage(STALE));
    };
    page(ctx, tenant, (p, step), None, now)
}

/// The page for `step`'s state, with `error` after a failure.
fn page(
    ctx: &Ctx,
    tenant: &Tenant,
    (mut p, mut step): (PendingAuthorization, SecondStep),
    error: Option<&Msg>,
    now: UnixTime,
) -> Result<StepOutcome, OAuthError> {
    let account = ctx
        .store
        .account(&step.account_id)?
        .ok_or(OAuthError::Internal("account vanished during sign-in"))?;
    if account.factors.any() {
        let form = form(tenant, &p.id, error)?;
        let offer = passkey::offer(
            ctx,
            Purpose::SecondFactor,
            &p.id,
            &form.csrf,
            Some(&account),
            now,
        )?;
        return Ok(StepOutcome::Code {
            view: CodeView {
                form,
                totp: account.factors.totp.is_some(),
                passkey: offer,
            },
            failed: error.is_some(),
        });
    }
    let secret = match &step.enrolling {
        Some(sealed) => factors::unseal(ctx.master, &account.id, sealed)?,
        None => {
            let (secret, sealed) = factors::begin_enrolment(ctx.master, &account.id)?;
            step.enrolling = Some(sealed);
            p.second_step = Some(step);
            ctx.store
                .transaction(|tx| tx.put_pending::<StoreError>(&p))?;
            secret
        }
    };
    let uri = secret.otpauth_uri(&tenant.display_name, &account.username);
    let form = form(tenant, &p.id, error)?;
    let offer = passkey::offer(ctx, Purpose::Enrol, &p.id, &form.csrf, Some(&account), now)?;
    Ok(StepOutcome::Enrol {
        view: Box::new(EnrolView {
            form,
            passkey: offer,
            qr_svg: factors::qr_svg(&uri)
                .ok_or(OAuthError::Internal("the TOTP URI does not fit a QR code"))?,
            secret: secret.base32(),
            uri,
        }),
        failed: error.is_some(),
    })
}

/// `POST /t/{tenant}/mfa` at `now` from `peer`.
pub async fn submit(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    form_in: SecondFactorForm,
    cookies: &Cookies<'_>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<StepOutcome, OAuthError> {
    let csrf_ok = match (form_in.csrf.as_deref(), cookies.csrf) {
        (Some(f), Some(c)) => constant_time_eq(f.as_bytes(), c.as_bytes()),
        _ => false,
    };
    if !csrf_ok {
        return Ok(StepOutcome::ErrorPage(Msg::new("error.form_stale")));
    }
    let Some((p, step)) = bound(ctx, tenant, form_in.request_id.as_deref(), cookies, now)? else {
        return Ok(StepOutcome::ErrorPage(STALE));
    };
    if let Some(sid) = &step.done_session {
        if !form_in.proceed {
            return Ok(StepOutcome::ErrorPage(STALE));
        }
        return proceed(ctx, tenant, &p, sid, None, now);
    }
    if let Err(blocked) = ctx.limiter.admit(&username_keys(peer, &step.username), now) {
        return Ok(StepOutcome::TooMany(blocked.retry_after));
    }
    let used = match form_in.passkey.as_deref() {
        Some(answer) => {
            let csrf = form_in.csrf.as_deref().unwrap_or_default();
            match with_passkey(
                ctx,
                tenant,
                (&p, &step),
                (csrf, answer, &form_in.passkey_name),
                now,
            )
            .await?
            {
                Ok(used) => Some(used),
                Err(PasskeyStep::Unavailable) => {
                    return Ok(StepOutcome::ErrorPage(passkey::UNAVAILABLE));
                }
                Err(PasskeyStep::Failed(f)) => {
                    return failed(ctx, tenant, (p, step), Some(f), peer, now);
                }
            }
        }
        None => with_code(ctx, tenant, &step, form_in.code, now).await?,
    };
    let Some((factor, codes)) = used else {
        return failed(ctx, tenant, (p, step), None, peer, now);
    };
    finish(ctx, tenant, (&p, &step), (factor, codes), peer, now).await
}

/// Why a passkey did not complete the step.
enum PasskeyStep {
    /// The public URL is an IP address (400).
    Unavailable,
    /// Refused: audited and counted.
    Failed(Failure),
}

/// A code (TOTP, or recovery) completes the step or enrols TOTP: the factor, and the
/// recovery codes to show when it enrolled.
async fn with_code(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    step: &SecondStep,
    code: Secret,
    now: UnixTime,
) -> Result<Option<(Factor, Option<Vec<String>>)>, OAuthError> {
    // A factor enrolled elsewhere since this enrolment began is the one to ask for.
    let enrolling = match &step.enrolling {
        Some(sealed) if !factors::enrolled(ctx.store, &step.account_id)? => Some(sealed),
        _ => None,
    };
    Ok(match enrolling {
        Some(sealed) => enrol(ctx, tenant, step, sealed, code.expose(), now)
            .await?
            .map(|codes| (Factor::Totp, Some(codes))),
        None => factors::check::<OAuthError>(
            ctx.store,
            ctx.master,
            &step.account_id,
            code.expose(),
            now,
        )?
        .map(|f| (f, None)),
    })
}

/// A passkey completes the step: an assertion by one of the account's passkeys, or,
/// for an account without a factor, a new passkey (enrolled with recovery codes).
async fn with_passkey(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (p, step): (&PendingAuthorization, &SecondStep),
    (csrf, answer, name): (&str, &str, &str),
    now: UnixTime,
) -> Result<Result<(Factor, Option<Vec<String>>), PasskeyStep>, OAuthError> {
    if !ctx.passkeys.available() {
        return Ok(Err(PasskeyStep::Unavailable));
    }
    let account = ctx
        .store
        .account(&step.account_id)?
        .ok_or(OAuthError::Internal("account vanished during sign-in"))?;
    let purpose = if account.factors.any() {
        Purpose::SecondFactor
    } else {
        Purpose::Enrol
    };
    let Some(state) = passkey::take(ctx, purpose, &p.id, csrf, now)? else {
        return Ok(Err(PasskeyStep::Failed(Failure::NoCeremony)));
    };
    if purpose == Purpose::Enrol {
        let new = match passkey::register(ctx, &state, answer, &passkey::name(name), now)? {
            Ok(new) => new,
            Err(f) => return Ok(Err(PasskeyStep::Failed(f))),
        };
        let actor = Actor::Account(step.account_id.clone());
        let event = AuditEvent::new(now, AuditKind::MfaEnrolled, &actor)
            .tenant(tenant.id.as_str())
            .account(&step.account_id)
            .detail("passkey");
        let codes = factors::enrol_passkey::<OAuthError>(ctx.store, &step.account_id, new, &event)?;
        return Ok(match codes {
            // Another tab may have enrolled a factor meanwhile: its codes were shown there.
            Some(codes) => {
                ctx.store.flush_durable().await?;
                Ok((Factor::Passkey, (!codes.is_empty()).then_some(codes)))
            }
            None => Err(PasskeyStep::Failed(Failure::Unknown)),
        });
    }
    let assertion = match passkey::judged(ctx.passkeys.finish_second_factor(&state, answer))? {
        Ok(a) => a,
        Err(f) => return Ok(Err(PasskeyStep::Failed(f))),
    };
    Ok(match passkey::spend(ctx, &account.id, &assertion, now)? {
        Ok(()) => Ok((Factor::Passkey, None)),
        Err(f) => Err(PasskeyStep::Failed(f)),
    })
}

/// The second factor is in: made durable, the membership checked again, the username's
/// failures cleared, and the request continued (after the recovery codes, if new).
async fn finish(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (p, step): (&PendingAuthorization, &SecondStep),
    (factor, codes): (Factor, Option<Vec<String>>),
    peer: IpAddr,
    now: UnixTime,
) -> Result<StepOutcome, OAuthError> {
    // The step or recovery code just spent must stay spent across a crash.
    ctx.store.flush_durable().await?;
    // The account may have been disabled or removed from the tenant since its password,
    // or been given a new password, which voids sign-ins under way.
    let Some(m) = member(ctx.store, tenant.uid, &step.account_id)? else {
        return Ok(StepOutcome::ErrorPage(GONE));
    };
    if m.account.refresh_epoch != step.account_epoch {
        return Ok(StepOutcome::ErrorPage(STALE));
    }
    ctx.limiter.record(
        ctx.store,
        None,
        &username_keys(peer, &step.username),
        guard::Outcome::Success,
        now,
    )?;
    let Some((session, cookie)) = complete(ctx, tenant, p, step, factor, now)? else {
        return Ok(StepOutcome::ErrorPage(STALE));
    };
    match codes {
        Some(codes) => Ok(StepOutcome::RecoveryCodes {
            view: RecoveryCodesView {
                form: form(tenant, &p.id, None)?,
                codes,
            },
            cookie,
        }),
        None => proceed(ctx, tenant, p, &session.id, cookie, now),
    }
}

/// Enrols the secret being set up when `code` is right, durably; the codes to show.
async fn enrol(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    step: &SecondStep,
    sealed: &[u8],
    code: &str,
    now: UnixTime,
) -> Result<Option<Vec<String>>, OAuthError> {
    let actor = Actor::Account(step.account_id.clone());
    let event = AuditEvent::new(now, AuditKind::MfaEnrolled, &actor)
        .tenant(tenant.id.as_str())
        .account(&step.account_id)
        .detail("totp");
    let codes = factors::confirm_enrolment::<OAuthError>(
        ctx.store,
        ctx.master,
        &step.account_id,
        sealed,
        code,
        (now, &event),
    )?;
    if codes.is_some() {
        ctx.store.flush_durable().await?;
    }
    Ok(codes)
}

/// A refused code or passkey at `now`: audited `mfa.failed` (with the passkey's reason),
/// counted for the username, the page again.
fn failed(
    ctx: &Ctx,
    tenant: &Tenant,
    (p, step): (PendingAuthorization, SecondStep),
    passkey_failure: Option<Failure>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<StepOutcome, OAuthError> {
    let mut event = AuditEvent::new(now, AuditKind::MfaFailed, &Actor::System)
        .tenant(tenant.id.as_str())
        .account(&step.account_id)
        .target(&step.username);
    let failure = passkey_failure.map(|f| {
        event = event.clone().detail(f.detail());
        PASSKEY_FAILED
    });
    record_failure(ctx, tenant, &event, (peer, &step.username), now)?;
    page(
        ctx,
        tenant,
        (p, step),
        Some(&failure.unwrap_or(FAILED)),
        now,
    )
}

/// The second factor is in: the session stepped up, or a new one made; the step marked
/// done so that the recovery-codes page can continue; the `login` audited. `None` when
/// the session being stepped up ended meanwhile.
fn complete(
    ctx: &Ctx,
    tenant: &Tenant,
    p: &PendingAuthorization,
    step: &SecondStep,
    factor: Factor,
    now: UnixTime,
) -> Result<Option<(SsoSession, Option<Secret>)>, OAuthError> {
    let mut factors = step.factors.clone();
    if factors.is_empty() {
        factors.push(Factor::Password);
    }
    factors.push(factor);
    let detail = Authenticated(&factors).audit_detail();
    let event = AuditEvent::new(
        now,
        AuditKind::Login,
        &Actor::Account(step.account_id.clone()),
    )
    .tenant(tenant.id.as_str())
    .account(&step.account_id)
    .detail(&detail);
    let (fresh, cookie) = match &step.session_id {
        Some(_) => (None, None),
        None => {
            let (s, c) = session::new(&step.account_id, factors.clone(), now)?;
            (Some(s), Some(c))
        }
    };
    let session = ctx.store.transaction(|tx| {
        let session = match (&fresh, &step.session_id) {
            (Some(s), _) => s.clone(),
            (None, Some(sid)) => {
                let Some(mut s) = tx
                    .session::<OAuthError>(sid)?
                    .filter(|s| s.expires_at > now)
                else {
                    return Ok(None);
                };
                s.factors = factors.clone();
                s
            }
            (None, None) => {
                return Err(TxError::abort(OAuthError::Internal("no session to finish")));
            }
        };
        tx.put_session(&session)?;
        let mut kept = p.clone();
        if let Some(st) = kept.second_step.as_mut() {
            st.done_session = Some(session.id.clone());
            st.enrolling = None;
        }
        tx.put_pending(&kept)?;
        tx.audit(&event)?;
        Ok(Some(session))
    })?;
    Ok(session.map(|s| (s, cookie)))
}

/// Takes the pending request up with the finished session `sid`.
fn proceed(
    ctx: &Ctx,
    tenant: &Tenant,
    p: &PendingAuthorization,
    sid: &str,
    cookie: Option<Secret>,
    now: UnixTime,
) -> Result<StepOutcome, OAuthError> {
    let Some(session) = ctx.store.session(sid)?.filter(|s| s.expires_at > now) else {
        return Ok(StepOutcome::ErrorPage(EXPIRED));
    };
    // Of two submits finishing the same request, only the one that removes it answers.
    let taken = ctx
        .store
        .transaction(|tx| tx.remove_pending::<StoreError>(&p.id))?;
    if taken.is_none() {
        return Ok(StepOutcome::ErrorPage(EXPIRED));
    }
    Ok(StepOutcome::Done {
        cookie,
        outcome: authorize::resume(ctx, tenant, p, &session, now)?,
    })
}
