//! Which accounts a caller may change (SPEC "Admin UI": "within a caller's reach"). One
//! function, so tenant admins (issue 25) extend the same rule SCIM tokens follow.

use crate::store::accounts::Account;

/// What a caller manages.
#[derive(Clone, Copy, Debug)]
pub enum Reach<'a> {
    /// Every account: an appliance admin.
    Appliance,
    /// The members of these tenant incarnations: a SCIM token manages its own tenant.
    Tenants(&'a [u64]),
}

/// Whether `account` is within `reach`: it has no admin role and no membership outside
/// the caller's tenants (an appliance admin reaches every account).
pub fn within(reach: Reach<'_>, account: &Account) -> bool {
    match reach {
        Reach::Appliance => true,
        Reach::Tenants(uids) => {
            account.role.is_none() && account.tenant_uids.iter().all(|u| uids.contains(u))
        }
    }
}
