//! The account console as where a sign-in leads (SPEC "Account console and recovery"):
//! the console is reached only with a session of a member that passed the tenant's
//! second-factor policy and any password change an admin asked for. Otherwise the
//! user goes through the tenant's normal sign-in, whose pending request carries
//! [`Continuation::Console`] instead of a client, and comes back here.

use super::acr::{self, Asked, Need};
use super::{ENROL_AFTER_SECS, Outcome, step_up, store_pending};
use crate::clock::UnixTime;
use crate::grant::session;
use crate::grant::subject::member;
use crate::oauth::{Ctx, OAuthError};
use crate::store::accounts::Account;
use crate::store::factors::Authenticated;
use crate::store::pending::{Continuation, SecondStep};
use crate::store::sessions::SsoSession;
use crate::store::tenants::Tenant;
use crate::ui::Msg;
use std::net::IpAddr;

/// What a request for the console gets.
pub enum Entry {
    /// The console, for this session and its account.
    Page(Box<(SsoSession, Account)>),
    /// A step of the sign-in first.
    Go(Outcome),
}

/// Why a signed-in user may not see the console.
const NOT_MEMBER: Msg = Msg::new("error.not_member");

/// The console's path at `tenant`: the only place a console sign-in leads.
pub fn path(tenant: &Tenant) -> String {
    format!("/t/{}/account", tenant.id)
}

/// A request for the console at `now` from `peer` with the browser's session cookie:
/// a session of an enabled member (from any tenant, as the authorization endpoint
/// takes it) goes through [`gate`]; anything else signs in first.
pub fn enter(
    ctx: &Ctx,
    tenant: &Tenant,
    session_cookie: Option<&str>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<Entry, OAuthError> {
    let browser = session::from_cookie(ctx.store, session_cookie, now)?;
    let session = match browser {
        Some(s) if member(ctx.store, tenant.uid, &s.account_id)?.is_some() => s,
        _ => {
            let kept = (&[][..], Continuation::Console);
            let pending_id = store_pending(ctx, tenant, kept, now, Some(peer), None)?;
            return Ok(Entry::Go(Outcome::Login {
                pending_id,
                login_hint: None,
            }));
        }
    };
    Ok(match gate(ctx, tenant, &session, now, Some(peer))? {
        Ok(account) => Entry::Page(Box::new((session, account))),
        Err(step) => Entry::Go(step),
    })
}

/// Whether `session` signed in recently enough at `now` to change the account's second
/// factors: a factor or a set of recovery codes is a lasting credential, for which a
/// session cookie left in a browser is not proof enough (the same rule as enrolling a
/// first factor from a session, [`ENROL_AFTER_SECS`]).
pub fn recent(session: &SsoSession, now: UnixTime) -> bool {
    now.saturating_sub(session.auth_time) <= ENROL_AFTER_SECS
}

/// The sign-in again that a sensitive change of `session` (of account `username`) needs
/// first at `now`, like `prompt=login`, leading back to the console; `None` when
/// [`recent`]. `peer`'s quota of pending requests counts it.
pub fn sign_in_again(
    ctx: &Ctx,
    tenant: &Tenant,
    (session, username): (&SsoSession, &str),
    now: UnixTime,
    peer: IpAddr,
) -> Result<Option<Outcome>, OAuthError> {
    if recent(session, now) {
        return Ok(None);
    }
    let kept = (&[][..], Continuation::Console);
    let pending_id = store_pending(ctx, tenant, kept, now, Some(peer), None)?;
    Ok(Some(Outcome::Login {
        pending_id,
        login_hint: Some(username.to_owned()),
    }))
}

/// The signed-in session's way back once every sign-in step is done.
pub(super) fn resume(
    ctx: &Ctx,
    tenant: &Tenant,
    session: &SsoSession,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    Ok(match gate(ctx, tenant, session, now, None)? {
        Ok(_) => Outcome::Redirect(path(tenant)),
        Err(step) => step,
    })
}

/// What `session` must still do, as the authorization endpoint asks it (the tenant's
/// `mfa` policy, then `must_change_password`), else its account. `from` is the client
/// address of a request from outside, counted against its quota of pending requests.
fn gate(
    ctx: &Ctx,
    tenant: &Tenant,
    session: &SsoSession,
    now: UnixTime,
    from: Option<IpAddr>,
) -> Result<Result<Account, Outcome>, OAuthError> {
    let Some(account) = member(ctx.store, tenant.uid, &session.account_id)?.map(|m| m.account)
    else {
        return Ok(Err(Outcome::ErrorPage(NOT_MEMBER.into())));
    };
    let kept = (&[][..], Continuation::Console);
    let mfa = Authenticated(&session.factors).is_mfa();
    if acr::need(tenant.mfa, Asked::default(), mfa) == Need::SecondFactor {
        let Some(step) = step_up(ctx, session, now)? else {
            let pending_id = store_pending(ctx, tenant, kept, now, from, None)?;
            return Ok(Err(Outcome::Login {
                pending_id,
                login_hint: None,
            }));
        };
        let pending_id = store_pending(ctx, tenant, kept, now, from, Some(step))?;
        return Ok(Err(Outcome::SecondFactor { pending_id }));
    }
    if crate::oauth::password_change::required(&account, session) {
        let pending_id = store_pending(ctx, tenant, kept, now, from, None)?;
        return Ok(Err(Outcome::PasswordChange { pending_id }));
    }
    Ok(Ok(account))
}

/// Keeps the sealed secret of an authenticator app `session` is setting up from the
/// console, server-side in a console pending request bound to the session's cookie;
/// returns the request's id, which the setup form carries instead of the secret.
pub fn keep_enrolment(
    ctx: &Ctx,
    tenant: &Tenant,
    (session, account): (&SsoSession, &Account),
    sealed: Vec<u8>,
    now: UnixTime,
    peer: IpAddr,
) -> Result<String, OAuthError> {
    let step = SecondStep {
        account_id: account.id.clone(),
        username: account.username.clone(),
        session_id: Some(session.id.clone()),
        binding: session.cookie_hash,
        enrolling: Some(sealed),
        factors: session.factors.clone(),
        done_session: None,
        account_epoch: account.refresh_epoch,
    };
    let kept = (&[][..], Continuation::Console);
    store_pending(ctx, tenant, kept, now, Some(peer), Some(step))
}

/// The sealed secret [`keep_enrolment`] kept as `request` for `session` at `tenant`,
/// if it is still there, unexpired, and this browser's.
pub fn kept_enrolment(
    ctx: &Ctx,
    tenant: &Tenant,
    session: &SsoSession,
    request: &str,
    now: UnixTime,
) -> Result<Option<Vec<u8>>, OAuthError> {
    let Some(pending) = ctx.store.pending(request)? else {
        return Ok(None);
    };
    if pending.tenant_uid != tenant.uid
        || pending.expires_at <= now
        || pending.continuation != Continuation::Console
    {
        return Ok(None);
    }
    Ok(pending.second_step.and_then(|step| {
        let own = step.binding == session.cookie_hash && step.account_id == session.account_id;
        step.enrolling.filter(|_| own)
    }))
}

/// Forgets the enrolment kept as `request` once its app was added.
pub fn drop_enrolment(ctx: &Ctx, request: &str) -> Result<(), OAuthError> {
    ctx.store
        .transaction(|tx| tx.remove_pending::<crate::store::StoreError>(request))?;
    Ok(())
}
