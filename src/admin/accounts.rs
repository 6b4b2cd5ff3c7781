//! Accounts: created with or without a password, searched, changed, disabled, deleted.

use super::page::{Page, PageRequest};
use super::{AdminError, Ctx, validate};
use crate::audit::{AuditEvent, AuditKind};
use crate::clock::rfc3339;
use crate::crypto::{password, random};
use crate::store::accounts::Account;
use crate::store::sessions::SsoSession;
use crate::store::{Store, TxError};
use crate::types::Secret;
use serde::{Deserialize, Serialize};

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
    /// May sign in to the admin UI.
    pub admin: Option<bool>,
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
    /// Admin flag.
    pub admin: Option<bool>,
    /// Disabled flag.
    pub disabled: Option<bool>,
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
    /// Admin flag.
    pub admin: bool,
    /// Disabled flag.
    pub disabled: bool,
    /// Whether it has a password.
    pub password_set: bool,
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
    /// How many passkeys it has (none until passkeys exist).
    pub passkeys: u32,
    /// Recovery codes not yet used.
    pub recovery_codes_left: usize,
}

/// Builds the view of `a`, reading its memberships.
pub(super) fn view(store: &Store, a: Account) -> Result<AccountView, AdminError> {
    let mut memberships = Vec::new();
    for uid in &a.tenant_uids {
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
        admin: a.admin,
        disabled: a.disabled,
        password_set: a.password_hash.is_some(),
        created_at: rfc3339(a.created_at),
        memberships,
        mfa: MfaStatus {
            totp: a.factors.totp.is_some(),
            passkeys: 0,
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

/// Checks a new password's length and hashes it off the async workers.
pub async fn hash_password(value: &str) -> Result<String, AdminError> {
    let n = value.chars().count();
    if !(8..=1024).contains(&n) {
        return Err(AdminError::invalid(
            "password",
            "must be 8 to 1024 characters",
        ));
    }
    Ok(password::hash_off_workers(Secret::new(value)).await?)
}

/// A validated new account (password hashed) that is not stored yet.
pub(super) async fn prepare(new: &NewAccount, now: u64) -> Result<Account, AdminError> {
    let username = username(&new.username)?;
    let email = email(new.email.as_deref())?;
    let name = validate::optional_text("name", new.name.as_deref(), 200)?;
    let password_hash = match new.password.as_deref() {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    Ok(Account {
        id: random::uuid()?,
        username,
        email,
        name,
        password_hash,
        admin: new.admin.unwrap_or(false),
        disabled: false,
        refresh_epoch: 0,
        created_at: now,
        tenant_uids: Vec::new(),
        factors: Default::default(),
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

/// Creates an account.
pub async fn create(ctx: &Ctx<'_>, new: &NewAccount) -> Result<AccountView, AdminError> {
    let account = prepare(new, ctx.now).await?;
    let event =
        AuditEvent::new(ctx.now, AuditKind::AccountCreated, &ctx.actor).account(&account.id);
    ctx.store.transaction(|tx| {
        username_free(tx, &account.username, &account.id)?;
        tx.put_account(&account)?;
        tx.audit(&event)
    })?;
    view(ctx.store, account)
}

fn find(ctx: &Ctx<'_>, id: &str) -> Result<Account, AdminError> {
    ctx.store
        .account(id)?
        .ok_or_else(|| AdminError::NotFound(format!("no account with id `{id}`")))
}

/// One account with its memberships.
pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<AccountView, AdminError> {
    view(ctx.store, find(ctx, id)?)
}

/// Lists accounts: by exact username (case-insensitive), by a search in username and
/// email, or all, in id order.
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
            .collect(),
        (None, Some(q)) => ctx
            .store
            .find_accounts(page.after.as_deref(), page.limit + 1, |a| {
                a.username.to_lowercase().contains(&q)
                    || a.email
                        .as_ref()
                        .is_some_and(|e| e.to_lowercase().contains(&q))
            })?,
        (None, None) => ctx.store.accounts(page.after.as_deref(), page.limit + 1)?,
    };
    let page = Page::from_fetched(fetched, page.limit, |a| a.id.clone());
    let items = page
        .items
        .into_iter()
        .map(|a| view(ctx.store, a))
        .collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        next: page.next,
    })
}

/// Changes an account; the audit names what kind of change it was.
pub async fn patch(ctx: &Ctx<'_>, id: &str, p: &AccountPatch) -> Result<AccountView, AdminError> {
    let current = find(ctx, id)?;
    let new_username = p.username.as_deref().map(username).transpose()?;
    let new_email = p.email.as_ref().map(|e| email(e.as_deref())).transpose()?;
    let new_name = p
        .name
        .as_ref()
        .map(|n| validate::optional_text("name", n.as_deref(), 200))
        .transpose()?;
    let new_password = match &p.password {
        Some(Some(pw)) => Some(Some(hash_password(pw).await?)),
        Some(None) => Some(None),
        None => None,
    };
    let kind = match p.disabled {
        Some(true) if !current.disabled => AuditKind::AccountDisabled,
        Some(false) if current.disabled => AuditKind::AccountEnabled,
        _ if new_password.is_some() => AuditKind::AccountPasswordChanged,
        _ => AuditKind::AccountUpdated,
    };
    // Disabling, and an admin setting or removing the password, end what the account
    // signed in to: its sessions, and through the refresh epoch its offline tokens.
    let ends_grants = kind == AuditKind::AccountDisabled || new_password.is_some();
    let event = AuditEvent::new(ctx.now, kind, &ctx.actor).account(id);
    let updated = ctx.store.transaction(|tx| {
        let Some(mut a) = tx.account::<AdminError>(id)? else {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no account with id `{id}`"
            ))));
        };
        if let Some(u) = &new_username {
            username_free(tx, u, id)?;
            a.username = u.clone();
        }
        a.email = new_email.clone().unwrap_or(a.email);
        a.name = new_name.clone().unwrap_or(a.name);
        a.password_hash = new_password.clone().unwrap_or(a.password_hash);
        a.admin = p.admin.unwrap_or(a.admin);
        a.disabled = p.disabled.unwrap_or(a.disabled);
        if ends_grants {
            a.refresh_epoch += 1;
        }
        tx.put_account(&a)?;
        tx.audit(&event)?;
        Ok(a)
    })?;
    if ends_grants {
        end_sessions_of(ctx, id)?;
    }
    view(ctx.store, updated)
}

/// Ends an account's SSO sessions, which ends the refresh families tied to them and
/// queues the back-channel logouts of the clients that got ID tokens in them. Its
/// other families (`offline_access`) end when disabling bumps the account's
/// `refresh_epoch`, and with the account when it is deleted.
fn end_sessions_of(ctx: &Ctx<'_>, id: &str) -> Result<(), AdminError> {
    let sessions = ctx.store.account_sessions(id)?;
    ctx.store.transaction(|tx| {
        for sid in &sessions {
            tx.end_session_notifying::<AdminError>(sid, ctx.now)?;
        }
        Ok(())
    })
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
    find(ctx, id)?;
    end_sessions_of(ctx, id)?;
    let event = AuditEvent::new(ctx.now, AuditKind::AccountSessionsEnded, &ctx.actor).account(id);
    ctx.store.transaction(|tx| tx.audit::<AdminError>(&event))
}

/// Removes every second factor of an account (a user who lost their device signs in
/// with the password alone again, and enrols anew where the tenant requires it).
pub fn remove_factors(ctx: &Ctx<'_>, id: &str) -> Result<(), AdminError> {
    let event = AuditEvent::new(ctx.now, AuditKind::MfaRemoved, &ctx.actor).account(id);
    ctx.store.transaction(|tx| {
        let Some(mut a) = tx.account::<AdminError>(id)? else {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no account with id `{id}`"
            ))));
        };
        a.factors = Default::default();
        tx.put_account(&a)?;
        tx.audit(&event)
    })
}

/// Deletes an account with its memberships, sessions and refresh tokens.
pub fn delete(ctx: &Ctx<'_>, id: &str) -> Result<(), AdminError> {
    let event = AuditEvent::new(ctx.now, AuditKind::AccountDeleted, &ctx.actor).account(id);
    ctx.store.transaction(|tx| {
        let Some(a) = tx.remove_account_record::<AdminError>(id)? else {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no account with id `{id}`"
            ))));
        };
        for uid in &a.tenant_uids {
            tx.remove_membership::<AdminError>(*uid, id)?;
        }
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
