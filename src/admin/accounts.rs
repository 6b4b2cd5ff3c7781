//! Accounts: created with or without a password, searched, changed, disabled, deleted.

use super::page::{Page, PageRequest};
use super::{AdminError, Ctx, roles, validate};
use crate::audit::{AuditEvent, AuditKind};
use crate::clock::rfc3339;
use crate::crypto::{password, random};
use crate::store::TxError;
use crate::store::accounts::Account;
use crate::store::sessions::SsoSession;
use crate::types::{Role, Secret};
use serde::{Deserialize, Serialize};

/// A role as requests name it (tenants by id).
pub type RoleInput = roles::RoleView;

/// `POST /accounts` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// Unique username.
    pub username: String,
    /// Email address.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Initial password; without one the account signs in only through a broker or exchange.
    pub password: Option<String>,
    /// `true` means `role: "appliance"`, `false` no role (SPEC keeps the older flag).
    pub admin: Option<bool>,
    /// Its admin role: none (default), `"appliance"` or `{"tenants": [...]}`.
    pub role: Option<roles::RoleView>,
    /// An admin vouches for the e-mail address (default false).
    pub email_verified: Option<bool>,
    /// The user must choose a new password at their next sign-in (default false).
    pub must_change_password: Option<bool>,
}

/// `PATCH /accounts/{id}` body; `null` clears `email`, `name` and `password`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    /// New username.
    pub username: Option<String>,
    /// New email, or null.
    #[serde(default, deserialize_with = "validate::nullable")]
    pub email: Option<Option<String>>,
    /// New name, or null.
    #[serde(default, deserialize_with = "validate::nullable")]
    pub name: Option<Option<String>>,
    /// New password, or null to remove it.
    #[serde(default, deserialize_with = "validate::nullable")]
    pub password: Option<Option<String>>,
    /// `true` means `role: "appliance"`, `false` no role.
    pub admin: Option<bool>,
    /// New admin role, or null to remove it.
    #[serde(default, deserialize_with = "validate::nullable")]
    pub role: Option<Option<roles::RoleView>>,
    /// Disabled flag.
    pub disabled: Option<bool>,
    /// Whether an admin vouches for the e-mail address; a new address without it is
    /// unverified.
    pub email_verified: Option<bool>,
    /// Whether the user must choose a new password at their next sign-in.
    pub must_change_password: Option<bool>,
}

/// A membership as shown inside an account.
#[derive(Debug, Serialize)]
pub struct AccountMembership {
    /// The tenant.
    pub tenant: String,
    /// Scopes granted by the membership.
    pub scopes: Vec<String>,
    /// The id at the partner's IdP.
    pub external_authentication_provider_id: Option<String>,
    /// Whether the membership lets the account in at this tenant.
    pub active: bool,
}

/// An account as the API shows it; never its password hash.
#[derive(Debug, Serialize)]
pub struct AccountView {
    /// Its id.
    pub id: String,
    /// Its username.
    pub username: String,
    /// Email.
    pub email: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Whether its role is `"appliance"`, for clients from before roles.
    pub admin: bool,
    /// Its admin role, or null.
    pub role: Option<roles::RoleView>,
    /// Disabled flag.
    pub disabled: bool,
    /// Whether it has a password.
    pub password_set: bool,
    /// Whether an admin vouches for the e-mail address.
    pub email_verified: bool,
    /// Whether the user must choose a new password at their next sign-in.
    pub must_change_password: bool,
    /// When it was created.
    pub created_at: String,
    /// Its live memberships.
    pub memberships: Vec<AccountMembership>,
    /// Its second factors, without their secrets.
    pub mfa: MfaStatus,
}

/// Which second factors an account holds.
#[derive(Debug, Serialize)]
pub struct MfaStatus {
    /// Whether a TOTP authenticator is enrolled.
    pub totp: bool,
    /// How many passkeys it has.
    pub passkeys: u32,
    /// Recovery codes not yet used.
    pub recovery_codes_left: usize,
}

/// Builds the view of `a`, reading its memberships: those in tenants the caller
/// manages, so a tenant admin learns nothing of other tenants.
pub(super) fn view(ctx: &Ctx<'_>, a: Account) -> Result<AccountView, AdminError> {
    let store = ctx.store;
    let mut memberships = Vec::new();
    for uid in a.tenant_uids.iter().filter(|u| ctx.role.manages(**u)) {
        let Some(m) = store.membership(*uid, &a.id)? else {
            continue;
        };
        if store.tenant(&m.tenant)?.is_some_and(|t| t.uid == *uid) {
            memberships.push(AccountMembership {
                tenant: m.tenant.to_string(),
                scopes: m.scopes,
                external_authentication_provider_id: m.external_id,
                active: !m.disabled,
            });
        }
    }
    Ok(AccountView {
        id: a.id,
        username: a.username,
        email: a.email,
        name: a.name,
        admin: a.role == Some(Role::Appliance),
        role: a.role.as_ref().map(|r| roles::view(ctx, r)).transpose()?,
        disabled: a.disabled,
        password_set: a.password_hash.is_some(),
        email_verified: a.email_verified,
        must_change_password: a.must_change_password,
        created_at: rfc3339(a.created_at),
        memberships,
        mfa: MfaStatus {
            totp: a.factors.totp.is_some(),
            passkeys: u32::try_from(a.factors.passkeys.len()).unwrap_or(u32::MAX),
            recovery_codes_left: a.factors.recovery_hashes.len(),
        },
    })
}

fn username(value: &str) -> Result<String, AdminError> {
    let v = validate::text("username", value, 128)?;
    if v.chars().any(char::is_whitespace) {
        return Err(AdminError::invalid("username", "must not contain spaces"));
    }
    Ok(v)
}

fn email(value: Option<&str>) -> Result<Option<String>, AdminError> {
    let e = validate::optional_text("email", value, 254)?;
    match &e {
        Some(v)
            if !v
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !v.contains(' ')) =>
        {
            Err(AdminError::invalid(
                "email",
                format!("`{v}` is not an email address"),
            ))
        }
        _ => Ok(e),
    }
}

/// Checks a new password against the policy for the account named `username` with
/// `email`, and hashes it off the async workers.
pub async fn hash_password(
    ctx: &Ctx<'_>,
    value: &str,
    username: &str,
    email: Option<&str>,
) -> Result<String, AdminError> {
    ctx.passwords
        .check(value, username, email)
        .map_err(|rule| AdminError::invalid("password", rule.to_string()))?;
    Ok(password::hash_off_workers(Secret::new(value)).await?)
}

/// A validated new account (password hashed) that is not stored yet.
pub(super) async fn prepare(ctx: &Ctx<'_>, new: &NewAccount) -> Result<Account, AdminError> {
    let mut account = unstored(ctx, new)?;
    if let Some(p) = new.password.as_deref() {
        let hash = hash_password(ctx, p, &account.username, account.email.as_deref()).await?;
        account.password_hash = Some(hash);
    }
    Ok(account)
}

/// A validated new account without its password, not stored yet: the bulk import hashes
/// its passwords apart, many at a time.
pub(super) fn unstored(ctx: &Ctx<'_>, new: &NewAccount) -> Result<Account, AdminError> {
    let username = username(&new.username)?;
    let email = email(new.email.as_deref())?;
    let name = validate::optional_text("name", new.name.as_deref(), 200)?;
    let email_verified = vouched(new.email_verified, email.as_deref())?;
    let role = match roles::requested(new.admin, new.role.clone().map(Some))? {
        Some(Some(r)) => Some(roles::resolve(ctx, &r)?),
        Some(None) | None => None,
    };
    Ok(Account {
        id: random::uuid()?,
        username,
        email,
        name,
        password_hash: None,
        role,
        disabled: false,
        refresh_epoch: 0,
        created_at: ctx.now,
        tenant_uids: Vec::new(),
        factors: Default::default(),
        email_verified,
        must_change_password: new.must_change_password.unwrap_or(false),
        name_parts: Default::default(),
    })
}

/// Aborts with 409 if `username` belongs to an account other than `id`.
pub(super) fn username_free(
    tx: &crate::store::Tx<'_>,
    username: &str,
    id: &str,
) -> Result<(), TxError<AdminError>> {
    match tx.username_owner::<AdminError>(username)? {
        Some(owner) if owner != id => Err(TxError::abort(AdminError::Conflict(format!(
            "the username `{username}` is taken"
        )))),
        _ => Ok(()),
    }
}

/// The events of creating `account`: `account.created`, and `password.changed` by an
/// admin when it comes with a password.
pub(super) fn creation_events(ctx: &Ctx<'_>, account: &Account) -> Vec<AuditEvent> {
    let event = |kind| AuditEvent::new(ctx.now, kind, &ctx.actor).account(&account.id);
    let mut events = vec![event(AuditKind::AccountCreated)];
    if account.password_hash.is_some() {
        events.push(event(AuditKind::PasswordChanged).detail("admin"));
    }
    events
}

/// Creates an account. A tenant admin creates accounts as members of its tenants
/// (`POST /tenants/{t}/accounts`) only: one it could not see would be lost to it.
pub async fn create(ctx: &Ctx<'_>, new: &NewAccount) -> Result<AccountView, AdminError> {
    ctx.appliance_only("creating an account outside a tenant (use POST /tenants/{t}/accounts)")?;
    let account = prepare(ctx, new).await?;
    let events = creation_events(ctx, &account);
    ctx.store.transaction(|tx| {
        username_free(tx, &account.username, &account.id)?;
        tx.put_account(&account)?;
        events.iter().try_for_each(|e| tx.audit(e))
    })?;
    view(ctx, account)
}

/// The account `id` if the caller sees it, else 404.
fn find(ctx: &Ctx<'_>, id: &str) -> Result<Account, AdminError> {
    ctx.visible(ctx.store.account(id)?, id)
}

/// The account `id` read inside a transaction, if the caller sees it and it is within
/// the caller's reach (404, 403): the check and the change see the same memberships.
fn reachable(
    tx: &crate::store::Tx<'_>,
    ctx: &Ctx<'_>,
    id: &str,
) -> Result<Account, TxError<AdminError>> {
    let account = ctx
        .visible(tx.account::<AdminError>(id)?, id)
        .map_err(TxError::abort)?;
    ctx.within_reach(&account).map_err(TxError::abort)?;
    Ok(account)
}

/// One account with its memberships.
pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<AccountView, AdminError> {
    view(ctx, find(ctx, id)?)
}

/// The names of the account's passkeys, with when each was added and last used, for
/// the admin UI (the API shows only their number: SPEC's `mfa.passkeys`).
pub fn passkey_names(ctx: &Ctx<'_>, id: &str) -> Result<Vec<serde_json::Value>, AdminError> {
    Ok(find(ctx, id)?
        .factors
        .passkeys
        .iter()
        .map(|p| {
            serde_json::json!({
                "name": p.name,
                "created_at": crate::clock::rfc3339(p.created_at),
                "last_used_at": p.last_used_at.map(crate::clock::rfc3339),
            })
        })
        .collect())
}

/// Lists the accounts the caller sees: by exact username (case-insensitive), by a
/// search in username and email, or all, in id order.
pub fn list(
    ctx: &Ctx<'_>,
    username: Option<&str>,
    q: Option<&str>,
    page: &PageRequest,
) -> Result<Page<AccountView>, AdminError> {
    let fetched = match (username, q.map(str::to_lowercase)) {
        (Some(u), _) => ctx
            .store
            .account_by_username(u)?
            .into_iter()
            .filter(|a| page.after.as_ref().is_none_or(|after| a.id > *after))
            .filter(|a| ctx.sees(a))
            .collect(),
        (None, Some(q)) => ctx
            .store
            .find_accounts(page.after.as_deref(), page.limit + 1, |a| {
                ctx.sees(a)
                    && (a.username.to_lowercase().contains(&q)
                        || a.email
                            .as_ref()
                            .is_some_and(|e| e.to_lowercase().contains(&q)))
            })?,
        (None, None) if ctx.is_appliance() => {
            ctx.store.accounts(page.after.as_deref(), page.limit + 1)?
        }
        (None, None) => ctx
            .store
            .find_accounts(page.after.as_deref(), page.limit + 1, |a| ctx.sees(a))?,
    };
    let page = Page::from_fetched(fetched, page.limit, |a| a.id.clone());
    let items = page
        .items
        .into_iter()
        .map(|a| view(ctx, a))
        .collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        next: page.next,
    })
}

/// Whether an admin's `email_verified` holds for the address the account will have: an
/// account without one cannot have it verified.
fn vouched(asked: Option<bool>, email: Option<&str>) -> Result<bool, AdminError> {
    match (asked, email) {
        (Some(true), None) => Err(AdminError::invalid(
            "email_verified",
            "the account has no e-mail address to verify",
        )),
        (asked, _) => Ok(asked.unwrap_or(false)),
    }
}

/// Changes an account; the audit names what kind of change it was.
pub async fn patch(ctx: &Ctx<'_>, id: &str, p: &AccountPatch) -> Result<AccountView, AdminError> {
    let current = find(ctx, id)?;
    let new_role = match roles::requested(p.admin, p.role.clone())? {
        Some(Some(r)) => Some(Some(roles::resolve(ctx, &r)?)),
        Some(None) => Some(None),
        None => None,
    };
    // Everything but the role is the account's own: a tenant admin changes it only for
    // an account within its reach.
    let account_wide = p.username.is_some()
        || p.email.is_some()
        || p.name.is_some()
        || p.password.is_some()
        || p.disabled.is_some()
        || p.email_verified.is_some()
        || p.must_change_password.is_some();
    if account_wide {
        ctx.within_reach(&current)?;
    }
    let new_username = p.username.as_deref().map(username).transpose()?;
    let new_email = p.email.as_ref().map(|e| email(e.as_deref())).transpose()?;
    let new_name = p
        .name
        .as_ref()
        .map(|n| validate::optional_text("name", n.as_deref(), 200))
        .transpose()?;
    vouched(
        p.email_verified,
        new_email.as_ref().unwrap_or(&current.email).as_deref(),
    )?;
    let new_password = match &p.password {
        Some(Some(pw)) => {
            let named = new_username.as_deref().unwrap_or(&current.username);
            let mail = new_email.as_ref().unwrap_or(&current.email).as_deref();
            Some(Some(hash_password(ctx, pw, named, mail).await?))
        }
        Some(None) => Some(None),
        None => None,
    };
    let kind = match p.disabled {
        Some(true) if !current.disabled => AuditKind::AccountDisabled,
        Some(false) if current.disabled => AuditKind::AccountEnabled,
        _ => AuditKind::AccountUpdated,
    };
    // Disabling, and an admin setting or removing the password, end what the account
    // signed in to: its sessions, and through the refresh epoch its offline tokens.
    let ends_grants = kind == AuditKind::AccountDisabled || new_password.is_some();
    // A patch that only sets the password is that event alone.
    let only_password = p.username.is_none()
        && p.email.is_none()
        && p.name.is_none()
        && new_role.is_none()
        && p.disabled.is_none()
        && p.email_verified.is_none()
        && p.must_change_password.is_none();
    let event = (!only_password || new_password.is_none())
        .then(|| AuditEvent::new(ctx.now, kind, &ctx.actor).account(id));
    let password_event = new_password.is_some().then(|| {
        AuditEvent::new(ctx.now, AuditKind::PasswordChanged, &ctx.actor)
            .account(id)
            .detail("admin")
    });
    let updated = ctx.store.transaction(|tx| {
        let mut a = if account_wide {
            reachable(tx, ctx, id)?
        } else {
            ctx.visible(tx.account::<AdminError>(id)?, id)
                .map_err(TxError::abort)?
        };
        if let Some(role) = &new_role {
            roles::may_grant(ctx, a.role.as_ref()).map_err(TxError::abort)?;
            a.role = role.clone();
        }
        if let Some(u) = &new_username {
            username_free(tx, u, id)?;
            a.username = u.clone();
        }
        if let Some(e) = &new_email
            && *e != a.email
        {
            a.email_verified = false;
        }
        a.email = new_email.clone().unwrap_or(a.email);
        a.email_verified = p.email_verified.unwrap_or(a.email_verified) && a.email.is_some();
        a.must_change_password = p.must_change_password.unwrap_or(a.must_change_password);
        a.name = new_name.clone().unwrap_or(a.name);
        a.password_hash = new_password.clone().unwrap_or(a.password_hash);
        a.disabled = p.disabled.unwrap_or(a.disabled);
        if ends_grants {
            a.refresh_epoch += 1;
        }
        tx.put_account(&a)?;
        for e in event.iter().chain(&password_event) {
            tx.audit(e)?;
        }
        Ok(a)
    })?;
    if ends_grants {
        end_sessions_of(ctx, id)?;
    }
    view(ctx, updated)
}

/// Ends an account's SSO sessions, with their refresh families and back-channel
/// logouts. Its other families (`offline_access`) end when disabling bumps the
/// account's `refresh_epoch`, and with the account when it is deleted.
fn end_sessions_of(ctx: &Ctx<'_>, id: &str) -> Result<(), AdminError> {
    Ok(ctx.store.end_account_sessions(id, ctx.now)?)
}

/// The id of the account named `username` (surrounding spaces ignored), or an error on
/// the `username` field.
pub fn id_by_username(ctx: &Ctx<'_>, username: &str) -> Result<String, AdminError> {
    match ctx.store.account_by_username(username.trim())? {
        Some(account) => Ok(account.id),
        None => Err(AdminError::invalid(
            "username",
            "no account has this username",
        )),
    }
}

/// The account's SSO sessions that have not expired at `ctx.now`.
pub fn live_sessions(ctx: &Ctx<'_>, id: &str) -> Result<Vec<SsoSession>, AdminError> {
    find(ctx, id)?;
    let mut live = Vec::new();
    for sid in ctx.store.account_sessions(id)? {
        if let Some(session) = ctx.store.session(&sid)?.filter(|s| s.expires_at > ctx.now) {
            live.push(session);
        }
    }
    Ok(live)
}

/// `DELETE /accounts/{id}/sessions`: ends the account's SSO sessions and their refresh tokens.
pub fn end_sessions(ctx: &Ctx<'_>, id: &str) -> Result<(), AdminError> {
    ctx.within_reach(&find(ctx, id)?)?;
    end_sessions_of(ctx, id)?;
    let event = AuditEvent::new(ctx.now, AuditKind::AccountSessionsEnded, &ctx.actor).account(id);
    ctx.store.transaction(|tx| tx.audit::<AdminError>(&event))
}

/// Removes every second factor of an account (a user who lost their device signs in
/// with the password alone again, and enrols anew where the tenant requires it).
pub fn remove_factors(ctx: &Ctx<'_>, id: &str) -> Result<(), AdminError> {
    let event = AuditEvent::new(ctx.now, AuditKind::MfaRemoved, &ctx.actor).account(id);
    ctx.store.transaction(|tx| {
        let mut a = reachable(tx, ctx, id)?;
        a.factors = Default::default();
        tx.put_account(&a)?;
        tx.audit(&event)
    })
}

/// Deletes an account with its memberships, sessions and refresh tokens.
pub fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), AdminError> {
    let event = AuditEvent::new(ctx.now, AuditKind::AccountDeleted, &ctx.actor).account(id);
    ctx.store.transaction(|tx| {
        reachable(tx, ctx, id)?;
        let Some(a) = tx.remove_account_record::<AdminError>(id)? else {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no account with id `{id}`"
            ))));
        };
        for uid in &a.tenant_uids {
            tx.remove_membership::<AdminError>(*uid, id)?;
        }
        tx.remove_recovery_link(id)?;
        tx.audit(&event)
    })?;
    end_sessions_of(ctx, id)
}

/// Sets the given and family name a directory sent (SCIM `name`), validated like the
/// name; audited as an account update.
pub(crate) fn set_name_parts(
    ctx: &Ctx<'_>,
    id: &str,
    given: Option<&str>,
    family: Option<&str>,
) -> Result<(), AdminError> {
    let parts = crate::store::accounts::NameParts {
        given: validate::optional_text("name.givenName", given, 200)?,
        family: validate::optional_text("name.familyName", family, 200)?,
    };
    let event = AuditEvent::new(ctx.now, AuditKind::AccountUpdated, &ctx.actor).account(id);
    ctx.store.transaction(|tx| {
        let Some(mut a) = tx.account::<AdminError>(id)? else {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no account with id `{id}`"
            ))));
        };
        a.name_parts = parts.clone();
        tx.put_account(&a)?;
        tx.audit(&event)
    })
}
