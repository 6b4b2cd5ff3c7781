//! The token endpoint (RFC 6749 §3.2): client authentication first, then the grant the
//! client asked for, if it is allowed that grant.

mod client_credentials;
mod code;
pub mod exchange;
#[cfg(test)]
mod invariants;

use super::request::Params;
use super::tenant;
use super::{Ctx, ErrorCode, OAuthError, client_auth};
use crate::clock::UnixTime;
use crate::grant::issue::TokenResponse;
use crate::grant::{refresh, scopes};
use crate::guard::{Key, Outcome, Realm, Subject};
use crate::store::Store;
use crate::store::tenants::Tenant;
use crate::types::{AuthMethod, GrantType};
use std::net::IpAddr;

/// Refuses an address that failed too often; the handler runs it before reading the body.
pub fn admit(ctx: &Ctx, peer: IpAddr, now: UnixTime) -> Result<(), OAuthError> {
    ctx.limiter
        .admit(&[Key::address(Realm::Sso, peer)], now)
        .map_err(|b| OAuthError::TooMany(b.retry_after))
}

/// Answers `POST /t/{tenant}/token` (after [`admit`]). Failed client authentication
/// counts against the address, the client from that address and the client alone (a
/// public client only against the address: it has no secret to guess); an invalid
/// grant against the address. 429 past their thresholds.
pub async fn handle(
    ctx: &Ctx<'_>,
    slug: &str,
    authorization: Option<&str>,
    body: &[u8],
    peer: IpAddr,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let tenant = tenant::lookup(ctx.store, slug)?;
    let params = Params::parse(body)?;
    let presented = client_auth::presented(authorization, &params)?;
    let client = Subject::Client(tenant.uid, presented.client_id.clone());
    let client_keys = [
        Key::pair(Realm::Sso, peer, client.clone()),
        Key::subject(Realm::Sso, client),
    ];
    ctx.limiter
        .admit(&client_keys, now)
        .map_err(|b| OAuthError::TooMany(b.retry_after))?;
    let mut result = grant(ctx, &tenant, &params, &presented, now).await;
    if ends_a_credential(&params) && spent_or_revoked(&result) {
        // A redemption, a rotation, or the revocation of a replayed family stops a
        // credential working: on disk before the answer, whichever it was.
        if let Err(e) = ctx.store.flush_durable().await {
            result = Err(e.into());
        }
    }
    let address = Key::address(Realm::Sso, peer);
    let (keys, outcome): (Vec<Key>, _) = match result.as_ref().map_err(|e| e.code()) {
        Ok(_) => (client_keys.to_vec(), Outcome::Success),
        Err(ErrorCode::InvalidClient) if is_public(ctx.store, &tenant, &presented.client_id)? => {
            (vec![address], Outcome::Failure)
        }
        Err(ErrorCode::InvalidClient) => {
            ([&[address][..], &client_keys].concat(), Outcome::Failure)
        }
        Err(ErrorCode::InvalidGrant) => (vec![address], Outcome::Failure),
        Err(_) => (Vec::new(), Outcome::Failure),
    };
    ctx.limiter
        .record(ctx.store, Some(tenant.id.as_str()), &keys, outcome, now)?;
    result
}

/// Whether a request of this grant type may spend a code or a refresh token.
fn ends_a_credential(params: &Params) -> bool {
    params
        .get("grant_type")
        .and_then(GrantType::parse)
        .is_some_and(|g| matches!(g, GrantType::AuthorizationCode | GrantType::RefreshToken))
}

/// Whether a code or refresh grant reached its store write: a success, or an
/// `invalid_grant` (a replay or reuse revokes before it answers so). A request refused
/// at client authentication or for its form wrote nothing, and costs no flush.
fn spent_or_revoked(result: &Result<TokenResponse, OAuthError>) -> bool {
    result
        .as_ref()
        .map_or_else(|e| e.code() == ErrorCode::InvalidGrant, |_| true)
}

/// Whether `client_id` names a public client of `tenant`: its id is no secret, so
/// counting failures against it would only let anyone block it.
fn is_public(store: &Store, tenant: &Tenant, client_id: &str) -> Result<bool, OAuthError> {
    Ok(store
        .client(tenant.uid, client_id)?
        .is_some_and(|c| c.auth_method == AuthMethod::None))
}

/// Client authentication, then the grant the client asked for, if it may use it.
async fn grant(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    params: &Params,
    presented: &client_auth::Presented,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let grant_name = params.require("grant_type")?;
    let client = client_auth::authenticate(ctx.store, tenant, presented)?;
    let grant = GrantType::parse(grant_name)
        .filter(|g| *g != GrantType::Implicit)
        .ok_or_else(|| {
            OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!("grant_type `{grant_name}` is not supported"),
            )
        })?;
    if !client.grant_types.contains(&grant) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("this client may not use the `{}` grant", grant.as_str()),
        ));
    }
    let issued = match grant {
        GrantType::ClientCredentials => {
            client_credentials::issue(&ctx.grant, tenant, &client, params, now)
        }
        GrantType::AuthorizationCode => code::redeem(&ctx.grant, tenant, &client, params, now),
        GrantType::RefreshToken => refresh::rotate(
            &ctx.grant,
            tenant,
            &client,
            params.require("refresh_token")?,
            &scopes::split(params.get("scope")),
            now,
        )
        .map_err(OAuthError::from),
        GrantType::TokenExchange => exchange::grant(ctx, tenant, &client, params, now).await,
        GrantType::Implicit => Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            "the implicit grant has no token request",
        )),
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
