//! What an admin may do (SPEC "Management API" `POST /tokens`, "Admin UI" roles).

use serde::{Deserialize, Serialize};

/// An admin role naming its tenants as `T`: the store keeps tenant incarnation uids
/// (so a tenant deleted and created again under the same id does not inherit the old
/// one's admins), the API shows and takes tenant ids.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role<T> {
    /// Every management call, the admin UI and `/metrics`.
    #[default]
    Appliance,
    /// `GET /metrics` only, so a Prometheus server holds no admin power (tokens only).
    Metrics,
    /// The management calls that concern these tenants, their members and clients.
    Tenants(Vec<T>),
}

/// A role as stored: tenants by incarnation uid.
pub type AdminRole = Role<u64>;

impl AdminRole {
    /// Whether the role may use the management API and the admin UI.
    pub fn may_manage(&self) -> bool {
        !matches!(self, Role::Metrics)
    }

    /// Whether the role manages the tenant incarnation `uid`.
    pub fn manages(&self, uid: u64) -> bool {
        match self {
            Role::Appliance => true,
            Role::Metrics => false,
            Role::Tenants(uids) => uids.contains(&uid),
        }
    }
}
