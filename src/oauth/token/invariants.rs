//! A property test of refresh-token rotation (RFC 6749 §6, OAuth 2.0 Security BCP
//! §4.14): whatever sequence of refreshes, revocations and replays clients send, each
//! family has at most one live token, a reused token kills its family, and nothing that
//! stopped working works again. Liveness is read the way a client reads it: through
//! token introspection (RFC 7662).

use super::code::insert_family;
use super::refresh::rotate;
use crate::oauth::{OAuthError, grant_token, introspect, revoke};
use crate::sandbox::Sandbox;
use crate::store::grants::{GrantKey, RefreshFamily};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::HashSet;

/// Refresh families per case.
const FAMILIES: usize = 3;

impl Sandbox {
    /// A new offline family with its first token, as a code redemption stores it.
    fn new_family(&self) -> String {
        let expires_at = self.app.state.clock.now() + self.tenant.refresh_token_ttl_secs;
        let (token, key) = grant_token::issue(expires_at).unwrap();
        self.family_with(token, key)
    }

    /// A new offline family whose first token is `token`, stored at `key`.
    fn family_with(&self, token: String, key: GrantKey) -> String {
        let now = self.app.state.clock.now();
        let family = RefreshFamily {
            id: grant_token::family_id(now + self.tenant.refresh_token_ttl_secs).unwrap(),
            tenant_uid: self.tenant.uid,
            client_id: self.client.client_id.clone(),
            account_id: self.account_id.clone(),
            scopes: vec!["openid".into(), "offline_access".into()],
            sid: None,
            auth_time: Some(now),
            live: Some(key.hash),
            expires_at: now + self.tenant.refresh_token_ttl_secs,
        };
        insert_family(&self.app.state, &family, &key).unwrap();
        token
    }

    fn refresh(&self, token: &str) -> Result<String, OAuthError> {
        rotate(&self.app.state, &self.tenant, &self.client, token, None)
            .map(|r| r.refresh_token.unwrap())
    }

    fn revoke(&self, token: &str) {
        let body = format!("token={token}");
        revoke::handle(
            &self.app.state,
            "acme",
            Some(&self.basic_auth),
            body.as_bytes(),
        )
        .unwrap();
    }

    fn active(&self, token: &str) -> bool {
        let body = format!("token={token}");
        introspect::handle(
            &self.app.state,
            "acme",
            Some(&self.basic_auth),
            body.as_bytes(),
        )
        .unwrap()
        .active
    }
}

/// What a client does next: present one of a family's tokens (the current one is a
/// refresh, an older one a replay), or revoke one. `None` is the family's newest token.
#[derive(Debug, Clone)]
enum Op {
    Refresh { family: usize, token: Option<usize> },
    Revoke { family: usize, token: Option<usize> },
}

/// Mostly the newest token, so families live through long rotation chains.
fn token() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![3 => Just(None), 1 => (0..8usize).prop_map(Some)]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        6 => (0..FAMILIES, token()).prop_map(|(family, token)| Op::Refresh { family, token }),
        1 => (0..FAMILIES, token()).prop_map(|(family, token)| Op::Revoke { family, token }),
    ];
    proptest::collection::vec(op, 1..32)
}

/// The model of one family: every token it ever had, which one is current, and whether
/// it was killed.
struct Family {
    tokens: Vec<String>,
    current: usize,
    dead: bool,
}

fn run_case(world: &Sandbox, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut families: Vec<Family> = (0..FAMILIES)
        .map(|_| Family {
            tokens: vec![world.new_family()],
            current: 0,
            dead: false,
        })
        .collect();
    let mut stopped_working: HashSet<String> = HashSet::new();
    for op in ops {
        match *op {
            Op::Refresh { family, token } => {
                let f = &mut families[family];
                let index = token.map_or(f.tokens.len() - 1, |t| t % f.tokens.len());
                let answer = world.refresh(&f.tokens[index]);
                if !f.dead && index == f.current {
                    let new = answer.map_err(|e| {
                        TestCaseError::fail(format!("the current token was refused: {e:?}"))
                    })?;
                    f.tokens.push(new);
                    f.current = f.tokens.len() - 1;
                } else {
                    prop_assert!(
                        matches!(&answer, Err(e) if e.code() == "invalid_grant"),
                        "a used or revoked token was accepted: {:?}",
                        answer.map(|_| ())
                    );
                    f.dead = true;
                }
            }
            Op::Revoke { family, token } => {
                let f = &mut families[family];
                let index = token.map_or(f.tokens.len() - 1, |t| t % f.tokens.len());
                world.revoke(&f.tokens[index]);
                f.dead = true;
            }
        }
        for (i, f) in families.iter().enumerate() {
            let mut live = 0;
            for (index, token) in f.tokens.iter().enumerate() {
                let active = world.active(token);
                prop_assert!(
                    !(active && stopped_working.contains(token)),
                    "family {i}: token {index} came back after it stopped working"
                );
                prop_assert_eq!(
                    active,
                    !f.dead && index == f.current,
                    "family {} token {} (current {}, dead {})",
                    i,
                    index,
                    f.current,
                    f.dead
                );
                if active {
                    live += 1;
                } else {
                    stopped_working.insert(token.clone());
                }
            }
            prop_assert!(live <= 1, "family {i} has {live} live tokens");
        }
    }
    Ok(())
}

#[test]
fn a_token_stored_under_its_hash_alone_still_rotates_reuses_and_revokes() {
    let world = Sandbox::new().unwrap();
    let legacy = crate::crypto::random::secret_token().unwrap();
    let key = grant_token::key_of(&legacy);
    assert_eq!(key.expiry, None, "an old-format token");
    world.family_with(legacy.clone(), key);
    assert!(world.active(&legacy));
    let next = world.refresh(&legacy).unwrap();
    assert!(
        grant_token::key_of(&next).expiry.is_some(),
        "new tokens carry it"
    );
    assert!(world.active(&next) && !world.active(&legacy));
    assert!(world.refresh(&legacy).is_err(), "a reuse");
    assert!(!world.active(&next), "the reuse revoked the family");
}

#[test]
fn refresh_revoke_and_replay_keep_the_family_invariants() {
    let world = Sandbox::new().unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&ops(), |ops| run_case(&world, &ops));
    if let Err(e) = result {
        panic!("{e}");
    }
}
