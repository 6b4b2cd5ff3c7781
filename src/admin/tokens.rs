//! Admin API tokens: created (value shown once), listed by id, revoked, and checked.

use super::page::{Page, PageRequest};
use super::roles::{self, RoleView};
use super::{AdminError, Ctx};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::{UnixTime, rfc3339};
use crate::crypto::{hash, random};
use crate::store::admin_tokens::AdminToken;
use crate::store::{Store, StoreError, TxError};
use crate::types::secret::constant_time_eq;
use crate::types::{AdminRole, Secret};
use serde::{Deserialize, Serialize};

/// Prefix of admin token values, so secret scanners and operators can recognise them.
const PREFIX: &str = "lkadm_";
/// The longest label accepted.
const MAX_LABEL: usize = 200;

/// `POST /v2/admin/tokens` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAdminToken {
    /// What the operator calls it.
    pub label: String,
    /// What it may do; `appliance` when absent.
    #[serde(default)]
    pub role: RoleView,
}

/// An admin token as listed: never its value.
#[derive(Debug, Serialize)]
pub struct AdminTokenView {
    /// Its id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// What it may do.
    pub role: RoleView,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

/// A token just created: the one response that carries its value.
#[derive(Debug, Serialize)]
pub struct CreatedAdminToken {
    /// Its id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// What it may do.
    pub role: RoleView,
    /// The token itself, shown once.
    pub token: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

fn view(ctx: &Ctx<'_>, t: AdminToken) -> Result<AdminTokenView, AdminError> {
    Ok(AdminTokenView {
        role: roles::view(ctx, &t.role)?,
        id: t.id,
        label: t.label,
        created_at: rfc3339(t.created_at),
    })
}

/// Creates an admin token on behalf of an appliance admin; audited.
pub fn create(
    ctx: &Ctx<'_>,
    label: &str,
    role: AdminRole,
) -> Result<(AdminToken, Secret), AdminError> {
    ctx.appliance_only("managing admin tokens")?;
    issue(ctx.store, label, role, ctx.now, &ctx.actor)
}

/// `POST /tokens`: creates the token `new` asks for, its tenants named by id.
pub fn create_from(ctx: &Ctx<'_>, new: &NewAdminToken) -> Result<(AdminToken, Secret), AdminError> {
    ctx.appliance_only("managing admin tokens")?;
    let role = roles::resolve(ctx, &new.role)?;
    create(ctx, &new.label, role)
}

/// Creates an admin token; the returned secret is the only copy of its value.
pub fn issue(
    store: &Store,
    label: &str,
    role: AdminRole,
    now: UnixTime,
    actor: &Actor,
) -> Result<(AdminToken, Secret), AdminError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        return Err(AdminError::invalid(
            "label",
            format!("must be 1 to {MAX_LABEL} characters"),
        ));
    }
    let value = Secret::new(format!("{PREFIX}{}", random::secret_token()?));
    let record = AdminToken {
        id: random::uuid()?,
        label: label.to_owned(),
        token_hash: hash::sha256(value.expose().as_bytes()),
        created_at: now,
        role,
    };
    let event = AuditEvent::new(now, AuditKind::AdminTokenCreated, actor).target(&record.id);
    store.transaction(|tx| {
        tx.put_admin_token::<StoreError>(&record)?;
        tx.audit(&event)
    })?;
    Ok((record, value))
}

/// The response to a creation, value included.
pub fn created_view(
    ctx: &Ctx<'_>,
    record: AdminToken,
    value: &Secret,
) -> Result<CreatedAdminToken, AdminError> {
    Ok(CreatedAdminToken {
        token: value.expose().to_owned(),
        role: roles::view(ctx, &record.role)?,
        id: record.id,
        label: record.label,
        created_at: rfc3339(record.created_at),
    })
}

/// Lists tokens by id; appliance admins only.
pub fn list(ctx: &Ctx<'_>, page: &PageRequest) -> Result<Page<AdminTokenView>, AdminError> {
    ctx.appliance_only("managing admin tokens")?;
    let fetched = ctx
        .store
        .admin_tokens(page.after.as_deref(), page.limit + 1)?;
    let page = Page::from_fetched(fetched, page.limit, |t| t.id.clone());
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|t| view(ctx, t))
            .collect::<Result<_, _>>()?,
        next: page.next,
    })
}

/// Revokes a token: it stops working at once. Appliance admins only.
pub fn revoke(ctx: &Ctx<'_>, id: &str) -> Result<(), AdminError> {
    ctx.appliance_only("managing admin tokens")?;
    let event = AuditEvent::new(ctx.now, AuditKind::AdminTokenRevoked, &ctx.actor).target(id);
    ctx.store.transaction(|tx| {
        if tx.remove_admin_token::<AdminError>(id)?.is_none() {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no admin token with id `{id}`"
            ))));
        }
        tx.audit(&event)
    })
}

/// The admin token `presented` names when it may manage the appliance: `None` for no
/// live token, a 403 for a token whose role allows `/metrics` only.
pub fn authenticate_manager(
    store: &Store,
    presented: &Secret,
) -> Result<Option<AdminToken>, AdminError> {
    match authenticate(store, presented)? {
        Some(t) if !t.role.may_manage() => Err(AdminError::Forbidden(
            "this admin token has the metrics role: it may read /metrics only".into(),
        )),
        found => Ok(found),
    }
}

/// The admin token `presented` names, if it is a live one, whatever its role.
pub fn authenticate(store: &Store, presented: &Secret) -> Result<Option<AdminToken>, AdminError> {
    let h = hash::sha256(presented.expose().as_bytes());
    Ok(store
        .admin_token_by_hash(&h)?
        .filter(|t| constant_time_eq(&t.token_hash, &h)))
}
