//! The `client_credentials` grant (RFC 6749 §4.4): a self-contained access token for the
//! client itself; no store write, no refresh token, no ID token.

use crate::clock::UnixTime;
use crate::grant::Ctx;
use crate::grant::claims::{AccessClaims, sign_access};
use crate::grant::issue::TokenResponse;
use crate::grant::scopes;
use crate::oauth::OAuthError;
use crate::store::clients::Client;
use crate::store::tenants::Tenant;
use crate::types::Jkt;

/// Issues an access token with `sub` = the client id, for the `requested` scopes the
/// client may have, bound to the DPoP key `jkt` if the client proved one.
pub fn issue(
    ctx: &Ctx,
    tenant: &Tenant,
    (client, jkt): (&Client, Option<&Jkt>),
    requested: &[String],
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let granted = scopes::for_client(requested, client);
    let issuer = ctx.issuer(&tenant.id);
    let mut claims = AccessClaims::new(
        &issuer,
        tenant,
        &client.client_id,
        &client.client_id,
        &granted,
        now,
    )?;
    claims.bind(jkt);
    Ok(TokenResponse {
        access_token: sign_access(&ctx.keys, tenant, &claims)?,
        token_type: claims.token_type(),
        expires_in: tenant.access_token_ttl_secs,
        scope: claims.scope,
        refresh_token: None,
        id_token: None,
        issued_token_type: None,
        account_id: None,
    })
}
