//! Token revocation (RFC 7009). A revoked access token's `jti` is denied until it expires.
//! Unknown tokens, and tokens of another client, answer 200 and change nothing.

use super::request::{ClientAuth, missing};
use super::{Ctx, OAuthError, client_auth};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::grant::access::verify_access;
use crate::store::Store;
use crate::store::StoreError;
use crate::store::clients::Client;
use crate::store::refresh::RefreshFamily;
use crate::store::revoked::RevokedJti;
use crate::store::tenants::Tenant;
use std::net::IpAddr;

/// Answers `POST /t/{tenant}/revoke` at `now` for the client presenting `client_auth`
/// (a missing `token` is answered after client authentication); whatever it revoked is
/// on disk before the answer.
pub async fn handle(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    client_auth: &ClientAuth,
    token: Option<&str>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<(), OAuthError> {
    let client =
        client_auth::authenticate_limited(ctx, tenant, client_auth, ("revoke", peer), now).await?;
    revoke(ctx, tenant, &client, token, now)?;
    ctx.store.flush_durable().await?;
    Ok(())
}

/// Revokes `token` if it was issued to `client`.
fn revoke(
    ctx: &Ctx,
    tenant: &Tenant,
    client: &Client,
    token: Option<&str>,
    now: UnixTime,
) -> Result<(), OAuthError> {
    let store = ctx.store;
    let token = token.ok_or_else(|| missing("token"))?;
    let issuer = ctx.grant.issuer(&tenant.id);
    if let Some(family) = refresh_family(store, tenant, token)? {
        if family.client_id == client.client_id {
            let event = AuditEvent::new(
                now,
                AuditKind::TokenRevoked,
                &Actor::Client(client.client_id.clone()),
            )
            .tenant(tenant.id.as_str())
            .account(&family.account_id)
            .target(&family.id);
            store.transaction(|tx| {
                tx.revoke_family::<StoreError>(&family.id)?;
                tx.audit(&event)
            })?;
        }
        return Ok(());
    }
    let Ok(claims) = verify_access(&ctx.grant.keys, store, tenant, &issuer, token, now) else {
        return Ok(());
    };
    if claims.client_id != client.client_id {
        return Ok(());
    }
    let entry = RevokedJti {
        tenant_uid: tenant.uid,
        jti: claims.jti.clone(),
        exp: claims.exp,
    };
    let event = AuditEvent::new(
        now,
        AuditKind::TokenRevoked,
        &Actor::Client(client.client_id.clone()),
    )
    .tenant(tenant.id.as_str())
    .target(&claims.jti);
    store.transaction(|tx| {
        tx.revoke_jti::<StoreError>(&entry)?;
        tx.audit(&event)
    })?;
    Ok(())
}

/// The family of a refresh token of `tenant`, if `token` is one.
pub fn refresh_family(
    store: &Store,
    tenant: &Tenant,
    token: &str,
) -> Result<Option<RefreshFamily>, OAuthError> {
    Ok(crate::grant::format::find_refresh_family(store, token)?
        .map(|(f, _)| f)
        .filter(|f| f.tenant_uid == tenant.uid))
}
