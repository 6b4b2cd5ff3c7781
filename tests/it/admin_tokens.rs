//! Admin tokens through the management API, and the API's handling of bad requests.

use crate::support::api::Api;
use crate::support::server::{Server, run};
use serde_json::json;

#[test]
fn create_list_use_and_revoke_an_admin_token() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);

    let created = api.call(
        "POST",
        "/v2/admin/tokens",
        Some(&json!({"label": "ci robot"})),
    );
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let token = created.body["token"].as_str().unwrap().to_owned();
    assert_eq!(created.body["label"], "ci robot");
    assert!(token.starts_with("lkadm_") && token.len() >= 49);
    assert!(created.body["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        created.location.as_deref(),
        Some(format!("/v2/admin/tokens/{id}").as_str())
    );

    let robot = Api::with_token(&server, &token);
    let listed = robot.call("GET", "/v2/admin/tokens", None);
    assert_eq!(listed.status, 200);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "first token and the new one: {items:?}");
    assert!(
        items
            .iter()
            .all(|t| t.get("token").is_none() && t.get("token_hash").is_none())
    );
    assert!(listed.body["next"].is_null());
    assert!(
        !server.log().contains(&token),
        "a created token never reaches the log"
    );

    assert_eq!(
        api.call("DELETE", &format!("/v2/admin/tokens/{id}"), None)
            .status,
        204
    );
    let refused = robot.call("GET", "/v2/admin/tokens", None);
    assert_eq!(refused.status, 401, "a revoked token stops working");
    let again = api.call("DELETE", &format!("/v2/admin/tokens/{id}"), None);
    assert_eq!(again.status, 404);
    assert!(again.body["detail"].as_str().unwrap().contains(&id));
}

#[test]
fn lists_are_paginated_with_a_cursor() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    for i in 0..4 {
        assert_eq!(
            api.call(
                "POST",
                "/v2/admin/tokens",
                Some(&json!({"label": format!("t{i}")}))
            )
            .status,
            201
        );
    }
    let mut seen = Vec::new();
    let mut path = "/v2/admin/tokens?limit=2".to_owned();
    loop {
        let page = api.call("GET", &path, None);
        assert_eq!(page.status, 200);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|t| t["id"].as_str().unwrap().to_owned()));
        match page.body["next"].as_str() {
            Some(next) => path = format!("/v2/admin/tokens?limit=2&after={next}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        (seen.len(), sorted.len()),
        (5, 5),
        "every token exactly once: {seen:?}"
    );
    assert_eq!(
        api.call("GET", "/v2/admin/tokens?limit=0", None).status,
        400
    );
}

#[test]
fn missing_wrong_or_non_bearer_tokens_get_401_with_www_authenticate() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let token = server.admin_token();
    for auth in [
        None,
        Some("Bearer lkadm_wrong".to_owned()),
        Some(format!("Basic {token}")),
        Some(token.clone()),
    ] {
        let mut api = Api::new(&server);
        api.authorization = auth.clone();
        let reply = api.call("GET", "/v2/admin/tokens", None);
        assert_eq!(reply.status, 401, "{auth:?}");
        assert_eq!(reply.content_type, "application/problem+json");
        assert!(reply.www_authenticate.unwrap().starts_with("Bearer"));
    }
    let mut api = Api::new(&server);
    api.authorization = Some(format!("bearer {token}"));
    assert_eq!(
        api.call("GET", "/v2/admin/tokens", None).status,
        200,
        "the scheme is case-insensitive"
    );
}

#[test]
fn bad_bodies_get_clear_4xx_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    let cases: Vec<(Option<&str>, Vec<u8>, u16, &str)> = vec![
        (
            Some("text/plain"),
            br#"{"label":"x"}"#.to_vec(),
            415,
            "application/json",
        ),
        (
            Some("application/json"),
            b"{\"label\":".to_vec(),
            400,
            "malformed JSON",
        ),
        (
            Some("application/json"),
            b"{\"label\":\"\xff\xfe\"}".to_vec(),
            400,
            "UTF-8",
        ),
        (
            Some("application/json"),
            br#"{"label":"x","admin":true}"#.to_vec(),
            400,
            "admin",
        ),
        (Some("application/json"), br#"{}"#.to_vec(), 400, "label"),
        (
            Some("application/json"),
            br#"{"label":"  "}"#.to_vec(),
            400,
            "label",
        ),
        (
            Some("application/json"),
            format!("{{\"label\":\"{}\"}}", "x".repeat(70_000)).into_bytes(),
            413,
            "larger than",
        ),
        (None, Vec::new(), 400, "label"),
    ];
    for (ct, body, status, needle) in cases {
        let reply = api.raw("POST", "/v2/admin/tokens", ct, body);
        assert_eq!(reply.status, status, "{ct:?}: {:?}", reply.body);
        assert_eq!(reply.content_type, "application/problem+json");
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(detail.contains(needle), "{ct:?}: {detail}");
    }
    let listed = api.call("GET", "/v2/admin/tokens", None);
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "nothing was created"
    );
    let wrong_method = api.call("PUT", "/v2/admin/tokens", None);
    assert_eq!(
        (wrong_method.status, wrong_method.allow.as_deref()),
        (405, Some("GET, POST"))
    );
    assert_eq!(server.get("/healthz").0, 200, "the server keeps serving");
}

#[test]
fn a_token_printed_by_init_works_once_the_server_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(&["init", "--data-dir", tmp.path().to_str().unwrap()], &[]);
    assert_eq!(code, 0);
    let server = Server::start(tmp.path());
    let api = Api::with_token(&server, stdout.trim());
    let listed = api.call("GET", "/v2/admin/tokens", None);
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["items"][0]["label"], "created by latchkey init");
    assert!(
        !tmp.path().join("admin-token").exists(),
        "init made a token, so serve writes none"
    );
}
