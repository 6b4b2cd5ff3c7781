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
    for _ in 0..9 {
        statuses.push(
            browser
                .sign_in(&begin(&client, &[]).url, "alice", "wrong password")
                .status,
        );
    }
    assert_eq!(
        &statuses[..5],
        &[401; 5],
        "five free failures: {statuses:?}"
    );
    assert!(statuses[5..].contains(&429), "then 429: {statuses:?}");

    let login = browser.get(&browser.get(&begin(&client, &[]).url).location.unwrap());
    let resp = f
        .server
        .agent()
        .run(
            ureq::http::Request::post(format!("{}/t/acme/login", f.server.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    format!(
                        "csrf={}&request={}&username=alice&password=correct+horse+battery",
                        input_value(&login.body, "csrf"),
                        input_value(&login.body, "request")
                    )
                    .into_bytes(),
                )
                .unwrap(),
        )
        .unwrap();
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
    let mut last = (0, Value::Null, None);
    for _ in 0..9 {
        let resp = f
            .server
            .agent()
            .run(
                ureq::http::Request::post(format!("{}/t/acme/token", f.server.base))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(
                        b"grant_type=client_credentials&client_id=web&client_secret=wrong".to_vec(),
                    )
                    .unwrap(),
            )
            .unwrap();
        let retry = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        last = (
            resp.status().as_u16(),
            serde_json::from_str(&resp.into_body().read_to_string().unwrap()).unwrap(),
            retry,
        );
    }
    assert_eq!(last.0, 429, "{last:?}");
    assert_eq!(last.1["error"], "slow_down");
    assert!(last.2.is_some(), "Retry-After is set");
}
