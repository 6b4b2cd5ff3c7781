//! The upstream provider as its discovery document describes it (OIDC Discovery 1.0 §4),
//! and its signing keys. Both are cached per tenant: the document for an hour, the keys
//! until a token names an unknown `kid`, which refetches them at most once a minute.

use super::BrokerError;
use crate::clock::UnixTime;
use crate::crypto::jose::{JwkSet, VerifyingKey};
use crate::outbound::{Outbound, Peer, Reply};
use crate::store::settings::UpstreamSettings;
use crate::types::JwsAlg;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How long a discovery document is trusted.
const DISCOVERY_TTL_SECS: u64 = 3600;
/// The least time between two JWKS fetches caused by unknown key ids.
const JWKS_REFETCH_SECS: u64 = 60;
/// Connect and total timeout of calls to the upstream (SPEC "Outbound destinations").
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// The suffix OIDC Discovery appends to an issuer.
const WELL_KNOWN: &str = "/.well-known/openid-configuration";

/// The discovery members the broker uses.
#[derive(Clone, Debug, Deserialize)]
pub struct Metadata {
    /// The upstream's issuer.
    pub issuer: String,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Where codes are exchanged.
    pub token_endpoint: String,
    /// Where the username is read when the ID token lacks it.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// The signing keys.
    pub jwks_uri: String,
    /// RP-initiated logout, when offered.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    /// How clients may authenticate at the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

impl Metadata {
    /// Whether the token endpoint wants `client_secret_post` rather than the default
    /// `client_secret_basic` (OIDC Discovery: absent means basic).
    pub fn wants_post(&self) -> bool {
        self.token_endpoint_auth_methods_supported
            .as_ref()
            .is_some_and(|m| {
                !m.iter().any(|x| x == "client_secret_basic")
                    && m.iter().any(|x| x == "client_secret_post")
            })
    }
}

/// What is cached for one tenant.
struct Entry {
    configuration_url: String,
    ca_pem: Option<String>,
    metadata: Metadata,
    fetched_at: UnixTime,
    keys: Vec<VerifyingKey>,
    keys_fetched: bool,
    refetched_at: Option<UnixTime>,
}

/// Discovery documents and keys by tenant incarnation.
#[derive(Default)]
pub struct ProviderCache {
    entries: Mutex<HashMap<u64, Entry>>,
}

/// The outbound peer of a tenant's upstream.
pub fn peer(settings: &UpstreamSettings) -> Peer<'_> {
    Peer {
        pool: format!("upstream:{}", settings.tenant_uid),
        ca_pem: settings.ca_pem.as_deref(),
        timeout: TIMEOUT,
        restricted: settings.set_by_tenant_admin,
    }
}

/// A 200 answer's JSON, or a message naming what the upstream did instead.
pub fn json_of<T: serde::de::DeserializeOwned>(reply: &Reply, what: &str) -> Result<T, String> {
    if reply.status != 200 {
        return Err(format!("its {what} answered HTTP {}", reply.status));
    }
    serde_json::from_slice(&reply.body).map_err(|e| format!("its {what} is not valid: {e}"))
}

/// Where the discovery document of the configured `configuration_url` is, and the
/// issuer it must name (SPEC "Upstream OpenID Connect"): a URL whose path ends in
/// [`WELL_KNOWN`] is used as given, query included; any other URL is taken for the
/// issuer, one trailing `/` removed, and [`WELL_KNOWN`] is appended to it.
pub fn discovery_url(configured: &str) -> (String, Option<String>) {
    let path_ends_well_known =
        url::Url::parse(configured).is_ok_and(|u| u.path().ends_with(WELL_KNOWN));
    if path_ends_well_known {
        let issuer = configured.strip_suffix(WELL_KNOWN).map(str::to_owned);
        return (configured.to_owned(), issuer);
    }
    let issuer = configured.strip_suffix('/').unwrap_or(configured);
    (format!("{issuer}{WELL_KNOWN}"), Some(issuer.to_owned()))
}

/// Fetches and checks the discovery document of `settings`.
pub async fn fetch_metadata(
    outbound: &Outbound,
    settings: &UpstreamSettings,
) -> Result<Metadata, BrokerError> {
    let (url, issuer) = discovery_url(&settings.configuration_url);
    let reply = outbound.get(&peer(settings), &url, None).await?;
    let metadata: Metadata =
        json_of(&reply, &format!("discovery document at {url}")).map_err(unusable)?;
    if let Some(expected) = issuer
        && metadata.issuer != expected
    {
        return Err(unusable(format!(
            "its discovery document names the issuer `{}`, not `{expected}`",
            metadata.issuer
        )));
    }
    Ok(metadata)
}

/// Fetches the upstream's keys; keys latchkey cannot use (encryption, other algorithms)
/// are skipped.
pub async fn fetch_keys(
    outbound: &Outbound,
    settings: &UpstreamSettings,
    metadata: &Metadata,
) -> Result<Vec<VerifyingKey>, BrokerError> {
    let reply = outbound
        .get(&peer(settings), &metadata.jwks_uri, None)
        .await?;
    let set: JwkSet = json_of(&reply, "JWKS").map_err(unusable)?;
    Ok(set
        .keys
        .iter()
        .filter_map(|k| VerifyingKey::from_jwk(k).ok())
        .collect())
}

fn unusable(why: String) -> BrokerError {
    BrokerError::Page(format!("The identity provider is not usable: {why}."))
}

impl ProviderCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        match self.entries.lock() {
            Ok(e) => e,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The discovery document of `settings`, fetched when missing, stale or set up anew.
    pub async fn metadata(
        &self,
        outbound: &Outbound,
        settings: &UpstreamSettings,
        now: UnixTime,
    ) -> Result<Metadata, BrokerError> {
        if let Some(e) = self.entries().get(&settings.tenant_uid)
            && e.configuration_url == settings.configuration_url
            && e.ca_pem == settings.ca_pem
            && now < e.fetched_at + DISCOVERY_TTL_SECS
        {
            return Ok(e.metadata.clone());
        }
        let metadata = fetch_metadata(outbound, settings).await?;
        self.entries().insert(
            settings.tenant_uid,
            Entry {
                configuration_url: settings.configuration_url.clone(),
                ca_pem: settings.ca_pem.clone(),
                metadata: metadata.clone(),
                fetched_at: now,
                keys: Vec::new(),
                keys_fetched: false,
                refetched_at: None,
            },
        );
        Ok(metadata)
    }

    /// The key that verifies a token signed with `alg` under `kid`. The JWKS is fetched
    /// at first use; an unknown key id refetches it, at most once a minute, so a rotation
    /// upstream is picked up but a stream of forged tokens cannot hammer the upstream.
    pub async fn key(
        &self,
        outbound: &Outbound,
        settings: &UpstreamSettings,
        kid: Option<&str>,
        alg: JwsAlg,
        now: UnixTime,
    ) -> Result<VerifyingKey, BrokerError> {
        let metadata = self.metadata(outbound, settings, now).await?;
        let (fetched_before, may_refetch) = {
            let entries = self.entries();
            let entry = entries.get(&settings.tenant_uid);
            if let Some(k) = entry.and_then(|e| VerifyingKey::pick(&e.keys, kid, alg).cloned()) {
                return Ok(k);
            }
            (
                entry.is_some_and(|e| e.keys_fetched),
                entry
                    .and_then(|e| e.refetched_at)
                    .is_none_or(|at| now >= at + JWKS_REFETCH_SECS),
            )
        };
        if !fetched_before || may_refetch {
            let keys = fetch_keys(outbound, settings, &metadata).await?;
            let found = VerifyingKey::pick(&keys, kid, alg).cloned();
            if let Some(e) = self.entries().get_mut(&settings.tenant_uid) {
                e.keys = keys;
                if e.keys_fetched {
                    e.refetched_at = Some(now);
                }
                e.keys_fetched = true;
            }
            if let Some(k) = found {
                return Ok(k);
            }
        }
        Err(BrokerError::Page(
            "The identity provider's ID token is signed with a key it does not publish.".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::discovery_url;

    #[test]
    fn an_issuer_gets_the_well_known_path_and_a_discovery_url_is_kept() {
        let expect = |url: &str, issuer: &str| (url.to_owned(), Some(issuer.to_owned()));
        assert_eq!(
            discovery_url("https://idp.example/realms/a"),
            expect(
                "https://idp.example/realms/a/.well-known/openid-configuration",
                "https://idp.example/realms/a"
            )
        );
        assert_eq!(
            discovery_url("https://idp.example/"),
            expect(
                "https://idp.example/.well-known/openid-configuration",
                "https://idp.example"
            )
        );
        assert_eq!(
            discovery_url("https://idp.example/t/.well-known/openid-configuration"),
            expect(
                "https://idp.example/t/.well-known/openid-configuration",
                "https://idp.example/t"
            )
        );
        assert_eq!(
            discovery_url("https://idp.example/.well-known/openid-configuration?p=b2c"),
            (
                "https://idp.example/.well-known/openid-configuration?p=b2c".to_owned(),
                None
            ),
            "a query is kept, and no issuer can be derived"
        );
    }
}
