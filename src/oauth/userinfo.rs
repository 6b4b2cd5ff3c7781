//! The UserInfo endpoint (OIDC Core §5.3): claims about the account behind an access
//! token that was granted `openid`, by scope.

use super::tenant;
use super::tokens::verify_access;
use super::{ErrorCode, OAuthError};
use crate::grant::subject::member;
use crate::state::State;
use crate::store::accounts::Account;
use serde::Serialize;

/// UserInfo claims (OIDC Core §5.1).
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
pub struct UserInfo {
    /// The account id (left out when flattened into an ID token, which has its own).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub sub: String,
    /// With `profile`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// With `profile`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// With `email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// With `email`: latchkey does not verify addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

impl UserInfo {
    /// The claims of `account` that `scopes` allow.
    pub fn of(account: &Account, scopes: &[&str]) -> Self {
        let profile = scopes.contains(&"profile");
        let email = scopes.contains(&"email") && account.email.is_some();
        UserInfo {
            sub: account.id.clone(),
            name: account.name.clone().filter(|_| profile),
            preferred_username: profile.then(|| account.username.clone()),
            email: account.email.clone().filter(|_| email),
            email_verified: email.then_some(false),
        }
    }
}

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
