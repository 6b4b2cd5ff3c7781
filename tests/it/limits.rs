//! Failed sign-ins and failed client authentication slow down with growing delays:
//! 429 with `Retry-After`, audited, and the right password does not get through a block.
//! The tight counters are per address and username (or client, or API key), so no one
//! blocks another party from elsewhere: a server that trusts the loopback address as
//! its proxy lets each test play clients at many addresses through `X-Forwarded-For`.

use crate::oidc_code::{REDIRECT, begin, rp_client, start, start_with};
use crate::support::browser::{Browser, input_value};
use crate::support::server::{Options, Server};
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
    assert_eq!(
        resp.status(),
        429,
        "blocked as soon as the form is read, before its token is checked"
    );
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
    assert!(targets.contains(&"user:alice ip:127.0.0.1"), "{targets:?}");
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

/// One bad client authentication from `from` (an `X-Forwarded-For` value), always for
/// the same client id, so the (address, client) counter of the address it is counted
/// on accumulates.
fn fail_from(server: &Server, from: &str) -> u16 {
    token_from(
        server,
        "default",
        from,
        "grant_type=client_credentials&client_id=nobody&client_secret=x",
    )
    .0
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
        "behind a trusted proxy each address has its own count: three and three block nobody"
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

/// POSTs a token request `body` to tenant `tenant` from `from` (an `X-Forwarded-For`
/// value): status, `Retry-After`, JSON body.
fn token_from(server: &Server, tenant: &str, from: &str, body: &str) -> (u16, Option<u64>, Value) {
    let mut resp = server
        .agent()
        .post(&format!("{}/t/{tenant}/token", server.base))
        .header("x-forwarded-for", from)
        .content_type("application/x-www-form-urlencoded")
        .send(body)
        .unwrap();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let text = resp.body_mut().read_to_string().unwrap();
    (
        resp.status().as_u16(),
        retry,
        serde_json::from_str(&text).unwrap(),
    )
}

/// A server behind a trusted proxy (the loopback address), whose blocks last a minute
/// so that none lapses while a test looks at it.
fn behind_proxy() -> Options {
    Options {
        env: vec![
            ("LATCHKEY_TRUSTED_PROXIES".into(), "127.0.0.1".into()),
            ("LATCHKEY_RATE_LIMITS_FIRST_DELAY_SECS".into(), "60".into()),
        ],
        ..Options::default()
    }
}

/// Five free failures, a sixth that starts the block, and a seventh refused.
const TIGHT: [u16; 7] = [401, 401, 401, 401, 401, 401, 429];

#[test]
fn a_client_is_not_locked_out_by_bad_secrets_from_other_addresses() {
    let f = start_with(behind_proxy());
    let wrong = "grant_type=client_credentials&client_id=web&client_secret=wrong";
    for n in 0..12 {
        let (status, _, body) = token_from(&f.server, "acme", &format!("203.0.113.{n}"), wrong);
        assert_eq!(
            (status, &body["error"]),
            (401, &"invalid_client".into()),
            "try {n}"
        );
    }
    let right = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", "web")
        .append_pair("client_secret", &f.secret)
        .finish();
    let authenticated = || token_from(&f.server, "acme", "198.51.100.1", &right);
    let (status, _, body) = authenticated();
    assert_eq!(
        (status, &body["error"]),
        (400, &"unauthorized_client".into()),
        "the secret was accepted (the client may not use this grant): not blocked"
    );

    let tries: Vec<_> = (0..7)
        .map(|_| token_from(&f.server, "acme", "192.0.2.9", wrong))
        .collect();
    let statuses: Vec<u16> = tries.iter().map(|t| t.0).collect();
    assert_eq!(
        statuses, TIGHT,
        "one address is still blocked for this client"
    );
    let (_, retry, body) = &tries[6];
    assert_eq!(body["error"], "slow_down");
    assert!(retry.is_some_and(|r| r >= 1), "{retry:?}");
    assert_eq!(
        authenticated().0,
        400,
        "the client's own address still gets through"
    );
}

#[test]
fn a_public_client_is_never_blocked_by_bogus_secrets() {
    let f = start_with(behind_proxy());
    let bogus = "grant_type=authorization_code&client_id=spa&client_secret=bogus&code=x";
    for n in 0..12 {
        let (status, ..) = token_from(&f.server, "acme", &format!("203.0.113.{n}"), bogus);
        assert_eq!(status, 401, "from a new address, try {n}");
    }
    for n in 0..12 {
        let (status, ..) = token_from(&f.server, "acme", "192.0.2.9", bogus);
        assert_eq!(
            status, 401,
            "from one address, try {n}: its id is not counted"
        );
    }
    let redeem = "grant_type=authorization_code&client_id=spa&code=unknown\
                  &redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcb\
                  &code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let (status, _, body) = token_from(&f.server, "acme", "198.51.100.1", redeem);
    assert_eq!(
        (status, &body["error"]),
        (400, &"invalid_grant".into()),
        "the public client is served: {body}"
    );
}

#[test]
fn wrong_passwords_from_other_addresses_do_not_block_the_real_user() {
    let f = start_with(behind_proxy());
    let client = rp_client(&f);
    let sign_in = |from: &str, password: &str| {
        Browser::at(&f.server, from).sign_in(&begin(&client, &[]).url, "alice", password)
    };
    for n in 0..6 {
        let page = sign_in(&format!("203.0.113.{n}"), "wrong password");
        assert_eq!(page.status, 401, "try {n}");
    }
    let guesser = Browser::at(&f.server, "192.0.2.9");
    let pages: Vec<_> = (0..7)
        .map(|_| guesser.sign_in(&begin(&client, &[]).url, "alice", "wrong password"))
        .collect();
    let statuses: Vec<u16> = pages.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses, TIGHT,
        "one address is still blocked for this username"
    );
    assert!(pages[6].retry_after.is_some_and(|r| r >= 1));

    let real = sign_in("198.51.100.1", "correct horse battery");
    assert_eq!(real.status, 303, "{}", real.body);
    assert!(real.location.unwrap().starts_with(REDIRECT));
    let audit = f.api.call("GET", "/v2/admin/audit?kind=rate_limited", None);
    let targets: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        ["user:alice ip:192.0.2.9"],
        "the one block is audited"
    );
}

#[test]
fn sign_in_failures_at_a_tenant_do_not_block_the_admin_ui() {
    let f = start_with(Options {
        env: vec![
            (
                "LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_ADDRESS".into(),
                "5".into(),
            ),
            ("LATCHKEY_RATE_LIMITS_FIRST_DELAY_SECS".into(), "60".into()),
        ],
        ..Options::default()
    });
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let statuses: Vec<u16> = (0..7)
        .map(|n| {
            let url = begin(&client, &[]).url;
            browser.sign_in(&url, &format!("user-{n}"), "x").status
        })
        .collect();
    assert_eq!(
        statuses, TIGHT,
        "the address alone is blocked at the tenant"
    );

    let admin_sign_in = |token: &str| {
        let admin = Browser::new(&f.server);
        let form = admin.get("/admin/login");
        let csrf = input_value(&form.body, "csrf");
        admin.post("/admin/login", &[("csrf", &csrf), ("token", token)])
    };
    assert_eq!(
        admin_sign_in(&f.server.admin_token()).status,
        303,
        "the admin UI counts its own failures"
    );
    let statuses: Vec<u16> = (0..7).map(|_| admin_sign_in("wrong").status).collect();
    assert_eq!(statuses, TIGHT, "and blocks on them");
}

#[test]
fn refused_foreign_tokens_block_an_api_key_only_at_their_address() {
    let mut f = crate::exchange::start_with(behind_proxy());
    f.sso.forwarded_for = Some("192.0.2.9".into());
    let statuses: Vec<u16> = (0..7).map(|_| f.exchange("not-active").status).collect();
    assert_eq!(
        statuses, TIGHT,
        "refused tokens block the key at their address"
    );
    f.sso.forwarded_for = Some("198.51.100.1".into());
    assert_eq!(
        f.exchange(crate::exchange::FOREIGN).status,
        200,
        "users elsewhere are still served"
    );
}

/// Security events reach the log as lines of their own (for fail2ban and the like),
/// naming what the audit event names and nothing secret.
#[test]
fn a_failed_sign_in_is_a_log_line_without_the_password() {
    let f = crate::oidc_code::start();
    let client = crate::oidc_code::rp_client(&f);
    let started = crate::oidc_code::begin(&client, &[]);
    let answer = crate::support::browser::Browser::new(&f.server).sign_in(
        &started.url,
        "alice",
        "not-the-password-xyz",
    );
    assert_eq!(answer.status, 401, "{}", answer.body);
    let log = f.server.wait_for_log("security event login.failed");
    let line = log
        .lines()
        .find(|l| l.contains("security event login.failed"))
        .unwrap();
    assert!(
        line.contains("tenant=acme") || line.contains("tenant: acme"),
        "{line}"
    );
    assert!(
        !log.contains("not-the-password-xyz"),
        "no password in the log"
    );
}
