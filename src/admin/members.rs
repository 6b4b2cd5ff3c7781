//! Memberships: which accounts belong to a tenant, with which scopes and external id;
//! and one-call provisioning of an account with its membership.

use super::accounts::{self, AccountView, NewAccount, username_free};
use super::clients::still_there;
use super::page::{Page, PageRequest};
use super::{AdminError, Ctx, validate};
use crate::audit::{AuditEvent, AuditKind};
use crate::clock::rfc3339;
use crate::store::TxError;
use crate::store::members::Membership;
use crate::store::tenants::Tenant;
use serde::{Deserialize, Serialize};

/// `PUT /tenants/{t}/members/{account_id}` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipInput {
    /// Tenant-defined scopes the member may be granted (required: a `PUT` replaces).
    pub scopes: Vec<String>,
    /// The member's id at the partner's IdP.
    pub external_authentication_provider_id: Option<String>,
    /// Whether the member may sign in here (default true); SCIM's `active`.
    pub active: Option<bool>,
}

/// `POST /tenants/{t}/accounts` body: account fields plus membership fields.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionInput {
    /// Unique username.
    pub username: String,
    /// Email address.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Initial password.
    pub password: Option<String>,
    /// `true` means `role: "appliance"`, `false` no role.
    pub admin: Option<bool>,
    /// Its admin role: none (default), `"appliance"` or `{"tenants": [...]}`.
    pub role: Option<super::roles::RoleView>,
    /// An admin vouches for the e-mail address.
    pub email_verified: Option<bool>,
    /// The user must choose a new password at their next sign-in.
    pub must_change_password: Option<bool>,
    /// Membership scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The id at the partner's IdP.
    pub external_authentication_provider_id: Option<String>,
}

/// A membership as the API shows it.
#[derive(Debug, Serialize)]
pub struct MembershipView {
    /// The tenant.
    pub tenant: String,
    /// The member.
    pub account_id: String,
    /// The member's username.
    pub username: String,
    /// Scopes.
    pub scopes: Vec<String>,
    /// The id at the partner's IdP.
    pub external_authentication_provider_id: Option<String>,
    /// Whether the member may sign in and get tokens here.
    pub active: bool,
    /// When it was created.
    pub created_at: String,
}

fn view(m: Membership, username: String) -> MembershipView {
    MembershipView {
        tenant: m.tenant.to_string(),
        account_id: m.account_id,
        username,
        scopes: m.scopes,
        external_authentication_provider_id: m.external_id,
        active: !m.disabled,
        created_at: rfc3339(m.created_at),
    }
}

/// Validated membership fields.
pub(crate) struct Fields {
    pub(crate) scopes: Vec<String>,
    pub(crate) external_id: Option<String>,
    /// `None` keeps what a previous membership had (a new one starts enabled).
    pub(crate) disabled: Option<bool>,
}

/// Validates membership fields as the management API and SCIM receive them.
pub(crate) fn fields(
    scopes: &[String],
    external_id: Option<&str>,
    active: Option<bool>,
) -> Result<Fields, AdminError> {
    Ok(Fields {
        scopes: validate::scopes("scopes", scopes)?,
        external_id: validate::optional_text(
            "external_authentication_provider_id",
            external_id,
            256,
        )?,
        disabled: active.map(|a| !a),
    })
}

/// Writes the membership of `account_id` in `tenant` inside a transaction: checks the
/// external id is free, keeps what a previous membership remembered, and records the
/// tenant on the account. A disabled membership's sessions are told they ended here,
/// so clients of this tenant hear of it by back-channel logout.
pub(crate) fn write(
    tx: &crate::store::Tx<'_>,
    tenant: &Tenant,
    account_id: &str,
    f: &Fields,
    sessions: &[String],
    now: u64,
) -> Result<Membership, TxError<AdminError>> {
    let Some(mut account) = tx.account::<AdminError>(account_id)? else {
        return Err(TxError::abort(AdminError::NotFound(format!(
            "no account with id `{account_id}`"
        ))));
    };
    if let Some(ext) = &f.external_id
        && tx
            .external_id_owner::<AdminError>(tenant.uid, ext)?
            .is_some_and(|owner| owner != account_id)
    {
        return Err(TxError::abort(AdminError::Conflict(format!(
            "external_authentication_provider_id `{ext}` belongs to another member of `{}`",
            tenant.id
        ))));
    }
    let old = tx.membership::<AdminError>(tenant.uid, account_id)?;
    let disabled = f
        .disabled
        .unwrap_or_else(|| old.as_ref().is_some_and(|o| o.disabled));
    let membership = Membership {
        tenant_uid: tenant.uid,
        tenant: tenant.id.clone(),
        account_id: account_id.to_owned(),
        scopes: f.scopes.clone(),
        external_id: f.external_id.clone(),
        upstream_sub: old.as_ref().and_then(|o| o.upstream_sub.clone()),
        created_at: old.map_or(now, |o| o.created_at),
        disabled,
        modified_at: now,
    };
    tx.put_membership(&membership)?;
    if disabled {
        for sid in sessions {
            tx.end_session_at_tenant::<AdminError>(sid, tenant.uid, now)?;
        }
    }
    if !account.tenant_uids.contains(&tenant.uid) {
        account.tenant_uids.push(tenant.uid);
        tx.put_account(&account)?;
    }
    Ok(membership)
}

/// Creates or replaces a membership.
pub fn put(
    ctx: &Ctx<'_>,
    slug: &str,
    account_id: &str,
    input: &MembershipInput,
) -> Result<MembershipView, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let f = fields(
        &input.scopes,
        input.external_authentication_provider_id.as_deref(),
        Some(input.active.unwrap_or(true)),
    )?;
    let event = AuditEvent::new(ctx.now, AuditKind::MembershipSet, &ctx.actor)
        .tenant(slug)
        .account(account_id);
    let sessions = ctx.store.account_sessions(account_id)?;
    let m = ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        // Joining a tenant is account-wide: a tenant admin adds only accounts within its
        // reach, while an existing membership's fields stay editable.
        if tx
            .membership::<AdminError>(tenant.uid, account_id)?
            .is_none()
            && let Some(account) = tx.account::<AdminError>(account_id)?
        {
            ctx.within_reach(&account).map_err(TxError::abort)?;
        }
        let m = write(tx, &tenant, account_id, &f, &sessions, ctx.now)?;
        tx.audit(&event)?;
        Ok(m)
    })?;
    let username = ctx
        .store
        .account(account_id)?
        .map(|a| a.username)
        .unwrap_or_default();
    Ok(view(m, username))
}

/// A tenant's members in account-id order.
pub fn list(
    ctx: &Ctx<'_>,
    slug: &str,
    page: &PageRequest,
) -> Result<Page<MembershipView>, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let fetched = ctx
        .store
        .memberships(tenant.uid, page.after.as_deref(), page.limit + 1)?;
    let page = Page::from_fetched(fetched, page.limit, |m| m.account_id.clone());
    let mut items = Vec::with_capacity(page.items.len());
    for m in page.items {
        let username = ctx
            .store
            .account(&m.account_id)?
            .map(|a| a.username)
            .unwrap_or_default();
        items.push(view(m, username));
    }
    Ok(Page {
        items,
        next: page.next,
    })
}

/// Removes a membership; the tenant's clients that got ID tokens in the account's
/// sessions are told by back-channel logout, in the same transaction.
pub fn delete(ctx: &Ctx<'_>, slug: &str, account_id: &str) -> Result<(), AdminError> {
    let tenant = ctx.tenant(slug)?;
    let event = AuditEvent::new(ctx.now, AuditKind::MembershipDeleted, &ctx.actor)
        .tenant(slug)
        .account(account_id);
    let sessions = ctx.store.account_sessions(account_id)?;
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        if tx
            .remove_membership::<AdminError>(tenant.uid, account_id)?
            .is_none()
        {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "account `{account_id}` is not a member of `{slug}`"
            ))));
        }
        if let Some(mut a) = tx.account::<AdminError>(account_id)? {
            a.tenant_uids.retain(|u| *u != tenant.uid);
            tx.put_account(&a)?;
        }
        for sid in &sessions {
            tx.end_session_at_tenant::<AdminError>(sid, tenant.uid, ctx.now)?;
        }
        tx.audit(&event)
    })
}

/// Creates an account and its membership in one transaction: both or neither.
pub async fn provision(
    ctx: &Ctx<'_>,
    slug: &str,
    input: &ProvisionInput,
) -> Result<AccountView, AdminError> {
    let f = fields(
        &input.scopes,
        input.external_authentication_provider_id.as_deref(),
        None,
    )?;
    let new = NewAccount {
        username: input.username.clone(),
        email: input.email.clone(),
        name: input.name.clone(),
        password: input.password.clone(),
        admin: input.admin,
        role: input.role.clone(),
        email_verified: input.email_verified,
        must_change_password: input.must_change_password,
    };
    let id = provision_with(ctx, slug, &new, &f).await?;
    accounts::get(ctx, &id)
}

/// Creates the account `new` with membership `f` of tenant `slug`, both or neither;
/// answers the new account's id. SCIM provisions through here too.
pub(crate) async fn provision_with(
    ctx: &Ctx<'_>,
    slug: &str,
    new: &NewAccount,
    f: &Fields,
) -> Result<String, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let account = accounts::prepare(ctx, new).await?;
    let created = accounts::creation_events(ctx, &account);
    let joined = AuditEvent::new(ctx.now, AuditKind::MembershipSet, &ctx.actor)
        .tenant(slug)
        .account(&account.id);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        username_free(tx, &account.username, &account.id)?;
        tx.put_account(&account)?;
        write(tx, &tenant, &account.id, f, &[], ctx.now)?;
        created.iter().try_for_each(|e| tx.audit(e))?;
        tx.audit(&joined)
    })?;
    Ok(account.id)
}

/// Changes the membership fields a directory owns, `external_id` (`Some(None)` clears
/// it) and `active`, keeping the scopes; audited. SCIM writes these whatever the
/// account's reach.
pub(crate) fn update(
    ctx: &Ctx<'_>,
    slug: &str,
    account_id: &str,
    external_id: Option<Option<&str>>,
    active: Option<bool>,
) -> Result<(), AdminError> {
    let tenant = ctx.tenant(slug)?;
    let event = AuditEvent::new(ctx.now, AuditKind::MembershipSet, &ctx.actor)
        .tenant(slug)
        .account(account_id);
    let sessions = ctx.store.account_sessions(account_id)?;
    let Some(current) = ctx.store.membership(tenant.uid, account_id)? else {
        return Err(AdminError::NotFound(format!(
            "account `{account_id}` is not a member of `{slug}`"
        )));
    };
    let ext = external_id.unwrap_or(current.external_id.as_deref());
    let checked = fields(&current.scopes, ext, active)?;
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        // The scopes (and a kept externalId) as they are now: a group change that
        // committed since the read above must not be written back over.
        let Some(live) = tx.membership::<AdminError>(tenant.uid, account_id)? else {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "account `{account_id}` is not a member of `{slug}`"
            ))));
        };
        let f = Fields {
            scopes: live.scopes,
            external_id: match external_id {
                Some(_) => checked.external_id.clone(),
                None => live.external_id,
            },
            disabled: checked.disabled,
        };
        write(tx, &tenant, account_id, &f, &sessions, ctx.now)?;
        tx.audit(&event)
    })?;
    Ok(())
}
