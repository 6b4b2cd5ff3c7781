//! The token endpoint (RFC 6749 §3.2): client authentication first, then the grant the
//! client asked for, if it is allowed that grant.

mod client_credentials;
mod code;
pub mod exchange;
#[cfg(test)]
mod invariants;

use super::dpop::{self, Target};
use super::request::{ClientAuth, DpopHeader, TokenForm, TokenRequest, missing};
use super::{Ctx, ErrorCode, OAuthError, client_auth};
use crate::clock::UnixTime;
use crate::grant::issue::TokenResponse;
use crate::grant::refresh;
use crate::guard::{Key, Outcome, Realm};
use crate::store::clients::Client;
use crate::store::tenants::Tenant;
use crate::types::Jkt;
use std::net::IpAddr;

/// Refuses an address that failed too often; the handler runs it before reading the body.
pub fn admit(ctx: &Ctx, peer: IpAddr, now: UnixTime) -> Result<(), OAuthError> {
    ctx.limiter
        .admit(&[Key::address(Realm::Sso, peer)], now)
        .map_err(|b| OAuthError::TooMany(b.retry_after))
}

/// Answers `POST /t/{tenant}/token` at `now` (after [`admit`]), with the request's
/// `DPoP` header. Failed client authentication, and a refused DPoP proof, count against
/// the address, the client from that address and the client alone (a public client only
/// against the address: it has no secret to guess); an invalid grant against the
/// address. 429 past their thresholds.
pub async fn handle(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (client_auth, dpop): (ClientAuth, &DpopHeader),
    form: TokenForm,
    peer: IpAddr,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    let client_keys = client_auth::client_keys(tenant, &client_auth.client_id, peer);
    ctx.limiter
        .admit(&client_keys, now)
        .map_err(|b| OAuthError::TooMany(b.retry_after))?;
    let ends_a_credential = form.ends_a_credential();
    let mut result = grant(ctx, tenant, (&client_auth, dpop), form, now).await;
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
        Err(ErrorCode::InvalidClient | ErrorCode::InvalidDpopProof) => (
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

/// Whether a code or refresh grant reached its store write: a success, an
/// `invalid_grant` (a replay or reuse revokes before it answers so), or an
/// `invalid_dpop_proof` (a code bound to another key is spent). A request refused at
/// client authentication or for its form wrote nothing, and costs no flush.
fn spent_or_revoked(result: &Result<TokenResponse, OAuthError>) -> bool {
    result.as_ref().map_or_else(
        |e| {
            matches!(
                e.code(),
                ErrorCode::InvalidGrant | ErrorCode::InvalidDpopProof
            )
        },
        |_| true,
    )
}

/// The DPoP key the request proved at the token endpoint, whose URL is built from the
/// public URL (RFC 9449 §4.3); a client registered to always use DPoP must prove one
/// (RFC 9449 §5.2).
fn proved_key(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    client: &Client,
    dpop: &DpopHeader,
    now: UnixTime,
) -> Result<Option<Jkt>, OAuthError> {
    let htu = format!("{}/token", ctx.grant.issuer(&tenant.id));
    let target = Target {
        method: "POST",
        htu: &htu,
        access_token: None,
    };
    let jkt = dpop::check_header(ctx.store, dpop, target, now)?;
    if jkt.is_none() && client.dpop_bound_access_tokens {
        return Err(OAuthError::new(
            ErrorCode::InvalidDpopProof,
            "this client must send a DPoP proof with every token request",
        ));
    }
    Ok(jkt)
}

/// Client authentication, then the grant the client asked for, if it may use it: each
/// problem of the form in [`TokenForm`]'s order.
async fn grant(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (client_auth, dpop): (&ClientAuth, &DpopHeader),
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
    let request = request?;
    let jkt = proved_key(ctx, tenant, &client, dpop, now)?;
    let bound = (&client, jkt.as_ref());
    let issued = match request {
        TokenRequest::ClientCredentials { scopes } => {
            client_credentials::issue(&ctx.grant, tenant, bound, &scopes, now)
        }
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => code::redeem(
            &ctx.grant,
            tenant,
            bound,
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
            bound,
            refresh_token.expose(),
            &scopes,
            now,
        )
        .map_err(OAuthError::from),
        TokenRequest::TokenExchange {
            subject_token,
            scopes,
        } => exchange::grant(ctx, tenant, bound, &subject_token, scopes, now).await,
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
