//! Admin roles at the API's edge: tenant ids in, tenant incarnation uids stored, ids
//! shown again; and who may grant which role (SPEC "Admin UI", tenant admins).

use super::{AdminError, Ctx};
use crate::types::{AdminRole, Role};
use std::collections::HashMap;

/// A role as the API takes and shows it: tenants by id.
pub type RoleView = Role<String>;

/// The role an account request asks for: `role`, or the older `admin` flag (`true` is
/// `"appliance"`, `false` none). `None` leaves the role as it is; `Some(None)` removes it.
pub fn requested(
    admin: Option<bool>,
    role: Option<Option<RoleView>>,
) -> Result<Option<Option<RoleView>>, AdminError> {
    match (admin, role) {
        (Some(_), Some(_)) => Err(AdminError::invalid(
            "role",
            "give `role` or `admin`, not both",
        )),
        (Some(true), None) => Ok(Some(Some(Role::Appliance))),
        (Some(false), None) => Ok(Some(None)),
        (None, Some(Some(Role::Metrics))) => Err(AdminError::invalid(
            "role",
            "`metrics` is a role for admin tokens only",
        )),
        (None, role) => Ok(role),
    }
}

/// Resolves `role` to what the store keeps, checking that the caller may grant it:
/// named tenants must exist and be the caller's (else 404, as for any tenant outside
/// its reach), the list must not be empty, and a tenant admin grants tenant roles only.
pub fn resolve(ctx: &Ctx<'_>, role: &RoleView) -> Result<AdminRole, AdminError> {
    let resolved = match role {
        Role::Appliance => Role::Appliance,
        Role::Metrics => Role::Metrics,
        Role::Tenants(ids) if ids.is_empty() => {
            return Err(AdminError::invalid(
                "role",
                "`tenants` must name at least one tenant",
            ));
        }
        Role::Tenants(ids) => {
            let mut uids = ids
                .iter()
                .map(|id| ctx.tenant(id).map(|t| t.uid))
                .collect::<Result<Vec<_>, _>>()?;
            uids.sort_unstable();
            uids.dedup();
            Role::Tenants(uids)
        }
    };
    may_grant(ctx, Some(&resolved))?;
    Ok(resolved)
}

/// A 403 unless the caller could grant `role` (`None`: no role): an appliance admin
/// grants any, a tenant admin only tenant roles naming tenants it manages. Checked for
/// the role an account holds as well as the one asked for, so a tenant admin never
/// changes the role of an account holding more than it could give.
pub fn may_grant(ctx: &Ctx<'_>, role: Option<&AdminRole>) -> Result<(), AdminError> {
    let allowed = match (&ctx.role, role) {
        (Role::Appliance, _) | (_, None) => true,
        (Role::Tenants(mine), Some(Role::Tenants(uids))) => uids.iter().all(|u| mine.contains(u)),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AdminError::Forbidden(
            "a tenant admin grants and changes only `tenants` roles naming tenants it manages"
                .into(),
        ))
    }
}

/// The role as the API shows it: tenant ids for uids. A tenant deleted since drops
/// out, and so does one the caller does not manage: a tenant admin learns nothing of
/// other tenants.
pub fn view(ctx: &Ctx<'_>, role: &AdminRole) -> Result<RoleView, AdminError> {
    Ok(match role {
        Role::Appliance => Role::Appliance,
        Role::Metrics => Role::Metrics,
        Role::Tenants(uids) => {
            let ids: HashMap<u64, String> = ctx
                .store
                .tenants(None, usize::MAX)?
                .into_iter()
                .filter(|t| ctx.role.manages(t.uid))
                .map(|t| (t.uid, t.id.to_string()))
                .collect();
            Role::Tenants(uids.iter().filter_map(|u| ids.get(u).cloned()).collect())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_flag_means_appliance_or_none_and_never_comes_with_a_role() {
        assert_eq!(
            requested(Some(true), None).unwrap(),
            Some(Some(Role::Appliance))
        );
        assert_eq!(requested(Some(false), None).unwrap(), Some(None));
        assert_eq!(requested(None, None).unwrap(), None);
        assert!(requested(Some(true), Some(None)).is_err());
        assert!(requested(None, Some(Some(Role::Metrics))).is_err());
    }

    #[test]
    fn roles_read_and_write_as_spec_spells_them() {
        let role: RoleView = serde_json::from_str(r#"{"tenants": ["acme"]}"#).unwrap();
        assert_eq!(role, Role::Tenants(vec!["acme".to_owned()]));
        let role: RoleView = serde_json::from_str(r#""appliance""#).unwrap();
        assert_eq!(serde_json::to_string(&role).unwrap(), r#""appliance""#);
        assert!(serde_json::from_str::<RoleView>(r#""root""#).is_err());
        assert!(serde_json::from_str::<RoleView>(r#"{"tenants": "acme"}"#).is_err());
    }
}
