//! Client authentication at the token, introspection and revocation endpoints: the
//! credentials read at the edge ([`ClientAuth`]) checked against the tenant's client,
//! `client_secret_basic` and `client_secret_post` alike, and `none` for public clients.

use super::request::ClientAuth;
use super::{Ctx, ErrorCode, OAuthError};
use crate::clock::UnixTime;
use crate::crypto::hash;
use crate::guard::{Key, Outcome, Realm, Subject};
use crate::store::Store;
use crate::store::clients::Client;
use crate::store::tenants::Tenant;
use crate::types::AuthMethod;
use crate::types::secret::constant_time_eq;
use std::net::IpAddr;

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
pub fn authenticate_limited(
    ctx: &Ctx,
    tenant: &Tenant,
    p: &ClientAuth,
    peer: IpAddr,
    now: UnixTime,
) -> Result<Client, OAuthError> {
    let keys = client_keys(tenant, &p.client_id, peer);
    ctx.limiter
        .admit(&keys, now)
        .map_err(|b| OAuthError::TooMany(b.retry_after))?;
    let result = authenticate(ctx.store, tenant, p);
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

/// Checks presented credentials against the tenant's client. Confidential clients must
/// give their secret (by either secret method); public clients give none. Unknown
/// client and wrong secret get the same answer.
pub fn authenticate(store: &Store, tenant: &Tenant, p: &ClientAuth) -> Result<Client, OAuthError> {
    let failed = || OAuthError::new(ErrorCode::InvalidClient, "client authentication failed");
    let client = store.client(tenant.uid, &p.client_id)?.ok_or_else(failed)?;
    match (client.auth_method, &p.secret, &client.secret_hash) {
        (AuthMethod::None, None, _) => Ok(client),
        (AuthMethod::None, Some(_), _) => Err(failed()),
        (_, Some(secret), Some(stored))
            if constant_time_eq(&hash::sha256(secret.expose().as_bytes()), stored) =>
        {
            Ok(client)
        }
        _ => Err(failed()),
    }
}
