//! The console's changes to the member's own second factors: a new set of recovery codes
//! (the old set void) and removing the authenticator app, each in one transaction with
//! its audit event, the account as actor.

use super::{AccountError, Ctx};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::auth::recovery_codes;
use crate::clock::UnixTime;
use crate::store::tenants::{MfaPolicy, Tenant};
use crate::store::{StoreError, TxError};

/// What a change answers.
pub enum FactorChange {
    /// Done; new recovery codes to show once, when that was the change.
    Done(Vec<String>),
    /// Refused, with the sentence saying why.
    Refused(&'static str),
}

/// Why no recovery codes are made for an account without an app or a passkey.
pub const NOTHING_TO_RECOVER: &str =
    "Recovery codes stand in for an authenticator app or a passkey; set one up first.";
/// Why the app stays where the tenant requires a second factor and it is the last one.
pub const LAST_FACTOR: &str = "Your organisation requires a second factor, and the authenticator app is your only one: add a passkey before removing it.";
/// Why there is nothing to remove.
pub const NO_APP: &str = "No authenticator app is set up for your account.";

fn event(
    now: UnixTime,
    kind: AuditKind,
    tenant: &Tenant,
    account_id: &str,
    detail: &str,
) -> AuditEvent {
    AuditEvent::new(now, kind, &Actor::Account(account_id.to_owned()))
        .tenant(tenant.id.as_str())
        .account(account_id)
        .detail(detail)
}

/// Replaces the recovery codes of `account_id` at `now`: the new ones, shown once.
pub async fn new_recovery_codes(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    account_id: &str,
    now: UnixTime,
) -> Result<FactorChange, AccountError> {
    let (codes, hashes) = recovery_codes::generate()?;
    let made = event(
        now,
        AuditKind::MfaEnrolled,
        tenant,
        account_id,
        "recovery_codes",
    );
    let done = ctx.store.transaction(|tx| {
        let Some(mut a) = tx.account::<StoreError>(account_id)? else {
            return Ok(false);
        };
        if a.factors.totp.is_none() && a.factors.passkeys.is_empty() {
            return Ok(false);
        }
        a.factors.recovery_hashes = hashes.clone();
        tx.put_account(&a)?;
        tx.audit(&made)?;
        Ok::<_, TxError<StoreError>>(true)
    })?;
    if !done {
        return Ok(FactorChange::Refused(NOTHING_TO_RECOVER));
    }
    // The old codes must stay void across a crash once the new ones are shown.
    ctx.store.flush_durable().await?;
    Ok(FactorChange::Done(codes))
}

/// Removes the authenticator app of `account_id` at `now`, unless `tenant` requires a
/// second factor and no passkey would remain. With neither app nor passkey left, the
/// recovery codes go too: they back up a factor, they are not one.
pub async fn remove_totp(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    account_id: &str,
    now: UnixTime,
) -> Result<FactorChange, AccountError> {
    let removed = event(now, AuditKind::MfaRemoved, tenant, account_id, "totp");
    let refusal = ctx.store.transaction(|tx| {
        let Some(mut a) = tx.account::<StoreError>(account_id)? else {
            return Ok(Some(NO_APP));
        };
        if a.factors.totp.is_none() {
            return Ok(Some(NO_APP));
        }
        if tenant.mfa == MfaPolicy::Required && a.factors.passkeys.is_empty() {
            return Ok(Some(LAST_FACTOR));
        }
        a.factors.totp = None;
        if a.factors.passkeys.is_empty() {
            a.factors.recovery_hashes.clear();
        }
        tx.put_account(&a)?;
        tx.audit(&removed)?;
        Ok::<_, TxError<StoreError>>(None)
    })?;
    if let Some(why) = refusal {
        return Ok(FactorChange::Refused(why));
    }
    ctx.store.flush_durable().await?;
    Ok(FactorChange::Done(Vec::new()))
}
