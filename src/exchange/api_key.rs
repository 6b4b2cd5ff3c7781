//! `Authorization: API-key <key>`: the key names the tenant and the client that the
//! exchanged tokens are issued to.

use super::ExchangeError;
use crate::clock::UnixTime;
use crate::crypto::hash;
use crate::store::Store;
use crate::store::api_keys::ApiKey;
use crate::store::clients::Client;
use crate::store::tenants::Tenant;
use crate::types::secret::constant_time_eq;

/// How stale `last_used_at` may get before a use writes it again: one write a minute
/// per key at most, so the exchange is not a store write per call.
const LAST_USED_GRANULARITY: u64 = 60;

/// Who is calling: a live API key, its tenant and its client.
pub struct Caller {
    /// The key.
    pub key: ApiKey,
    /// Its tenant.
    pub tenant: Tenant,
    /// Its client.
    pub client: Client,
}

/// Authenticates the `Authorization` header value (scheme case-insensitive) at `now`.
pub fn authenticate(
    store: &Store,
    header: Option<&str>,
    now: UnixTime,
) -> Result<Caller, ExchangeError> {
    let presented = header
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("api-key"))
        .map(|(_, key)| key.trim())
        .ok_or(ExchangeError::BadApiKey)?;
    let h = hash::sha256(presented.as_bytes());
    let key = store
        .api_key_by_hash(&h)?
        .filter(|k| constant_time_eq(&k.key_hash, &h))
        .ok_or(ExchangeError::BadApiKey)?;
    let tenant = store
        .tenant(&key.tenant)?
        .filter(|t| t.uid == key.tenant_uid)
        .ok_or(ExchangeError::BadApiKey)?;
    let client = store
        .client(tenant.uid, &key.client_id)?
        .ok_or(ExchangeError::BadApiKey)?;
    touch(store, &key, now)?;
    Ok(Caller {
        key,
        tenant,
        client,
    })
}

/// Records the use of `key` at `now` when its `last_used_at` is older than a minute.
fn touch(store: &Store, key: &ApiKey, now: UnixTime) -> Result<(), ExchangeError> {
    if key
        .last_used_at
        .is_some_and(|t| now < t + LAST_USED_GRANULARITY)
    {
        return Ok(());
    }
    store.transaction(|tx| {
        if let Some(mut current) = tx.api_key::<ExchangeError>(&key.id)? {
            current.last_used_at = Some(now);
            tx.put_api_key(&current)?;
        }
        Ok(())
    })
}
