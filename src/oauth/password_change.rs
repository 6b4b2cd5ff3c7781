//! The password change an admin asked for (`must_change_password`, SPEC "Account
//! console and recovery"): after the user signed in, and before the pending
//! authorization request goes on, they choose a new password (`/t/{tenant}/password`).
//! The page is bound to the browser's SSO session; choosing clears the flag in the same
//! transaction that takes the pending request, which then goes on.

use super::authorize::{self, Outcome};
use super::request::NewPasswordForm;
use super::{Ctx, OAuthError};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::auth::new_password;
use crate::clock::UnixTime;
use crate::crypto::random;
use crate::grant::pending::{self, EXPIRED};
use crate::grant::session;
use crate::grant::subject::member;
use crate::store::TxError;
use crate::store::accounts::Account;
use crate::store::pending::PendingAuthorization;
use crate::store::sessions::SsoSession;
use crate::store::tenants::Tenant;
use crate::types::secret::constant_time_eq;
use crate::ui::Msg;
use crate::ui::password::NewPasswordView;

/// What the page answers.
pub enum ChangeOutcome {
    /// The form (400 after a refused password).
    Form {
        /// The page.
        view: Box<NewPasswordView>,
        /// True after a refused attempt.
        failed: bool,
    },
    /// An error page (400).
    ErrorPage(Msg),
    /// Done: where the pending request leads.
    Done(Outcome),
}

const STALE: Msg = Msg::new("error.stale");

/// Whether `account`, signed in by `session`, must choose a password first: brokered
/// sessions never were asked for one here.
pub(super) fn required(account: &Account, session: &SsoSession) -> bool {
    account.must_change_password && session.upstream.is_none()
}

fn form(
    ctx: &Ctx,
    tenant: &Tenant,
    request_id: &str,
    account: &Account,
    error: Option<Msg>,
) -> Result<ChangeOutcome, OAuthError> {
    let failed = error.is_some();
    let view = NewPasswordView {
        tenant_name: tenant.display_name.clone(),
        heading: Msg::new("password.change_heading"),
        intro: Msg::new("password.change_intro"),
        action: format!("/t/{}/password", tenant.id),
        csrf: random::secret_token()?,
        hidden: vec![("request".into(), request_id.to_owned())],
        username: account.username.clone(),
        min_length: ctx.passwords.min_length,
        error,
        enrol: None,
    };
    Ok(ChangeOutcome::Form {
        view: Box::new(view),
        failed,
    })
}

/// The pending request, the browser's session and its account.
fn bound(
    ctx: &Ctx,
    tenant: &Tenant,
    request_id: Option<&str>,
    session_cookie: Option<&str>,
    now: UnixTime,
) -> Result<Option<(PendingAuthorization, SsoSession, Account)>, OAuthError> {
    let Some(p) = pending::find(ctx.store, tenant, request_id, now)? else {
        return Ok(None);
    };
    let Some(s) = session::from_cookie(ctx.store, session_cookie, now)? else {
        return Ok(None);
    };
    // Only a member of this tenant continues a request here, as at sign-in.
    let Some(m) = member(ctx.store, tenant.uid, &s.account_id)? else {
        return Ok(None);
    };
    Ok(Some((p, s, m.account)))
}

/// `GET /t/{tenant}/password?request=…` with the session cookie.
pub fn show(
    ctx: &Ctx,
    tenant: &Tenant,
    request_id: Option<&str>,
    session_cookie: Option<&str>,
    now: UnixTime,
) -> Result<ChangeOutcome, OAuthError> {
    match bound(ctx, tenant, request_id, session_cookie, now)? {
        None => Ok(ChangeOutcome::ErrorPage(STALE)),
        Some((p, s, account)) if !required(&account, &s) => proceed(ctx, tenant, &p, &s, None, now),
        Some((p, _, account)) => form(ctx, tenant, &p.id, &account, None),
    }
}

/// `POST /t/{tenant}/password` at `now`, with the session and CSRF cookies.
pub async fn submit(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    form_in: NewPasswordForm,
    (session_cookie, csrf_cookie): (Option<&str>, Option<&str>),
    now: UnixTime,
) -> Result<ChangeOutcome, OAuthError> {
    let csrf_ok = match (form_in.csrf.as_deref(), csrf_cookie) {
        (Some(f), Some(c)) => constant_time_eq(f.as_bytes(), c.as_bytes()),
        _ => false,
    };
    if !csrf_ok {
        return Ok(ChangeOutcome::ErrorPage(Msg::new("error.form_stale")));
    }
    let request_id = form_in.request_id.as_deref();
    let Some((p, s, account)) = bound(ctx, tenant, request_id, session_cookie, now)? else {
        return Ok(ChangeOutcome::ErrorPage(STALE));
    };
    if !required(&account, &s) {
        return proceed(ctx, tenant, &p, &s, None, now);
    }
    let hash = match new_password::judge(ctx.passwords, &account, form_in.chosen).await? {
        Ok(hash) => hash,
        Err(why) => return form(ctx, tenant, &p.id, &account, Some(why)),
    };
    let event = AuditEvent::new(
        now,
        AuditKind::PasswordChanged,
        &Actor::Account(account.id.clone()),
    )
    .tenant(tenant.id.as_str())
    .account(&account.id)
    .detail("user");
    let outcome = proceed(ctx, tenant, &p, &s, Some((hash, event)), now)?;
    // The new password must outlive a crash once the user was told it is set.
    ctx.store.flush_durable().await?;
    Ok(outcome)
}

/// Takes the pending request (only one submit can) and goes on with it; with a new
/// password hash, stores it and clears the flag in the same transaction, which also
/// ends the account's other sessions and, by a new `refresh_epoch`, its refresh tokens:
/// an admin who asks for a new password may suspect someone else holds the old one.
fn proceed(
    ctx: &Ctx,
    tenant: &Tenant,
    p: &PendingAuthorization,
    session: &SsoSession,
    new_password: Option<(String, AuditEvent)>,
    now: UnixTime,
) -> Result<ChangeOutcome, OAuthError> {
    let others = match new_password {
        Some(_) => ctx.store.account_sessions(&session.account_id)?,
        None => Vec::new(),
    };
    let taken = ctx.store.transaction(|tx| {
        if tx.remove_pending::<OAuthError>(&p.id)?.is_none() {
            return Ok(false);
        }
        if let Some((hash, event)) = &new_password {
            let Some(mut a) = tx.account::<OAuthError>(&session.account_id)? else {
                return Err(TxError::abort(OAuthError::Internal("account vanished")));
            };
            a.password_hash = Some(hash.clone());
            a.must_change_password = false;
            a.refresh_epoch += 1;
            tx.put_account(&a)?;
            tx.audit(event)?;
            for sid in others.iter().filter(|sid| **sid != session.id) {
                tx.end_session_notifying(sid, now)?;
            }
        }
        Ok::<_, TxError<OAuthError>>(true)
    })?;
    if !taken {
        return Ok(ChangeOutcome::ErrorPage(EXPIRED));
    }
    Ok(ChangeOutcome::Done(authorize::resume(
        ctx, tenant, p, session, now,
    )?))
}
