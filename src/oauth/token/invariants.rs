//! A property test of refresh-token rotation (RFC 6749 §6, OAuth 2.0 Security BCP
//! §4.14): whatever sequence of refreshes, revocations and replays clients send, each
//! family has at most one live token, a reused token kills its family, and nothing that
//! stopped working works again. Liveness is read the way a client reads it: through
//! token introspection (RFC 7662).

use super::code::store_family;
use super::refresh::rotate;
use crate::admin::Ctx;
use crate::app::Appliance;
use crate::audit::Actor;
use crate::crypto::{hash, random};
use crate::oauth::{OAuthError, introspect, revoke};
use crate::store::clients::Client;
use crate::store::grants::RefreshFamily;
use crate::store::tenants::Tenant;
use base64::Engine;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use std::collections::HashSet;

/// Refresh families per case.
const FAMILIES: usize = 3;

/// One appliance on a temporary data dir, with a tenant, a confidential client and a
/// member, shared by every case (each case starts new families).
struct World {
    app: Appliance,
    tenant: Tenant,
    client: Client,
    basic: String,
    account_id: String,
    _dir: tempfile::TempDir,
}

fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let args = crate::cli::ConfigArgs {
        data_dir: Some(dir.path().to_path_buf()),
        tls_mode: Some("off".into()),
        ..Default::default()
    };
    let config = crate::config::Config::load(&args).unwrap();
    let app = crate::app::open(config, crate::clock::Clock::system()).unwrap();
    let state = &app.state;
    let ctx = Ctx {
        store: &state.store,
        master: &state.master,
        now: state.clock.now(),
        actor: Actor::System,
        public_url: &state.config.public_url,
    };
    crate::admin::tenants::create(&ctx, &from(json!({"id": "acme", "display_name": "Acme"})))
        .unwrap();
    let client = crate::admin::clients::create(
        &ctx,
        "acme",
        &from(json!({
            "name": "web",
            "redirect_uris": ["https://app.example/cb"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scopes": ["openid", "offline_access"],
            "token_endpoint_auth_method": "client_secret_basic",
        })),
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let account = runtime
        .block_on(crate::admin::accounts::create(
            &ctx,
            &from(json!({"username": "alice"})),
        ))
        .unwrap();
    crate::admin::members::put(
        &ctx,
        "acme",
        &account.id,
        &from(json!({"scopes": ["openid", "offline_access"]})),
    )
    .unwrap();
    let tenant = ctx.tenant("acme").unwrap();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        client.client_id,
        client.client_secret.clone().unwrap()
    ));
    World {
        client: state
            .store
            .client(tenant.uid, &client.client_id)
            .unwrap()
            .unwrap(),
        tenant,
        basic: format!("Basic {basic}"),
        account_id: account.id,
        app,
        _dir: dir,
    }
}

impl World {
    /// A new offline family with its first token, as a code redemption stores it.
    fn new_family(&self) -> String {
        let token = random::secret_token().unwrap();
        let now = self.app.state.clock.now();
        let family = RefreshFamily {
            id: random::secret_token().unwrap(),
            tenant_uid: self.tenant.uid,
            client_id: self.client.client_id.clone(),
            account_id: self.account_id.clone(),
            scopes: vec!["openid".into(), "offline_access".into()],
            sid: None,
            auth_time: Some(now),
            live: Some(hash::sha256(token.as_bytes())),
            expires_at: now + self.tenant.refresh_token_ttl_secs,
        };
        let expires = family.expires_at;
        self.app
            .state
            .store
            .transaction(|tx| store_family(tx, &family, expires))
            .unwrap();
        token
    }

    fn refresh(&self, token: &str) -> Result<String, OAuthError> {
        rotate(&self.app.state, &self.tenant, &self.client, token, None)
            .map(|r| r.refresh_token.unwrap())
    }

    fn revoke(&self, token: &str) {
        let body = format!("token={token}");
        revoke::handle(&self.app.state, "acme", Some(&self.basic), body.as_bytes()).unwrap();
    }

    fn active(&self, token: &str) -> bool {
        let body = format!("token={token}");
        introspect::handle(&self.app.state, "acme", Some(&self.basic), body.as_bytes())
            .unwrap()
            .active
    }
}

/// What a client does next: present one of a family's tokens (the current one is a
/// refresh, an older one a replay), or revoke one.
#[derive(Debug, Clone)]
enum Op {
    Refresh { family: usize, token: usize },
    Revoke { family: usize, token: usize },
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        4 => (0..FAMILIES, 0..8usize).prop_map(|(family, token)| Op::Refresh { family, token }),
        1 => (0..FAMILIES, 0..8usize).prop_map(|(family, token)| Op::Revoke { family, token }),
    ];
    proptest::collection::vec(op, 1..24)
}

/// The model of one family: every token it ever had, which one is current, and whether
/// it was killed.
struct Family {
    tokens: Vec<String>,
    current: usize,
    dead: bool,
}

fn run_case(world: &World, ops: &[Op]) -> Result<(), TestCaseError> {
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
                let index = token % f.tokens.len();
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
                let index = token % f.tokens.len();
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
fn refresh_revoke_and_replay_keep_the_family_invariants() {
    let world = world();
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
