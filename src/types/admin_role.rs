//! What an admin token may do (SPEC "Management API" `POST /tokens`, "Admin UI" roles).

use serde::{Deserialize, Serialize};

/// An admin token's role. `"appliance"` manages everything; `"metrics"` reads
/// `GET /metrics` and nothing else, so a Prometheus server holds no admin power.
/// Tenant roles (`{"tenants": [...]}`) are a further variant of the same shape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminRole {
    /// Every management call, the admin UI and `/metrics`.
    #[default]
    Appliance,
    /// `GET /metrics` only.
    Metrics,
}

impl AdminRole {
    /// Whether the role may use the management API and the admin UI.
    pub fn may_manage(self) -> bool {
        match self {
            AdminRole::Appliance => true,
            AdminRole::Metrics => false,
        }
    }
}
