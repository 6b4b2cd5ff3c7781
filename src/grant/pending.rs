//! Pending authorization requests: an authorization request kept while the user signs
//! in (with a password here or at the upstream IdP) or consents, and taken up again by
//! its id. Each protocol that finishes one finds it here.

use crate::clock::UnixTime;
use crate::store::pending::PendingAuthorization;
use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};
use crate::ui::Msg;

/// How long a sign-in may take.
pub const TTL_SECS: u64 = 600;

/// What the user reads when the pending request is gone.
pub const EXPIRED: Msg = Msg::new("error.expired");

/// The pending request `id` names, if it belongs to `tenant` and is still fresh at `now`.
pub fn find(
    store: &Store,
    tenant: &Tenant,
    id: Option<&str>,
    now: UnixTime,
) -> Result<Option<PendingAuthorization>, StoreError> {
    let Some(id) = id else { return Ok(None) };
    Ok(store
        .pending(id)?
        .filter(|p| p.tenant_uid == tenant.uid && p.expires_at > now))
}
