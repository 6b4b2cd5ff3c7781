//! The token endpoint (RFC 6749 §3.2): client authentication first, then the grant the
//! client asked for, if it is allowed that grant.

mod client_credentials;
mod code;
pub mod exchange;
#[cfg(test)]
mod invariants;

use super::request::{ClientAuth, TokenForm, TokenRequest, missing};
use super::{Ctx, ErrorCode, OAuthError, client_auth};
use crate::clock::UnixTime;
use crate::grant::issue::TokenResponse;
use crate::grant::refresh;
use crate::guard::{Key, Outcome, Realm};
use crate::store::tenants::Tenant;
use std::net::IpAddr;

/// Refuses an address that failed too often; the handler runs it before reading the body.
pub fn admit(ctx: &Ctx, peer: IpAddr, now: UnixTime) -> Result<(), OAuthError> {
    ctx.limiter
        .admit(&[Key::address(Realm::Sso, peer)], now)
        .map_err(|b| OAuthError::TooMany(b.retry_after))
}

/// Answers `POST /t/{tenant}/token` at `now` (after [`admit`]). Failed client
/// authentication counts against the address, the client from that address and the
/// client alone (a public client only against the address: it has no secret to guess);
/// an invalid grant against the address. 429 past their thresholds.
pub async fn handle(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    client_auth: ClientAuth,
    form: TokenForm,
    peer: IpAddr,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let client_keys = client_auth::client_keys(tenant, &client_auth.client_id, peer);
    ctx.limiter
        .admit(&client_keys, now)
        .map_err(|b| OAuthError::TooMany(b.retry_after))?;
    let ends_a_credential = form.ends_a_credential();
    let mut result = grant(ctx, tenant, &client_auth, form, now).await;
    if ends_a_credential && spent_or_revoked(&result) {
        // A redemption, a rotation, or the revocation of a replayed family stops a
        // credential working: on disk before the answer, whichever it was.
        if let Err(e) = ctx.store.flush_durable().await {
            result = Err(e.into());
        }
    }
    let address = Key::address(Realm::Sso, peer);
    let (keys, outcome): (Vec<Key>, _) = match result.as_ref().map_err(|e| e.code()) {
        Ok(_) => (client_keys.to_vec(), Outcome::Success),
        Err(ErrorCode::InvalidClient) => (
            client_auth::failure_keys(ctx.store, tenant, &client_auth.client_id, peer)?,
            Outcome::Failure,
        ),
        Err(ErrorCode::InvalidGrant) => (vec![address], Outcome::Failure),
        Err(_) => (Vec::new(), Outcome::Failure),
    };
    ctx.limiter
        .record(ctx.store, Some(tenant.id.as_str()), &keys, outcome, now)?;
    result
}

/// Whether a code or refresh grant reached its store write: a success, or an
/// `invalid_grant` (a replay or reuse revokes before it answers so). A request refused
/// at client authentication or for its form wrote nothing, and costs no flush.
fn spent_or_revoked(result: &Result<TokenResponse, OAuthError>) -> bool {
    result
        .as_ref()
        .map_or_else(|e| e.code() == ErrorCode::InvalidGrant, |_| true)
}

/// Client authentication, then the grant the client asked for, if it may use it: each
/// problem of the form in [`TokenForm`]'s order.
async fn grant(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    client_auth: &ClientAuth,
    form: TokenForm,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let (grant, request) = match form {
        TokenForm::NoGrantType => return Err(missing("grant_type")),
        TokenForm::Unsupported(name) => {
            client_auth::authenticate(ctx, tenant, client_auth, "token", now).await?;
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!("grant_type `{name}` is not supported"),
            ));
        }
        TokenForm::Grant(grant, request) => (grant, request),
    };
    let client = client_auth::authenticate(ctx, tenant, client_auth, "token", now).await?;
    if !client.grant_types.contains(&grant) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("this client may not use the `{}` grant", grant.as_str()),
        ));
    }
    let issued = match request? {
        TokenRequest::ClientCredentials { scopes } => {
            client_credentials::issue(&ctx.grant, tenant, &client, &scopes, now)
        }
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => code::redeem(
            &ctx.grant,
            tenant,
            &client,
            code,
            redirect_uri.as_deref(),
            code_verifier.as_ref(),
            now,
        ),
        TokenRequest::RefreshToken {
            refresh_token,
            scopes,
        } => refresh::rotate(
            &ctx.grant,
            tenant,
            &client,
            refresh_token.expose(),
            &scopes,
            now,
        )
        .map_err(OAuthError::from),
        TokenRequest::TokenExchange {
            subject_token,
            scopes,
        } => exchange::grant(ctx, tenant, &client, &subject_token, scopes, now).await,
    }?;
    ctx.grant.token_issued(
        grant.as_str(),
        &tenant.id,
        &client.client_id,
        issued.account_id.as_deref(),
        now,
    );
    Ok(issued)
}
