//! Passkeys in the tenant sign-in: each page that offers one starts its ceremony as it
//! renders (the options go into the page, the state into the store, bound to the page's
//! CSRF token and keyed by its pending request), and the form the page's script posts
//! takes that state back exactly once. Passwordless sign-in (`login`) and the second
//! step (`second_factor`) share this start, take and counter check.

use super::{Ctx, OAuthError};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::auth::webauthn::{Assertion, CHALLENGE_SECS, PasskeyError};
use crate::clock::UnixTime;
use crate::crypto::hash;
use crate::store::accounts::Account;
use crate::store::ceremonies::Ceremony;
use crate::store::factors::{CounterCheck, PasskeyFactor};
use crate::ui::{Msg, PasskeyOffer};

/// The sentence a page shows instead of a passkey when the public URL is an IP address.
pub const UNAVAILABLE: Msg = Msg::new("passkey.unavailable");

/// The longest name a passkey may be given.
pub const MAX_NAME_CHARS: usize = 64;

/// What a ceremony is for; with the pending request, the key it is kept under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A discoverable sign-in from the sign-in page.
    SignIn,
    /// The second factor of a known account.
    SecondFactor,
    /// Adding a passkey to a known account.
    Enrol,
    /// Adding a passkey from the account console, keyed by the SSO session instead of
    /// a pending request.
    Console,
}

impl Purpose {
    fn key(self, pending_id: &str) -> String {
        let name = match self {
            Purpose::SignIn => "signin",
            Purpose::SecondFactor => "second",
            Purpose::Enrol => "enrol",
            Purpose::Console => "console",
        };
        format!("{name}:{pending_id}")
    }
}

/// Why a presented passkey did not count, for the audit event's detail.
pub enum Failure {
    /// No ceremony under this page's token: replayed, expired or never started.
    NoCeremony,
    /// The answer was malformed or did not verify.
    Refused,
    /// The signature counter did not grow: a cloned authenticator.
    CounterNotGrown,
    /// The passkey or its account is gone, or the account may not sign in here.
    Unknown,
}

impl Failure {
    /// The `mfa.failed` detail.
    pub fn detail(&self) -> &'static str {
        match self {
            Failure::NoCeremony => "passkey: no such ceremony (replayed or expired)",
            Failure::Refused => "passkey: the assertion did not verify",
            Failure::CounterNotGrown => "passkey: the signature counter did not grow",
            Failure::Unknown => "passkey: unknown passkey or account",
        }
    }
}

/// Starts the ceremony of `purpose` for the page being rendered with `csrf`: the offer
/// to put in the page. `account` is the one signing in (none for a discoverable sign-in).
pub fn offer(
    ctx: &Ctx,
    purpose: Purpose,
    pending_id: &str,
    csrf: &str,
    account: Option<&Account>,
    now: UnixTime,
) -> Result<PasskeyOffer, OAuthError> {
    if !ctx.passkeys.available() {
        return Ok(PasskeyOffer {
            options: None,
            unavailable: true,
        });
    }
    let started = match (purpose, account) {
        (Purpose::SignIn, _) => ctx.passkeys.start_discoverable(),
        (Purpose::SecondFactor, Some(a)) if !a.factors.passkeys.is_empty() => {
            ctx.passkeys.start_second_factor(&a.factors.passkeys)
        }
        (Purpose::Enrol | Purpose::Console, Some(a)) => {
            ctx.passkeys
                .start_registration(&a.id, &a.username, &a.factors.passkeys)
        }
        _ => return Ok(PasskeyOffer::default()),
    };
    let (options, state) = started.map_err(internal)?;
    ctx.store.put_ceremony(&Ceremony {
        key: purpose.key(pending_id),
        binding: hash::sha256(csrf.as_bytes()),
        state,
        expires_at: now + CHALLENGE_SECS,
    })?;
    Ok(PasskeyOffer {
        options: Some(options),
        unavailable: false,
    })
}

/// Takes the state of the ceremony of `purpose` started for `pending_id` (the session's
/// id for [`Purpose::Console`]) by the page
/// whose CSRF token came back: once, and only within its 5 minutes.
pub fn take(
    ctx: &Ctx,
    purpose: Purpose,
    pending_id: &str,
    csrf: &str,
    now: UnixTime,
) -> Result<Option<String>, OAuthError> {
    let taken = ctx.store.take_ceremony(
        &purpose.key(pending_id),
        &hash::sha256(csrf.as_bytes()),
        now,
    )?;
    Ok(taken.map(|c| c.state))
}

/// Applies SPEC's counter rule to a verified assertion by `account_id`, at `now`.
pub fn spend(
    ctx: &Ctx,
    account_id: &str,
    assertion: &Assertion,
    now: UnixTime,
) -> Result<Result<(), Failure>, OAuthError> {
    Ok(
        match ctx
            .store
            .use_passkey(account_id, &assertion.credential_id, assertion.counter, now)?
        {
            CounterCheck::Accepted => Ok(()),
            CounterCheck::NotGrown => Err(Failure::CounterNotGrown),
            CounterCheck::Gone => Err(Failure::Unknown),
        },
    )
}

/// A ceremony's error as the sign-in sees it: the user's answer was refused, or our
/// own fault.
pub fn judged<T>(r: Result<T, PasskeyError>) -> Result<Result<T, Failure>, OAuthError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(PasskeyError::Malformed | PasskeyError::Refused(_)) => Ok(Err(Failure::Refused)),
        Err(e) => Err(internal(e)),
    }
}

/// The passkey being enrolled, from registration `state` and the browser's `response`.
pub fn register(
    ctx: &Ctx,
    state: &str,
    response: &str,
    name: &str,
    now: UnixTime,
) -> Result<Result<PasskeyFactor, Failure>, OAuthError> {
    judged(ctx.passkeys.finish_registration(state, response, name, now))
}

/// The name a user gave a new passkey: trimmed, at most [`MAX_NAME_CHARS`], "Passkey"
/// when empty.
pub fn name(given: &str) -> String {
    let trimmed: String = given.trim().chars().take(MAX_NAME_CHARS).collect();
    if trimmed.is_empty() {
        "Passkey".to_owned()
    } else {
        trimmed
    }
}

/// The `mfa.failed` event of a refused passkey in `tenant`.
pub fn failed_event(
    now: UnixTime,
    tenant: &str,
    account_id: Option<&str>,
    failure: &Failure,
) -> AuditEvent {
    let event = AuditEvent::new(now, AuditKind::MfaFailed, &Actor::System)
        .tenant(tenant)
        .detail(failure.detail());
    match account_id {
        Some(a) => event.account(a),
        None => event,
    }
}

fn internal(e: PasskeyError) -> OAuthError {
    tracing::error!("{e}");
    match e {
        PasskeyError::Unavailable => OAuthError::Internal("passkeys are unavailable"),
        _ => OAuthError::Internal("a passkey ceremony failed on our side"),
    }
}
