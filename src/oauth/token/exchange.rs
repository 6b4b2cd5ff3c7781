//! The token-exchange grant at the token endpoint (RFC 8693): a foreign access token,
//! resolved by the exchange, becomes tokens of the account it names (minted by
//! `grant::issue::exchanged`, as `/v2/sso/exchange-token` does).

use crate::auth::ForeignTokenError;
use crate::auth::foreign_token;
use crate::clock::UnixTime;
use crate::grant::issue::{self, TokenResponse};
use crate::grant::scopes;
use crate::oauth::request::Params;
use crate::oauth::{Ctx, ErrorCode, OAuthError};
use crate::store::clients::Client;
use crate::store::tenants::Tenant;

/// The one subject and requested token type supported (RFC 8693 §3).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The `urn:ietf:params:oauth:grant-type:token-exchange` grant (RFC 8693 §2.1).
pub async fn grant(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    client: &Client,
    params: &Params,
    now: UnixTime,
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
    let checking = &ctx.foreign_token;
    let resolved = foreign_token::resolve(checking, tenant, subject_token, now).await;
    foreign_token::audit(
        checking,
        Some((tenant, &client.client_id)),
        resolved
            .as_ref()
            .map(|s| s.account.id.as_str())
            .map_err(ForeignTokenError::reason),
        now,
    )?;
    let subject = resolved?;
    let mut response = issue::exchanged(&ctx.grant, tenant, client, &subject, &requested, now)?;
    response.issued_token_type = Some(ACCESS_TOKEN_TYPE);
    Ok(response)
}
