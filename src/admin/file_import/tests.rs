//! The import for a caller whose reach is some tenants (a SCIM token's, a tenant
//! admin's): an account shared with another tenant, or holding an admin role, is not
//! changed, and its line says so.

use super::{Format, run};
use crate::admin::accounts::{self, AccountPatch};
use crate::admin::members::{self, MembershipInput, ProvisionInput};
use crate::admin::reach::Reach;
use crate::admin::{Ctx, tenants};
use crate::audit::Actor;
use crate::crypto::seal::MasterKey;
use crate::store::Store;
use crate::types::TenantId;

#[test]
fn accounts_beyond_the_caller_s_tenants_are_left_alone() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path(), 100).unwrap();
    let master = MasterKey::from_bytes(&[7u8; 32]).unwrap();
    let destinations = crate::outbound::Destinations::default();
    let ctx = Ctx {
        store: &store,
        master: &master,
        now: 1_700_000_000,
        actor: Actor::AdminToken("t".into()),
        role: crate::types::AdminRole::Appliance,
        public_url: "https://sso.example",
        passwords: Default::default(),
        destinations: &destinations,
    };
    for id in ["acme", "beta"] {
        let new = tenants::NewTenant {
            id: id.into(),
            display_name: id.into(),
        };
        tenants::create(&ctx, &new).unwrap();
    }
    let member = |username: &str| ProvisionInput {
        username: username.into(),
        email: Some(format!("{username}@example.com")),
        ..ProvisionInput::default()
    };
    let shared = rt
        .block_on(members::provision(&ctx, "acme", &member("shared")))
        .unwrap();
    let input = MembershipInput::default();
    members::put(&ctx, "beta", &shared.id, &input).unwrap();
    rt.block_on(members::provision(&ctx, "acme", &member("mine")))
        .unwrap();
    let boss = rt
        .block_on(members::provision(&ctx, "acme", &member("boss")))
        .unwrap();
    let admin = AccountPatch {
        admin: Some(true),
        ..AccountPatch::default()
    };
    rt.block_on(accounts::patch(&ctx, &boss.id, &admin))
        .unwrap();

    let acme = store
        .tenant(&TenantId::parse("acme").unwrap())
        .unwrap()
        .unwrap();
    let uids = [acme.uid];
    let text = "username,email\nshared,new@example.com\nmine,new@example.com\nboss,b@example.com\n";
    let report = rt
        .block_on(async { run(&ctx, "acme", Reach::Tenants(&uids), Format::Csv, text).await })
        .unwrap();
    assert_eq!((report.created, report.updated), (0, 1));
    let failed: Vec<(usize, &str)> = report
        .failed
        .iter()
        .map(|f| (f.line, f.error.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (2, "account outside this tenant"),
            (4, "account outside this tenant")
        ]
    );
    let email = |name: &str| store.account_by_username(name).unwrap().unwrap().email;
    assert_eq!(email("shared").as_deref(), Some("shared@example.com"));
    assert_eq!(email("boss").as_deref(), Some("boss@example.com"));
    assert_eq!(email("mine").as_deref(), Some("new@example.com"));
}
