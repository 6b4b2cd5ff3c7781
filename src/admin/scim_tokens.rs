//! A tenant's SCIM tokens (SPEC "SCIM 2.0 provisioning"): created with the value shown
//! once, listed without it, deleted, and checked for the tenant they provision.

use super::clients::still_there;
use super::page::{Page, PageRequest};
use super::{AdminError, Ctx};
use crate::audit::{AuditEvent, AuditKind};
use crate::clock::rfc3339;
use crate::crypto::{hash, random};
use crate::store::scim::ScimToken;
use crate::store::tenants::Tenant;
use crate::store::{Store, TxError};
use crate::types::Secret;
use crate::types::secret::constant_time_eq;
use serde::{Deserialize, Serialize};

/// Prefix of SCIM token values, so secret scanners and operators can recognise them.
const PREFIX: &str = "lkscim_";
/// The longest label accepted.
const MAX_LABEL: usize = 200;

/// `POST /v2/admin/tenants/{t}/scim-tokens` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewScimToken {
    /// What the operator calls it (usually the directory it is pasted into).
    pub label: String,
}

/// A SCIM token as listed: never its value.
#[derive(Debug, Serialize)]
pub struct ScimTokenView {
    /// Its id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

/// A token just created: the one response that carries its value.
#[derive(Debug, Serialize)]
pub struct CreatedScimToken {
    /// Its id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// The token itself, shown once.
    pub token: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

impl From<ScimToken> for ScimTokenView {
    fn from(t: ScimToken) -> Self {
        ScimTokenView {
            id: t.id,
            label: t.label,
            created_at: rfc3339(t.created_at),
        }
    }
}

/// Creates a SCIM token for tenant `slug`; audited. The answer is the only copy of
/// its value.
pub fn create(
    ctx: &Ctx<'_>,
    slug: &str,
    input: &NewScimToken,
) -> Result<CreatedScimToken, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let label = input.label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        return Err(AdminError::invalid(
            "label",
            format!("must be 1 to {MAX_LABEL} characters"),
        ));
    }
    let value = Secret::new(format!("{PREFIX}{}", random::secret_token()?));
    let record = ScimToken {
        id: random::uuid()?,
        tenant: tenant.id.clone(),
        tenant_uid: tenant.uid,
        label: label.to_owned(),
        token_hash: hash::sha256(value.expose().as_bytes()),
        created_at: ctx.now,
    };
    let event = AuditEvent::new(ctx.now, AuditKind::ScimTokenCreated, &ctx.actor)
        .tenant(slug)
        .target(&record.id);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        tx.put_scim_token::<AdminError>(&record)?;
        tx.audit(&event)
    })?;
    Ok(CreatedScimToken {
        token: value.expose().to_owned(),
        id: record.id,
        label: record.label,
        created_at: rfc3339(record.created_at),
    })
}

/// Lists a tenant's SCIM tokens by id.
pub fn list(
    ctx: &Ctx<'_>,
    slug: &str,
    page: &PageRequest,
) -> Result<Page<ScimTokenView>, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let fetched = ctx
        .store
        .scim_tokens(tenant.uid, page.after.as_deref(), page.limit + 1)?;
    Ok(Page::from_fetched(fetched, page.limit, |t| t.id.clone()).map(ScimTokenView::from))
}

/// One SCIM token of tenant `slug`, without its value.
pub fn get(ctx: &Ctx<'_>, slug: &str, id: &str) -> Result<ScimTokenView, AdminError> {
    let tenant = ctx.tenant(slug)?;
    ctx.store
        .scim_token(tenant.uid, id)?
        .map(ScimTokenView::from)
        .ok_or_else(|| AdminError::NotFound(format!("no SCIM token with id `{id}` in `{slug}`")))
}

/// Deletes a SCIM token: it stops working at once.
pub fn delete(ctx: &Ctx<'_>, slug: &str, id: &str) -> Result<(), AdminError> {
    let tenant = ctx.tenant(slug)?;
    let event = AuditEvent::new(ctx.now, AuditKind::ScimTokenRevoked, &ctx.actor)
        .tenant(slug)
        .target(id);
    ctx.store.transaction(|tx| {
        if tx
            .remove_scim_token::<AdminError>(tenant.uid, id)?
            .is_none()
        {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no SCIM token with id `{id}` in `{slug}`"
            ))));
        }
        tx.audit(&event)
    })
}

/// The live SCIM token `presented` names and the tenant it provisions, if both exist.
pub fn authenticate(
    store: &Store,
    presented: &Secret,
) -> Result<Option<(ScimToken, Tenant)>, AdminError> {
    let h = hash::sha256(presented.expose().as_bytes());
    let Some(token) = store
        .scim_token_by_hash(&h)?
        .filter(|t| constant_time_eq(&t.token_hash, &h))
    else {
        return Ok(None);
    };
    let tenant = store
        .tenant(&token.tenant)?
        .filter(|t| t.uid == token.tenant_uid);
    Ok(tenant.map(|t| (token, t)))
}
