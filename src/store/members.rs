//! Memberships of accounts in tenants, with the (tenant, external id) → account index
//! kept in the same transaction.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError, tenant_key};
use crate::clock::UnixTime;
use crate::types::TenantId;
use serde::{Deserialize, Serialize};

/// An account's membership in a tenant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The tenant's slug, for display.
    pub tenant: TenantId,
    /// The member.
    pub account_id: String,
    /// Tenant-defined scopes the member may be granted.
    pub scopes: Vec<String>,
    /// The member's id at the partner's IdP, unique within the tenant.
    pub external_id: Option<String>,
    /// The upstream `sub` remembered at the first brokered login.
    pub upstream_sub: Option<String>,
    /// When it was created.
    pub created_at: UnixTime,
    /// Refused at this tenant only while set (SCIM's `active: false`); records written
    /// before memberships could be disabled read as enabled.
    #[serde(default)]
    pub disabled: bool,
    /// When it was last written (0 in records from before: read as `created_at`), for
    /// SCIM's `meta.lastModified`.
    #[serde(default)]
    pub modified_at: UnixTime,
}

impl Record for Membership {
    const TREE: TreeId = TreeId::Members;
    fn key(&self) -> Vec<u8> {
        tenant_key(self.tenant_uid, self.account_id.as_bytes())
    }
}

impl Store {
    /// One membership.
    pub fn membership(&self, uid: u64, account_id: &str) -> Result<Option<Membership>, StoreError> {
        self.get(&tenant_key(uid, account_id.as_bytes()))
    }

    /// A tenant's memberships in account-id order after `after`.
    pub fn memberships(
        &self,
        uid: u64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Membership>, StoreError> {
        self.scan_prefix(&uid.to_be_bytes(), after.map(str::as_bytes), limit)
    }

    /// The account whose membership in `uid` carries `external_id`.
    pub fn account_by_external_id(
        &self,
        uid: u64,
        external_id: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .tree(TreeId::ExternalIds)
            .get(tenant_key(uid, external_id.as_bytes()))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }
}

impl Tx<'_> {
    /// A membership, read inside the transaction.
    pub fn membership<E: From<StoreError>>(
        &self,
        uid: u64,
        account_id: &str,
    ) -> Result<Option<Membership>, TxError<E>> {
        self.get(&tenant_key(uid, account_id.as_bytes()))
    }

    /// The account owning `external_id` in the tenant, if any.
    pub fn external_id_owner<E: From<StoreError>>(
        &self,
        uid: u64,
        external_id: &str,
    ) -> Result<Option<String>, TxError<E>> {
        Ok(self
            .index_get(
                TreeId::ExternalIds,
                &tenant_key(uid, external_id.as_bytes()),
            )?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Creates or replaces a membership and its external-id index entry. The caller has
    /// checked that the external id is free and keeps the account's `tenant_uids`.
    pub fn put_membership<E: From<StoreError>>(&self, m: &Membership) -> Result<(), TxError<E>> {
        if let Some(old) = self.membership::<E>(m.tenant_uid, &m.account_id)?
            && let Some(ext) = old
                .external_id
                .filter(|e| Some(e) != m.external_id.as_ref())
        {
            self.remove_raw(
                TreeId::ExternalIds,
                &tenant_key(m.tenant_uid, ext.as_bytes()),
            )?;
        }
        self.put(m)?;
        if let Some(ext) = &m.external_id {
            self.index_put(
                TreeId::ExternalIds,
                &tenant_key(m.tenant_uid, ext.as_bytes()),
                m.account_id.as_bytes(),
            )?;
        }
        Ok(())
    }

    /// Removes a membership and its external-id index entry.
    pub fn remove_membership<E: From<StoreError>>(
        &self,
        uid: u64,
        account_id: &str,
    ) -> Result<Option<Membership>, TxError<E>> {
        let removed: Option<Membership> = self.remove(&tenant_key(uid, account_id.as_bytes()))?;
        if let Some(ext) = removed.as_ref().and_then(|m| m.external_id.as_ref()) {
            self.remove_raw(TreeId::ExternalIds, &tenant_key(uid, ext.as_bytes()))?;
        }
        Ok(removed)
    }
}
