//! The token-exchange grant at the token endpoint (RFC 8693): a foreign access token,
//! resolved by the exchange, becomes tokens of the account it names (minted by
//! `grant::issue::exchanged`, as `/v2/sso/exchange-token` does).

use crate::exchange::{self, ExchangeError};
use crate::grant::issue::{self, TokenResponse};
use crate::grant::scopes;
use crate::oauth::request::Params;
use crate::oauth::{ErrorCode, OAuthError};
use crate::state::State;
use crate::store::clients::Client;
use crate::store::tenants::Tenant;

/// The one subject and requested token type supported (RFC 8693 §3).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The `urn:ietf:params:oauth:grant-type:token-exchange` grant (RFC 8693 §2.1).
pub async fn grant(
    state: &State,
    tenant: &Tenant,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    let subject_token = params.require("subject_token")?;
    let bad = |what: &str| OAuthError::new(ErrorCode::InvalidRequest, what);
    if params.require("subject_token_type")? != ACCESS_TOKEN_TYPE {
        return Err(bad(
            "subject_token_type must be urn:ietf:params:oauth:token-type:access_token",
        ));
    }
    if params
        .get("requested_token_type")
        .is_some_and(|t| t != ACCESS_TOKEN_TYPE)
    {
        return Err(bad(
            "only access tokens can be requested (requested_token_type)",
        ));
    }
    if params.get("actor_token").is_some() {
        return Err(bad("delegation (actor_token) is not supported"));
    }
    let requested = match scopes::split(params.get("scope")) {
        s if s.is_empty() => client.scopes.clone(),
        s => s,
    };
    let resolved = exchange::resolve(state, tenant, subject_token).await;
    exchange::audit(
        state,
        Some((tenant, &client.client_id)),
        resolved.as_ref().map(|s| s.account.id.as_str()),
    )
    .map_err(oauth_error)?;
    let subject = resolved.map_err(oauth_error)?;
    let mut response = issue::exchanged(
        &state.grant(),
        tenant,
        client,
        &subject,
        &requested,
        state.clock.now(),
    )?;
    response.issued_token_type = Some(ACCESS_TOKEN_TYPE);
    Ok(response)
}

/// An exchange failure in the token endpoint's words (SPEC: refused tokens and accounts
/// are `invalid_grant`, IdP trouble is `temporarily_unavailable`).
fn oauth_error(e: ExchangeError) -> OAuthError {
    let message = e.public_message();
    match e {
        ExchangeError::Rejected(_) | ExchangeError::NoAccount => {
            OAuthError::new(ErrorCode::InvalidGrant, message)
        }
        ExchangeError::TooMany(secs) => OAuthError::TooMany(secs),
        ExchangeError::Idp(_) | ExchangeError::IdpTimeout(_) | ExchangeError::Busy => {
            OAuthError::new(ErrorCode::TemporarilyUnavailable, message)
        }
        ExchangeError::BadApiKey
        | ExchangeError::BadRequest(_)
        | ExchangeError::NotConfigured(_) => OAuthError::new(ErrorCode::InvalidRequest, message),
        ExchangeError::GrantNotAllowed(_) => {
            OAuthError::new(ErrorCode::UnauthorizedClient, message)
        }
        ExchangeError::Store(s) => OAuthError::Store(s),
        ExchangeError::Internal(why) => OAuthError::Internal(why),
    }
}
