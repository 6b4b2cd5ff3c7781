//! Token introspection (RFC 7662) for any confidential client of the tenant. Unknown,
//! expired, revoked and foreign tokens all answer `{"active": false}`.

use super::request::{ClientAuth, missing};
use super::{Ctx, ErrorCode, OAuthError, client_auth};
use crate::clock::UnixTime;
use crate::grant::access::verify_access;
use crate::grant::claims::{AccessClaims, Confirmation};
use crate::grant::format::find_refresh_family;
use crate::grant::issue::{family_account, live_account};
use crate::store::tenants::Tenant;
use crate::types::AuthMethod;
use serde::Serialize;
use std::net::IpAddr;

/// An introspection answer (RFC 7662 §2.2).
#[derive(Debug, Default, Serialize)]
pub struct Introspection {
    /// Whether the token is live.
    pub active: bool,
    /// Issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Audience.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// The client the token was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Granted scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<UnixTime>,
    /// Issue time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<UnixTime>,
    /// `Bearer`, `DPoP` (a bound access token, RFC 9449 §6.2) or `refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// The key a bound access token is bound to (RFC 9449 §6.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
    /// The token's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// `acr` of the browser sign-in behind the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// `amr` of the browser sign-in behind the token (RFC 8176).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
}

/// Answers `POST /t/{tenant}/introspect` at `now` for the client presenting
/// `client_auth`; a missing `token` is answered after client authentication.
pub async fn handle(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    client_auth: &ClientAuth,
    token: Option<&str>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<Introspection, OAuthError> {
    let client =
        client_auth::authenticate_limited(ctx, tenant, client_auth, ("introspect", peer), now)
            .await?;
    if client.auth_method == AuthMethod::None {
        return Err(OAuthError::new(
            ErrorCode::InvalidClient,
            "a public client cannot introspect tokens",
        ));
    }
    let token = token.ok_or_else(|| missing("token"))?;
    let issuer = ctx.grant.issuer(&tenant.id);
    Ok(match live_claims(ctx, tenant, &issuer, token, now) {
        Ok(c) => Introspection {
            token_type: Some(c.token_type()),
            active: true,
            iss: Some(c.iss),
            sub: Some(c.sub),
            aud: Some(c.aud),
            client_id: Some(c.client_id),
            scope: Some(c.scope),
            exp: Some(c.exp),
            iat: Some(c.iat),
            cnf: c.cnf,
            jti: Some(c.jti),
            acr: c.acr,
            amr: c.amr,
        },
        Err(OAuthError::Protocol { .. }) => {
            refresh_introspection(ctx, tenant, &issuer, token, now)?
        }
        Err(e) => return Err(e),
    })
}

/// The claims of a live access token: valid for this tenant and, for a user's token,
/// its account still enabled and a member.
fn live_claims(
    ctx: &Ctx,
    tenant: &Tenant,
    issuer: &str,
    token: &str,
    now: UnixTime,
) -> Result<AccessClaims, OAuthError> {
    let claims = verify_access(&ctx.grant.keys, ctx.store, tenant, issuer, token, now)?;
    let user_token = claims.sub != claims.client_id;
    if user_token && live_account(&ctx.grant, tenant, &claims.sub)?.is_none() {
        return Err(OAuthError::new(
            ErrorCode::InvalidToken,
            "the account is disabled or gone",
        ));
    }
    Ok(claims)
}

/// The answer for a refresh token: active while it is its family's live token, unexpired,
/// its account may still sign in, and the SSO session it is bound to (if any) lives.
fn refresh_introspection(
    ctx: &Ctx,
    tenant: &Tenant,
    issuer: &str,
    token: &str,
    now: UnixTime,
) -> Result<Introspection, OAuthError> {
    let Some(family) = find_refresh_family(ctx.store, token)?
        .filter(|(f, hash)| f.tenant_uid == tenant.uid && f.live == Some(*hash))
        .map(|(f, _)| f)
        .filter(|f| f.expires_at > now)
    else {
        return Ok(Introspection::default());
    };
    if family_account(&ctx.grant, tenant, &family)?.is_none() {
        return Ok(Introspection::default());
    }
    if let Some(sid) = &family.sid
        && !ctx.store.session_alive(sid, now)?
    {
        return Ok(Introspection::default());
    }
    Ok(Introspection {
        active: true,
        iss: Some(issuer.to_owned()),
        sub: Some(family.account_id),
        client_id: Some(family.client_id),
        scope: Some(family.scopes.join(" ")),
        exp: Some(family.expires_at),
        token_type: Some("refresh_token"),
        ..Introspection::default()
    })
}
