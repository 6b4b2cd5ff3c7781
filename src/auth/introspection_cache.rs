//! A short-lived memory of positive introspection answers, off unless a tenant sets
//! `cache_ttl_secs`. It is keyed by a SHA-256 over the tenant's settings and the token,
//! so neither the token nor anything that reveals it is kept, and changed settings
//! never reuse an old answer. An entry never outlives the token's `exp`.

use super::introspection::Verdict;
use crate::clock::UnixTime;
use crate::crypto::hash;
use crate::store::settings::IntrospectionSettings;
use std::collections::HashMap;
use std::sync::Mutex;

/// The most answers remembered at once; past it, expired ones go, then all of them.
const CAPACITY: usize = 10_000;

/// Remembered external ids by key.
#[derive(Default)]
pub struct IntrospectionCache {
    entries: Mutex<HashMap<[u8; 32], (String, UnixTime)>>,
}

/// The cache key of `token` under `settings`: every field of the stored record goes in
/// (the destructuring names them all, so a new field cannot be forgotten), the sealed
/// client secret and `ca_pem` included, so an answer earned with an old secret, CA or
/// endpoint is never reused after a change.
pub fn key(settings: &IntrospectionSettings, token: &str) -> [u8; 32] {
    let IntrospectionSettings {
        tenant_uid,
        url,
        client_id,
        sealed_client_secret,
        account_id_pointer,
        timeout_ms,
        ca_pem,
        expected_issuer,
        expected_audience,
        cache_ttl_secs,
        set_by_tenant_admin,
    } = settings;
    let mut material = Vec::new();
    for number in [tenant_uid, timeout_ms, cache_ttl_secs] {
        material.extend_from_slice(&number.to_be_bytes());
    }
    material.push(u8::from(*set_by_tenant_admin));
    for part in [
        Some(url.as_bytes()),
        Some(client_id.as_bytes()),
        Some(sealed_client_secret.as_slice()),
        Some(account_id_pointer.as_bytes()),
        ca_pem.as_deref().map(str::as_bytes),
        expected_issuer.as_deref().map(str::as_bytes),
        expected_audience.as_deref().map(str::as_bytes),
        Some(token.as_bytes()),
    ] {
        append_part(&mut material, part);
    }
    hash::sha256(&material)
}

/// Appends `part` so that no two sequences of parts give the same bytes: a presence
/// tag, then the length, then the bytes.
fn append_part(material: &mut Vec<u8>, part: Option<&[u8]>) {
    let Some(bytes) = part else {
        material.push(0);
        return;
    };
    material.push(1);
    material.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    material.extend_from_slice(bytes);
}

impl IntrospectionCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], (String, UnixTime)>> {
        match self.entries.lock() {
            Ok(e) => e,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The external id remembered under `key`, if still fresh at `now`.
    pub fn get(&self, key: &[u8; 32], now: UnixTime) -> Option<String> {
        let entries = self.entries();
        entries
            .get(key)
            .filter(|(_, until)| *until > now)
            .map(|(id, _)| id.clone())
    }

    /// Remembers `verdict` for `ttl_secs`, or until the token expires if sooner.
    pub fn put(&self, key: [u8; 32], verdict: &Verdict, ttl_secs: u64, now: UnixTime) {
        let until = verdict
            .exp
            .map_or(now + ttl_secs, |exp| exp.min(now + ttl_secs));
        if ttl_secs == 0 || until <= now {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= CAPACITY {
            entries.retain(|_, (_, u)| *u > now);
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key, (verdict.external_id.clone(), until));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> IntrospectionSettings {
        IntrospectionSettings {
            cache_ttl_secs: 60,
            ..IntrospectionSettings::sample()
        }
    }

    fn verdict(exp: Option<u64>) -> Verdict {
        Verdict {
            external_id: "ext-1".into(),
            exp,
        }
    }

    #[test]
    fn entries_live_for_the_ttl_capped_by_exp() {
        let cache = IntrospectionCache::default();
        let s = settings();
        let (a, b) = (key(&s, "token-a"), key(&s, "token-b"));
        cache.put(a, &verdict(None), 60, 100);
        cache.put(b, &verdict(Some(110)), 60, 100);
        assert_eq!(cache.get(&a, 159).as_deref(), Some("ext-1"));
        assert_eq!(cache.get(&a, 160), None);
        assert_eq!(cache.get(&b, 109).as_deref(), Some("ext-1"));
        assert_eq!(cache.get(&b, 110), None, "never past the token's exp");
        let c = key(&s, "token-c");
        cache.put(c, &verdict(None), 0, 100);
        assert_eq!(cache.get(&c, 100), None, "a ttl of 0 is off");
    }

    #[test]
    fn keys_change_with_the_settings_and_hide_the_token() {
        let mut s = settings();
        let before = key(&s, "secret-token");
        let mut seen = vec![before];
        s.account_id_pointer = "/sub".into();
        seen.push(key(&s, "secret-token"));
        s.sealed_client_secret = b"another sealed secret".to_vec();
        seen.push(key(&s, "secret-token"));
        s.ca_pem = Some(String::new());
        seen.push(key(&s, "secret-token"));
        s.timeout_ms += 1;
        seen.push(key(&s, "secret-token"));
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 5, "each change gives a new key");
        assert!(!before.windows(6).any(|w| w == b"secret"));
    }
}
