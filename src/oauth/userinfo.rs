//! The UserInfo endpoint (OIDC Core §5.3): claims about the account behind an access
//! token that was granted `openid`, by scope.

use super::{Ctx, ErrorCode, OAuthError};
use crate::clock::UnixTime;
use crate::grant::access::verify_access;
use crate::grant::claims::{AccessClaims, UserInfo};
use crate::grant::subject::member;
use crate::store::tenants::Tenant;

/// The userinfo answer, and the client the token was issued to when the token is one
/// of ours (whose browser origins may read the answer).
pub struct Answer {
    /// The token's client, when the token verified.
    pub client_id: Option<String>,
    /// The claims, or why there are none.
    pub claims: Result<UserInfo, OAuthError>,
}

/// Answers `GET`/`POST /t/{tenant}/userinfo` for the bearer `token` at `now`.
pub fn handle(ctx: &Ctx, tenant: &Tenant, token: Option<&str>, now: UnixTime) -> Answer {
    let token = match token {
        Some(t) => t,
        None => {
            let needed = "a bearer access token is required";
            return Answer {
                client_id: None,
                claims: Err(OAuthError::new(ErrorCode::InvalidRequest, needed)),
            };
        }
    };
    let issuer = ctx.grant.issuer(&tenant.id);
    match verify_access(&ctx.grant.keys, ctx.store, tenant, &issuer, token, now) {
        Ok(claims) => Answer {
            client_id: Some(claims.client_id.clone()),
            claims: claims_of(ctx, tenant, &claims),
        },
        Err(e) => Answer {
            client_id: None,
            claims: Err(e.into()),
        },
    }
}

/// The claims a verified access token may read.
fn claims_of(ctx: &Ctx, tenant: &Tenant, claims: &AccessClaims) -> Result<UserInfo, OAuthError> {
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
