//! The token-exchange grant at the token endpoint (RFC 8693): a foreign access token,
//! resolved by the exchange, becomes tokens of the account it names (minted by
//! `grant::issue::exchanged`, as `/v2/sso/exchange-token` does).

use crate::auth::foreign_token;
use crate::clock::UnixTime;
use crate::grant::issue::{self, TokenResponse};
use crate::oauth::{Ctx, OAuthError};
use crate::store::clients::Client;
use crate::store::tenants::Tenant;
use crate::types::{Jkt, Secret};

/// The one subject and requested token type supported (RFC 8693 §3).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The `urn:ietf:params:oauth:grant-type:token-exchange` grant (RFC 8693 §2.1) for the
/// foreign `subject_token`, with the `requested` scopes (none: the client's); the access
/// token is bound to the DPoP key `jkt`, if the client proved one.
pub async fn grant(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (client, jkt): (&Client, Option<&Jkt>),
    subject_token: &Secret,
    requested: Vec<String>,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let requested = match requested {
        s if s.is_empty() => client.scopes.clone(),
        s => s,
    };
    let token = subject_token.expose();
    let subject =
        foreign_token::resolve_audited(&ctx.foreign_token, tenant, &client.client_id, token, now)
            .await?;
    let mut response =
        issue::exchanged(&ctx.grant, tenant, (client, jkt), &subject, &requested, now)?;
    response.issued_token_type = Some(ACCESS_TOKEN_TYPE);
    Ok(response)
}
