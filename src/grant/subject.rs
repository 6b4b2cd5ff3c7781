//! Who may get tokens at a tenant: the one "enabled member of this tenant" rule that
//! sign-in, authorization, token grants, introspection, userinfo, the exchange and the
//! broker all apply.

use crate::store::accounts::Account;
use crate::store::members::Membership;
use crate::store::{Store, StoreError};

/// An enabled account together with its membership of one tenant.
#[derive(Clone, Debug)]
pub struct Member {
    /// The account, not disabled.
    pub account: Account,
    /// Its membership of the tenant asked about, not disabled.
    pub membership: Membership,
}

/// The account `account_id` with its membership of tenant incarnation `tenant_uid`,
/// if it exists, is enabled, and is an enabled member there.
pub fn member(
    store: &Store,
    tenant_uid: u64,
    account_id: &str,
) -> Result<Option<Member>, StoreError> {
    let Some(account) = store.account(account_id)?.filter(|a| !a.disabled) else {
        return Ok(None);
    };
    Ok(store
        .membership(tenant_uid, account_id)?
        .filter(|m| !m.disabled)
        .map(|membership| Member {
            account,
            membership,
        }))
}
