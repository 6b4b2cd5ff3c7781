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
    /// The last fetch, less than a minute ago, failed; it is not tried again yet.
    #[error("its jwks_uri failed less than {REFETCH_SECS} s ago")]
    RecentlyFailed,
}

/// One client's last fetch: the set it got, or `None` when it failed.
struct Fetched {
    uri: String,
    keys: Option<Arc<[VerifyingKey]>>,
    fetched_at: UnixTime,
}

/// What the cache says about a client's keys.
enum Lookup {
    /// Use these.
    Use(Arc<[VerifyingKey]>),
    /// The last fetch failed within the minute.
    Failed,
    /// Fetch (again).
    Fetch,
}

/// A client of a tenant incarnation, as the cache knows it.
type ClientKey = (u64, String);

/// Fetched key sets by tenant incarnation and client id, and a lock per client so that
/// concurrent requests needing the same set fetch it once.
#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<ClientKey, Fetched>>,
    fetching: Mutex<HashMap<ClientKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ClientKey, Fetched>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What to do for `client`'s set from `uri`, for `kid` at `now`: within a minute of
    /// the last fetch its outcome stands; after that a fresh set that knows `kid` is
    /// used, anything else is fetched.
    fn lookup(&self, client: &Client, uri: &str, kid: Option<&str>, now: UnixTime) -> Lookup {
        let entries = self.lock();
        let Some(last) = entries
            .get(&(client.tenant_uid, client.client_id.clone()))
            .filter(|last| last.uri == uri)
        else {
            return Lookup::Fetch;
        };
        let knows_kid =
            |keys: &[VerifyingKey]| kid.is_none_or(|kid| keys.iter().any(|k| k.kid() == Some(kid)));
        match &last.keys {
            _ if now >= last.fetched_at + FRESH_SECS => Lookup::Fetch,
            Some(keys) if now < last.fetched_at + REFETCH_SECS || knows_kid(keys) => {
                Lookup::Use(Arc::clone(keys))
            }
            None if now < last.fetched_at + REFETCH_SECS => Lookup::Failed,
            _ => Lookup::Fetch,
        }
    }

    fn put(&self, client: &Client, uri: &str, keys: Option<Arc<[VerifyingKey]>>, now: UnixTime) {
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

    /// The lock that one fetch of `client`'s set holds.
    fn flight(&self, client: &Client) -> Arc<tokio::sync::Mutex<()>> {
        let mut fetching = self.fetching.lock().unwrap_or_else(|p| p.into_inner());
        if fetching.len() >= MAX_ENTRIES {
            fetching.clear();
        }
        Arc::clone(
            fetching
                .entry((client.tenant_uid, client.client_id.clone()))
                .or_default(),
        )
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

/// The keys that may verify a JWT `client` signed with key id `kid`, at `now`. A
/// `jwks_uri` is fetched at most once a minute per client, whether the last fetch
/// failed or lacked `kid`, and by one request at a time.
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
    let cached = |cache: &Cache| match cache.lookup(client, uri, kid, now) {
        Lookup::Use(keys) => Some(Ok(keys)),
        Lookup::Failed => Some(Err(ClientKeysError::RecentlyFailed)),
        Lookup::Fetch => None,
    };
    if let Some(answer) = cached(ctx.cache) {
        return answer;
    }
    let flight = ctx.cache.flight(client);
    let _fetching = flight.lock().await;
    if let Some(answer) = cached(ctx.cache) {
        return answer;
    }
    let fetched = fetch(ctx.outbound, client, uri).await;
    let keys = fetched.as_ref().ok().map(Arc::clone);
    ctx.cache.put(client, uri, keys, now);
    fetched
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
        restricted: client.urls_set_by_tenant_admin,
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
    fn a_set_serves_five_minutes_and_an_unknown_kid_or_a_failure_refetches_after_one() {
        let cache = Cache::default();
        let svc = client("https://keys.example/jwks");
        let uri = "https://keys.example/jwks";
        cache.put(&svc, uri, Some(Arc::from([key("a")])), 1000);
        let usable = |kid, now| matches!(cache.lookup(&svc, uri, kid, now), Lookup::Use(_));
        assert!(usable(Some("a"), 1000 + 299));
        assert!(usable(None, 1000 + 299));
        assert!(!usable(Some("a"), 1000 + 300), "stale: fetch again");
        assert!(usable(Some("b"), 1000 + 59), "no refetch within a minute");
        assert!(!usable(Some("b"), 1000 + 60), "an unknown kid refetches");
        let moved = cache.lookup(&svc, "https://other.example/jwks", Some("a"), 1001);
        assert!(
            matches!(moved, Lookup::Fetch),
            "a new jwks_uri is fetched anew"
        );
        cache.put(&svc, uri, None, 2000);
        let failed = |now| matches!(cache.lookup(&svc, uri, None, now), Lookup::Failed);
        assert!(failed(2000 + 59), "a failure stands for a minute");
        assert!(matches!(cache.lookup(&svc, uri, None, 2060), Lookup::Fetch));
    }
}
