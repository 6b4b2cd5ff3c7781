//! Random PATCH sequences against a simple model of a SCIM user: after each one, the
//! account and its membership hold exactly what the model says, and a PATCH with any bad
//! operation in it changes nothing.

use super::super::{Answer, Ctx, handle};
use crate::admin::{self, tenants};
use crate::audit::Actor;
use crate::crypto::seal::MasterKey;
use crate::store::Store;
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Clone, Debug, PartialEq)]
struct Model {
    user_name: String,
    display: Option<String>,
    email: Option<String>,
    active: bool,
    external_id: Option<String>,
}

/// One operation and how the model takes it (`None`: the PATCH is refused).
#[derive(Clone, Debug)]
enum Step {
    UserName(String),
    Display(Option<String>),
    WorkEmail(String),
    RemoveEmails,
    Active(bool, bool),
    NoPath(bool, String),
    ExternalId(Option<String>),
    Ignored,
    Bad,
}

impl Step {
    fn op(&self) -> Value {
        match self {
            Step::UserName(u) => json!({"op": "replace", "path": "userName", "value": u}),
            Step::Display(Some(d)) => json!({"op": "Replace", "path": "displayName", "value": d}),
            Step::Display(None) => json!({"op": "remove", "path": "displayName"}),
            Step::WorkEmail(e) => {
                json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": e})
            }
            Step::RemoveEmails => json!({"op": "Remove", "path": "emails"}),
            Step::Active(b, true) => {
                json!({"op": "replace", "path": "active", "value": if *b { "True" } else { "False" }})
            }
            Step::Active(b, false) => json!({"op": "replace", "path": "active", "value": b}),
            Step::NoPath(b, d) => {
                json!({"op": "add", "value": {"active": b, "displayName": d, "nickName": "n"}})
            }
            Step::ExternalId(Some(x)) => json!({"op": "add", "path": "externalId", "value": x}),
            Step::ExternalId(None) => json!({"op": "remove", "path": "externalId"}),
            Step::Ignored => json!({"op": "add", "path": "title", "value": "Boss"}),
            Step::Bad => json!({"op": "replace", "path": "active", "value": "perhaps"}),
        }
    }

    fn apply(&self, m: &mut Model) -> bool {
        match self {
            Step::UserName(u) => m.user_name = u.clone(),
            Step::Display(d) => m.display = d.clone(),
            Step::WorkEmail(e) => m.email = Some(e.clone()),
            Step::RemoveEmails => m.email = None,
            Step::Active(b, _) => m.active = *b,
            Step::NoPath(b, d) => (m.active, m.display) = (*b, Some(d.clone())),
            Step::ExternalId(x) => m.external_id = x.clone(),
            Step::Ignored => {}
            Step::Bad => return false,
        }
        true
    }
}

fn step() -> impl Strategy<Value = Step> {
    let word = "[a-z]{1,6}";
    prop_oneof![
        word.prop_map(Step::UserName),
        proptest::option::of(word).prop_map(Step::Display),
        word.prop_map(|w| Step::WorkEmail(format!("{w}@example.com"))),
        Just(Step::RemoveEmails),
        (any::<bool>(), any::<bool>()).prop_map(|(b, s)| Step::Active(b, s)),
        (any::<bool>(), word).prop_map(|(b, d)| Step::NoPath(b, d)),
        proptest::option::of(word).prop_map(Step::ExternalId),
        Just(Step::Ignored),
        Just(Step::Bad),
    ]
}

fn stored(store: &Store, uid: u64, id: &str) -> Model {
    let a = store.account(id).unwrap().unwrap();
    let m = store.membership(uid, id).unwrap().unwrap();
    Model {
        user_name: a.username,
        display: a.name,
        email: a.email,
        active: !m.disabled,
        external_id: m.external_id,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn patches_keep_account_and_membership_equal_to_the_model(
        patches in proptest::collection::vec(proptest::collection::vec(step(), 1..4), 1..6)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 100).unwrap();
        let master = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let actor = Actor::ScimToken("t".into());
        let admin = admin::Ctx { store: &store, master: &master, now: 1_700_000_000, actor, role: crate::types::AdminRole::Appliance, public_url: "https://sso.example", passwords: Default::default(), destinations: &Default::default() };
        tenants::create(&admin, &tenants::NewTenant { id: "acme".into(), display_name: "Acme".into() }).unwrap();
        let tenant = store.tenant(&crate::types::TenantId::parse("acme").unwrap()).unwrap().unwrap();
        let ctx = Ctx { admin, tenant: tenant.clone(), base: "https://sso.example/t/acme/scim/v2".into() };
        let created = rt.block_on(handle(&ctx, "POST", &["Users"], &[], Some(json!({"userName": "start"})))).unwrap();
        let Answer::Created(user) = created else { panic!("not created") };
        let id = user["id"].as_str().unwrap().to_owned();
        let mut model = Model { user_name: "start".into(), display: None, email: None, active: true, external_id: None };
        for ops in patches {
            let mut next = model.clone();
            let accepted = ops.iter().all(|s| s.apply(&mut next));
            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                              "Operations": ops.iter().map(Step::op).collect::<Vec<_>>()});
            let answer = rt.block_on(handle(&ctx, "PATCH", &["Users", &id], &[], Some(body)));
            prop_assert_eq!(answer.is_ok(), accepted, "{:?} answered {:?}", ops, answer);
            if accepted {
                model = next;
            }
            prop_assert_eq!(stored(&store, tenant.uid, &id), model.clone());
        }
    }
}
