//! The view of a member's own account console (`/t/{tenant}/account`).

use serde::Serialize;

/// The console page.
#[derive(Debug, Serialize)]
pub struct AccountView {
    /// The tenant's display name.
    pub tenant_name: String,
    /// The account's username.
    pub username: String,
    /// The account's display name, read-only here: an administrator sets it.
    pub name: Option<String>,
    /// The account's e-mail address, read-only here: an administrator sets it.
    pub email: Option<String>,
    /// Where "sign out" leads: the tenant's logout page.
    pub logout: String,
}
