//! The console's password change: the current password checked off the async workers
//! and counted like a sign-in by the username's limiter, the new one held to the policy
//! and different from the current; on success the account's other sessions end (this
//! one stays) and, as with every new password, its refresh tokens.

use super::{AccountError, Ctx};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::auth::new_password::{self, Chosen};
use crate::clock::UnixTime;
use crate::crypto::password;
use crate::guard::{self, Key, Realm, Subject};
use crate::store::accounts::Account;
use crate::store::sessions::SsoSession;
use crate::store::tenants::Tenant;
use crate::store::{StoreError, TxError};
use crate::types::Secret;
use crate::ui::Msg;
use std::net::IpAddr;

/// What the change answers.
pub enum Changed {
    /// Set; the other sessions ended.
    Done,
    /// Refused, with the message saying why (never the password).
    Refused(Msg),
    /// Too many wrong current passwords for this username: retry after this many seconds.
    TooMany(u64),
}

/// The one message for a wrong current password.
pub const WRONG_CURRENT: Msg = Msg::new("password.wrong_current");

/// Changes the password of `account`, signed in by `session` at `tenant`, from `peer`
/// at `now`: `current` must be right, `chosen` must pass the policy.
pub async fn change(
    ctx: &Ctx<'_>,
    (tenant, session, account): (&Tenant, &SsoSession, &Account),
    (current, chosen): (Secret, Chosen),
    peer: IpAddr,
    now: UnixTime,
) -> Result<Changed, AccountError> {
    let user = Subject::user(&account.username);
    let keys = [
        Key::pair(Realm::Sso, peer, user.clone()),
        Key::subject(Realm::Sso, user.clone()),
    ];
    if let Err(blocked) = ctx.limiter.admit(&keys, now) {
        return Ok(Changed::TooMany(blocked.retry_after));
    }
    let Some(hash) = account.password_hash.clone() else {
        return Ok(Changed::Refused(Msg::new("password.none_yet")));
    };
    if !password::verify_off_workers(current, hash).await? {
        let event = AuditEvent::new(now, AuditKind::LoginFailed, &Actor::System)
            .tenant(tenant.id.as_str())
            .target(&account.username)
            .detail("console: current password");
        ctx.store.transaction(|tx| tx.audit::<StoreError>(&event))?;
        ctx.limiter.record(
            ctx.store,
            Some(tenant.id.as_str()),
            &Key::all(Realm::Sso, peer, user),
            guard::Outcome::Failure,
            now,
        )?;
        return Ok(Changed::Refused(WRONG_CURRENT));
    }
    let new_hash = match new_password::judge(ctx.passwords, account, chosen).await? {
        Ok(h) => h,
        Err(why) => return Ok(Changed::Refused(why)),
    };
    let event = AuditEvent::new(
        now,
        AuditKind::PasswordChanged,
        &Actor::Account(account.id.clone()),
    )
    .tenant(tenant.id.as_str())
    .account(&account.id)
    .detail("user");
    let others: Vec<String> = ctx
        .store
        .account_sessions(&account.id)?
        .into_iter()
        .filter(|sid| *sid != session.id)
        .collect();
    ctx.store.transaction(|tx| {
        let Some(mut a) = tx.account::<StoreError>(&account.id)? else {
            return Ok(());
        };
        a.password_hash = Some(new_hash.clone());
        a.must_change_password = false;
        // As every new password: refresh tokens made under the old one end, offline
        // ones included; this browser's session stays and signs its apps in again.
        a.refresh_epoch += 1;
        tx.put_account(&a)?;
        for sid in &others {
            tx.end_session_notifying::<StoreError>(sid, now)?;
        }
        tx.audit(&event)?;
        Ok::<_, TxError<StoreError>>(())
    })?;
    ctx.limiter
        .record(ctx.store, None, &keys, guard::Outcome::Success, now)?;
    // The new password must outlive a crash once the user was told it is set.
    ctx.store.flush_durable().await?;
    Ok(Changed::Done)
}
