//! Refresh-token rotation (RFC 6749 §6), shared by the token endpoint's `refresh_token`
//! grant and `/v2/sso/refresh-token`: every use returns a new token and makes it the
//! family's live one; presenting any other token of the family revokes the whole family
//! (OAuth 2.0 Security BCP §4.14). A family without `offline_access` ends with its
//! session.

use super::Ctx;
use super::GrantError;
use super::format::{self, NewRefreshToken};
use super::issue::{TokenResponse, UserGrant, family_account, mint};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::store::StoreError;
use crate::store::clients::Client;
use crate::store::refresh::{RefreshFamily, RefreshToken};
use crate::store::tenants::Tenant;
use crate::types::Jkt;

/// Exchanges a refresh token for new tokens with the `requested` scopes (all of the
/// grant's when empty), which must be a subset of the grant's. `jkt` is the DPoP key
/// the request proved, if any: a family bound to a key needs a proof by it (RFC 9449
/// §5), and the new access token is bound to the proved key.
pub fn rotate(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (client, jkt): (&Client, Option<&Jkt>),
    presented: &str,
    requested: &[String],
    now: UnixTime,
) -> Result<TokenResponse, GrantError> {
    let (family, old) = format::find_refresh_family(ctx.store, presented)?
        .filter(|(f, _)| f.tenant_uid == tenant.uid)
        .ok_or_else(|| GrantError::InvalidGrant("the refresh token is unknown"))?;
    // Reuse first (OAuth 2.0 Security BCP §4.14): a spent token revokes its family
    // whoever presents it and whatever else the request holds.
    if family.live != Some(old) {
        return Err(refused_stale(ctx, tenant, client, &family, now)?);
    }
    if family.client_id != client.client_id {
        return Err(GrantError::InvalidGrant(
            "the refresh token was issued to another client",
        ));
    }
    if family.expires_at <= now {
        return Err(GrantError::InvalidGrant("the refresh token has expired"));
    }
    if let Some(bound) = &family.jkt
        && jkt != Some(bound)
    {
        return Err(GrantError::KeyNotProven(
            "the refresh token is bound to a DPoP key: send a proof signed with it",
        ));
    }
    if requested.iter().any(|s| !family.scopes.contains(s)) {
        return Err(GrantError::InvalidScope(
            "a refresh cannot add scopes to the grant",
        ));
    }
    let granted = if requested.is_empty() {
        family.scopes.clone()
    } else {
        requested.to_vec()
    };
    let account = family_account(ctx, tenant, &family)?
        .ok_or_else(|| GrantError::InvalidGrant("the account may no longer sign in here"))?;
    let new = match format::next_refresh_token(presented)? {
        Some(new) => new,
        None => older_form_successor(ctx, &family)?,
    };
    let grant = UserGrant {
        tenant,
        client,
        account: &account,
        scopes: &granted,
        sid: family.sid.as_deref(),
        auth_time: family.auth_time,
        nonce: None,
        jkt,
        factors: family.auth_time.map(|_| family.factors.as_slice()),
    };
    let minted = mint(ctx, &grant, Some(new.token), now)?;
    // The family's compare-and-swap is the rotation, so of two uses of one token exactly
    // one wins. No transaction: its commit costs a log write and a wait on the disk.
    if !ctx.store.rotate_family(&family.id, &old, &new.hash)? {
        return Err(refused_stale(ctx, tenant, client, &family, now)?);
    }
    // Checked after the swap: a session that ended before it ends this family too.
    if let Some(sid) = &family.sid
        && !ctx.store.session_alive(sid, now)?
    {
        ctx.store
            .transaction(|tx| tx.revoke_family::<StoreError>(&family.id))?;
        return Err(GrantError::InvalidGrant(
            "the sign-in session of this refresh token has ended",
        ));
    }
    Ok(minted.response)
}

/// The next token of a family from before tokens named their family. It keeps the
/// older form to the family's end: a record of its own names the family, stored before
/// the rotation makes the token live.
fn older_form_successor(
    ctx: &Ctx<'_>,
    family: &RefreshFamily,
) -> Result<NewRefreshToken, GrantError> {
    let (token, key) = format::issue(family.expires_at)?;
    ctx.store.insert_older_refresh_token(&RefreshToken {
        hash: key.hash,
        key_expiry: key.expiry,
        family_id: family.id.clone(),
        expires_at: family.expires_at,
    })?;
    Ok(NewRefreshToken {
        token,
        hash: key.hash,
    })
}

/// The answer to a token of `family` that is not its live one: the family was revoked
/// earlier, or the token was already exchanged, which is a reuse and revokes the family
/// (OAuth 2.0 Security BCP §4.14).
fn refused_stale(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    client: &Client,
    family: &RefreshFamily,
    now: UnixTime,
) -> Result<GrantError, GrantError> {
    let event = AuditEvent::new(
        now,
        AuditKind::RefreshReused,
        &Actor::Client(client.client_id.clone()),
    )
    .tenant(tenant.id.as_str())
    .account(&family.account_id);
    let reused = ctx.store.transaction(|tx| {
        let live = tx.family::<StoreError>(&family.id)?.and_then(|f| f.live);
        if live.is_some() {
            tx.revoke_family(&family.id)?;
            tx.audit(&event)?;
        }
        Ok(live.is_some())
    })?;
    Ok(if reused {
        GrantError::InvalidGrant("the refresh token was already used; its whole family is revoked")
    } else {
        GrantError::InvalidGrant("the refresh token was revoked")
    })
}
