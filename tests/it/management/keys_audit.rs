//! Signing keys, the audit log, durability after a crash and a race on one username.

use super::{
    account_by_username, all_pages, code_client, create, create_account, create_tenant,
    exchange_client, introspection, is_rfc3339_utc, items, ok, start, str_of, upstream,
};
use crate::support::api::{Api, Reply};
use crate::support::server::Server;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// Signing keys

fn jwks_kids(server: &Server, tenant: &str) -> BTreeSet<String> {
    let (status, body) = server.get(&format!("/t/{tenant}/jwks"));
    assert_eq!(status, 200, "{body}");
    let set: Value = serde_json::from_str(&body).unwrap();
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| str_of(k, "kid").to_owned())
        .collect()
}

/// The keys of a `GET /keys` answer, as `{items, next}` or, leniently, a bare array (the
/// shape is asserted separately, so the rotation checks run either way).
fn key_items(listed: &Value) -> Vec<Value> {
    listed["items"]
        .as_array()
        .or(listed.as_array())
        .unwrap_or_else(|| panic!("no keys in {listed}"))
        .clone()
}

#[test]
fn rotating_keys_makes_new_active_ones_and_keeps_the_old_published() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let listed = ok(&api, "GET", "/v2/admin/keys", None);
    let before = key_items(&listed);
    assert_eq!(before.len(), 3, "{before:?}");
    let algs: BTreeSet<&str> = before.iter().map(|k| str_of(k, "alg")).collect();
    assert_eq!(algs, BTreeSet::from(["ES256", "EdDSA", "RS256"]));
    for k in &before {
        assert_eq!(k["state"], "active", "{k}");
        assert_eq!(k["retired_at"], Value::Null, "{k}");
        assert!(is_rfc3339_utc(&k["created_at"]), "{k}");
        assert!(
            k.get("sealed_pkcs8").is_none() && k.get("d").is_none(),
            "{k}"
        );
    }
    let old: BTreeSet<String> = before.iter().map(|k| str_of(k, "kid").to_owned()).collect();
    assert_eq!(jwks_kids(&server, "default"), old);

    let rotated = api.call("POST", "/v2/admin/keys/rotate", None);
    assert!(
        rotated.status == 200 || rotated.status == 201,
        "{} {}",
        rotated.status,
        rotated.body
    );
    let after = key_items(&ok(&api, "GET", "/v2/admin/keys", None));
    assert_eq!(after.len(), 6, "{after:?}");
    let (active, retired): (Vec<&Value>, Vec<&Value>) =
        after.iter().partition(|k| k["state"] == "active");
    assert_eq!((active.len(), retired.len()), (3, 3), "{after:?}");
    assert!(retired.iter().all(|k| k["state"] == "retired"), "{after:?}");
    let retired_kids: BTreeSet<String> = retired
        .iter()
        .map(|k| str_of(k, "kid").to_owned())
        .collect();
    assert_eq!(retired_kids, old, "the old keys are the retired ones");
    assert!(
        retired.iter().all(|k| is_rfc3339_utc(&k["retired_at"])),
        "{after:?}"
    );
    let new: BTreeSet<String> = active.iter().map(|k| str_of(k, "kid").to_owned()).collect();
    assert!(new.is_disjoint(&old));
    let new_algs: BTreeSet<&str> = active.iter().map(|k| str_of(k, "alg")).collect();
    assert_eq!(new_algs, BTreeSet::from(["ES256", "EdDSA", "RS256"]));
    let all: BTreeSet<String> = old.union(&new).cloned().collect();
    assert_eq!(
        jwks_kids(&server, "default"),
        all,
        "old and new keys are published"
    );

    assert_eq!(server.stop().code(), Some(0));
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let reloaded = key_items(&ok(&api, "GET", "/v2/admin/keys", None));
    assert_eq!(reloaded.len(), 6, "the rotation survives a restart");
    assert_eq!(jwks_kids(&server, "default"), all);
    assert!(
        listed["items"].is_array() && listed.get("next").is_some(),
        "every list answers {{items, next}}, GET /keys included: {listed}"
    );
}

// ---------------------------------------------------------------------------------------
// Audit

#[test]
fn writes_are_audited_newest_first_without_secrets() {
    let (_tmp, server, api) = start();
    let tokens = items(&api, "/v2/admin/tokens");
    assert_eq!(tokens.len(), 1);
    let token_id = str_of(&tokens[0], "id").to_owned();

    create_tenant(&api, "audited");
    let client = create(
        &api,
        "/v2/admin/tenants/audited/clients",
        &exchange_client(),
    )
    .body;
    let cid = str_of(&client, "client_id").to_owned();
    let rotated = api
        .call(
            "POST",
            &format!("/v2/admin/tenants/audited/clients/{cid}/secret"),
            None,
        )
        .body;
    let key = create(
        &api,
        &format!("/v2/admin/tenants/audited/clients/{cid}/api-keys"),
        &json!({"label": "k"}),
    )
    .body;
    let password = "pw-Very-Secret-8841";
    let account = create(
        &api,
        "/v2/admin/accounts",
        &json!({"username": "eve", "password": password}),
    )
    .body;
    let aid = str_of(&account, "id").to_owned();
    ok(
        &api,
        "PUT",
        &format!("/v2/admin/tenants/audited/members/{aid}"),
        Some(&json!({"scopes": ["x"]})),
    );
    let intro_secret = "intro-Secret-5521";
    ok(
        &api,
        "PUT",
        "/v2/admin/tenants/audited/introspection",
        Some(&introspection(intro_secret)),
    );
    let up_secret = "upstream-Secret-9034";
    ok(
        &api,
        "PUT",
        "/v2/admin/tenants/audited/upstream-oidc",
        Some(&upstream(up_secret)),
    );
    let new_password = "pw-Changed-Secret-1177";
    ok(
        &api,
        "PATCH",
        &format!("/v2/admin/accounts/{aid}"),
        Some(&json!({"password": new_password})),
    );
    ok(
        &api,
        "PATCH",
        &format!("/v2/admin/accounts/{aid}"),
        Some(&json!({"disabled": true})),
    );
    let admin = create(&api, "/v2/admin/tokens", &json!({"label": "robot"})).body;

    let events = all_pages(&api, "/v2/admin/audit", 3);
    assert!(events.len() >= 10, "{events:?}");
    for e in &events {
        for field in ["id", "at", "kind", "actor", "tenant", "account", "target"] {
            assert!(e.get(field).is_some(), "`{field}` missing in {e}");
        }
        assert!(is_rfc3339_utc(&e["at"]), "{e}");
    }
    let ids: BTreeSet<&str> = events.iter().map(|e| str_of(e, "id")).collect();
    assert_eq!(ids.len(), events.len(), "pages do not overlap");
    // Compared to the second, so differing fraction digits cannot upset the order.
    let ats: Vec<&str> = events.iter().map(|e| &str_of(e, "at")[..19]).collect();
    assert!(
        ats.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {ats:?}"
    );

    let kinds: Vec<&str> = events.iter().map(|e| str_of(e, "kind")).collect();
    let pos = |kind: &str| {
        kinds
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_else(|| panic!("no {kind} event in {kinds:?}"))
    };
    assert_eq!(
        kinds[0], "admin_token.created",
        "the last write comes first: {kinds:?}"
    );
    assert!(
        pos("account.disabled") < pos("account.created"),
        "{kinds:?}"
    );
    assert!(
        pos("upstream_oidc.set") < pos("introspection.set"),
        "{kinds:?}"
    );
    assert!(pos("membership.set") < pos("account.created"), "{kinds:?}");
    assert!(
        pos("api_key.created") < pos("client.secret_rotated"),
        "{kinds:?}"
    );
    assert!(
        pos("client.secret_rotated") < pos("client.created"),
        "{kinds:?}"
    );
    assert!(pos("client.created") < pos("tenant.created"), "{kinds:?}");

    let tenant_created = &events[pos("tenant.created")];
    assert_eq!(tenant_created["tenant"], "audited");
    assert!(
        tenant_created["actor"].to_string().contains(&token_id),
        "actor names the admin token {token_id}: {tenant_created}"
    );
    let ours: Vec<&Value> = events.iter().take(pos("tenant.created") + 1).collect();
    assert!(
        ours.iter()
            .all(|e| e["actor"].to_string().contains(&token_id)),
        "every write names its token: {ours:?}"
    );
    let rotation = &events[pos("client.secret_rotated")];
    assert_eq!(rotation["tenant"], "audited");
    assert_eq!(rotation["target"], cid.as_str());

    let for_tenant = all_pages(&api, "/v2/admin/audit?tenant=audited", 50);
    assert!(
        for_tenant.iter().all(|e| e["tenant"] == "audited"),
        "{for_tenant:?}"
    );
    let tenant_kinds: BTreeSet<&str> = for_tenant.iter().map(|e| str_of(e, "kind")).collect();
    for k in [
        "tenant.created",
        "client.created",
        "client.secret_rotated",
        "api_key.created",
        "membership.set",
        "introspection.set",
        "upstream_oidc.set",
    ] {
        assert!(
            tenant_kinds.contains(k),
            "{k} under ?tenant=: {tenant_kinds:?}"
        );
    }
    assert!(!tenant_kinds.contains("admin_token.created"));
    let created = items(&api, "/v2/admin/audit?kind=client.created");
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["target"], cid.as_str());
    let for_account = items(&api, &format!("/v2/admin/audit?account={aid}"));
    assert!(!for_account.is_empty());
    assert!(
        for_account.iter().all(|e| e["account"] == aid.as_str()),
        "{for_account:?}"
    );
    assert_eq!(
        items(&api, "/v2/admin/audit?tenant=default&kind=client.created"),
        Vec::<Value>::new()
    );

    let audit_text = Value::from(events).to_string();
    let log = server.log();
    for (what, secret) in [
        ("client secret", str_of(&client, "client_secret")),
        ("rotated secret", str_of(&rotated, "client_secret")),
        ("API key", str_of(&key, "key")),
        ("password", password),
        ("new password", new_password),
        ("introspection secret", intro_secret),
        ("upstream secret", up_secret),
        ("admin token", str_of(&admin, "token")),
    ] {
        assert!(!audit_text.contains(secret), "{what} in the audit log");
        assert!(!log.contains(secret), "{what} in the process log");
    }
}

// ---------------------------------------------------------------------------------------
// Durability and concurrency

#[test]
fn an_acknowledged_write_survives_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start(tmp.path());
    let api = Api::new(&server);
    create_tenant(&api, "durable");
    let client = create(&api, "/v2/admin/tenants/durable/clients", &code_client()).body;
    let account = create_account(&api, "Durable-Dora");
    server.signal("KILL");
    let status = server.wait(Duration::from_secs(10));
    assert_eq!(status.code(), None, "killed by a signal, no clean exit");

    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let found = account_by_username(&api, "durable-dora");
    assert_eq!(found.len(), 1, "the account is on disk: {found:?}");
    assert_eq!(found[0]["id"], account["id"]);
    assert_eq!(found[0]["username"], "Durable-Dora");
    ok(&api, "GET", "/v2/admin/tenants/durable", None);
    let got = ok(
        &api,
        "GET",
        &format!(
            "/v2/admin/tenants/durable/clients/{}",
            str_of(&client, "client_id")
        ),
        None,
    );
    assert_eq!(got["name"], "Web app");
}

fn case_variant(word: &str, mask: u32) -> String {
    word.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask & (1 << i) != 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

#[test]
fn sixteen_racing_creates_of_one_username_make_one_account() {
    let (_tmp, server, _api) = start();
    let barrier = std::sync::Barrier::new(16);
    let replies: Vec<(String, Reply)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16u32)
            .map(|i| {
                let api = Api::new(&server);
                let barrier = &barrier;
                s.spawn(move || {
                    let username = case_variant("racer", i);
                    barrier.wait();
                    let reply = api.call(
                        "POST",
                        "/v2/admin/accounts",
                        Some(&json!({"username": username})),
                    );
                    (username, reply)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let statuses: Vec<u16> = replies.iter().map(|(_, r)| r.status).collect();
    let winners: Vec<&(String, Reply)> = replies.iter().filter(|(_, r)| r.status == 201).collect();
    assert_eq!(winners.len(), 1, "exactly one create wins: {statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        15,
        "the rest clash: {statuses:?}"
    );
    let (spelling, won) = winners[0];
    let api = Api::new(&server);
    let all = items(&api, "/v2/admin/accounts");
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["id"], won.body["id"]);
    assert_eq!(all[0]["username"], spelling.as_str());
    assert_eq!(account_by_username(&api, "RACER").len(), 1);
}
