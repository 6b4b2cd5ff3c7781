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

/// Six bad client authentications from `from` (an `X-Forwarded-For` value), each with a
/// new client id so that only the address accumulates failures; then the seventh status.
fn seventh_from(server: &crate::support::server::Server, from: &str) -> u16 {
    let attempt = |i: usize| {
        server
            .agent()
            .post(&format!("{}/t/default/token", server.base))
            .header("x-forwarded-for", from)
            .content_type("application/x-www-form-urlencoded")
            .send(format!(
                "grant_type=client_credentials&client_id=nobody-{from}-{i}&client_secret=x"
            ))
            .unwrap()
            .status()
            .as_u16()
    };
    for i in 0..6 {
        assert_eq!(attempt(i), 401);
    }
    attempt(6)
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
    assert_eq!(
        seventh_from(&behind, "203.0.113.7"),
        429,
        "that client is slowed down"
    );
    assert_eq!(
        seventh_from(&behind, "198.51.100.9"),
        429,
        "another client has its own count, and is slowed down only after its own failures"
    );
    let fresh = behind
        .agent()
        .post(&format!("{}/t/default/token", behind.base))
        .header("x-forwarded-for", "192.0.2.55")
        .content_type("application/x-www-form-urlencoded")
        .send("grant_type=client_credentials&client_id=someone&client_secret=x")
        .unwrap();
    assert_eq!(
        fresh.status(),
        401,
        "a third client is not blocked by the others"
    );

    let direct = crate::support::server::Server::start(&tmp.path().join("direct"));
    assert_eq!(seventh_from(&direct, "203.0.113.7"), 429);
    let spoofed = direct
        .agent()
        .post(&format!("{}/t/default/token", direct.base))
        .header("x-forwarded-for", "192.0.2.55")
        .content_type("application/x-www-form-urlencoded")
        .send("grant_type=client_credentials&client_id=someone&client_secret=x")
        .unwrap();
    assert_eq!(
        spoofed.status(),
        429,
        "without a trusted proxy the header is ignored: the peer itself is blocked"
    );
}
