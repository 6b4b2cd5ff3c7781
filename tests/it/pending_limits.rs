//! Requests nobody authenticated cannot grow the store without bound (issue 19, item 6):
//! a pending authorization keeps only the parameters SPEC defines, each length-limited
//! and 8 KiB in all (400 otherwise), and one address may create only so many of them
//! (429 with `Retry-After` past `[limits] pending_authorizations_per_address`).

use crate::oidc_code::{REDIRECT, begin, code_from, rp_client, start, start_with};
use crate::support::browser::{Browser, input_value};
use crate::support::server::{Options, Server};

/// An online backup of the whole store.
fn backup(server: &Server) -> Vec<u8> {
    let mut resp = server
        .agent()
        .post(&format!("{}/v2/admin/backup", server.base))
        .header("authorization", &format!("Bearer {}", server.admin_token()))
        .send_empty()
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap()
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn a_pending_authorization_keeps_nothing_of_unknown_parameters_or_hints() {
    let f = start();
    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let junk = format!("unknown-marker-{}", "j".repeat(9 * 1024));
    let url = format!("{}&junk={junk}&login_hint=hint-marker-alice", started.url);
    let browser = Browser::new(&f.server);
    let first = browser.get(&url);
    assert_eq!(first.status, 303, "{}", first.body);
    let login = first.location.unwrap();
    assert!(login.contains("login_hint=hint-marker-alice"), "{login}");

    let stored = backup(&f.server);
    assert!(
        holds(&stored, started.state.secret()),
        "the pending authorization is in the store"
    );
    assert!(
        !holds(&stored, "unknown-marker-"),
        "the unknown parameter was stored"
    );
    assert!(!holds(&stored, "hint-marker-"), "the login hint was stored");

    let form = browser.get(&login);
    let done = browser.post(
        "/t/acme/login",
        &[
            ("csrf", &input_value(&form.body, "csrf")),
            ("request", &input_value(&form.body, "request")),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    code_from(&done.location.unwrap(), &started.state);
}

#[test]
fn over_long_authorize_parameters_are_refused_with_400() {
    let f = start();
    let client = rp_client(&f);
    let long = |n: usize| "x".repeat(n);
    let cases = [
        ("state", long(4097)),
        ("nonce", long(2049)),
        ("login_hint", long(257)),
        ("client_id", long(257)),
        ("redirect_uri", format!("{REDIRECT}{}", long(4096))),
    ];
    for (name, value) in cases {
        let url = replace(&begin(&client, &[]).url, name, &value);
        let page = Browser::new(&f.server).get(&url);
        assert_eq!(page.status, 400, "{name}: {}", page.body);
        assert!(page.location.is_none(), "{name}: no redirect");
        assert!(page.body.contains(name), "{name}: {}", page.body);
    }
    let in_all = replace(
        &replace(&begin(&client, &[]).url, "state", &long(4080)),
        "scope",
        &format!("openid {}", long(4080)),
    );
    let page = Browser::new(&f.server).get(&in_all);
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("in all"), "{}", page.body);
}

#[test]
fn one_address_may_start_only_so_many_sign_ins_and_others_are_still_served() {
    let f = start_with(Options {
        env: vec![
            ("LATCHKEY_TRUSTED_PROXIES".into(), "127.0.0.1".into()),
            (
                "LATCHKEY_LIMITS_PENDING_AUTHORIZATIONS_PER_ADDRESS".into(),
                "3".into(),
            ),
        ],
        ..Options::default()
    });
    let client = rp_client(&f);
    let signed_in = Browser::at(&f.server, "203.0.113.7");
    let started = begin(&client, &[]);
    let done = signed_in.sign_in(&started.url, "alice", "correct horse battery");
    code_from(&done.location.unwrap(), &started.state);
    let to_login = |address: &str| {
        let page = Browser::at(&f.server, address).get(&begin(&client, &[]).url);
        (page.status, page.location.unwrap_or_default())
    };
    for n in 2..=3 {
        let (status, location) = to_login("203.0.113.7");
        assert!(status == 303 && location.contains("/login?"), "sign-in {n}");
    }
    let refused = Browser::at(&f.server, "203.0.113.7").get(&begin(&client, &[]).url);
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.retry_after.is_some_and(|r| r > 0));
    assert!(refused.headers["content-type"].starts_with("text/html"));
    assert!(
        refused.body.contains("Too many sign-ins"),
        "{}",
        refused.body
    );

    let (status, location) = to_login("198.51.100.9");
    assert!(
        status == 303 && location.contains("/login?"),
        "another address"
    );
    let again = begin(&client, &[]);
    let answered = signed_in.get(&again.url);
    code_from(&answered.location.unwrap(), &again.state);
}

/// `url` with the query parameter `name` set to `value`.
fn replace(url: &str, name: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair(name, value);
    parsed.to_string()
}
