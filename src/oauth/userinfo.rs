//! The UserInfo endpoint (OIDC Core §5.3): claims about the account behind an access
//! token that was granted `openid`, by scope.

use super::{Ctx, ErrorCode, OAuthError};
use crate::clock::UnixTime;
use crate::grant::access::verify_access;
use crate::grant::claims::UserInfo;
use crate::grant::subject::member;
use crate::store::tenants::Tenant;

/// Answers `GET`/`POST /t/{tenant}/userinfo` for the bearer `token` at `now`.
pub fn handle(
    ctx: &Ctx,
    tenant: &Tenant,
    token: Option<&str>,
    now: UnixTime,
) -> Result<UserInfo, OAuthError> {
    let token = token.ok_or_else(|| {
        OAuthError::new(
            ErrorCode::InvalidRequest,
            "a bearer access token is required",
        )
    })?;
    let issuer = ctx.grant.issuer(&tenant.id);
    let claims = verify_access(&ctx.grant.keys, ctx.store, tenant, &issuer, token, now)?;
    let scopes: Vec<&str> = claims.scopes().collect();
    if !scopes.contains(&"openid") {
        return Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            "the access token was not granted `openid`",
        ));
    }
    if claims.sub == claims.client_id {
        return Err(OAuthError::new(
            ErrorCode::InvalidToken,
            "a client_credentials token names no user",
        ));
    }
    let gone = || {
        OAuthError::new(
            ErrorCode::InvalidToken,
            "the account behind the token is not available",
        )
    };
    let member = member(ctx.store, tenant.uid, &claims.sub)?.ok_or_else(gone)?;
    Ok(UserInfo::of(&member.account, &scopes))
}
