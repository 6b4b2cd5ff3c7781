//! A property test of refresh-token rotation (RFC 6749 §6, OAuth 2.0 Security BCP
//! §4.14): whatever sequence of refreshes, revocations and replays clients send, each
//! family has at most one live token, a reused token kills its family, and nothing that
//! stopped working works again. Liveness is read the way a client reads it: through
//! token introspection (RFC 7662).

use crate::grant::format;
use crate::grant::refresh::rotate;
use crate::oauth::request::{ClientAuth, Params};
use crate::oauth::{OAuthError, introspect, revoke};
use crate::sandbox::Sandbox;
use crate::store::refresh::{RefreshFamily, RefreshToken};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::HashSet;

/// Refresh families per case.
const FAMILIES: usize = 3;

impl Sandbox {
    /// A new offline family with its first token, as a code redemption stores it.
    fn new_family(&self) -> String {
        let expires_at = self.app.state.clock.now() + self.tenant.refresh_token_ttl_secs;
        let (id, first) = format::new_family(expires_at).unwrap();
        self.store_family(id, first.hash);
        first.token
    }

    /// Stores offline family `id` whose live token hashes to `live`.
    fn store_family(&self, id: String, live: [u8; 32]) {
        let now = self.app.state.clock.now();
        let family = RefreshFamily {
            id,
            tenant_uid: self.tenant.uid,
            client_id: self.client.client_id.clone(),
            account_id: self.account_id.clone(),
            scopes: vec!["openid".into(), "offline_access".into()],
            sid: None,
            auth_time: Some(now),
            live: Some(live),
            account_epoch: 0,
            expires_at: now + self.tenant.refresh_token_ttl_secs,
            factors: vec![],
            jkt: None,
        };
        self.app.state.store.insert_family(&family).unwrap();
    }

    /// A family stored before tokens named their family: its token `token` has a record
    /// of its own, which names the family.
    fn older_form_family(&self, id: &str, token: &str) {
        let key = format::key_of(token);
        self.store_family(id.to_owned(), key.hash);
        let expires_at = self.app.state.clock.now() + self.tenant.refresh_token_ttl_secs;
        self.app
            .state
            .store
            .insert_older_refresh_token(&RefreshToken {
                hash: key.hash,
                key_expiry: key.expiry,
                family_id: id.to_owned(),
                expires_at,
            })
            .unwrap();
    }

    fn refresh(&self, token: &str) -> Result<String, OAuthError> {
        let state = &self.app.state;
        rotate(
            &state.grant(),
            &self.tenant,
            (&self.client, None),
            token,
            &[],
            state.clock.now(),
        )
        .map(|r| r.refresh_token.unwrap())
        .map_err(OAuthError::from)
    }

    /// The sandbox client's credentials, as the edge reads them.
    fn client_auth(&self) -> ClientAuth {
        ClientAuth::parse(Some(&self.basic_auth), &Params::default()).unwrap()
    }

    fn revoke(&self, token: &str) {
        let state = &self.app.state;
        self.block_on(revoke::handle(
            &state.oauth(),
            &self.tenant,
            &self.client_auth(),
            Some(token),
            std::net::Ipv4Addr::LOCALHOST.into(),
            state.clock.now(),
        ))
        .unwrap()
        .unwrap();
    }

    fn active(&self, token: &str) -> bool {
        let state = &self.app.state;
        self.block_on(introspect::handle(
            &state.oauth(),
            &self.tenant,
            &self.client_auth(),
            Some(token),
            std::net::Ipv4Addr::LOCALHOST.into(),
            state.clock.now(),
        ))
        .unwrap()
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
                        matches!(&answer, Err(e) if e.code() == crate::oauth::ErrorCode::InvalidGrant),
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
fn tokens_of_the_older_forms_still_rotate_reuse_and_revoke() {
    let world = Sandbox::new().unwrap();
    let expires_at = world.app.state.clock.now() + world.tenant.refresh_token_ttl_secs;
    let hash_only = crate::crypto::random::secret_token().unwrap();
    let with_expiry = format::issue(expires_at).unwrap().0;
    assert_eq!(format::key_of(&hash_only).expiry, None);
    assert_eq!(format::key_of(&with_expiry).expiry, Some(expires_at));
    for (n, older) in [hash_only, with_expiry].into_iter().enumerate() {
        world.older_form_family(&format!("older-family-{n}"), &older);
        assert!(world.active(&older));
        let next = world.refresh(&older).unwrap();
        assert!(
            format::key_of(&next).expiry.is_some() && next.len() == 54,
            "an older family keeps the older form: {next}"
        );
        assert!(world.active(&next) && !world.active(&older));
        let after = world.refresh(&next).unwrap();
        assert!(world.active(&after) && !world.active(&next));
        assert!(world.refresh(&older).is_err(), "a reuse");
        assert!(!world.active(&after), "the reuse revoked the family");
    }
    let revoked = crate::crypto::random::secret_token().unwrap();
    world.older_form_family("older-family-revoked", &revoked);
    world.revoke(&revoked);
    assert!(!world.active(&revoked) && world.refresh(&revoked).is_err());
}

#[test]
fn a_rotation_stores_no_new_record() {
    let world = Sandbox::new().unwrap();
    let mut token = world.new_family();
    let store = &world.app.state.store;
    let before = store.record_count();
    for _ in 0..5 {
        token = world.refresh(&token).unwrap();
    }
    assert_eq!(store.record_count(), before);
    assert!(world.active(&token));
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
