use super::*;
use crate::store::accounts::Account;
use std::sync::{Arc, Barrier};

fn store_with_totp() -> (tempfile::TempDir, Arc<Store>) {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(tmp.path(), 60_000).unwrap());
    let account = Account {
        id: "a1".into(),
        username: "ann".into(),
        email: None,
        name: None,
        password_hash: None,
        role: None,
        disabled: false,
        refresh_epoch: 0,
        created_at: 0,
        tenant_uids: vec![],
        factors: SecondFactors {
            passkeys: vec![],
            totp: Some(TotpFactor {
                sealed_secret: vec![1, 2, 3],
                last_step: None,
                enrolled_at: 0,
            }),
            recovery_hashes: vec![[7; 32], [8; 32]],
        },
        email_verified: false,
        must_change_password: false,
        name_parts: Default::default(),
    };
    store
        .transaction(|tx| tx.put_account::<StoreError>(&account))
        .unwrap();
    (tmp, store)
}

#[test]
fn a_step_is_accepted_once_and_earlier_steps_never() {
    let (_tmp, store) = store_with_totp();
    assert_eq!(store.accept_totp_step("a1", 100).unwrap(), Spent::Accepted);
    assert_eq!(store.accept_totp_step("a1", 100).unwrap(), Spent::Refused);
    assert_eq!(store.accept_totp_step("a1", 99).unwrap(), Spent::Refused);
    assert_eq!(store.accept_totp_step("a1", 101).unwrap(), Spent::Accepted);
    let stored = store.account("a1").unwrap().unwrap();
    assert_eq!(stored.factors.totp.unwrap().last_step, Some(101));
    assert_eq!(
        store.accept_totp_step("nobody", 200).unwrap(),
        Spent::Refused
    );
}

#[test]
fn concurrent_submits_of_one_code_have_exactly_one_winner() {
    for _ in 0..10 {
        let (_tmp, store) = store_with_totp();
        let threads = 8;
        let start = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (store, start) = (Arc::clone(&store), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    store.accept_totp_step("a1", 500).unwrap()
                })
            })
            .collect();
        let won = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|s| *s == Spent::Accepted)
            .count();
        assert_eq!(won, 1);
    }
}

#[test]
fn concurrent_spends_of_one_recovery_code_have_exactly_one_winner() {
    let (_tmp, store) = store_with_totp();
    let start = Arc::new(Barrier::new(6));
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let (store, start) = (Arc::clone(&store), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                store.spend_recovery_code("a1", &[7; 32]).unwrap()
            })
        })
        .collect();
    let won = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|s| *s == Spent::Accepted)
        .count();
    assert_eq!(won, 1);
    let left = store
        .account("a1")
        .unwrap()
        .unwrap()
        .factors
        .recovery_hashes;
    assert_eq!(left, vec![[8; 32]]);
    assert_eq!(
        store.spend_recovery_code("a1", &[9; 32]).unwrap(),
        Spent::Refused
    );
}

#[test]
fn an_account_stored_before_second_factors_reads_as_none() {
    #[derive(serde::Serialize)]
    struct Old<'a> {
        id: &'a str,
        username: &'a str,
        email: Option<String>,
        name: Option<String>,
        password_hash: Option<String>,
        admin: bool,
        disabled: bool,
        created_at: u64,
        tenant_uids: Vec<u64>,
    }
    let old = Old {
        id: "x",
        username: "x",
        email: None,
        name: None,
        password_hash: None,
        admin: false,
        disabled: false,
        created_at: 0,
        tenant_uids: vec![],
    };
    let bytes = crate::store::codec::encode(&old).unwrap();
    let read: Account = crate::store::codec::decode(&bytes).unwrap();
    assert_eq!(read.factors, SecondFactors::default());
    assert!(!read.factors.any());
}

#[test]
fn amr_and_acr_follow_the_factors_used() {
    let pwd = Authenticated(&[Factor::Password]);
    assert_eq!((pwd.acr(), pwd.amr()), ("pwd", vec!["pwd".to_owned()]));
    assert_eq!(pwd.audit_detail(), "pwd");
    let old = Authenticated(&[]);
    assert_eq!((old.acr(), old.amr()), ("pwd", vec!["pwd".to_owned()]));
    let otp = Authenticated(&[Factor::Password, Factor::Totp]);
    assert_eq!(otp.acr(), "mfa");
    assert_eq!(otp.amr(), ["pwd", "otp", "mfa"]);
    assert_eq!(otp.audit_detail(), "pwd+otp");
    let recovery = Authenticated(&[Factor::Password, Factor::RecoveryCode]);
    assert_eq!(recovery.acr(), "mfa");
    assert_eq!(recovery.audit_detail(), "pwd+recovery");
    let brokered = Authenticated(&[Factor::Upstream]);
    assert_eq!(
        (brokered.acr(), brokered.amr()),
        ("pwd", vec!["pwd".to_owned()])
    );
}

#[test]
fn a_passkey_alone_or_after_a_password_is_mfa_with_hwk_and_user() {
    let alone = Authenticated(&[Factor::Passkey]);
    assert_eq!(alone.acr(), "mfa");
    assert_eq!(alone.amr(), ["hwk", "user", "mfa"]);
    assert_eq!(alone.audit_detail(), "passkey");
    let after = Authenticated(&[Factor::Password, Factor::Passkey]);
    assert_eq!(after.amr(), ["pwd", "hwk", "user", "mfa"]);
    assert_eq!(after.audit_detail(), "pwd+passkey");
}

fn passkey(id: u8, counter: u32, backup_eligible: bool) -> PasskeyFactor {
    PasskeyFactor {
        credential_id: vec![id],
        credential: "{}".into(),
        name: format!("key {id}"),
        created_at: 0,
        last_used_at: None,
        counter,
        backup_eligible,
    }
}

#[test]
fn a_passkey_counter_must_grow_unless_backup_eligible_or_both_zero() {
    let (_tmp, store) = store_with_totp();
    store
        .transaction(|tx| {
            let mut a = tx.account::<StoreError>("a1")?.unwrap();
            a.factors.passkeys = vec![
                passkey(1, 5, false),
                passkey(2, 0, false),
                passkey(3, 9, true),
            ];
            tx.put_account(&a)
        })
        .unwrap();
    let used = |id: u8, counter: u32| store.use_passkey("a1", &[id], counter, 1_000).unwrap();
    // Hardware-bound: equal or lower is a clone; higher is taken and stored.
    assert_eq!(used(1, 5), CounterCheck::NotGrown);
    assert_eq!(used(1, 4), CounterCheck::NotGrown);
    assert_eq!(used(1, 6), CounterCheck::Accepted);
    assert_eq!(used(1, 6), CounterCheck::NotGrown);
    // Stored and presented both 0: an authenticator without a counter.
    assert_eq!(used(2, 0), CounterCheck::Accepted);
    assert_eq!(used(2, 0), CounterCheck::Accepted);
    assert_eq!(used(2, 3), CounterCheck::Accepted);
    assert_eq!(
        used(2, 0),
        CounterCheck::NotGrown,
        "a counter once seen must grow"
    );
    // Backup eligible (synchronised): never checked, never goes down.
    assert_eq!(used(3, 0), CounterCheck::Accepted);
    assert_eq!(used(3, 9), CounterCheck::Accepted);
    assert_eq!(used(4, 1), CounterCheck::Gone);
    assert_eq!(
        store.use_passkey("nobody", &[1], 7, 0).unwrap(),
        CounterCheck::Gone
    );
    let stored = store.account("a1").unwrap().unwrap().factors.passkeys;
    assert_eq!(
        stored.iter().map(|p| p.counter).collect::<Vec<_>>(),
        [6, 3, 9]
    );
    assert_eq!(stored[0].last_used_at, Some(1_000));
}

#[test]
fn concurrent_assertions_with_one_counter_have_exactly_one_winner() {
    let (_tmp, store) = store_with_totp();
    store
        .transaction(|tx| {
            let mut a = tx.account::<StoreError>("a1")?.unwrap();
            a.factors.passkeys = vec![passkey(1, 5, false)];
            tx.put_account(&a)
        })
        .unwrap();
    let start = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (store, start) = (Arc::clone(&store), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                store.use_passkey("a1", &[1], 6, 0).unwrap()
            })
        })
        .collect();
    let won = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|r| *r == CounterCheck::Accepted)
        .count();
    assert_eq!(won, 1);
}
