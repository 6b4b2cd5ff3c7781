//! Sign-in to the admin web UI: who an admin account's password (argon2id, off the
//! async workers) or an admin token proves to be, audited either way, and whether what
//! signed someone in still stands. The HTTP admin UI opens and ends the sessions.

use super::{AdminError, tokens};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::crypto::password;
use crate::store::{Store, StoreError};
use crate::types::{AdminRole, Secret};

/// What a sign-in form sends: a username and password, or an admin token.
pub struct Credentials {
    /// Username, when signing in with a password.
    pub username: String,
    /// The password.
    pub password: Secret,
    /// An admin token instead.
    pub token: Secret,
}

/// Who signed in.
#[derive(Clone, Debug)]
pub struct Admin {
    /// Who acts, for the audit log.
    pub actor: Actor,
    /// What the UI calls them.
    pub display: String,
}

/// Who `creds` prove to be; `None` when they are wrong (one answer for every reason).
/// Both outcomes are audited (`login` / `login.failed`, detail `admin_ui`); a failure
/// names the username tried, never a password or token. `dummy_password_hash` is
/// verified for unknown usernames, so timing tells nothing. When `second_factor_follows`
/// and an account signed in, its `login` waits for the second factor.
pub async fn sign_in(
    store: &Store,
    dummy_password_hash: &str,
    creds: Credentials,
    second_factor_follows: bool,
    now: UnixTime,
) -> Result<Option<Admin>, AdminError> {
    let username = creds.username.trim().to_owned();
    let who = identify(store, dummy_password_hash, creds).await?;
    let event = match &who {
        Some(admin) if second_factor_follows && matches!(admin.actor, Actor::Account(_)) => {
            return Ok(who);
        }
        Some(admin) => AuditEvent::new(now, AuditKind::Login, &admin.actor),
        None => {
            let event = AuditEvent::new(now, AuditKind::LoginFailed, &Actor::System);
            if username.is_empty() {
                event
            } else {
                event.target(&username)
            }
        }
    }
    .detail("admin_ui");
    store.transaction(|tx| tx.audit::<StoreError>(&event))?;
    Ok(who)
}

/// The role `actor` holds now, if what signed it in still stands: the admin token
/// exists, or the account exists, holds an admin role and is enabled. Read on every
/// request, so revoking the token or demoting, disabling or deleting the account ends
/// its sessions at once, and a narrowed role applies to the very next request.
pub fn current_role(store: &Store, actor: &Actor) -> Result<Option<AdminRole>, StoreError> {
    Ok(match actor {
        Actor::AdminToken(id) => store.admin_token(id)?.map(|t| t.role),
        Actor::Account(id) => store
            .account(id)?
            .filter(|a| !a.disabled)
            .and_then(|a| a.admin_role().cloned()),
        Actor::Client(_) | Actor::ScimToken(_) | Actor::System | Actor::Anonymous => None,
    }
    .filter(AdminRole::may_manage))
}

/// An admin token, or an enabled admin account whose password matches (checked against
/// a dummy hash for anyone else).
async fn identify(
    store: &Store,
    dummy_password_hash: &str,
    creds: Credentials,
) -> Result<Option<Admin>, AdminError> {
    if !creds.token.expose().is_empty() {
        let manager = tokens::authenticate(store, &creds.token)?.filter(|t| t.role.may_manage());
        return Ok(manager.map(|t| Admin {
            actor: Actor::AdminToken(t.id),
            display: format!("token “{}”", t.label),
        }));
    }
    let account = store
        .account_by_username(creds.username.trim())?
        .filter(|a| a.admin_role().is_some() && !a.disabled);
    let phc = account
        .as_ref()
        .and_then(|a| a.password_hash.clone())
        .unwrap_or_else(|| dummy_password_hash.to_owned());
    let matches = password::verify_off_workers(creds.password, phc).await?;
    Ok(account
        .filter(|a| matches && a.password_hash.is_some())
        .map(|a| Admin {
            actor: Actor::Account(a.id),
            display: a.username,
        }))
}
