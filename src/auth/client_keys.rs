//! The public keys a client signs with (request objects, `private_key_jwt` assertions):
//! its inline `jwks`, or the JWK Set at its `jwks_uri`, fetched through the outbound
//! pool and cached. A `kid` the cached set lacks triggers a refetch, at most once a
//! minute per client, so a client rotating its keys is followed quickly while a stream
//! of unknown `kid`s cannot make latchkey hammer the client's server.

use crate::clock::UnixTime;
use crate::crypto::client_jwks;
use crate::crypto::jose::VerifyingKey;
use crate::outbound::{Outbound, OutboundError, Peer};
use crate::store::clients::Client;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a fetched set is used without asking again.
const FRESH_SECS: u64 = 300;
/// The least time between two fetches for one client when a `kid` is unknown.
const REFETCH_SECS: u64 = 60;
/// The most clients whose sets are kept; past it the cache starts over.
const MAX_ENTRIES: usize = 10_000;
/// How long a fetch may take (SPEC "Outbound destinations").
const TIMEOUT: Duration = Duration::from_secs(5);

/// Why a client's keys could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ClientKeysError {
    /// The `jwks_uri` did not answer.
    #[error("its jwks_uri could not be fetched: {0}")]
    Unreachable(#[from] OutboundError),
    /// The `jwks_uri` answered with another status than 200.
    #[error("its jwks_uri answered with status {0}")]
    Status(u16),
    /// The answer is not a JWK Set of public signing keys.
    #[error("its jwks_uri does not hold a usable JWK Set: {0}")]
    NotAKeySet(String),
}

/// One client's fetched set.
struct Fetched {
    uri: String,
    keys: Arc<[VerifyingKey]>,
    fetched_at: UnixTime,
}

/// Fetched key sets by tenant incarnation and client id.
#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<(u64, String), Fetched>>,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(u64, String), Fetched>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The set cached for `client` from `uri` that may be used for `kid` at `now`.
    fn usable(
        &self,
        client: &Client,
        uri: &str,
        kid: Option<&str>,
        now: UnixTime,
    ) -> Option<Arc<[VerifyingKey]>> {
        let entries = self.lock();
        let found = entries.get(&(client.tenant_uid, client.client_id.clone()))?;
        let knows_kid = kid.is_none_or(|kid| found.keys.iter().any(|k| k.kid() == Some(kid)));
        let fresh = now < found.fetched_at + FRESH_SECS;
        let just_fetched = now < found.fetched_at + REFETCH_SECS;
        (found.uri == uri && fresh && (knows_kid || just_fetched)).then(|| Arc::clone(&found.keys))
    }

    fn put(&self, client: &Client, uri: &str, keys: Arc<[VerifyingKey]>, now: UnixTime) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            (client.tenant_uid, client.client_id.clone()),
            Fetched {
                uri: uri.to_owned(),
                keys,
                fetched_at: now,
            },
        );
    }
}

/// What finding a client's keys needs.
pub struct Ctx<'a> {
    /// The outbound HTTP client.
    pub outbound: &'a Outbound,
    /// Sets fetched before.
    pub cache: &'a Cache,
}

/// Whether `client` registered keys at all (inline or by URI): a client that did not
/// cannot sign request objects or assertions.
pub fn registered(client: &Client) -> bool {
    client.jwks.is_some() || client.jwks_uri.is_some()
}

/// The keys that may verify a JWT `client` signed with key id `kid`, at `now`.
pub async fn for_client(
    ctx: &Ctx<'_>,
    client: &Client,
    kid: Option<&str>,
    now: UnixTime,
) -> Result<Arc<[VerifyingKey]>, ClientKeysError> {
    if let Some(set) = &client.jwks {
        return Ok(client_jwks::verifying_keys(set).into());
    }
    let Some(uri) = &client.jwks_uri else {
        return Ok(Arc::from([]));
    };
    if let Some(keys) = ctx.cache.usable(client, uri, kid, now) {
        return Ok(keys);
    }
    let keys = fetch(ctx.outbound, client, uri).await?;
    ctx.cache.put(client, uri, Arc::clone(&keys), now);
    Ok(keys)
}

/// Fetches and checks the JWK Set at `uri` as the client's registered `jwks` would be.
async fn fetch(
    outbound: &Outbound,
    client: &Client,
    uri: &str,
) -> Result<Arc<[VerifyingKey]>, ClientKeysError> {
    let peer = Peer {
        pool: format!("client_jwks:{}", client.tenant_uid),
        ca_pem: None,
        timeout: TIMEOUT,
    };
    let reply = outbound.get(&peer, uri, None).await?;
    if reply.status != 200 {
        return Err(ClientKeysError::Status(reply.status));
    }
    let value: serde_json::Value = serde_json::from_slice(&reply.body)
        .map_err(|_| ClientKeysError::NotAKeySet("the answer is not JSON".into()))?;
    let set = client_jwks::check(&value).map_err(ClientKeysError::NotAKeySet)?;
    Ok(client_jwks::verifying_keys(&set).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::jose::Jwk;

    fn client(uri: &str) -> Client {
        let mut client: Client = serde_json::from_value(serde_json::json!({
            "tenant_uid": 1, "client_id": "svc", "name": "svc", "redirect_uris": [],
            "post_logout_redirect_uris": [], "grant_types": ["client_credentials"],
            "response_types": [], "scopes": [], "auth_method": "private_key_jwt",
            "id_token_alg": "RS256", "require_consent": false, "secret_hash": null,
            "api_key_ids": [], "created_at": 0
        }))
        .unwrap();
        client.jwks_uri = Some(uri.to_owned());
        client
    }

    /// The RFC 8037 §A.2 Ed25519 public key, as `kid`.
    fn key(kid: &str) -> VerifyingKey {
        let jwk: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "kid": kid,
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        }))
        .unwrap();
        VerifyingKey::from_jwk(&jwk).unwrap()
    }

    #[test]
    fn a_set_serves_five_minutes_and_an_unknown_kid_refetches_after_one() {
        let cache = Cache::default();
        let svc = client("https://keys.example/jwks");
        cache.put(
            &svc,
            "https://keys.example/jwks",
            Arc::from([key("a")]),
            1000,
        );
        let usable = |kid, now| cache.usable(&svc, "https://keys.example/jwks", kid, now);
        assert!(usable(Some("a"), 1000 + 299).is_some());
        assert!(usable(None, 1000 + 299).is_some());
        assert!(
            usable(Some("a"), 1000 + 300).is_none(),
            "stale: fetch again"
        );
        assert!(
            usable(Some("b"), 1000 + 59).is_some(),
            "no refetch within a minute"
        );
        assert!(
            usable(Some("b"), 1000 + 60).is_none(),
            "an unknown kid refetches"
        );
        let moved = cache.usable(&svc, "https://other.example/jwks", Some("a"), 1001);
        assert!(moved.is_none(), "a new jwks_uri is fetched anew");
    }
}
