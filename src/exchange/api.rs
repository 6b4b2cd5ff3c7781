//! `POST /v2/sso/exchange-token` and `POST /v2/sso/refresh-token` (SPEC "Token exchange
//! through introspection"): an API key names tenant and client; the answer is the
//! camel-cased shape partner apps expect, and failures are problem+json. Tokens are
//! minted and rotated by `grant`, as the token endpoint mints and rotates them.

use super::ExchangeError;
use super::api_key::Caller;
use crate::auth::{ForeignTokenError, foreign_token};
use crate::grant::issue::{self, TokenResponse};
use crate::grant::refresh;
use crate::guard::{Key, Outcome, Realm, Subject};
use crate::state::State;
use crate::types::{AuthMethod, GrantType};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The `/v2/sso/exchange-token` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRequest {
    /// The access token from the partner's IdP.
    pub external_provider_access_token: String,
}

/// The `/v2/sso/refresh-token` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// A refresh token from an earlier exchange or refresh.
    pub refresh_token: String,
}

/// The tokens, as SPEC shapes them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SsoTokens {
    /// The access token.
    pub access_token: String,
    /// A refresh token when the client may use the `refresh_token` grant, else null.
    pub refresh_token: Option<String>,
    /// An ID token when `openid` was granted, else null.
    pub id_token: Option<String>,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// The granted scopes.
    pub scope: Vec<String>,
}

impl From<TokenResponse> for SsoTokens {
    fn from(t: TokenResponse) -> Self {
        SsoTokens {
            scope: t
                .scope
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            id_token: t.id_token,
            expires_in: t.expires_in,
            token_type: t.token_type,
        }
    }
}

/// Exchanges a foreign token for tokens of the caller's client; the outcome is audited.
pub async fn exchange_token(
    state: &State,
    caller: &Caller,
    request: &ExchangeRequest,
) -> Result<SsoTokens, ExchangeError> {
    allowed(caller, GrantType::TokenExchange)?;
    let now = state.clock.now();
    let checking = state.foreign_token();
    let resolved = foreign_token::resolve(
        &checking,
        &caller.tenant,
        &request.external_provider_access_token,
        now,
    )
    .await;
    foreign_token::audit(
        &checking,
        Some((&caller.tenant, &caller.client.client_id)),
        resolved
            .as_ref()
            .map(|s| s.account.id.as_str())
            .map_err(ForeignTokenError::reason),
        now,
    )?;
    let subject = resolved?;
    let tokens = issue::exchanged(
        &state.grant(),
        &caller.tenant,
        &caller.client,
        &subject,
        &caller.client.scopes,
        state.clock.now(),
    )?;
    state.metrics.token_issued("exchange");
    Ok(tokens.into())
}

/// Rotates a refresh token of the caller's client, with the token endpoint's reuse
/// detection: a used token revokes its family.
pub fn refresh_token(
    state: &State,
    caller: &Caller,
    request: &RefreshRequest,
) -> Result<SsoTokens, ExchangeError> {
    allowed(caller, GrantType::RefreshToken)?;
    let grant = state.grant();
    let now = state.clock.now();
    refresh::rotate(
        &grant,
        &caller.tenant,
        &caller.client,
        &request.refresh_token,
        &[],
        now,
    )
    .map(|t| {
        grant.token_issued(
            "refresh_token",
            &caller.tenant.id,
            &caller.client.client_id,
            t.account_id.as_deref(),
            now,
        );
        SsoTokens::from(t)
    })
    .map_err(ExchangeError::from)
}

/// Refuses a caller whose client is not allowed `grant` (any more): API keys are made
/// only for confidential clients with the token-exchange grant, but a client's grants
/// may change afterwards, and the token endpoint would refuse it too.
fn allowed(caller: &Caller, grant: GrantType) -> Result<(), ExchangeError> {
    let client = &caller.client;
    if client.auth_method == AuthMethod::None || !client.grant_types.contains(&grant) {
        return Err(ExchangeError::GrantNotAllowed(format!(
            "client `{}` may not use the `{}` grant",
            client.client_id,
            grant.as_str()
        )));
    }
    Ok(())
}

/// The limiter key of bad API keys (the address alone) or, once the caller is known,
/// of its refused tokens: the API key from this address, so users with expired IdP
/// tokens do not block the key for everyone.
fn key_of(peer: IpAddr, caller: Option<&Caller>) -> Key {
    match caller {
        None => Key::address(Realm::Sso, peer),
        Some(c) => Key::pair(Realm::Sso, peer, Subject::ApiKey(c.key.id.clone())),
    }
}

/// Refuses, before any work, an address that presented bad API keys too often and, once
/// the key is known, a key whose foreign or refresh tokens were refused too often from
/// this address.
pub fn admit(state: &State, peer: IpAddr, caller: Option<&Caller>) -> Result<(), ExchangeError> {
    state
        .limiter
        .admit(&[key_of(peer, caller)], state.clock.now())
        .map_err(|b| ExchangeError::TooMany(b.retry_after))
}

/// Counts an outcome: a bad API key against the address, a refused token against the
/// key from this address; a success clears that. A new block is audited.
pub fn count<T>(
    state: &State,
    peer: IpAddr,
    caller: Option<&Caller>,
    outcome: &Result<T, ExchangeError>,
) -> Result<(), ExchangeError> {
    let (key, outcome) = match (caller, outcome) {
        (_, Err(ExchangeError::BadApiKey)) => (key_of(peer, None), Outcome::Failure),
        (Some(_), Err(ExchangeError::Rejected(_) | ExchangeError::NoAccount)) => {
            (key_of(peer, caller), Outcome::Failure)
        }
        (Some(_), Ok(_)) => (key_of(peer, caller), Outcome::Success),
        _ => return Ok(()),
    };
    let tenant = caller.map(|c| c.tenant.id.as_str());
    let now = state.clock.now();
    Ok(state
        .limiter
        .record(&state.store, tenant, &[key], outcome, now)?)
}
