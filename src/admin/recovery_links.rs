//! `POST /accounts/{id}/recovery-link` (SPEC "Account console and recovery"): a link an
//! admin hands a locked-out user, with which they set a password (and enrol a second
//! factor where required) without an e-mail server. The link is shown once; a newer
//! one voids it.

use super::{AdminError, Ctx, accounts};
use crate::audit::{AuditEvent, AuditKind};
use crate::auth::recovery_link::{DEFAULT_TTL_SECS, MAX_TTL_SECS, MIN_TTL_SECS, new_token};
use crate::clock::rfc3339;
use crate::store::TxError;
use crate::store::recovery_links::RecoveryLink;
use crate::store::tenants::Tenant;
use serde::{Deserialize, Serialize};

/// The tenant whose page opens the link of an account with no membership (SPEC).
const DEFAULT: &str = "default";

/// The request body; both fields optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRecoveryLink {
    /// Lifetime in seconds, 300 to 604800 (default a day).
    pub ttl_secs: Option<u64>,
    /// The tenant whose page the link opens.
    pub tenant: Option<String>,
}

/// The link, shown once.
#[derive(Debug, Serialize)]
pub struct RecoveryLinkView {
    /// `{public_url}/t/{tenant}/recover?token=…`.
    pub url: String,
    /// When it stops working (RFC 3339).
    pub expires_at: String,
}

/// The tenant the link opens: the one asked for, which must be one of the account's,
/// or `default` for an account with none; else its only tenant, or `default`.
fn tenant_of(ctx: &Ctx<'_>, id: &str, asked: Option<&str>) -> Result<Tenant, AdminError> {
    let memberships = accounts::get(ctx, id)?.memberships;
    let slugs: Vec<&str> = memberships.iter().map(|m| m.tenant.as_str()).collect();
    match (asked.map(|t| ctx.tenant(t)).transpose()?, slugs.as_slice()) {
        (Some(t), []) if t.id.as_str() == DEFAULT => Ok(t),
        (Some(t), []) => Err(AdminError::invalid(
            "tenant",
            format!(
                "the account is a member of no tenant, so its link opens `{DEFAULT}`, not `{}`",
                t.id
            ),
        )),
        (Some(t), _) if slugs.contains(&t.id.as_str()) => Ok(t),
        (Some(t), _) => Err(AdminError::invalid(
            "tenant",
            format!("the account is not a member of `{}`", t.id),
        )),
        (None, []) => ctx.tenant(DEFAULT),
        (None, [only]) => ctx.tenant(only),
        (None, _) => Err(AdminError::invalid(
            "tenant",
            format!(
                "the account is a member of several tenants ({}); name the one whose page the link opens",
                slugs.join(", ")
            ),
        )),
    }
}

/// Makes a new link for account `id`, voiding the one it had.
pub fn create(
    ctx: &Ctx<'_>,
    id: &str,
    new: &NewRecoveryLink,
) -> Result<RecoveryLinkView, AdminError> {
    let ttl = new.ttl_secs.unwrap_or(DEFAULT_TTL_SECS);
    if !(MIN_TTL_SECS..=MAX_TTL_SECS).contains(&ttl) {
        return Err(AdminError::invalid(
            "ttl_secs",
            format!("must be {MIN_TTL_SECS} to {MAX_TTL_SECS} seconds"),
        ));
    }
    let tenant = tenant_of(ctx, id, new.tenant.as_deref())?;
    let account = ctx.visible(ctx.store.account(id)?, id)?;
    ctx.within_reach(&account)?;
    if account.disabled {
        return Err(AdminError::invalid(
            "account",
            "is disabled: enable it first, or its link would not work",
        ));
    }
    let (token, token_hash) = new_token()?;
    let link = RecoveryLink {
        account_id: id.to_owned(),
        token_hash,
        tenant_uid: tenant.uid,
        created_at: ctx.now,
        expires_at: ctx.now + ttl,
    };
    let event = AuditEvent::new(ctx.now, AuditKind::RecoveryLinkCreated, &ctx.actor)
        .tenant(tenant.id.as_str())
        .account(id)
        .detail(&ttl.to_string());
    ctx.store.transaction(|tx| {
        let current = ctx
            .visible(tx.account::<AdminError>(id)?, id)
            .map_err(TxError::abort)?;
        ctx.within_reach(&current).map_err(TxError::abort)?;
        tx.put_recovery_link(&link)?;
        tx.audit(&event)
    })?;
    Ok(RecoveryLinkView {
        url: format!(
            "{}/t/{}/recover?token={}",
            ctx.public_url,
            tenant.id,
            token.expose()
        ),
        expires_at: rfc3339(link.expires_at),
    })
}
