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
