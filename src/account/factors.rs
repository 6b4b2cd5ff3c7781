//! The console's changes to the member's own second factors: a new set of recovery codes
//! (the old set void), adding and removing the authenticator app, each in one
//! transaction with its audit event, the account as actor.

use super::{AccountError, Ctx};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::auth::{factors as sign_in_factors, recovery_codes};
use crate::clock::UnixTime;
use crate::store::factors::TotpFactor;
use crate::store::tenants::{MfaPolicy, Tenant};
use crate::store::{StoreError, TxError};
use crate::ui::Msg;

/// What a change answers.
pub enum FactorChange {
    /// Done; new recovery codes to show once, when that was the change.
    Done(Vec<String>),
    /// Refused, with the message saying why.
    Refused(Msg),
}

/// Why no recovery codes are made for an account without an app or a passkey.
pub const NOTHING_TO_RECOVER: Msg = Msg::new("account.nothing_to_recover");
/// Why the app stays where the tenant requires a second factor and it is the last one.
pub const LAST_FACTOR: Msg = Msg::new("account.last_factor");
/// Why a second app is not set up beside the first.
pub const HAS_APP: Msg = Msg::new("account.has_app");
/// Why the app being set up is not added yet.
pub const WRONG_CODE: Msg = Msg::new("account.wrong_code");
/// Why there is nothing to remove.
pub const NO_APP: Msg = Msg::new("account.no_app");

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

/// Adds the authenticator app whose secret the console kept `sealed` for `account_id`
/// when `code` is right for it at `now`, its step spent. The account's first factor
/// comes with a new set of recovery codes, shown once; beside a passkey, the codes
/// stay as they are.
pub async fn add_totp(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (account_id, sealed): (&str, &[u8]),
    code: &str,
    now: UnixTime,
) -> Result<FactorChange, AccountError> {
    let secret = sign_in_factors::unseal(ctx.master, account_id, sealed)?;
    let Some(accepted) = secret.verify(code, now, None) else {
        return Ok(FactorChange::Refused(WRONG_CODE));
    };
    let (codes, hashes) = recovery_codes::generate()?;
    let added = event(now, AuditKind::MfaEnrolled, tenant, account_id, "totp");
    let first = ctx.store.transaction(|tx| {
        let Some(mut a) = tx.account::<StoreError>(account_id)? else {
            return Ok(None);
        };
        if a.factors.totp.is_some() {
            return Ok(None);
        }
        let first = !a.factors.any();
        a.factors.totp = Some(TotpFactor {
            sealed_secret: sealed.to_vec(),
            last_step: Some(accepted),
            enrolled_at: now,
        });
        if first {
            a.factors.recovery_hashes = hashes.clone();
        }
        tx.put_account(&a)?;
        tx.audit(&added)?;
        Ok::<_, TxError<StoreError>>(Some(first))
    })?;
    let Some(first) = first else {
        return Ok(FactorChange::Refused(HAS_APP));
    };
    // A factor shown as added must survive a crash, and so must its recovery codes.
    ctx.store.flush_durable().await?;
    Ok(FactorChange::Done(if first { codes } else { Vec::new() }))
}
