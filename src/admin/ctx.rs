//! What a management operation needs: the store, the master key, the time, who acts
//! and what their role lets them reach. Every tenant path segment is resolved here, so a
//! tenant admin's reach is checked in one place for the API and the admin UI alike.

use super::AdminError;
use super::reach::{self, Reach};
use crate::audit::Actor;
use crate::clock::UnixTime;
use crate::crypto::seal::MasterKey;
use crate::store::Store;
use crate::store::accounts::Account;
use crate::store::tenants::Tenant;
use crate::types::{AdminRole, Role, TenantId};

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
    /// What the actor manages, read afresh for every request so a changed role applies
    /// at once.
    pub role: AdminRole,
    /// The appliance's public origin.
    pub public_url: &'a str,
    /// What every password set through a management operation must satisfy.
    pub passwords: crate::auth::password_policy::Policy,
    /// Where a URL a tenant admin sets may point.
    pub destinations: &'a crate::outbound::Destinations,
}

impl Ctx<'_> {
    /// The tenant named by a path segment, or 404: also for a tenant outside the
    /// caller's role, so a tenant admin cannot tell other tenants exist.
    pub fn tenant(&self, slug: &str) -> Result<Tenant, AdminError> {
        let missing = || {
            AdminError::NotFound(format!(
                "no tenant named `{}`",
                slug.chars().take(63).collect::<String>()
            ))
        };
        let id = TenantId::parse(slug).map_err(|_| missing())?;
        self.store
            .tenant(&id)?
            .filter(|t| self.role.manages(t.uid))
            .ok_or_else(missing)
    }

    /// A 403 unless the caller is an appliance admin: for the calls SPEC keeps from
    /// tenant admins (keys, admin tokens, backups, creating and deleting tenants).
    pub fn appliance_only(&self, what: &str) -> Result<(), AdminError> {
        match self.role {
            Role::Appliance => Ok(()),
            Role::Metrics | Role::Tenants(_) => Err(AdminError::Forbidden(format!(
                "{what} is for appliance admins only"
            ))),
        }
    }

    /// Whether the caller is an appliance admin.
    pub fn is_appliance(&self) -> bool {
        self.role == Role::Appliance
    }

    /// `url`, a URL latchkey will call, if this caller may set it: a tenant admin's may
    /// not name an address of the appliance's own networks (SPEC "Outbound
    /// destinations"; a host name is judged when it is resolved, at each call).
    pub fn outbound_url(&self, field: &'static str, url: String) -> Result<String, AdminError> {
        if !self.is_appliance() {
            self.destinations
                .check_literal(&url)
                .map_err(|why| AdminError::invalid(field, why))?;
        }
        Ok(url)
    }

    /// The accounts the caller may change account-wide.
    pub fn reach(&self) -> Reach<'_> {
        match &self.role {
            Role::Appliance => Reach::Appliance,
            Role::Tenants(uids) => Reach::Tenants(uids),
            Role::Metrics => Reach::Tenants(&[]),
        }
    }

    /// Whether the caller sees `account` at all: a tenant admin sees the members of its
    /// tenants, never an appliance admin.
    pub fn sees(&self, account: &Account) -> bool {
        match &self.role {
            Role::Appliance => true,
            Role::Metrics => false,
            Role::Tenants(uids) => {
                account.role != Some(Role::Appliance)
                    && account.tenant_uids.iter().any(|u| uids.contains(u))
            }
        }
    }

    /// `account` if the caller sees it, else the 404 an unknown id gets.
    pub fn visible(&self, account: Option<Account>, id: &str) -> Result<Account, AdminError> {
        account
            .filter(|a| self.sees(a))
            .ok_or_else(|| AdminError::NotFound(format!("no account with id `{id}`")))
    }

    /// A 403 unless `account` is within the caller's reach (SPEC "Admin UI"): what a
    /// tenant admin changes account-wide must belong to its tenants alone.
    pub fn within_reach(&self, account: &Account) -> Result<(), AdminError> {
        if reach::within(self.reach(), account) {
            Ok(())
        } else {
            Err(AdminError::Forbidden(format!(
                "account `{}` is outside your reach: it is a member of a tenant you do not manage, or an admin",
                account.id
            )))
        }
    }

    /// The issuer of a tenant.
    pub fn issuer(&self, tenant: &TenantId) -> String {
        format!("{}/t/{}", self.public_url, tenant)
    }
}
