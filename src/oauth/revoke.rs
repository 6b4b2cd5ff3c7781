//! Token revocation (RFC 7009). A revoked access token's `jti` is denied until it expires.
//! Unknown tokens, and tokens of another client, answer 200 and change nothing.

use super::discovery::tenant;
use super::request::Params;
use super::tokens::verify_access;
use super::{OAuthError, client_auth};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::state::State;
use crate::store::StoreError;
use crate::store::grants::RevokedJti;

/// Answers `POST /t/{tenant}/revoke`.
pub fn handle(
    state: &State,
    slug: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> Result<(), OAuthError> {
    let tenant = tenant(state, slug)?;
    let params = Params::parse(body)?;
    let client = client_auth::authenticate(
        &state.store,
        &tenant,
        &client_auth::presented(authorization, &params)?,
    )?;
    let token = params.require("token")?;
    let issuer = state.issuer(&tenant.id);
    let now = state.clock.now();
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
