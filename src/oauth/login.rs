//! The sign-in page (`/t/{tenant}/login`): a double-submit CSRF token, username and
//! password checked with argon2id off the async workers, one message for every kind of
//! failure, and on success a new SSO session that finishes the pending request.

use super::authorize::{self, Outcome};
use super::passkey::{self, Failure, Purpose};
use super::request::LoginForm;
use super::{Ctx, OAuthError};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::crypto::{hash, password, random};
use crate::grant::pending::{self, EXPIRED};
use crate::grant::session;
use crate::grant::subject::member;
use crate::guard::{self, Blocked, Key, Realm, Subject};
use crate::store::StoreError;
use crate::store::accounts::Account;
use crate::store::factors::{Authenticated, Factor};
use crate::store::pending::{Continuation, PendingAuthorization, SecondStep};
use crate::store::tenants::Tenant;
use crate::types::Secret;
use crate::types::secret::constant_time_eq;
use crate::ui::{LoginView, Msg};
use std::net::IpAddr;

/// The page of a local sign-in at a tenant that signs users in at its upstream IdP.
const BROKERED: Msg = Msg::new("error.brokered");

/// The one failure message: it does not say whether the username exists.
pub const FAILED: Msg = Msg::new("login.failed");

/// A sign-in form whose CSRF token does not match its cookie.
const FORM_STALE: Msg = Msg::new("error.form_stale");
/// What the sign-in page answers.
pub enum LoginOutcome {
    /// Show the form (again), with this CSRF token to set as the cookie too.
    Form {
        /// The page.
        view: LoginView,
        /// True after a failed attempt (401).
        failed: bool,
    },
    /// An error page (400).
    ErrorPage(Msg),
    /// Too many failures for this username: retry after this many seconds (429).
    TooMany(u64),
    /// The password was right and the account has a second factor: set the step
    /// cookie and go to the second step.
    SecondStep {
        /// The step cookie's value.
        cookie: Secret,
        /// The pending request, now carrying the step.
        pending_id: String,
    },
    /// Signed in: set the session cookie and go on.
    Done {
        /// The session cookie's value.
        cookie: Secret,
        /// Where the pending request leads.
        outcome: Outcome,
    },
}

/// The sign-in page, its passkey ceremony started.
fn view(
    ctx: &Ctx,
    tenant: &Tenant,
    (p, username): (&PendingAuthorization, &str),
    error: Option<Msg>,
    now: UnixTime,
) -> Result<LoginView, OAuthError> {
    let request_id = p.id.as_str();
    let csrf = random::secret_token()?;
    let passkey = passkey::offer(ctx, Purpose::SignIn, request_id, &csrf, None, now)?;
    Ok(LoginView {
        tenant_name: tenant.display_name.clone(),
        client_name: client_name(ctx, tenant, p)?,
        action: format!("/t/{}/login", tenant.id),
        csrf,
        request_id: request_id.to_owned(),
        username: username.to_owned(),
        error,
        passkey,
    })
}

/// The registered name of the client a pending request came from, for the page's "to
/// continue to …"; none for a sign-in to the account console.
fn client_name(
    ctx: &Ctx,
    tenant: &Tenant,
    p: &PendingAuthorization,
) -> Result<Option<String>, OAuthError> {
    if p.continuation != Continuation::Authorize {
        return Ok(None);
    }
    let Some((_, client_id)) = p.params.iter().find(|(k, _)| k == "client_id") else {
        return Ok(None);
    };
    Ok(ctx.store.client(tenant.uid, client_id)?.map(|c| c.name))
}

/// `GET /t/{tenant}/login?request=…&login_hint=…` at `now`: the form for the pending
/// request `request_id`, the username prefilled with `login_hint`.
pub fn show(
    ctx: &Ctx,
    tenant: &Tenant,
    request_id: Option<&str>,
    login_hint: Option<&str>,
    now: UnixTime,
) -> Result<LoginOutcome, OAuthError> {
    let Some(p) = pending::find(ctx.store, tenant, request_id, now)? else {
        return Ok(LoginOutcome::ErrorPage(EXPIRED));
    };
    Ok(LoginOutcome::Form {
        view: view(ctx, tenant, (&p, login_hint.unwrap_or("")), None, now)?,
        failed: false,
    })
}

/// Refuses a client address that failed too often; run before the form is even read.
pub fn admit_address(ctx: &Ctx, peer: IpAddr, now: UnixTime) -> Result<(), Blocked> {
    ctx.limiter.admit(&[Key::address(Realm::Sso, peer)], now)
}

/// A failed step of a sign-in at `now` (a password, a second factor): `event` audited,
/// and the failure counted for the address and `username` from it.
pub(super) fn record_failure(
    ctx: &Ctx,
    tenant: &Tenant,
    event: &AuditEvent,
    (peer, username): (IpAddr, &str),
    now: UnixTime,
) -> Result<(), OAuthError> {
    ctx.store.transaction(|tx| tx.audit::<StoreError>(event))?;
    let keys = Key::all(Realm::Sso, peer, Subject::user(username));
    ctx.limiter.record(
        ctx.store,
        Some(tenant.id.as_str()),
        &keys,
        guard::Outcome::Failure,
        now,
    )?;
    Ok(())
}

/// The username's counters: from this address (tight) and from anywhere (loose), so
/// other people's guesses elsewhere do not block the real user here.
pub(super) fn username_keys(peer: IpAddr, username: &str) -> [Key; 2] {
    let user = Subject::user(username);
    [
        Key::pair(Realm::Sso, peer, user.clone()),
        Key::subject(Realm::Sso, user),
    ]
}

/// `POST /t/{tenant}/login` at `now`: `form` from the client address `peer`, with the
/// browser's CSRF cookie.
pub async fn submit(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    form: LoginForm,
    csrf_cookie: Option<&str>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<LoginOutcome, OAuthError> {
    let store = ctx.store;
    if let Some(answer) = form.passkey.as_deref() {
        return passkey_sign_in(
            ctx,
            tenant,
            (form.request_id.as_deref(), form.csrf.as_deref()),
            answer,
            csrf_cookie,
            peer,
            now,
        )
        .await;
    }
    let username = form.username;
    if let Err(blocked) = ctx.limiter.admit(&username_keys(peer, &username), now) {
        return Ok(LoginOutcome::TooMany(blocked.retry_after));
    }
    let csrf_ok = match (form.csrf.as_deref(), csrf_cookie) {
        (Some(f), Some(c)) => constant_time_eq(f.as_bytes(), c.as_bytes()),
        _ => false,
    };
    if !csrf_ok {
        return Ok(LoginOutcome::ErrorPage(FORM_STALE));
    }
    let Some(p) = pending::find(store, tenant, form.request_id.as_deref(), now)? else {
        return Ok(LoginOutcome::ErrorPage(EXPIRED));
    };
    if store.upstream(tenant.uid)?.is_some() {
        return Ok(LoginOutcome::ErrorPage(BROKERED));
    }
    match check_password(ctx, tenant, &username, form.password).await? {
        Some(account) => {
            if account.factors.any() {
                // Only the whole sign-in clears the username's failures: a right
                // password must not wipe what wrong second factors counted.
                return second_step(ctx, p, &account);
            }
            let keys = username_keys(peer, &username);
            ctx.limiter
                .record(store, None, &keys, guard::Outcome::Success, now)?;
            signed_in(ctx, tenant, &p, &account, Factor::Password, now)
        }
        None => refused(ctx, tenant, &p, &username, peer, now),
    }
}

/// A failed sign-in at `now`: audited, counted, and the form again.
fn refused(
    ctx: &Ctx,
    tenant: &Tenant,
    p: &PendingAuthorization,
    username: &str,
    peer: IpAddr,
    now: UnixTime,
) -> Result<LoginOutcome, OAuthError> {
    let event = AuditEvent::new(now, AuditKind::LoginFailed, &Actor::System)
        .tenant(tenant.id.as_str())
        .target(username);
    record_failure(ctx, tenant, &event, (peer, username), now)?;
    Ok(LoginOutcome::Form {
        view: view(ctx, tenant, (p, username), Some(FAILED), now)?,
        failed: true,
    })
}

/// The password was right for `account`, which has a second factor: the pending
/// request carries the step, bound to this browser by a new cookie.
fn second_step(
    ctx: &Ctx,
    mut p: PendingAuthorization,
    account: &Account,
) -> Result<LoginOutcome, OAuthError> {
    let cookie = Secret::new(random::secret_token()?);
    p.second_step = Some(SecondStep {
        account_id: account.id.clone(),
        username: account.username.clone(),
        session_id: None,
        binding: hash::sha256(cookie.expose().as_bytes()),
        enrolling: None,
        factors: vec![Factor::Password],
        done_session: None,
        account_epoch: account.refresh_epoch,
    });
    ctx.store
        .transaction(|tx| tx.put_pending::<StoreError>(&p))?;
    Ok(LoginOutcome::SecondStep {
        cookie,
        pending_id: p.id,
    })
}

/// `account` signed in at `now`: a new session, the pending request taken up. A new
/// password or disabling while the password was being checked (its `refresh_epoch`
/// moved) voids the sign-in: the sessions that change ended must not gain a sibling.
fn signed_in(
    ctx: &Ctx,
    tenant: &Tenant,
    p: &PendingAuthorization,
    account: &Account,
    factor: Factor,
    now: UnixTime,
) -> Result<LoginOutcome, OAuthError> {
    let account_id = account.id.as_str();
    let (session, cookie) = session::new(account_id, vec![factor], now)?;
    let event = AuditEvent::new(
        now,
        AuditKind::Login,
        &Actor::Account(account_id.to_owned()),
    )
    .tenant(tenant.id.as_str())
    .account(account_id)
    .detail(&Authenticated(&[factor]).audit_detail());
    let current = ctx.store.transaction(|tx| {
        let current = tx
            .account::<StoreError>(account_id)?
            .is_some_and(|a| a.refresh_epoch == account.refresh_epoch && !a.disabled);
        if current {
            tx.put_session(&session)?;
            tx.remove_pending(&p.id)?;
            tx.audit(&event)?;
        }
        Ok(current)
    })?;
    if !current {
        return Ok(LoginOutcome::ErrorPage(EXPIRED));
    }
    Ok(LoginOutcome::Done {
        cookie,
        outcome: authorize::resume(ctx, tenant, p, &session, now)?,
    })
}

/// `POST /t/{tenant}/login` with a passkey instead of a password (SPEC: a discoverable
/// credential with user verification): the user handle names the account, which must
/// be an enabled member of `tenant`. Never held back by the username's failures (SPEC:
/// passkey sign-in is never blocked); a failure counts for the address.
async fn passkey_sign_in(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (request_id, csrf): (Option<&str>, Option<&str>),
    answer: &str,
    csrf_cookie: Option<&str>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<LoginOutcome, OAuthError> {
    let csrf = match (csrf, csrf_cookie) {
        (Some(f), Some(c)) if constant_time_eq(f.as_bytes(), c.as_bytes()) => f,
        _ => return Ok(LoginOutcome::ErrorPage(FORM_STALE)),
    };
    let Some(p) = pending::find(ctx.store, tenant, request_id, now)? else {
        return Ok(LoginOutcome::ErrorPage(EXPIRED));
    };
    if !ctx.passkeys.available() {
        return Ok(LoginOutcome::ErrorPage(passkey::UNAVAILABLE));
    }
    if ctx.store.upstream(tenant.uid)?.is_some() {
        return Ok(LoginOutcome::ErrorPage(BROKERED));
    }
    let checked = match passkey::take(ctx, Purpose::SignIn, &p.id, csrf, now)? {
        None => Err((Failure::NoCeremony, None)),
        Some(state) => check_discoverable(ctx, tenant, &state, answer, now)?,
    };
    match checked {
        Ok(account) => {
            // The counter just advanced must stay advanced across a crash.
            ctx.store.flush_durable().await?;
            let keys = username_keys(peer, &account.username);
            ctx.limiter
                .record(ctx.store, None, &keys, guard::Outcome::Success, now)?;
            signed_in(ctx, tenant, &p, &account, Factor::Passkey, now)
        }
        Err((failure, account_id)) => {
            let event =
                passkey::failed_event(now, tenant.id.as_str(), account_id.as_deref(), &failure);
            ctx.store.transaction(|tx| tx.audit::<StoreError>(&event))?;
            ctx.limiter.record(
                ctx.store,
                Some(tenant.id.as_str()),
                &[Key::address(Realm::Sso, peer)],
                guard::Outcome::Failure,
                now,
            )?;
            Ok(LoginOutcome::Form {
                view: view(ctx, tenant, (&p, ""), Some(PASSKEY_FAILED), now)?,
                failed: true,
            })
        }
    }
}

/// The one failure message of a passkey sign-in.
pub const PASSKEY_FAILED: Msg = Msg::new("login.passkey_failed");

/// The enabled member of `tenant` whose passkey signed `answer` for ceremony `state`,
/// its counter spent; else why not, and whose it claimed to be.
fn check_discoverable(
    ctx: &Ctx,
    tenant: &Tenant,
    state: &str,
    answer: &str,
    now: UnixTime,
) -> Result<Result<Account, (Failure, Option<String>)>, OAuthError> {
    let claimed = match passkey::judged(ctx.passkeys.identify(answer))? {
        Ok(c) => c,
        Err(f) => return Ok(Err((f, None))),
    };
    let who = Some(claimed.account_id.clone());
    let Some(account) = member(ctx.store, tenant.uid, &claimed.account_id)?.map(|m| m.account)
    else {
        return Ok(Err((Failure::Unknown, who)));
    };
    let verified = passkey::judged(ctx.passkeys.finish_discoverable(
        state,
        &claimed,
        &account.factors.passkeys,
    ))?;
    let assertion = match verified {
        Ok(a) => a,
        Err(f) => return Ok(Err((f, who))),
    };
    Ok(match passkey::spend(ctx, &account.id, &assertion, now)? {
        Ok(()) => Ok(account),
        Err(f) => Err((f, who)),
    })
}

/// The account if `username` is an enabled member of `tenant` with this password.
/// Unknown users are checked against a dummy hash so that timing tells nothing.
async fn check_password(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    username: &str,
    password: Secret,
) -> Result<Option<Account>, OAuthError> {
    let account = match ctx.store.account_by_username(username)? {
        Some(a) => member(ctx.store, tenant.uid, &a.id)?.map(|m| m.account),
        None => None,
    };
    let phc = account
        .as_ref()
        .and_then(|a| a.password_hash.clone())
        .unwrap_or_else(|| ctx.dummy_password_hash.to_owned());
    let matches = password::verify_off_workers(password, phc)
        .await
        .map_err(|_| OAuthError::Internal("password check failed"))?;
    Ok(account.filter(|a| matches && a.password_hash.is_some()))
}
