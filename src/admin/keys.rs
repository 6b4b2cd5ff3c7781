//! Signing keys: created at initialisation, sealed at rest, loaded once into a [`KeySet`].

use super::AdminError;
use crate::clock::UnixTime;
use crate::crypto::jose::SigningKey;
use crate::crypto::keys::{KeySet, LoadedKey};
use crate::crypto::seal::MasterKey;
use crate::store::signing_keys::{KeyState, SigningKeyRecord};
use crate::store::{Store, StoreError};
use crate::types::Alg;

/// Seal purpose label for private signing keys.
const SEAL_PURPOSE: &str = "signing-key";

/// Creates one active key per algorithm when the store has none.
pub fn ensure_signing_keys(
    store: &Store,
    master: &MasterKey,
    now: UnixTime,
) -> Result<(), AdminError> {
    if !store.signing_keys()?.is_empty() {
        return Ok(());
    }
    let records = Alg::ALL
        .into_iter()
        .map(|alg| new_record(alg, master, now))
        .collect::<Result<Vec<_>, _>>()?;
    store.transaction(|tx| {
        for r in &records {
            tx.put_signing_key::<StoreError>(r)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn new_record(alg: Alg, master: &MasterKey, now: UnixTime) -> Result<SigningKeyRecord, AdminError> {
    let (key, pkcs8) = SigningKey::generate(alg).map_err(crate::crypto::CryptoError::from)?;
    Ok(SigningKeyRecord {
        kid: key.kid().to_owned(),
        alg,
        state: KeyState::Active,
        created_at: now,
        retired_at: None,
        sealed_pkcs8: master.seal(SEAL_PURPOSE, &pkcs8)?,
    })
}

/// Unseals and parses every stored key into the in-memory set.
pub fn load_key_set(store: &Store, master: &MasterKey) -> Result<KeySet, AdminError> {
    let mut records = store.signing_keys()?;
    records.sort_by_key(|r| r.created_at);
    let keys = records
        .into_iter()
        .map(|r| {
            let pkcs8 = master.open(SEAL_PURPOSE, &r.sealed_pkcs8)?;
            let key =
                SigningKey::from_pkcs8(r.alg, &pkcs8).map_err(crate::crypto::CryptoError::from)?;
            Ok(LoadedKey {
                key,
                active: r.state == KeyState::Active,
            })
        })
        .collect::<Result<Vec<_>, AdminError>>()?;
    Ok(KeySet::new(keys)?)
}

/// A signing key as the API shows it: public facts only.
#[derive(Debug, serde::Serialize)]
pub struct KeyView {
    /// RFC 7638 thumbprint.
    pub kid: String,
    /// Algorithm.
    pub alg: Alg,
    /// `active` or `retired`.
    pub state: KeyState,
    /// When it was created.
    pub created_at: String,
    /// When it stopped signing.
    pub retired_at: Option<String>,
}

/// Every stored key, newest first, as one page (a key set is small); appliance admins
/// only.
pub fn list(ctx: &super::Ctx<'_>) -> Result<super::page::Page<KeyView>, AdminError> {
    ctx.appliance_only("the signing keys")?;
    let mut keys = ctx.store.signing_keys()?;
    keys.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.kid.cmp(&b.kid)));
    let items = keys
        .into_iter()
        .map(|k| KeyView {
            kid: k.kid,
            alg: k.alg,
            state: k.state,
            created_at: crate::clock::rfc3339(k.created_at),
            retired_at: k.retired_at.map(crate::clock::rfc3339),
        })
        .collect();
    Ok(super::page::Page { items, next: None })
}

/// Each key's id, algorithm, whether it is active, and its age in whole days: for the
/// admin UI, which shows ages rather than dates.
pub fn ages(
    store: &Store,
    now: crate::clock::UnixTime,
) -> Result<Vec<(String, Alg, bool, u64)>, AdminError> {
    Ok(store
        .signing_keys()?
        .into_iter()
        .map(|k| {
            let age = now.saturating_sub(k.created_at) / 86_400;
            (k.kid, k.alg, k.state == KeyState::Active, age)
        })
        .collect())
}

/// Whether the newest active key is at least `every_secs` old: time for the scheduled
/// rotation.
pub fn rotation_due(store: &Store, now: UnixTime, every_secs: u64) -> Result<bool, AdminError> {
    let newest = store
        .signing_keys()?
        .into_iter()
        .filter(|k| k.state == KeyState::Active)
        .map(|k| k.created_at)
        .max();
    Ok(newest.is_some_and(|created| now >= created + every_secs))
}

/// Seconds since each algorithm's newest active key was created, for `/metrics`: an
/// alert can tell when scheduled rotation stopped.
pub fn active_key_ages(
    store: &Store,
    now: UnixTime,
) -> Result<Vec<(&'static str, u64)>, AdminError> {
    let keys = store.signing_keys()?;
    Ok(crate::types::Alg::ALL
        .iter()
        .filter_map(|alg| {
            keys.iter()
                .filter(|k| k.alg == *alg && k.state == KeyState::Active)
                .map(|k| k.created_at)
                .max()
                .map(|created| (alg.as_str(), now.saturating_sub(created)))
        })
        .collect())
}

/// The longest an access or ID token of any tenant lives: how long a retired key must
/// stay published after it stopped signing.
pub fn longest_token_lifetime(store: &Store) -> Result<u64, AdminError> {
    Ok(store
        .tenants(None, usize::MAX)?
        .iter()
        .map(|t| t.access_token_ttl_secs.max(t.id_token_ttl_secs))
        .max()
        .unwrap_or(3600))
}

/// Removes retired keys retired at least `keep_secs` ago, so the JWKS stops listing keys
/// no live token needs; returns how many went.
pub fn prune_retired(ctx: &super::Ctx<'_>, keep_secs: u64) -> Result<usize, AdminError> {
    let gone: Vec<String> = ctx
        .store
        .signing_keys()?
        .into_iter()
        .filter(|k| k.state == KeyState::Retired)
        .filter(|k| k.retired_at.is_some_and(|r| r + keep_secs <= ctx.now))
        .map(|k| k.kid)
        .collect();
    if gone.is_empty() {
        return Ok(0);
    }
    let event =
        crate::audit::AuditEvent::new(ctx.now, crate::audit::AuditKind::KeysRemoved, &ctx.actor)
            .target(&gone.join(" "));
    ctx.store.transaction(|tx| {
        for kid in &gone {
            tx.remove_signing_key::<AdminError>(kid)?;
        }
        tx.audit(&event)
    })?;
    Ok(gone.len())
}

/// Makes a new active key per algorithm and retires the current ones, which stay
/// published so tokens they signed keep verifying. Key generation runs off the async
/// workers. Returns the new key set to install.
pub async fn rotate(ctx: &super::Ctx<'_>) -> Result<KeySet, AdminError> {
    ctx.appliance_only("rotating the signing keys")?;
    let fresh = tokio::task::spawn_blocking(|| {
        Alg::ALL
            .into_iter()
            .map(|alg| SigningKey::generate(alg).map(|(_, der)| (alg, der)))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|_| crate::crypto::CryptoError::KeySet("key generation failed"))?
    .map_err(crate::crypto::CryptoError::from)?;
    let mut records = Vec::new();
    for (alg, der) in fresh {
        let key = SigningKey::from_pkcs8(alg, &der).map_err(crate::crypto::CryptoError::from)?;
        records.push(SigningKeyRecord {
            kid: key.kid().to_owned(),
            alg,
            state: KeyState::Active,
            created_at: ctx.now,
            retired_at: None,
            sealed_pkcs8: ctx.master.seal(SEAL_PURPOSE, &der)?,
        });
    }
    let current = ctx.store.signing_keys()?;
    let event =
        crate::audit::AuditEvent::new(ctx.now, crate::audit::AuditKind::KeysRotated, &ctx.actor);
    ctx.store.transaction(|tx| {
        for old in current.iter().filter(|k| k.state == KeyState::Active) {
            let mut retired = old.clone();
            retired.state = KeyState::Retired;
            retired.retired_at = Some(ctx.now);
            tx.put_signing_key::<AdminError>(&retired)?;
        }
        for r in &records {
            tx.put_signing_key::<AdminError>(r)?;
        }
        tx.audit(&event)
    })?;
    load_key_set(ctx.store, ctx.master)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::Ctx;
    use crate::audit::Actor;

    const DAY: u64 = 86_400;

    #[tokio::test(flavor = "multi_thread")]
    async fn keys_rotate_on_schedule_and_retired_ones_go_once_their_tokens_expired() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        let master = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let t0 = 1_700_000_000;
        ensure_signing_keys(&store, &master, t0).unwrap();
        let every = 90 * DAY;
        assert!(!rotation_due(&store, t0 + every - 1, every).unwrap());
        assert!(rotation_due(&store, t0 + every, every).unwrap());

        let destinations = crate::outbound::Destinations::default();
        let at = |now| Ctx {
            store: &store,
            master: &master,
            now,
            actor: Actor::System,
            role: crate::types::AdminRole::Appliance,
            public_url: "https://sso.example",
            passwords: Default::default(),
            destinations: &destinations,
        };
        let rotated_at = t0 + every;
        let set = rotate(&at(rotated_at)).await.unwrap();
        assert!(
            !rotation_due(&store, rotated_at + 1, every).unwrap(),
            "the new keys are young"
        );
        assert_eq!(store.signing_keys().unwrap().len(), 6);
        let keep = longest_token_lifetime(&store).unwrap();
        assert_eq!(keep, 3600, "no tenant yet: the default lifetime");
        assert_eq!(prune_retired(&at(rotated_at + keep - 1), keep).unwrap(), 0);
        assert_eq!(prune_retired(&at(rotated_at + keep), keep).unwrap(), 3);
        let left = store.signing_keys().unwrap();
        assert_eq!(left.len(), 3);
        assert!(left.iter().all(|k| k.state == KeyState::Active));
        let before: serde_json::Value = serde_json::from_slice(set.jwks_json()).unwrap();
        let after: serde_json::Value =
            serde_json::from_slice(load_key_set(&store, &master).unwrap().jwks_json()).unwrap();
        assert_eq!(
            before["keys"].as_array().unwrap().len(),
            6,
            "overlap: both generations"
        );
        assert_eq!(
            after["keys"].as_array().unwrap().len(),
            3,
            "only the active ones remain"
        );
        let events = store
            .audit_events(None, 10, |e| e.kind == crate::audit::AuditKind::KeysRemoved)
            .unwrap();
        assert_eq!(events.len(), 1);
    }
}
