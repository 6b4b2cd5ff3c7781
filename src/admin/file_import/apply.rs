//! One import line from row to store: checked before any write (its fields, that its
//! username and external id appear once in the file, the caller's reach, the password
//! policy), its password hashed on the blocking pool, then written in one transaction
//! with its audit events.

use super::Report;
use super::rows::Numbered;
use crate::admin::accounts::{NewAccount, creation_events, unstored};
use crate::admin::clients::still_there;
use crate::admin::members::{self, Fields};
use crate::admin::reach::{self, Reach};
use crate::admin::{AdminError, Ctx};
use crate::audit::{AuditEvent, AuditKind};
use crate::crypto::password;
use crate::store::accounts::Account;
use crate::store::tenants::Tenant;
use crate::store::{Tx, TxError};
use crate::types::{ErrorKind, Secret};
use std::collections::HashMap;

/// What a line naming an account beyond the caller's reach fails with (SPEC).
const OUTSIDE: &str = "account outside this tenant";

/// A checked line, ready to write.
pub(super) struct Plan {
    line: usize,
    /// The account as the line describes it; created if its username is free when the
    /// line is written, else its given fields update the existing one.
    account: Account,
    /// The new password, until it is hashed into `account`.
    password: Option<Secret>,
    /// The membership's scopes, if the line gives them.
    scopes: Option<Vec<String>>,
    /// The membership's external id, if the line gives one.
    external_id: Option<String>,
}

impl Report {
    fn fail(&mut self, line: usize, error: String) {
        self.failed.push(super::Failure { line, error });
    }
}

/// A failure of the appliance rather than of the line: it stops the import.
fn stops_import(e: &AdminError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Internal | ErrorKind::StorageUnavailable
    )
}

/// Checks every row; the ones that fail go to the report.
pub(super) fn check(
    ctx: &Ctx<'_>,
    reach: Reach<'_>,
    rows: Vec<Numbered>,
    report: &mut Report,
) -> Result<Vec<Plan>, AdminError> {
    let mut seen = Seen::default();
    let mut plans = Vec::new();
    for (line, row) in rows {
        let planned = row
            .map_err(|e| AdminError::invalid("line", e))
            .and_then(|row| plan(ctx, reach, line, row, &mut seen));
        match planned {
            Ok(p) => plans.push(p),
            Err(e) if stops_import(&e) => return Err(e),
            Err(AdminError::Invalid {
                field: "line",
                message,
            }) => report.fail(line, message),
            Err(e) => report.fail(line, e.public_message()),
        }
    }
    Ok(plans)
}

/// The usernames (case-insensitive) and external ids met so far, with their lines.
#[derive(Default)]
struct Seen {
    usernames: HashMap<String, usize>,
    external_ids: HashMap<String, usize>,
}

fn once(
    seen: &mut HashMap<String, usize>,
    key: String,
    shown: &str,
    line: usize,
    field: &'static str,
) -> Result<(), AdminError> {
    match seen.get(&key) {
        Some(first) => Err(AdminError::invalid(
            field,
            format!("`{shown}` is already on line {first} of this file"),
        )),
        None => {
            seen.insert(key, line);
            Ok(())
        }
    }
}

fn plan(
    ctx: &Ctx<'_>,
    reach: Reach<'_>,
    line: usize,
    row: super::rows::Row,
    seen: &mut Seen,
) -> Result<Plan, AdminError> {
    let username = row.username.trim();
    if !username.is_empty() {
        once(
            &mut seen.usernames,
            username.to_lowercase(),
            username,
            line,
            "username",
        )?;
    }
    let ext = row
        .external_authentication_provider_id
        .as_deref()
        .map(str::trim);
    if let Some(ext) = ext.filter(|e| !e.is_empty()) {
        let field = "external_authentication_provider_id";
        once(&mut seen.external_ids, ext.to_owned(), ext, line, field)?;
    }
    let new = NewAccount {
        username: row.username.clone(),
        email: row.email,
        name: row.name,
        ..NewAccount::default()
    };
    let account = unstored(ctx, &new)?;
    let given_scopes = row.scopes.unwrap_or_default();
    let f = members::fields(&given_scopes, ext, None)?;
    let existing = ctx.store.account_by_username(&account.username)?;
    if existing.as_ref().is_some_and(|a| !reach::within(reach, a)) {
        return Err(AdminError::Forbidden(OUTSIDE.into()));
    }
    if let Some(p) = &row.password {
        let stored = existing.as_ref().and_then(|a| a.email.as_deref());
        ctx.passwords
            .check(p, &account.username, account.email.as_deref().or(stored))
            .map_err(|rule| AdminError::invalid("password", rule.to_string()))?;
    }
    Ok(Plan {
        line,
        account,
        password: row.password.map(Secret::new),
        scopes: (!given_scopes.is_empty()).then_some(f.scopes),
        external_id: f.external_id,
    })
}

/// Hashes the plans' passwords on the blocking pool, a core's worth at a time.
pub(super) async fn hash_passwords(mut plans: Vec<Plan>) -> Result<Vec<Plan>, AdminError> {
    let with: Vec<usize> = (0..plans.len())
        .filter(|&i| plans[i].password.is_some())
        .collect();
    let secrets = with
        .iter()
        .filter_map(|&i| plans[i].password.take())
        .collect();
    let hashes = password::hash_many_off_workers(secrets).await?;
    for (i, hash) in with.into_iter().zip(hashes) {
        plans[i].account.password_hash = Some(hash);
    }
    Ok(plans)
}

/// What writing a line did.
enum Outcome {
    Created,
    /// An existing account was updated; a new password ends its sessions.
    Updated {
        id: String,
        password_set: bool,
    },
}

/// Writes each plan in its own transaction, in file order.
pub(super) fn write(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    reach: Reach<'_>,
    plans: Vec<Plan>,
    report: &mut Report,
) -> Result<(), AdminError> {
    for plan in plans {
        match write_line(ctx, tenant, reach, &plan) {
            Ok(Outcome::Created) => report.created += 1,
            Ok(Outcome::Updated { id, password_set }) => {
                report.updated += 1;
                // As when an admin sets a password: the account's sessions end.
                if password_set {
                    ctx.store.end_account_sessions(&id, ctx.now)?;
                }
            }
            Err(e) if stops_import(&e) => return Err(e),
            Err(e) => report.fail(plan.line, e.public_message()),
        }
    }
    Ok(())
}

fn write_line(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    reach: Reach<'_>,
    plan: &Plan,
) -> Result<Outcome, AdminError> {
    let created = creation_events(ctx, &plan.account);
    let joined = AuditEvent::new(ctx.now, AuditKind::MembershipSet, &ctx.actor)
        .tenant(tenant.id.as_str())
        .account(&plan.account.id);
    ctx.store.transaction(|tx| {
        still_there(tx, tenant)?;
        if let Some(id) = tx.username_owner::<AdminError>(&plan.account.username)? {
            return update(tx, ctx, tenant, reach, plan, &id);
        }
        let f = Fields {
            scopes: plan.scopes.clone().unwrap_or_default(),
            external_id: plan.external_id.clone(),
            disabled: None,
        };
        tx.put_account(&plan.account)?;
        members::write(tx, tenant, &plan.account.id, &f, &[], ctx.now)?;
        created.iter().try_for_each(|e| tx.audit(e))?;
        tx.audit(&joined)?;
        Ok(Outcome::Created)
    })
}

/// Updates account `id` with what the line gives, and its membership here; what the
/// line leaves empty keeps its value.
fn update(
    tx: &Tx<'_>,
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    reach: Reach<'_>,
    plan: &Plan,
    id: &str,
) -> Result<Outcome, TxError<AdminError>> {
    let Some(mut a) = tx.account::<AdminError>(id)? else {
        return Err(TxError::abort(AdminError::NotFound(format!(
            "no account with id `{id}`"
        ))));
    };
    // Checked again here: the account may have joined another tenant since.
    if !reach::within(reach, &a) {
        return Err(TxError::abort(AdminError::Forbidden(OUTSIDE.into())));
    }
    let line = &plan.account;
    let mut changed = false;
    if let Some(e) = &line.email
        && a.email.as_ref() != Some(e)
    {
        a.email = Some(e.clone());
        a.email_verified = false;
        changed = true;
    }
    if let Some(n) = &line.name
        && a.name.as_ref() != Some(n)
    {
        a.name = Some(n.clone());
        changed = true;
    }
    let password_set = line.password_hash.is_some();
    if password_set {
        a.password_hash = line.password_hash.clone();
        a.refresh_epoch += 1;
    }
    if changed || password_set {
        tx.put_account(&a)?;
    }
    let old = tx.membership::<AdminError>(tenant.uid, id)?;
    let f = Fields {
        scopes: plan
            .scopes
            .clone()
            .or_else(|| old.as_ref().map(|m| m.scopes.clone()))
            .unwrap_or_default(),
        external_id: plan
            .external_id
            .clone()
            .or_else(|| old.and_then(|m| m.external_id)),
        disabled: None,
    };
    members::write(tx, tenant, id, &f, &[], ctx.now)?;
    let event = |kind| AuditEvent::new(ctx.now, kind, &ctx.actor).account(id);
    if changed {
        tx.audit(&event(AuditKind::AccountUpdated))?;
    }
    if password_set {
        tx.audit(&event(AuditKind::PasswordChanged).detail("admin"))?;
    }
    tx.audit(&event(AuditKind::MembershipSet).tenant(tenant.id.as_str()))?;
    Ok(Outcome::Updated {
        id: id.to_owned(),
        password_set,
    })
}
