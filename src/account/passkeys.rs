//! The console's changes to the member's own passkeys: adding one a ceremony made,
//! renaming one, removing one. Each is one transaction with its audit event, the account
//! as actor and the passkey's id as target; a passkey is found by its credential id
//! among the account's own, so another account's id finds nothing.

use super::factors::FactorChange;
use super::{AccountError, Ctx};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::auth::factors as sign_in_factors;
use crate::clock::{UnixTime, rfc3339};
use crate::store::factors::PasskeyFactor;
use crate::store::tenants::{MfaPolicy, Tenant};
use crate::store::{StoreError, TxError};
use crate::ui::Msg;
use crate::ui::account::PasskeyRow;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Why a passkey is not added twice.
pub const ALREADY_ADDED: Msg = Msg::new("account.passkey_already_added");
/// Why the last passkey stays where the tenant requires a second factor.
pub const LAST_FACTOR: Msg = Msg::new("account.last_passkey");

/// A passkey's id in the console's forms and the audit log: its credential id as
/// unpadded base64url, as WebAuthn itself writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasskeyId(Vec<u8>);

impl PasskeyId {
    /// The id of `passkey`.
    pub fn of(passkey: &PasskeyFactor) -> PasskeyId {
        PasskeyId(passkey.credential_id.clone())
    }

    /// The id a form sent; `None` when it is not base64url or empty.
    pub fn parse(text: &str) -> Option<PasskeyId> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .filter(|raw| !raw.is_empty())
            .map(PasskeyId)
    }

    /// The id as text.
    pub fn text(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.0)
    }
}

/// The console's list of `passkeys`, in the order they were added.
pub fn rows(passkeys: &[PasskeyFactor]) -> Vec<PasskeyRow> {
    passkeys
        .iter()
        .map(|p| PasskeyRow {
            id: PasskeyId::of(p).text(),
            name: p.name.clone(),
            added_at: rfc3339(p.created_at),
            last_used_at: p.last_used_at.map(rfc3339),
        })
        .collect()
}

fn event(now: UnixTime, kind: AuditKind, tenant: &Tenant, account_id: &str) -> AuditEvent {
    AuditEvent::new(now, kind, &Actor::Account(account_id.to_owned()))
        .tenant(tenant.id.as_str())
        .account(account_id)
        .detail("passkey")
}

/// Adds `passkey`, which a console ceremony just registered, to `account_id` at `now`.
/// The account's first factor comes with ten recovery codes, returned to show once.
pub async fn add(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    account_id: &str,
    passkey: PasskeyFactor,
    now: UnixTime,
) -> Result<FactorChange, AccountError> {
    let added = event(now, AuditKind::MfaEnrolled, tenant, account_id)
        .target(&PasskeyId::of(&passkey).text());
    let codes =
        sign_in_factors::enrol_passkey::<AccountError>(ctx.store, account_id, passkey, &added)?;
    let Some(codes) = codes else {
        return Ok(FactorChange::Refused(ALREADY_ADDED));
    };
    // A passkey shown as added must survive a crash, and so must its recovery codes.
    ctx.store.flush_durable().await?;
    Ok(FactorChange::Done(codes))
}

/// Gives passkey `id` of `account_id` the name `name` (already trimmed and limited as
/// at enrolment). `None` when the account has no such passkey.
pub async fn rename(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (account_id, id): (&str, &PasskeyId),
    name: &str,
    now: UnixTime,
) -> Result<Option<()>, AccountError> {
    let renamed = event(now, AuditKind::MfaRenamed, tenant, account_id).target(&id.text());
    let found = ctx.store.transaction(|tx| {
        let Some(mut a) = tx.account::<StoreError>(account_id)? else {
            return Ok(false);
        };
        let Some(p) = a
            .factors
            .passkeys
            .iter_mut()
            .find(|p| p.credential_id == id.0)
        else {
            return Ok(false);
        };
        p.name = name.to_owned();
        tx.put_account(&a)?;
        tx.audit(&renamed)?;
        Ok::<_, TxError<StoreError>>(true)
    })?;
    if !found {
        return Ok(None);
    }
    ctx.store.flush_durable().await?;
    Ok(Some(()))
}

/// Removes passkey `id` of `account_id` at `now`, unless `tenant` requires a second
/// factor and it is the account's last one. With neither app nor passkey left, the
/// recovery codes go too, as when the app is removed. `None` when the account has no
/// such passkey.
pub async fn remove(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (account_id, id): (&str, &PasskeyId),
    now: UnixTime,
) -> Result<Option<FactorChange>, AccountError> {
    let removed = event(now, AuditKind::MfaRemoved, tenant, account_id).target(&id.text());
    let outcome = ctx.store.transaction(|tx| {
        let Some(mut a) = tx.account::<StoreError>(account_id)? else {
            return Ok(None);
        };
        let before = a.factors.passkeys.len();
        a.factors.passkeys.retain(|p| p.credential_id != id.0);
        if a.factors.passkeys.len() == before {
            return Ok(None);
        }
        let none_left = a.factors.totp.is_none() && a.factors.passkeys.is_empty();
        if none_left && tenant.mfa == MfaPolicy::Required {
            return Ok(Some(FactorChange::Refused(LAST_FACTOR)));
        }
        if none_left {
            a.factors.recovery_hashes.clear();
        }
        tx.put_account(&a)?;
        tx.audit(&removed)?;
        Ok::<_, TxError<StoreError>>(Some(FactorChange::Done(Vec::new())))
    })?;
    if let Some(FactorChange::Done(_)) = &outcome {
        // A removed passkey must stay removed across a crash.
        ctx.store.flush_durable().await?;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::PasskeyId;

    #[test]
    fn a_passkey_id_is_its_credential_id_in_unpadded_base64url_and_nothing_else() {
        let id = PasskeyId(vec![0xfb, 0xff, 0x01]);
        assert_eq!(id.text(), "-_8B");
        assert_eq!(PasskeyId::parse("-_8B"), Some(id));
        for bad in ["", "+/8B", "-_8B==", "not base64url!"] {
            assert_eq!(PasskeyId::parse(bad), None, "{bad}");
        }
    }
}
