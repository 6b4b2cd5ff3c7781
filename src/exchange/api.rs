//! `POST /v2/sso/exchange-token` and `POST /v2/sso/refresh-token` (SPEC "Token exchange
//! through introspection"): an API key names tenant and client; the answer is the
//! camel-cased shape partner apps expect, and failures are problem+json. Tokens are
//! minted and rotated by `grant`, as the token endpoint mints and rotates them. Each
//! call follows [`super::admit`], and counts its outcome against the caller's API key.

use super::admit::count;
use super::api_key::Caller;
use super::{Ctx, ExchangeError};
use crate::auth::foreign_token;
use crate::clock::UnixTime;
use crate::grant::issue::{self, TokenResponse};
use crate::grant::refresh;
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

/// Exchanges a foreign token for tokens of the caller's client (who called from
/// `peer`) at `now`; the attempt is audited and its outcome counted.
pub async fn exchange_token(
    ctx: &Ctx<'_>,
    peer: IpAddr,
    caller: &Caller,
    request: &ExchangeRequest,
    now: UnixTime,
) -> Result<SsoTokens, ExchangeError> {
    let result = exchanged(ctx, caller, request, now).await;
    count(ctx, peer, Some(caller), &result, now)?;
    result
}

/// Rotates a refresh token of the caller's client (who called from `peer`) at `now`,
/// with the token endpoint's reuse detection: a used token revokes its family. The
/// rotation, or the revocation, is on disk before the outcome is counted and answered.
pub async fn refresh_token(
    ctx: &Ctx<'_>,
    peer: IpAddr,
    caller: &Caller,
    request: &RefreshRequest,
    now: UnixTime,
) -> Result<SsoTokens, ExchangeError> {
    let rotated = rotated(ctx, caller, request, now);
    let result = match ctx.store.flush_durable().await {
        Ok(()) => rotated,
        Err(e) => Err(e.into()),
    };
    count(ctx, peer, Some(caller), &result, now)?;
    result
}

/// The exchange itself: the foreign token checked and audited, then tokens minted.
async fn exchanged(
    ctx: &Ctx<'_>,
    caller: &Caller,
    request: &ExchangeRequest,
    now: UnixTime,
) -> Result<SsoTokens, ExchangeError> {
    allowed(caller, GrantType::TokenExchange)?;
    let subject = foreign_token::resolve_audited(
        &ctx.foreign_token,
        &caller.tenant,
        &caller.client.client_id,
        &request.external_provider_access_token,
        now,
    )
    .await?;
    let tokens = issue::exchanged(
        &ctx.grant,
        &caller.tenant,
        (&caller.client, None),
        &subject,
        &caller.client.scopes,
        now,
    )?;
    ctx.grant.metrics.token_issued("exchange");
    Ok(tokens.into())
}

/// The rotation itself, counted as a `refresh_token` grant when it issued tokens.
fn rotated(
    ctx: &Ctx<'_>,
    caller: &Caller,
    request: &RefreshRequest,
    now: UnixTime,
) -> Result<SsoTokens, ExchangeError> {
    allowed(caller, GrantType::RefreshToken)?;
    refresh::rotate(
        &ctx.grant,
        &caller.tenant,
        (&caller.client, None),
        &request.refresh_token,
        &[],
        now,
    )
    .map(|t| {
        ctx.grant.token_issued(
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
    if client.dpop_bound_access_tokens {
        // `/v2` takes no DPoP proof, and such a client's tokens must all be bound.
        return Err(ExchangeError::GrantNotAllowed(format!(
            "client `{}` must prove a DPoP key with every token request (dpop_bound_access_tokens); use the token endpoint",
            client.client_id
        )));
    }
    Ok(())
}
