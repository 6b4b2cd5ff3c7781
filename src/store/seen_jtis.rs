//! JWT ids already used, for the JWTs that may be presented once only: client
//! assertions (RFC 7523 §3, kept per client until their `exp`) and DPoP proofs (RFC 9449
//! §11.1, kept per key thumbprint for 120 s). Recording a use is one compare-and-swap,
//! so of two simultaneous presentations exactly one is the first.

use super::codec::{self, Record};
use super::{Store, StoreError, TreeId};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

/// One used JWT id within its scope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeenJti {
    /// Whose ids these are: a client (`tenant uid` and client id) or a DPoP key.
    pub scope: String,
    /// The JWT's `jti`.
    pub jti: String,
    /// When the entry can go: the JWT is refused by its time checks from then on.
    pub expires_at: UnixTime,
}

impl Record for SeenJti {
    const TREE: TreeId = TreeId::SeenJtis;
    fn key(&self) -> Vec<u8> {
        let mut key = self.scope.as_bytes().to_vec();
        key.push(0);
        key.extend_from_slice(self.jti.as_bytes());
        key
    }
}

impl Store {
    /// Records the use of `seen.jti` at `now`: `true` when it is the first (or the
    /// earlier use has lapsed), `false` for a replay.
    pub fn first_use(&self, seen: &SeenJti, now: UnixTime) -> Result<bool, StoreError> {
        let _shared = self.shared();
        let tree = self.tree(TreeId::SeenJtis);
        let key = seen.key();
        let new = codec::encode(seen)?;
        let mut expected = None;
        loop {
            match tree.compare_and_swap(&key, expected.as_ref(), Some(new.as_slice()))? {
                Ok(()) => return Ok(true),
                Err(clash) => {
                    let Some(current) = clash.current else {
                        expected = None;
                        continue;
                    };
                    if codec::decode::<SeenJti>(&current)?.expires_at > now {
                        return Ok(false);
                    }
                    expected = Some(current);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(jti: &str, expires_at: UnixTime) -> SeenJti {
        SeenJti {
            scope: "client".into(),
            jti: jti.into(),
            expires_at,
        }
    }

    #[test]
    fn an_id_is_first_used_once_until_it_lapses() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        assert!(store.first_use(&seen("a", 200), 100).unwrap());
        assert!(!store.first_use(&seen("a", 300), 150).unwrap(), "replay");
        assert!(store.first_use(&seen("b", 200), 150).unwrap(), "another id");
        assert!(store.first_use(&seen("a", 400), 200).unwrap(), "lapsed");
        assert!(!store.first_use(&seen("a", 500), 399).unwrap());
    }

    #[test]
    fn of_simultaneous_uses_one_is_first() {
        let tmp = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(Store::open(tmp.path(), 100).unwrap());
        for round in 0..50 {
            let jti = format!("j{round}");
            let firsts: usize = std::thread::scope(|s| {
                let racers: Vec<_> = (0..4)
                    .map(|_| s.spawn(|| store.first_use(&seen(&jti, 200), 100).unwrap()))
                    .collect();
                racers
                    .into_iter()
                    .map(|r| usize::from(r.join().unwrap()))
                    .sum()
            });
            assert_eq!(firsts, 1, "round {round}");
        }
    }
}
