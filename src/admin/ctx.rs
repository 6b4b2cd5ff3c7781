//! What a management operation needs: the store, the master key, the time, and who acts.

use super::AdminError;
use crate::audit::Actor;
use crate::clock::UnixTime;
use crate::crypto::seal::MasterKey;
use crate::store::Store;
use crate::store::tenants::Tenant;
use crate::types::TenantId;

/// The context of one management operation.
pub struct Ctx<'a> {
    /// The store.
    pub store: &'a Store,
    /// Seals secrets latchkey must replay.
    pub master: &'a MasterKey,
    /// The time of the operation.
    pub now: UnixTime,
    /// Who is acting, for the audit log.
    pub actor: Actor,
    /// The appliance's public origin.
    pub public_url: &'a str,
    /// What every password set through a management operation must satisfy.
    pub passwords: crate::auth::password_policy::Policy,
}

impl Ctx<'_> {
    /// The tenant named by a path segment, or 404.
    pub fn tenant(&self, slug: &str) -> Result<Tenant, AdminError> {
        let missing = || {
            AdminError::NotFound(format!(
                "no tenant named `{}`",
                slug.chars().take(63).collect::<String>()
            ))
        };
        let id = TenantId::parse(slug).map_err(|_| missing())?;
        self.store.tenant(&id)?.ok_or_else(missing)
    }

    /// The issuer of a tenant.
    pub fn issuer(&self, tenant: &TenantId) -> String {
        format!("{}/t/{}", self.public_url, tenant)
    }
}
