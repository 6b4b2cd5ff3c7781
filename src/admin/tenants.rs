//! Tenant management: create, read, update settings, delete with everything under it.

use super::page::{Page, PageRequest};
use super::{AdminError, Ctx, scope_descriptions, validate};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::{UnixTime, rfc3339};
use crate::store::tenants::{MfaPolicy, ScopeDescriptions, Tenant};
use crate::store::{Store, StoreError, TxError};
use crate::types::{Alg, TenantId};
use serde::{Deserialize, Serialize};

/// `POST /tenants` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// The slug.
    pub id: String,
    /// The name users see.
    pub display_name: String,
}

/// `PATCH /tenants/{t}` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    /// New display name.
    pub display_name: Option<String>,
    /// New access token algorithm.
    pub access_token_alg: Option<String>,
    /// New access token lifetime.
    pub access_token_ttl_secs: Option<u64>,
    /// New ID token lifetime.
    pub id_token_ttl_secs: Option<u64>,
    /// New refresh token lifetime.
    pub refresh_token_ttl_secs: Option<u64>,
    /// New second-factor policy: `off`, `optional` or `required`.
    pub mfa: Option<String>,
    /// New sentences for the tenant's own scopes on the consent page, replacing the
    /// old ones (`{}` removes them all).
    pub scope_descriptions: Option<ScopeDescriptions>,
}

/// A tenant as the API shows it.
#[derive(Debug, Serialize)]
pub struct TenantView {
    /// The slug.
    pub id: String,
    /// The name users see.
    pub display_name: String,
    /// Its issuer.
    pub issuer: String,
    /// Access token algorithm.
    pub access_token_alg: Alg,
    /// Access token lifetime.
    pub access_token_ttl_secs: u64,
    /// ID token lifetime.
    pub id_token_ttl_secs: u64,
    /// Refresh token lifetime.
    pub refresh_token_ttl_secs: u64,
    /// Second-factor policy.
    pub mfa: &'static str,
    /// The consent page's sentences for the tenant's own scopes.
    pub scope_descriptions: ScopeDescriptions,
    /// When it was created.
    pub created_at: String,
}

pub(super) fn view(ctx: &Ctx<'_>, t: Tenant) -> TenantView {
    TenantView {
        issuer: ctx.issuer(&t.id),
        id: t.id.to_string(),
        display_name: t.display_name,
        access_token_alg: t.access_token_alg,
        access_token_ttl_secs: t.access_token_ttl_secs,
        id_token_ttl_secs: t.id_token_ttl_secs,
        refresh_token_ttl_secs: t.refresh_token_ttl_secs,
        mfa: t.mfa.as_str(),
        scope_descriptions: t.scope_descriptions,
        created_at: rfc3339(t.created_at),
    }
}

/// Creates a tenant; 409 if the slug is taken.
pub fn create(ctx: &Ctx<'_>, new: &NewTenant) -> Result<TenantView, AdminError> {
    ctx.appliance_only("creating a tenant")?;
    let id = TenantId::parse(&new.id).map_err(|e| AdminError::invalid("id", e.to_string()))?;
    let display_name = validate::text("display_name", &new.display_name, 200)?;
    let tenant = Tenant::new(id.clone(), ctx.store.generate_id()?, display_name, ctx.now);
    let event = AuditEvent::new(ctx.now, AuditKind::TenantCreated, &ctx.actor).tenant(id.as_str());
    ctx.store.transaction(|tx| {
        if tx.tenant::<AdminError>(&id)?.is_some() {
            return Err(TxError::abort(AdminError::Conflict(format!(
                "a tenant named `{id}` exists"
            ))));
        }
        tx.put_tenant(&tenant)?;
        tx.audit(&event)
    })?;
    Ok(view(ctx, tenant))
}

/// One tenant.
pub fn get(ctx: &Ctx<'_>, slug: &str) -> Result<TenantView, AdminError> {
    Ok(view(ctx, ctx.tenant(slug)?))
}

/// The tenants the caller manages, in slug order.
pub fn list(ctx: &Ctx<'_>, page: &PageRequest) -> Result<Page<TenantView>, AdminError> {
    let fetched = if ctx.is_appliance() {
        ctx.store.tenants(page.after.as_deref(), page.limit + 1)?
    } else {
        let mut mine = ctx.store.tenants(page.after.as_deref(), usize::MAX)?;
        mine.retain(|t| ctx.role.manages(t.uid));
        mine.truncate(page.limit + 1);
        mine
    };
    Ok(Page::from_fetched(fetched, page.limit, |t| t.id.to_string()).map(|t| view(ctx, t)))
}

fn ttl(
    field: &'static str,
    value: Option<u64>,
    min: u64,
    max: u64,
) -> Result<Option<u64>, AdminError> {
    match value {
        Some(v) if !(min..=max).contains(&v) => Err(AdminError::invalid(
            field,
            format!("must be from {min} to {max}"),
        )),
        v => Ok(v),
    }
}

/// Changes a tenant's name or token settings.
pub fn patch(ctx: &Ctx<'_>, slug: &str, p: &TenantPatch) -> Result<TenantView, AdminError> {
    let current = ctx.tenant(slug)?;
    let display_name = p
        .display_name
        .as_deref()
        .map(|n| validate::text("display_name", n, 200))
        .transpose()?;
    let alg = match p.access_token_alg.as_deref() {
        Some(a) => Some(Alg::parse(a).ok_or_else(|| {
            AdminError::invalid(
                "access_token_alg",
                format!("`{a}` is not one of RS256, ES256, EdDSA"),
            )
        })?),
        None => None,
    };
    let access = ttl("access_token_ttl_secs", p.access_token_ttl_secs, 60, 86_400)?;
    let id_ttl = ttl("id_token_ttl_secs", p.id_token_ttl_secs, 60, 86_400)?;
    let refresh = ttl(
        "refresh_token_ttl_secs",
        p.refresh_token_ttl_secs,
        300,
        365 * 86_400,
    )?;
    let mfa = match p.mfa.as_deref() {
        Some(m) => Some(MfaPolicy::parse(m).ok_or_else(|| {
            AdminError::invalid(
                "mfa",
                format!("`{m}` is not one of off, optional, required"),
            )
        })?),
        None => None,
    };
    let descriptions = p
        .scope_descriptions
        .as_ref()
        .map(scope_descriptions::check)
        .transpose()?;
    let event = AuditEvent::new(ctx.now, AuditKind::TenantUpdated, &ctx.actor).tenant(slug);
    let updated = ctx.store.transaction(|tx| {
        let Some(mut t) = tx
            .tenant::<AdminError>(&current.id)?
            .filter(|t| t.uid == current.uid)
        else {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no tenant named `{slug}`"
            ))));
        };
        if let Some(n) = &display_name {
            t.display_name = n.clone();
        }
        t.access_token_alg = alg.unwrap_or(t.access_token_alg);
        t.access_token_ttl_secs = access.unwrap_or(t.access_token_ttl_secs);
        t.id_token_ttl_secs = id_ttl.unwrap_or(t.id_token_ttl_secs);
        t.refresh_token_ttl_secs = refresh.unwrap_or(t.refresh_token_ttl_secs);
        t.mfa = mfa.unwrap_or(t.mfa);
        if let Some(d) = &descriptions {
            t.scope_descriptions = d.clone();
        }
        tx.put_tenant(&t)?;
        tx.audit(&event)?;
        Ok(t)
    })?;
    Ok(view(ctx, updated))
}

/// Deletes a tenant. Removing its record makes its clients, API keys, memberships and
/// settings unreachable in that one transaction. Returns the incarnation for the caller
/// to [`sweep`] from disk. Appliance admins only: a tenant's life, like its creation,
/// is the appliance's business, and its admins would lose their role with it.
pub fn delete(ctx: &Ctx<'_>, slug: &str) -> Result<u64, AdminError> {
    ctx.appliance_only("deleting a tenant")?;
    let current = ctx.tenant(slug)?;
    let event = AuditEvent::new(ctx.now, AuditKind::TenantDeleted, &ctx.actor).tenant(slug);
    ctx.store.transaction(|tx| {
        match tx.tenant::<AdminError>(&current.id)? {
            Some(t) if t.uid == current.uid => tx.remove_tenant(&current.id).map(|_| ())?,
            _ => {
                return Err(TxError::abort(AdminError::NotFound(format!(
                    "no tenant named `{slug}`"
                ))));
            }
        }
        tx.audit(&event)
    })?;
    Ok(current.uid)
}

/// Removes from disk what the deleted tenant `uid` left, off the async workers. A sweep
/// cut short is finished by the next start, so only a store error is the caller's.
pub async fn sweep(store: std::sync::Arc<Store>, uid: u64) -> Result<(), AdminError> {
    match crate::store::run_blocking(move || store.sweep_tenant(uid)).await {
        Ok(swept) => swept.map(|_| ()).map_err(AdminError::from),
        Err(e) => {
            tracing::warn!(
                "the sweep of a deleted tenant stopped ({e}); the next start finishes it"
            );
            Ok(())
        }
    }
}

/// Creates the tenant if it does not exist yet (first start creates `default`).
pub fn ensure_tenant(
    store: &Store,
    id: &TenantId,
    display_name: &str,
    now: UnixTime,
) -> Result<(), AdminError> {
    let tenant = Tenant::new(
        id.clone(),
        store.generate_id()?,
        display_name.to_owned(),
        now,
    );
    let event = AuditEvent::new(now, AuditKind::TenantCreated, &Actor::System).tenant(id.as_str());
    store.transaction(|tx| {
        if tx.tenant::<StoreError>(id)?.is_none() {
            tx.put_tenant(&tenant)?;
            tx.audit(&event)?;
        }
        Ok::<_, TxError<StoreError>>(())
    })?;
    Ok(())
}
