//! Who may call `/v2/sso` at all: the limiters (bad API keys per address, refused
//! tokens per API key and address), then the API key. Every refusal is counted and
//! audited as a failed exchange: both `/v2/sso` calls are the exchange API.

use super::api_key::{self, Caller};
use super::{Ctx, ExchangeError};
use crate::clock::UnixTime;
use crate::guard::{Key, Outcome, Realm, Subject};
use std::net::IpAddr;

/// Admits the caller from `peer` with the `Authorization` header value `authorization`
/// at `now`: the address limiter, the API key, then the key's own limiter. A refusal is
/// counted and audited before it is returned.
pub fn admit(
    ctx: &Ctx<'_>,
    peer: IpAddr,
    authorization: Option<&str>,
    now: UnixTime,
) -> Result<Caller, ExchangeError> {
    let authenticated = limit(ctx, peer, None, now)
        .and_then(|()| api_key::authenticate(ctx.store, authorization, now))
        .and_then(|caller| limit(ctx, peer, Some(&caller), now).map(|()| caller));
    count(ctx, peer, None, &authenticated, now)?;
    if let Err(refusal) = &authenticated {
        super::audit(ctx, None, Err(refusal), now)?;
    }
    authenticated
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
fn limit(
    ctx: &Ctx<'_>,
    peer: IpAddr,
    caller: Option<&Caller>,
    now: UnixTime,
) -> Result<(), ExchangeError> {
    ctx.limiter
        .admit(&[key_of(peer, caller)], now)
        .map_err(|b| ExchangeError::TooMany(b.retry_after))
}

/// Counts an outcome: a bad API key against the address, a refused token against the
/// key from this address; a success clears that. A new block is audited.
pub(super) fn count<T>(
    ctx: &Ctx<'_>,
    peer: IpAddr,
    caller: Option<&Caller>,
    outcome: &Result<T, ExchangeError>,
    now: UnixTime,
) -> Result<(), ExchangeError> {
    let (key, outcome) = match (caller, outcome) {
        (_, Err(ExchangeError::BadApiKey)) => (key_of(peer, None), Outcome::Failure),
        (Some(_), Err(e)) if e.is_refused_token() => (key_of(peer, caller), Outcome::Failure),
        (Some(_), Ok(_)) => (key_of(peer, caller), Outcome::Success),
        _ => return Ok(()),
    };
    let tenant = caller.map(|c| c.tenant.id.as_str());
    Ok(ctx
        .limiter
        .record(ctx.store, tenant, &[key], outcome, now)?)
}
