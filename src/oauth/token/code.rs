//! The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636 §4.6). Redemption marks the
//! code used by compare-and-swap on its record, so two redemptions can never both
//! succeed; a replay revokes what the first one issued.

use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::crypto::{hash, random};
use crate::grant::issue::{TokenResponse, UserGrant, live_account, mint, new_refresh};
use crate::grant::{Ctx, format, session};
use crate::oauth::{ErrorCode, OAuthError};
use crate::store::StoreError;
use crate::store::clients::Client;
use crate::store::codes::{AuthCode, Redemption};
use crate::store::grant_key::GrantKey;
use crate::store::refresh::RefreshFamily;
use crate::store::revoked::RevokedJti;
use crate::store::tenants::Tenant;
use crate::types::secret::constant_time_eq;
use crate::types::{Jkt, Secret};
use base64::Engine;

fn invalid(description: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, description)
}

/// Checks a PKCE verifier against an S256 challenge (RFC 7636 §4.6).
fn pkce_ok(challenge: Option<&str>, verifier: Option<&str>) -> bool {
    match (challenge, verifier) {
        (None, None) => true,
        (Some(c), Some(v)) => {
            let well_formed = (43..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            let computed =
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash::sha256(v.as_bytes()));
            well_formed && constant_time_eq(computed.as_bytes(), c.as_bytes())
        }
        _ => false,
    }
}

/// Redeems `code` for tokens: `redirect_uri` and `code_verifier` as the client sent them,
/// `jkt` the DPoP key it proved, if any. A code bound to a key (`dpop_jkt`, RFC 9449 §10)
/// presented without a proof by that key is spent and refused.
pub fn redeem(
    ctx: &Ctx,
    tenant: &Tenant,
    (client, jkt): (&Client, Option<&Jkt>),
    code: Secret,
    redirect_uri: Option<&str>,
    code_verifier: Option<&Secret>,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let code_key = format::key_of(code.expose());
    let code = ctx
        .store
        .code(&code_key)?
        .filter(|c| c.tenant_uid == tenant.uid && c.client_id == client.client_id)
        .ok_or_else(|| invalid("the code is unknown or was issued to another client"))?;
    if code.redeemed.is_some() {
        revoke_replayed(ctx, tenant, &code, now)?;
        return Err(invalid(
            "the code was already used; the tokens it issued are revoked",
        ));
    }
    if code.expires_at <= now {
        return Err(invalid("the code has expired"));
    }
    if let Some(bound) = &code.dpop_jkt
        && jkt != Some(bound)
    {
        if !spend(ctx, &code_key, now)?
            && let Some(redeemed) = ctx.store.code(&code_key)?
        {
            // The rightful redemption got in first: this is a replay.
            revoke_replayed(ctx, tenant, &redeemed, now)?;
        }
        return Err(OAuthError::new(
            ErrorCode::InvalidDpopProof,
            "the code is bound to a DPoP key: a proof signed with it is required; the code is now spent",
        ));
    }
    match redirect_uri {
        Some(r) if r != code.redirect_uri => {
            return Err(invalid(
                "redirect_uri differs from the authorization request",
            ));
        }
        None if code.redirect_uri_sent => {
            return Err(invalid(
                "redirect_uri is required: the authorization request named it",
            ));
        }
        _ => {}
    }
    if !pkce_ok(
        code.code_challenge.as_deref(),
        code_verifier.map(Secret::expose),
    ) {
        return Err(invalid(
            "the PKCE code_verifier does not match the code_challenge",
        ));
    }
    let account = live_account(ctx, tenant, &code.account_id)?
        .ok_or_else(|| invalid("the account may no longer sign in here"))?;
    let offline = code.scopes.iter().any(|s| s == "offline_access");
    let refresh = new_refresh(tenant, client, now)?;
    let grant = UserGrant {
        tenant,
        client,
        account: &account,
        scopes: &code.scopes,
        sid: Some(&code.sid),
        auth_time: Some(code.auth_time),
        nonce: code.nonce.as_deref(),
        jkt,
        factors: Some(&code.factors),
    };
    let minted = mint(
        ctx,
        &grant,
        refresh.as_ref().map(|r| r.first.token.clone()),
        now,
    )?;
    let family = refresh
        .as_ref()
        .map(|r| r.family(&grant, (!offline).then(|| code.sid.clone())));
    let redemption = Redemption {
        access_jti: minted.jti.clone(),
        access_exp: minted.exp,
        family_id: family.as_ref().map(|f| f.id.clone()),
    };
    // The family exists before the code is marked, so a replay that wins the next race
    // finds it to revoke. No transaction: each step is one record, and a sled
    // transaction's commit costs a log write and a wait on the disk.
    if let Some(f) = &family {
        ctx.store.insert_family(f)?;
    }
    let end_family = |f: &RefreshFamily| {
        ctx.store
            .transaction(|tx| tx.revoke_family::<StoreError>(&f.id))
    };
    if !ctx.store.redeem_code(&code_key, &redemption)? {
        if let Some(f) = &family {
            end_family(f)?;
        }
        if let Some(redeemed) = ctx.store.code(&code_key)? {
            revoke_replayed(ctx, tenant, &redeemed, now)?;
        }
        return Err(invalid(
            "the code was already used; the tokens it issued are revoked",
        ));
    }
    // A family bound to the session stops working when it ends (refresh looks it up);
    // one that ended before this redemption is refused here, its new family with it.
    if let Some(f) = family.as_ref().filter(|f| f.sid.is_some())
        && !ctx.store.session_alive(&code.sid, now)?
    {
        end_family(f)?;
        return Err(invalid("the sign-in session has ended"));
    }
    if minted.response.id_token.is_some() {
        session::note_id_token(ctx.store, tenant, client, &code.sid, &code.account_id, now)?;
    }
    Ok(minted.response)
}

/// Marks a code used without issuing anything: it redeemed nothing, so a later replay
/// revokes no token (its `jti` names none). `false` when another redemption got in
/// first.
fn spend(ctx: &Ctx, key: &GrantKey, now: UnixTime) -> Result<bool, OAuthError> {
    let nothing = Redemption {
        access_jti: random::uuid()?,
        access_exp: now,
        family_id: None,
    };
    Ok(ctx.store.redeem_code(key, &nothing)?)
}

/// A replayed code: deny its access token and end its refresh family (RFC 6749 §4.1.2).
fn revoke_replayed(
    ctx: &Ctx,
    tenant: &Tenant,
    code: &AuthCode,
    now: UnixTime,
) -> Result<(), OAuthError> {
    let Some(r) = &code.redeemed else {
        return Ok(());
    };
    let event = AuditEvent::new(
        now,
        AuditKind::CodeReplayed,
        &Actor::Client(code.client_id.clone()),
    )
    .tenant(tenant.id.as_str())
    .account(&code.account_id);
    ctx.store.transaction(|tx| {
        tx.revoke_jti::<StoreError>(&RevokedJti {
            tenant_uid: tenant.uid,
            jti: r.access_jti.clone(),
            exp: r.access_exp,
        })?;
        if let Some(mut f) = r
            .family_id
            .as_deref()
            .map(|id| tx.family::<StoreError>(id))
            .transpose()?
            .flatten()
        {
            f.live = None;
            tx.put_family(&f)?;
        }
        tx.audit(&event)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_ok(Some(challenge), Some(verifier)));
        assert!(!pkce_ok(
            Some(challenge),
            Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX")
        ));
        assert!(!pkce_ok(Some(challenge), None));
        assert!(
            !pkce_ok(None, Some(verifier)),
            "a verifier without a challenge is refused"
        );
        assert!(pkce_ok(None, None));
    }
}
