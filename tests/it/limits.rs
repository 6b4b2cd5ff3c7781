//! Failed sign-ins and failed client authentication slow down with growing delays:
//! 429 with `Retry-After`, audited, and the right password does not get through a block.

use crate::oidc_code::{begin, rp_client, start};
use crate::support::browser::{Browser, input_value};
use serde_json::Value;

#[test]
fn repeated_wrong_passwords_are_slowed_down_and_audited() {
    let f = start();
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let mut statuses = Vec::new();
    // Fail until the block is at least 2 s long, so the check below has a margin; 429s
    // do not count as failures, so this keeps trying (bounded) until a block lapses.
    loop {
        let page = browser.sign_in(&begin(&client, &[]).url, "alice", "wrong password");
        statuses.push(page.status);
        if page.retry_after.is_some_and(|r| r >= 2) || statuses.len() >= 2000 {
            break;
        }
    }
    assert_eq!(&statuses[..5], &[401; 5], "five free failures first");
    assert_eq!(statuses.last(), Some(&429), "then 429");

    let login = browser.get(&browser.get(&begin(&client, &[]).url).location.unwrap());
    let resp = f.server.post(
        "/t/acme/login",
        "application/x-www-form-urlencoded",
        format!(
            "csrf={}&request={}&username=alice&password=correct+horse+battery",
            input_value(&login.body, "csrf"),
            input_value(&login.body, "request")
        )
        .into_bytes(),
    );
    assert_eq!(resp.status(), 429, "blocked before the form is even read");
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let audit = f.api.call("GET", "/v2/admin/audit?kind=rate_limited", None);
    let targets: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert!(
        targets.contains(&"user:alice") && targets.contains(&"ip:127.0.0.1"),
        "{targets:?}"
    );
}

#[test]
fn repeated_bad_client_secrets_get_429_with_retry_after() {
    let f = start();
    let mut seen = Vec::new();
    // Five free failures, then doubling blocks: a 429 must come within a few more tries
    // (bounded, so a slow machine that lets a short block lapse only adds a try).
    for _ in 0..20 {
        let resp = f.server.post(
            "/t/acme/token",
            "application/x-www-form-urlencoded",
            b"grant_type=client_credentials&client_id=web&client_secret=wrong".to_vec(),
        );
        let status = resp.status().as_u16();
        let retry = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let body: Value =
            serde_json::from_str(&resp.into_body().read_to_string().unwrap()).unwrap();
        seen.push(status);
        if status == 429 {
            assert_eq!(body["error"], "slow_down");
            assert!(retry.is_some(), "Retry-After is set");
            assert_eq!(&seen[..5], &[401; 5], "five free failures first: {seen:?}");
            return;
        }
        assert_eq!(body["error"], "invalid_client");
    }
    panic!("no 429 after {seen:?}");
}

/// One bad client authentication from `from` (an `X-Forwarded-For` value), with a new
/// client id each time so that only the address accumulates failures.
fn fail_from(server: &crate::support::server::Server, from: &str) -> u16 {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    server
        .agent()
        .post(&format!("{}/t/default/token", server.base))
        .header("x-forwarded-for", from)
        .content_type("application/x-www-form-urlencoded")
        .send(format!(
            "grant_type=client_credentials&client_id=nobody-{n}&client_secret=x"
        ))
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn x_forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let tmp = tempfile::tempdir().unwrap();
    let behind = crate::support::server::Server::start_with(
        &tmp.path().join("behind"),
        crate::support::server::Options {
            env: vec![(
                "LATCHKEY_TRUSTED_PROXIES".into(),
                "127.0.0.1, 10.0.0.0/8".into(),
            )],
            ..Default::default()
        },
    );
    let direct = crate::support::server::Server::start(&tmp.path().join("direct"));
    for server in [&behind, &direct] {
        for from in ["203.0.113.7", "198.51.100.9"] {
            for _ in 0..3 {
                assert_eq!(fail_from(server, from), 401, "under five failures");
            }
        }
    }
    assert_eq!(
        fail_from(&behind, "192.0.2.55"),
        401,
        "behind a trusted proxy each client has its own count: three and three block nobody"
    );
    let mut tries = Vec::new();
    while tries.last() != Some(&429) && tries.len() < 3 {
        tries.push(fail_from(&direct, "192.0.2.55"));
    }
    assert_eq!(
        tries.last(),
        Some(&429),
        "without a trusted proxy the header is ignored: all six counted on the peer, \
         which is blocked within three more tries (a lone address would need six): {tries:?}"
    );
}
