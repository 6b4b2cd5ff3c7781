//! A tenant's SCIM groups (SPEC "SCIM 2.0 provisioning"): each is a scope under a
//! stable id, and its members are the tenant's members whose membership lists that
//! scope. A write changes the group and the memberships it touches in one transaction.

use super::clients::still_there;
use super::{AdminError, Ctx, validate};
use crate::audit::{AuditEvent, AuditKind};
use crate::crypto::random;
use crate::store::members::Membership;
use crate::store::scim::ScimGroup;
use crate::store::tenants::Tenant;
use crate::store::{Store, TxError};
use std::collections::HashMap;

/// How a write changes a group's members.
#[derive(Debug)]
pub enum MemberChange {
    /// They stay as they are.
    Keep,
    /// They become exactly these account ids.
    Set(Vec<String>),
    /// These join and these leave.
    Edit {
        /// Account ids that join.
        add: Vec<String>,
        /// Account ids that leave.
        remove: Vec<String>,
    },
}

/// The tenant's memberships that list `scope`.
pub fn holders(store: &Store, uid: u64, scope: &str) -> Result<Vec<Membership>, AdminError> {
    Ok(store
        .memberships(uid, None, usize::MAX)?
        .into_iter()
        .filter(|m| m.scopes.iter().any(|s| s == scope))
        .collect())
}

/// Each scope's holders (account ids) among the tenant's members, from one scan of its
/// memberships: listing the groups costs one scan, not one per group.
pub fn holders_by_scope(
    store: &Store,
    uid: u64,
) -> Result<HashMap<String, Vec<String>>, AdminError> {
    let mut by_scope: HashMap<String, Vec<String>> = HashMap::new();
    for m in store.memberships(uid, None, usize::MAX)? {
        for scope in m.scopes {
            by_scope
                .entry(scope)
                .or_default()
                .push(m.account_id.clone());
        }
    }
    Ok(by_scope)
}

fn valid_scope(scope: &str) -> Result<String, AdminError> {
    let mut v = validate::scopes("displayName", &[scope.to_owned()])?;
    v.pop()
        .ok_or_else(|| AdminError::invalid("displayName", "is required"))
}

fn name_free(store: &Store, uid: u64, scope: &str, id: &str) -> Result<(), AdminError> {
    match store
        .scim_groups(uid)?
        .iter()
        .any(|g| g.scope == scope && g.id != id)
    {
        true => Err(AdminError::Conflict(format!(
            "a group named `{scope}` exists"
        ))),
        false => Ok(()),
    }
}

/// Creates group `scope` with `members` (account ids of this tenant's members).
pub fn create(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    scope: &str,
    external_id: Option<String>,
    members: &[String],
) -> Result<ScimGroup, AdminError> {
    let group = ScimGroup {
        id: random::uuid()?,
        tenant_uid: tenant.uid,
        scope: valid_scope(scope)?,
        created_at: ctx.now,
        modified_at: ctx.now,
        external_id: validate::optional_text("externalId", external_id.as_deref(), 256)?,
    };
    name_free(ctx.store, tenant.uid, &group.scope, &group.id)?;
    write(ctx, tenant, &group, None, &[], members)?;
    Ok(group)
}

/// Renames group `id` (when `scope` is given), sets its external id (when given) and
/// changes its members; a rename renames the scope in every membership.
pub fn update(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    id: &str,
    scope: Option<&str>,
    external_id: Option<Option<String>>,
    change: MemberChange,
) -> Result<ScimGroup, AdminError> {
    let missing = || AdminError::NotFound(format!("no Group `{id}`"));
    let old = ctx.store.scim_group(tenant.uid, id)?.ok_or_else(missing)?;
    let new_scope = scope
        .map(valid_scope)
        .transpose()?
        .unwrap_or(old.scope.clone());
    name_free(ctx.store, tenant.uid, &new_scope, id)?;
    let before: Vec<String> = holders(ctx.store, tenant.uid, &old.scope)?
        .into_iter()
        .map(|m| m.account_id)
        .collect();
    let target = match change {
        MemberChange::Keep => before.clone(),
        MemberChange::Set(ids) => ids,
        MemberChange::Edit { add, remove } => before
            .iter()
            .chain(&add)
            .filter(|a| !remove.contains(a))
            .cloned()
            .collect(),
    };
    let external_id = match external_id {
        Some(e) => validate::optional_text("externalId", e.as_deref(), 256)?,
        None => old.external_id.clone(),
    };
    let group = ScimGroup {
        scope: new_scope,
        modified_at: ctx.now,
        external_id,
        ..old.clone()
    };
    write(ctx, tenant, &group, Some(&old.scope), &before, &target)?;
    Ok(group)
}

/// Deletes group `id` and removes its scope from every membership.
pub fn delete(ctx: &Ctx<'_>, tenant: &Tenant, id: &str) -> Result<(), AdminError> {
    let missing = || AdminError::NotFound(format!("no Group `{id}`"));
    let old = ctx.store.scim_group(tenant.uid, id)?.ok_or_else(missing)?;
    let before: Vec<String> = holders(ctx.store, tenant.uid, &old.scope)?
        .into_iter()
        .map(|m| m.account_id)
        .collect();
    let event = AuditEvent::new(ctx.now, AuditKind::ScimGroupDeleted, &ctx.actor)
        .tenant(tenant.id.as_str())
        .target(id);
    ctx.store.transaction(|tx| {
        still_there(tx, tenant)?;
        if tx
            .remove_scim_group::<AdminError>(tenant.uid, id)?
            .is_none()
        {
            return Err(TxError::abort(missing()));
        }
        for account in &before {
            if let Some(mut m) = tx.membership::<AdminError>(tenant.uid, account)? {
                m.scopes.retain(|s| s != &old.scope);
                m.modified_at = ctx.now;
                tx.put_membership(&m)?;
            }
        }
        tx.audit(&event)
    })
}

/// Stores `group` and makes exactly `target` hold its scope: `before` held `old_scope`
/// (the name before a rename); an account in `target` that is not a member is 400.
fn write(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    group: &ScimGroup,
    old_scope: Option<&str>,
    before: &[String],
    target: &[String],
) -> Result<(), AdminError> {
    let event = AuditEvent::new(ctx.now, AuditKind::ScimGroupSet, &ctx.actor)
        .tenant(tenant.id.as_str())
        .target(&group.id)
        .detail(&group.scope);
    let old = old_scope.unwrap_or(&group.scope);
    // Only memberships whose scopes change are written: all holders on a rename, else
    // those joining or leaving.
    let touched: Vec<&String> = before
        .iter()
        .chain(target)
        .filter(|a| old != group.scope || before.contains(a) != target.contains(a))
        .collect();
    ctx.store.transaction(|tx| {
        still_there(tx, tenant)?;
        for account in &touched {
            let Some(mut m) = tx.membership::<AdminError>(tenant.uid, account)? else {
                return Err(TxError::abort(AdminError::invalid(
                    "members",
                    format!("`{account}` is not a member of this tenant"),
                )));
            };
            m.scopes.retain(|s| s != old && s != &group.scope);
            if target.contains(account) {
                m.scopes.push(group.scope.clone());
            }
            m.modified_at = ctx.now;
            tx.put_membership(&m)?;
        }
        tx.put_scim_group(group)?;
        tx.audit(&event)
    })
}
