//! The console's view of the member's own SSO sessions, and "sign out everywhere else":
//! every other session ends with its refresh tokens and back-channel logouts, the one
//! the browser holds stays.

use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::{UnixTime, rfc3339};
use crate::store::sessions::SsoSession;
use crate::store::{Store, StoreError};
use crate::ui::account::SessionRow;

/// The account's live sessions at `now`, newest sign-in first, `current` marked.
pub fn rows(
    store: &Store,
    current: &SsoSession,
    now: UnixTime,
) -> Result<Vec<SessionRow>, StoreError> {
    let mut live = Vec::new();
    for sid in store.account_sessions(&current.account_id)? {
        if let Some(s) = store.session(&sid)?.filter(|s| s.expires_at > now) {
            live.push(s);
        }
    }
    live.sort_by_key(|s| std::cmp::Reverse(s.auth_time));
    Ok(live
        .into_iter()
        .map(|s| SessionRow {
            signed_in_at: rfc3339(s.auth_time),
            this_one: s.id == current.id,
        })
        .collect())
}

/// Ends every session of `current`'s account but `current` at `now`, in one
/// transaction with its audit event (`tenant`: where the console was used); returns how
/// many ended.
pub fn end_others(
    store: &Store,
    current: &SsoSession,
    tenant: &str,
    now: UnixTime,
) -> Result<usize, StoreError> {
    let others: Vec<String> = store
        .account_sessions(&current.account_id)?
        .into_iter()
        .filter(|sid| *sid != current.id)
        .collect();
    let event = AuditEvent::new(
        now,
        AuditKind::AccountSessionsEnded,
        &Actor::Account(current.account_id.clone()),
    )
    .tenant(tenant)
    .account(&current.account_id)
    .detail("user: all but the current session");
    store.transaction(|tx| {
        for sid in &others {
            tx.end_session_notifying::<StoreError>(sid, now)?;
        }
        tx.audit(&event)
    })?;
    Ok(others.len())
}
