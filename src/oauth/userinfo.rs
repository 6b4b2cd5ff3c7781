//! The UserInfo endpoint (OIDC Core §5.3): claims about the account behind an access
//! token that was granted `openid`, by scope.

use super::tenant;
use super::{ErrorCode, OAuthError};
use crate::grant::access::verify_access;
use crate::grant::claims::UserInfo;
use crate::grant::subject::member;
use crate::state::State;

/// Answers `GET`/`POST /t/{tenant}/userinfo` for the bearer `token`.
pub fn handle(state: &State, slug: &str, token: Option<&str>) -> Result<UserInfo, OAuthError> {
    let tenant = tenant::lookup(state, slug)?;
    let token = token.ok_or_else(|| {
        OAuthError::new(
            ErrorCode::InvalidRequest,
            "a bearer access token is required",
        )
    })?;
    let issuer = state.issuer(&tenant.id);
    let claims = verify_access(
        &state.keys(),
        &state.store,
        &tenant,
        &issuer,
        token,
        state.clock.now(),
    )?;
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
    let member = member(&state.store, tenant.uid, &claims.sub)?.ok_or_else(gone)?;
    Ok(UserInfo::of(&member.account, &scopes))
}
