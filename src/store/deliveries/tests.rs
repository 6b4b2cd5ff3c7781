use super::*;
use crate::store::clients::Client;
use crate::types::{Alg, AuthMethod};

fn client(uid: u64, id: &str, uri: Option<&str>) -> Client {
    Client {
        tenant_uid: uid,
        client_id: id.into(),
        name: id.into(),
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        grant_types: vec![],
        response_types: vec![],
        scopes: vec![],
        auth_method: AuthMethod::ClientSecretBasic,
        id_token_alg: Alg::RS256,
        require_consent: false,
        allowed_origins: vec![],
        jwks: None,
        jwks_uri: None,
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        backchannel_logout_uri: uri.map(str::to_owned),
        backchannel_logout_session_required: false,
        backchannel_logout_untyped: false,
        urls_set_by_tenant_admin: false,
        secret_hash: None,
        api_key_ids: vec![],
        created_at: 0,
    }
}

fn who(uid: u64, id: &str) -> SessionClient {
    SessionClient {
        tenant_uid: uid,
        tenant: format!("t{uid}"),
        client_id: id.into(),
    }
}

fn session(id: &str) -> SsoSession {
    SsoSession {
        id: id.into(),
        cookie_hash: [id.as_bytes()[0]; 32],
        account_id: "acct".into(),
        auth_time: 0,
        expires_at: 10_000,
        upstream: None,
        id_token_clients: vec![],
        factors: vec![],
    }
}

/// A store with clients `a` (tenant 1, with a URI), `b` (tenant 1, without) and `c`
/// (tenant 2, with), and session `s` in which all three and an unknown one got ID tokens.
fn fixture() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path(), 100).unwrap();
    store
        .transaction(|tx| {
            tx.put_client::<StoreError>(&client(1, "a", Some("https://a.example/bcl")))?;
            tx.put_client(&client(1, "b", None))?;
            tx.put_client(&client(2, "c", Some("https://c.example/bcl")))?;
            tx.put_session(&session("s"))
        })
        .unwrap();
    for c in [
        who(1, "a"),
        who(1, "b"),
        who(2, "c"),
        who(1, "gone"),
        who(1, "a"),
    ] {
        store.note_id_token("s", "acct", &c, 100).unwrap();
    }
    (tmp, store)
}

fn due_for(store: &Store, now: UnixTime) -> Vec<String> {
    store
        .due_deliveries(now, 100)
        .unwrap()
        .into_iter()
        .map(|d| format!("{}/{}/{}", d.client.client_id, d.sid, d.account_id))
        .collect()
}

#[test]
fn a_session_remembers_each_client_once() {
    let (_tmp, store) = fixture();
    let s = store.session("s").unwrap().unwrap();
    assert_eq!(
        s.id_token_clients,
        vec![who(1, "a"), who(1, "b"), who(2, "c"), who(1, "gone")]
    );
}

#[test]
fn ending_a_session_queues_the_clients_with_a_uri_and_plain_ending_none() {
    let (_tmp, store) = fixture();
    let ended = store
        .transaction(|tx| tx.end_session_notifying::<StoreError>("s", 200))
        .unwrap();
    assert!(ended.is_some());
    assert!(
        due_for(&store, 199).is_empty(),
        "due at the end, not before"
    );
    assert_eq!(due_for(&store, 200), ["a/s/acct", "c/s/acct"]);

    let (_tmp, store) = fixture();
    store
        .transaction(|tx| tx.end_session::<StoreError>("s").map(|_| ()))
        .unwrap();
    assert!(
        due_for(&store, 10_000).is_empty(),
        "the sweep's ending tells no one"
    );
}

#[test]
fn leaving_a_tenant_tells_only_its_clients_and_the_session_forgets_them() {
    let (_tmp, store) = fixture();
    store
        .transaction(|tx| tx.end_session_at_tenant::<StoreError>("s", 2, 300))
        .unwrap();
    assert_eq!(due_for(&store, 300), ["c/s/acct"]);
    let s = store.session("s").unwrap().unwrap();
    assert_eq!(
        s.id_token_clients,
        vec![who(1, "a"), who(1, "b"), who(1, "gone")]
    );
    store
        .transaction(|tx| tx.end_session_at_tenant::<StoreError>("s", 2, 400))
        .unwrap();
    assert_eq!(due_for(&store, 400).len(), 1, "told once");
}

#[test]
fn an_id_token_for_an_ended_session_is_told_at_once() {
    let (_tmp, store) = fixture();
    store
        .note_id_token("no-such-session", "acct", &who(2, "c"), 500)
        .unwrap();
    assert_eq!(due_for(&store, 500), ["c/no-such-session/acct"]);
}

#[test]
fn due_deliveries_come_in_due_order_and_move_when_rescheduled() {
    let (_tmp, store) = fixture();
    store
        .transaction(|tx| tx.end_session_notifying::<StoreError>("s", 200))
        .unwrap();
    let due = store.due_deliveries(200, 100).unwrap();
    let event = AuditEvent::new(
        200,
        crate::audit::AuditKind::Logout,
        &crate::audit::Actor::System,
    );
    store.reschedule_delivery(&due[0], 230, &event).unwrap();
    assert_eq!(due_for(&store, 229), ["c/s/acct"]);
    let later = store.due_deliveries(230, 100).unwrap();
    assert_eq!(later.len(), 2);
    assert_eq!(
        (later[1].client.client_id.as_str(), later[1].attempts),
        ("a", 1)
    );
    assert_eq!(store.due_deliveries(230, 1).unwrap().len(), 1, "limit");
    for d in &later {
        store.finish_delivery(d, &event).unwrap();
    }
    assert!(due_for(&store, u64::MAX).is_empty());
}
