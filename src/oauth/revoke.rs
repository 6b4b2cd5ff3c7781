//! Token revocation (RFC 7009). A revoked access token's `jti` is denied until it expires.
//! Unknown tokens, and tokens of another client, answer 200 and change nothing.

use super::request::Params;
use super::tenant;
use super::{OAuthError, client_auth};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::grant::access::verify_access;
use crate::state::State;
use crate::store::StoreError;
use crate::store::refresh::RefreshFamily;
use crate::store::revoked::RevokedJti;
use crate::store::tenants::Tenant;

/// Answers `POST /t/{tenant}/revoke`.
pub fn handle(
    state: &State,
    slug: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> Result<(), OAuthError> {
    let tenant = tenant::lookup(state, slug)?;
    let params = Params::parse(body)?;
    let client = client_auth::authenticate(
        &state.store,
        &tenant,
        &client_auth::presented(authorization, &params)?,
    )?;
    let token = params.require("token")?;
    let issuer = state.issuer(&tenant.id);
    let now = state.clock.now();
    if let Some(family) = refresh_family(state, &tenant, token)? {
        if family.client_id == client.client_id {
            let event = AuditEvent::new(
                now,
                AuditKind::TokenRevoked,
                &Actor::Client(client.client_id.clone()),
            )
            .tenant(tenant.id.as_str())
            .account(&family.account_id)
            .target(&family.id);
            state.store.transaction(|tx| {
                tx.revoke_family::<StoreError>(&family.id)?;
                tx.audit(&event)
            })?;
        }
        return Ok(());
    }
    let Ok(claims) = verify_access(&state.keys(), &state.store, &tenant, &issuer, token, now)
    else {
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
    state.store.transaction(|tx| {
        tx.revoke_jti::<StoreError>(&entry)?;
        tx.audit(&event)
    })?;
    Ok(())
}

/// The family of a refresh token of `tenant`, if `token` is one.
pub fn refresh_family(
    state: &State,
    tenant: &Tenant,
    token: &str,
) -> Result<Option<RefreshFamily>, OAuthError> {
    Ok(
        crate::grant::format::find_refresh_family(&state.store, token)?
            .map(|(f, _)| f)
            .filter(|f| f.tenant_uid == tenant.uid),
    )
}
