//! The `refresh_token` grant (RFC 6749 §6) with rotation: every use returns a new token
//! and marks the old one used; presenting a used token revokes the whole family (OAuth
//! 2.0 Security BCP §4.14). A family without `offline_access` ends with its session.

use super::TokenResponse;
use super::issue::{UserGrant, live_account, mint};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::crypto::{hash, random};
use crate::oauth::{ErrorCode, OAuthError, scopes};
use crate::state::State;
use crate::store::clients::Client;
use crate::store::grants::{RefreshFamily, RefreshToken};
use crate::store::tenants::Tenant;
use crate::store::{StoreError, TxError};

fn invalid(description: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, description)
}

/// What the rotation transaction found.
enum Rotation {
    Rotated,
    /// A token already exchanged was presented again: the family is killed.
    Reused,
    /// The family was revoked earlier (reuse, code replay, logout).
    Revoked,
}

/// Exchanges a refresh token for new tokens.
pub fn rotate(
    state: &State,
    tenant: &Tenant,
    client: &Client,
    presented: &str,
    scope: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let old_hash = hash::sha256(presented.as_bytes());
    let now = state.clock.now();
    let token = state
        .store
        .refresh_token(&old_hash)?
        .ok_or_else(|| invalid("the refresh token is unknown"))?;
    let family = state
        .store
        .family(&token.family_id)?
        .filter(|f| f.tenant_uid == tenant.uid && f.client_id == client.client_id)
        .ok_or_else(|| invalid("the refresh token was issued to another client"))?;
    if token.expires_at <= now {
        return Err(invalid("the refresh token has expired"));
    }
    let requested = scopes::split(scope);
    if requested.iter().any(|s| !family.scopes.contains(s)) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            "a refresh cannot add scopes to the grant",
        ));
    }
    let granted = if requested.is_empty() {
        family.scopes.clone()
    } else {
        requested
    };
    let account = live_account(state, tenant, &family.account_id)?
        .ok_or_else(|| invalid("the account may no longer sign in here"))?;
    let new_token = random::secret_token()?;
    let grant = UserGrant {
        tenant,
        client,
        account: &account,
        scopes: &granted,
        sid: family.sid.as_deref(),
        auth_time: family.auth_time,
        nonce: None,
    };
    let minted = mint(state, &grant, Some(new_token.clone()), now)?;
    let new_hash = hash::sha256(new_token.as_bytes());
    let outcome = state.store.transaction(|tx| {
        // Read in the transaction, so a rotation and the session's end are ordered.
        if let Some(sid) = &family.sid
            && tx
                .session::<OAuthError>(sid)?
                .is_none_or(|s| s.expires_at <= now)
        {
            return Err(TxError::abort(invalid(
                "the sign-in session of this refresh token has ended",
            )));
        }
        let current: Option<RefreshToken> = tx.refresh_token::<OAuthError>(&old_hash)?;
        let fam: Option<RefreshFamily> = tx.family(&family.id)?;
        match (current, fam) {
            (Some(t), Some(mut f)) if !t.used && f.live == Some(old_hash) => {
                tx.put_refresh_token(&RefreshToken { used: true, ..t })?;
                tx.put_refresh_token(&RefreshToken {
                    hash: new_hash,
                    family_id: f.id.clone(),
                    used: false,
                    expires_at: f.expires_at,
                })?;
                f.live = Some(new_hash);
                tx.put_family(&f)?;
                Ok(Rotation::Rotated)
            }
            (Some(t), Some(mut f)) if t.used => {
                f.live = None;
                tx.put_family(&f)?;
                Ok(Rotation::Reused)
            }
            (Some(_), Some(_)) => Ok(Rotation::Revoked),
            (None, _) | (_, None) => Err(TxError::abort(invalid("the refresh token is unknown"))),
        }
    })?;
    match outcome {
        Rotation::Rotated => Ok(minted.response),
        Rotation::Revoked => Err(invalid("the refresh token was revoked")),
        Rotation::Reused => {
            let event = AuditEvent::new(
                now,
                AuditKind::RefreshReused,
                &Actor::Client(client.client_id.clone()),
            )
            .tenant(tenant.id.as_str())
            .account(&family.account_id);
            state
                .store
                .transaction(|tx| tx.audit::<StoreError>(&event))?;
            Err(invalid(
                "the refresh token was already used; its whole family is revoked",
            ))
        }
    }
}
