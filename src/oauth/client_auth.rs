//! Client authentication at the token, introspection, revocation and PAR endpoints: the
//! credentials read at the edge ([`ClientAuth`]) checked against the tenant's client,
//! `client_secret_basic` and `client_secret_post` alike, `private_key_jwt` (the
//! assertion verified, its `jti` spent), and `none` for public clients.

use super::client_assertion::{self, Asserted};
use super::request::{ClientAuth, Credential};
use super::{Ctx, ErrorCode, OAuthError};
use crate::auth::client_keys;
use crate::clock::UnixTime;
use crate::crypto::hash;
use crate::crypto::jose::{Unverified, VerifyingKey};
use crate::guard::{Key, Outcome, Realm, Subject};
use crate::store::Store;
use crate::store::clients::Client;
use crate::store::seen_jtis::SeenJti;
use crate::store::tenants::Tenant;
use crate::types::AuthMethod;
use crate::types::Secret;
use crate::types::secret::constant_time_eq;
use std::net::IpAddr;
use std::sync::Arc;

/// The limiter's keys for `client_id` of `tenant` from `peer`: the client from that
/// address, and the client alone.
pub fn client_keys(tenant: &Tenant, client_id: &str, peer: IpAddr) -> [Key; 2] {
    let client = Subject::Client(tenant.uid, client_id.to_owned());
    [
        Key::pair(Realm::Sso, peer, client.clone()),
        Key::subject(Realm::Sso, client),
    ]
}

/// What a failed authentication of `client_id` from `peer` counts against: the address,
/// and the client's keys unless it is public (its id is no secret, so counting against
/// it would only let anyone block it).
pub fn failure_keys(
    store: &Store,
    tenant: &Tenant,
    client_id: &str,
    peer: IpAddr,
) -> Result<Vec<Key>, OAuthError> {
    let address = Key::address(Realm::Sso, peer);
    let public = store
        .client(tenant.uid, client_id)?
        .is_some_and(|c| c.auth_method == AuthMethod::None);
    Ok(match public {
        true => vec![address],
        false => [&[address][..], &client_keys(tenant, client_id, peer)].concat(),
    })
}

/// [`authenticate`] under the limiter, for an endpoint where authenticating is all the
/// client proves: a client blocked from `peer` is refused first, and the outcome counts.
pub async fn authenticate_limited(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    p: &ClientAuth,
    (endpoint, peer): (&str, IpAddr),
    now: UnixTime,
) -> Result<Client, OAuthError> {
    let keys = client_keys(tenant, &p.client_id, peer);
    ctx.limiter
        .admit(&keys, now)
        .map_err(|b| OAuthError::TooMany(b.retry_after))?;
    let result = authenticate(ctx, tenant, p, endpoint, now).await;
    let (keys, outcome) = match &result {
        Ok(_) => (keys.to_vec(), Outcome::Success),
        Err(_) => (
            failure_keys(ctx.store, tenant, &p.client_id, peer)?,
            Outcome::Failure,
        ),
    };
    ctx.limiter
        .record(ctx.store, Some(tenant.id.as_str()), &keys, outcome, now)?;
    result
}

/// Checks presented credentials against the tenant's client at the endpoint named by
/// `endpoint` (its path under the tenant: `token`, `introspect`, `revoke`, `par`), at
/// `now`. Clients with a secret must give it (by either secret method), `private_key_jwt`
/// clients an assertion, public clients nothing; any other pairing fails. Unknown client
/// and wrong secret get the same answer.
pub async fn authenticate(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    p: &ClientAuth,
    endpoint: &str,
    now: UnixTime,
) -> Result<Client, OAuthError> {
    if let Credential::Secret(secret) = &p.credential {
        return match (
            by_secret(ctx.store, tenant, &p.client_id, secret),
            &p.raw_basic,
        ) {
            (Err(e), Some((id, raw))) if e.code() == ErrorCode::InvalidClient => {
                by_secret(ctx.store, tenant, id, raw)
            }
            (checked, _) => checked,
        };
    }
    let client = ctx
        .store
        .client(tenant.uid, &p.client_id)?
        .ok_or_else(|| failed(None))?;
    match (client.auth_method, &p.credential) {
        (AuthMethod::None, Credential::None) => Ok(client),
        (AuthMethod::PrivateKeyJwt, Credential::Assertion(jwt)) => {
            let issuer = ctx.grant.issuer(&tenant.id);
            let audiences = [
                issuer.clone(),
                format!("{issuer}/token"),
                format!("{issuer}/{endpoint}"),
            ];
            let keys = assertion_keys(ctx, tenant, &client, jwt.expose(), now).await?;
            let asserted =
                client_assertion::verify(jwt.expose(), &client.client_id, &keys, &audiences, now)
                    .map_err(|why| failed(Some(&why)))?;
            spend(ctx.store, tenant, &client, asserted, now)?;
            Ok(client)
        }
        _ => Err(failed(None)),
    }
}

/// The client `client_id` of `tenant` if it holds a secret and `secret` is it.
fn by_secret(
    store: &Store,
    tenant: &Tenant,
    client_id: &str,
    secret: &Secret,
) -> Result<Client, OAuthError> {
    let client = store
        .client(tenant.uid, client_id)?
        .ok_or_else(|| failed(None))?;
    match &client.secret_hash {
        Some(stored)
            if client.auth_method.uses_secret()
                && constant_time_eq(&hash::sha256(secret.expose().as_bytes()), stored) =>
        {
            Ok(client)
        }
        _ => Err(failed(None)),
    }
}

/// The keys that may verify the assertion `jwt` of `client`: the one its header names,
/// from the client's registered set (fetched from its `jwks_uri` when that is needed).
async fn assertion_keys(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    client: &Client,
    jwt: &str,
    now: UnixTime,
) -> Result<Arc<[VerifyingKey]>, OAuthError> {
    let kid = Unverified::parse(jwt).ok().and_then(|u| u.header.kid);
    client_keys::for_client(&ctx.client_keys, client, kid.as_deref(), now)
        .await
        .map_err(|e| {
            tracing::warn!(
                "the keys of client {} of tenant {} are out of reach: {e}",
                client.client_id,
                tenant.id
            );
            OAuthError::new(
                ErrorCode::InvalidClient,
                "client authentication failed: the client's registered keys could not be obtained",
            )
        })
}

/// `invalid_client`, saying why when an assertion was refused for a reason a client's
/// developer can act on.
fn failed(why: Option<&str>) -> OAuthError {
    let description = match why {
        Some(why) => format!("client authentication failed: the client assertion's {why}"),
        None => "client authentication failed".to_owned(),
    };
    OAuthError::new(ErrorCode::InvalidClient, description)
}

/// Spends an assertion's `jti` for its client until its `exp`: a replay fails.
fn spend(
    store: &Store,
    tenant: &Tenant,
    client: &Client,
    asserted: Asserted,
    now: UnixTime,
) -> Result<(), OAuthError> {
    let seen = SeenJti {
        scope: format!("assertion:{}:{}", tenant.uid, client.client_id),
        jti: asserted.jti,
        expires_at: asserted.exp,
    };
    match store.first_use(&seen, now)? {
        true => Ok(()),
        false => Err(failed(Some("jti was used before"))),
    }
}
