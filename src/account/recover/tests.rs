//! The recovery link on a fixed clock: it works until the second it expires and never
//! after, and a GET never spends it.

use super::*;
use crate::clock::Clock;
use crate::sandbox::Sandbox;
use std::net::Ipv4Addr;

const T0: UnixTime = 1_800_000_000;
const PEER: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A sandbox at [`T0`] and a 300-second link for its member alice: the token.
fn linked() -> (Sandbox, String) {
    let sandbox = Sandbox::with_clock(Clock::fixed(T0)).unwrap();
    let state = &sandbox.app.state;
    let ctx = crate::admin::Ctx {
        store: &state.store,
        master: &state.master,
        now: T0,
        actor: Actor::System,
        role: crate::types::AdminRole::Appliance,
        public_url: &state.config.public_url,
        passwords: state.config.passwords,
        destinations: &state.destinations,
    };
    let asked = crate::admin::recovery_links::NewRecoveryLink {
        ttl_secs: Some(300),
        tenant: None,
    };
    let link = crate::admin::recovery_links::create(&ctx, &sandbox.account_id, &asked).unwrap();
    assert!(link.url.contains("/t/acme/recover?token="), "{}", link.url);
    let token = link.url.split("token=").nth(1).unwrap().to_owned();
    (sandbox, token)
}

fn shows_form(sandbox: &Sandbox, token: &str, now: UnixTime) -> bool {
    let ctx = sandbox.app.state.account();
    matches!(
        show(&ctx, &sandbox.tenant, Some(token), PEER, now).unwrap(),
        RecoverOutcome::Form { .. }
    )
}

#[test]
fn a_link_works_until_it_expires_and_a_get_never_spends_it() {
    let (sandbox, token) = linked();
    assert!(shows_form(&sandbox, &token, T0));
    assert!(
        shows_form(&sandbox, &token, T0 + 299),
        "a GET never spends it"
    );
    assert!(
        !shows_form(&sandbox, &token, T0 + 300),
        "expired at its second"
    );
    let ctx = sandbox.app.state.account();
    let late = RecoverForm {
        token: Some(token.clone()),
        chosen: Chosen {
            password: Secret::new("a late long password"),
            confirm: Secret::new("a late long password"),
        },
        code: Secret::new(""),
        enrolling: None,
        csrf: Some("c".into()),
    };
    let answered = sandbox
        .block_on(submit(
            &ctx,
            &sandbox.tenant,
            late,
            Some("c"),
            PEER,
            T0 + 301,
        ))
        .unwrap()
        .unwrap();
    assert!(matches!(answered, RecoverOutcome::Invalid));
    let alice = sandbox
        .app
        .state
        .store
        .account(&sandbox.account_id)
        .unwrap()
        .unwrap();
    assert_eq!(alice.password_hash, None, "an expired link changes nothing");
}

#[test]
fn a_link_for_one_tenant_does_not_open_at_another() {
    let (sandbox, token) = linked();
    let other = Tenant {
        uid: sandbox.tenant.uid + 1,
        ..sandbox.tenant.clone()
    };
    let ctx = sandbox.app.state.account();
    assert!(matches!(
        show(&ctx, &other, Some(&token), PEER, T0).unwrap(),
        RecoverOutcome::Invalid
    ));
    assert!(matches!(
        show(&ctx, &sandbox.tenant, Some(&format!("{token}x")), PEER, T0).unwrap(),
        RecoverOutcome::Invalid
    ));
}
