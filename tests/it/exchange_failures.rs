//! Token exchange refusals, each with SPEC's status, a problem+json detail, an audit
//! event and nothing issued: bad API keys, refused foreign tokens, accounts that may not
//! sign in, and an IdP that errs, talks HTML, floods, hangs or is not trusted. A hanging
//! IdP blocks neither the rest of the appliance nor more than the bounded pool.

use crate::exchange::{FOREIGN, Fixture, put_introspection, start, start_with};
use crate::support::api::Reply;
use crate::support::server::Options;
use crate::support::test_idp::Answer;
use serde_json::json;

fn assert_problem(r: &Reply, status: u16, detail_has: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    assert_eq!(r.body["status"], status);
    let detail = r.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(detail_has),
        "`{detail_has}` not in `{detail}`"
    );
    assert!(r.body.get("accessToken").is_none());
}

/// The `detail` reasons of the failed exchanges so far, oldest first.
fn failure_reasons(f: &Fixture) -> Vec<String> {
    let mut reasons: Vec<String> = f
        .audit("exchange.failed")
        .iter()
        .map(|e| e["detail"].as_str().unwrap().to_owned())
        .collect();
    reasons.reverse();
    reasons
}

#[test]
fn foreign_tokens_the_idp_does_not_vouch_for_are_401() {
    let f = start();
    for (answer, detail) in [
        (
            json!({"active": false, "account_id": "ext-42"}),
            "not active",
        ),
        (json!({"account_id": "ext-42"}), "no `active` member"),
        (
            json!({"active": "true", "account_id": "ext-42"}),
            "not the JSON boolean true",
        ),
        (
            json!({"active": true, "account_id": "ext-42", "exp": 1000}),
            "expired",
        ),
    ] {
        f.idp.answer(move |_| Answer::Json(200, answer.clone()));
        assert_problem(&f.exchange(FOREIGN), 401, detail);
    }
    put_introspection(
        &f.api,
        &f.idp,
        json!({"expected_issuer": "https://idp.partner", "expected_audience": "latchkey"}),
    );
    f.idp.answer(|_| {
        Answer::Json(
            200,
            json!({"active": true, "account_id": "ext-42",
                                 "iss": "https://idp.partner", "aud": "someone-else"}),
        )
    });
    assert_problem(&f.exchange(FOREIGN), 401, "expected audience");
    f.idp.answer(|_| {
        Answer::Json(
            200,
            json!({"active": true, "account_id": "ext-42",
                                 "iss": "https://evil", "aud": "latchkey"}),
        )
    });
    assert_problem(&f.exchange(FOREIGN), 401, "expected issuer");
    f.idp.answer(|_| {
        Answer::Json(
            200,
            json!({"active": true, "account_id": "ext-42",
                                 "iss": "https://idp.partner", "client_id": "latchkey"}),
        )
    });
    // Six refusals have blocked this key for a moment; a fresh key shows the last answer.
    let fresh = crate::management::create(
        &f.api,
        "/v2/admin/tenants/partner/clients/app/api-keys",
        &json!({"label": "fresh"}),
    );
    let mut sso = crate::support::api::Api::new(&f.server);
    sso.authorization = Some(format!("API-key {}", fresh.body["key"].as_str().unwrap()));
    let r = sso.call(
        "POST",
        "/v2/sso/exchange-token",
        Some(&json!({"external_provider_access_token": FOREIGN})),
    );
    assert_eq!(
        r.status, 200,
        "client_id satisfies the audience: {}",
        r.body
    );
    assert_eq!(failure_reasons(&f), vec!["token_rejected"; 6]);
    f.assert_log_clean(&[]);
}

#[test]
fn an_idp_that_fails_is_502_with_its_status_but_not_its_body() {
    let f = start();
    f.idp.answer(|_| {
        Answer::Raw(
            500,
            "application/json",
            br#"{"secret_debug":"xyzzy"}"#.to_vec(),
        )
    });
    let r = f.exchange(FOREIGN);
    assert_problem(&r, 502, "HTTP 500");
    assert!(!r.body.to_string().contains("xyzzy"));
    f.idp.answer(|_| {
        Answer::Raw(
            200,
            "text/html",
            b"<html><body>Sign in</body></html>".to_vec(),
        )
    });
    assert_problem(&f.exchange(FOREIGN), 502, "content type `text/html`");
    f.idp.answer(|_| {
        let mut big = br#"{"active":true,"account_id":"ext-42","pad":""#.to_vec();
        big.extend(std::iter::repeat_n(b'a', 300 * 1024));
        big.extend(br#""}"#);
        Answer::Raw(200, "application/json", big)
    });
    assert_problem(&f.exchange(FOREIGN), 502, "larger than 262144 bytes");
    f.idp
        .answer(|_| Answer::Json(200, json!({"active": true, "sub": "ext-42"})));
    assert_problem(
        &f.exchange(FOREIGN),
        502,
        "no string or whole number at `/account_id`",
    );
    f.idp.answer(|_| Answer::Json(302, json!({})));
    assert_problem(&f.exchange(FOREIGN), 502, "HTTP 302");
    assert_eq!(f.idp.requests().len(), 5, "no redirect was followed");
    assert_eq!(failure_reasons(&f), vec!["idp_error"; 5]);
    assert_eq!(f.server.get("/healthz").0, 200);
}

#[test]
fn an_idp_response_head_over_16_kib_is_502_and_a_smaller_one_is_read() {
    let f = start();
    let vouched = json!({"active": true, "account_id": "ext-42"});
    let answer = vouched.clone();
    f.idp
        .answer(move |_| Answer::PaddedHead(12 * 1024, answer.clone()));
    let r = f.exchange(FOREIGN);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["accessToken"].is_string(), "{}", r.body);
    f.idp
        .answer(move |_| Answer::PaddedHead(20 * 1024, vouched.clone()));
    assert_problem(
        &f.exchange(FOREIGN),
        502,
        "the answer's head is larger than 16384 bytes",
    );
    assert_eq!(failure_reasons(&f), vec!["idp_error"]);
    assert_eq!(f.server.get("/healthz").0, 200);
}

#[test]
fn an_untrusted_idp_certificate_is_502_naming_tls() {
    let f = start();
    let r = f.api.call(
        "PUT",
        "/v2/admin/tenants/partner/introspection",
        Some(&json!({"url": format!("{}/introspect", f.idp.base), "client_id": "latchkey"})),
    );
    assert_eq!(r.status, 200, "a PUT without ca_pem drops it: {}", r.body);
    let r = f.exchange(FOREIGN);
    assert_problem(&r, 502, "TLS");
    assert!(r.body["detail"].as_str().unwrap().contains("ca_pem"));
    assert!(f.idp.requests().is_empty());
}

#[test]
fn bad_or_revoked_api_keys_and_bad_bodies_are_refused_before_the_idp() {
    let f = start();
    let mut sso = crate::support::api::Api::new(&f.server);
    for auth in [
        None,
        Some("API-key lkapi_wrong"),
        Some("Bearer lkapi_wrong"),
    ] {
        sso.authorization = auth.map(str::to_owned);
        let r = sso.call(
            "POST",
            "/v2/sso/exchange-token",
            Some(&json!({"external_provider_access_token": FOREIGN})),
        );
        assert_problem(&r, 401, "API key");
        assert_eq!(r.www_authenticate.as_deref(), Some("API-key"));
    }
    let malformed = f.sso.raw(
        "POST",
        "/v2/sso/exchange-token",
        Some("application/json"),
        b"{\"external_provider_access_token\": ".to_vec(),
    );
    assert_problem(&malformed, 400, "");
    let wrong_field = f.sso.call(
        "POST",
        "/v2/sso/exchange-token",
        Some(&json!({"token": FOREIGN})),
    );
    assert_problem(&wrong_field, 400, "external_provider_access_token");
    let form = f.sso.raw(
        "POST",
        "/v2/sso/exchange-token",
        Some("application/x-www-form-urlencoded"),
        format!("external_provider_access_token={FOREIGN}").into_bytes(),
    );
    assert_eq!(form.status, 415);
    let bad_utf8 = f.sso.raw(
        "POST",
        "/v2/sso/exchange-token",
        Some("application/json"),
        b"{\"external_provider_access_token\": \"\xff\"}".to_vec(),
    );
    assert_problem(&bad_utf8, 400, "UTF-8");
    let empty = f.exchange("");
    assert_problem(&empty, 400, "1 to");

    let revoked = f.api.call(
        "DELETE",
        &format!(
            "/v2/admin/tenants/partner/clients/app/api-keys/{}",
            f.api_key_id
        ),
        None,
    );
    assert_eq!(revoked.status, 204);
    assert_problem(&f.exchange(FOREIGN), 401, "API key");
    assert!(f.idp.requests().is_empty(), "nothing reached the IdP");
    assert!(f.audit("exchange").is_empty());
    let reasons = failure_reasons(&f);
    assert_eq!(reasons.iter().filter(|r| *r == "bad_api_key").count(), 4);
    assert_eq!(reasons.iter().filter(|r| *r == "bad_request").count(), 5);
    assert_eq!(f.server.get("/healthz").0, 200);
}

/// Review finding (issue 19, item 19g): the 403 told an unknown external id from a
/// disabled account; now one answer covers unknown, disabled and removed members.
#[test]
fn accounts_unknown_disabled_or_not_members_get_one_and_the_same_403() {
    let f = start();
    f.idp
        .answer(|_| Answer::Json(200, json!({"active": true, "account_id": "ext-unknown"})));
    let unknown = f.exchange(FOREIGN);
    f.idp
        .answer(|_| Answer::Json(200, json!({"active": true, "account_id": "ext-42"})));
    let patch = |disabled: bool| {
        let r = f.api.call(
            "PATCH",
            &format!("/v2/admin/accounts/{}", f.account),
            Some(&json!({"disabled": disabled})),
        );
        assert_eq!(r.status, 200);
    };
    patch(true);
    let disabled = f.exchange(FOREIGN);
    patch(false);
    assert_eq!(f.exchange(FOREIGN).status, 200);
    let removed = f.api.call(
        "DELETE",
        &format!("/v2/admin/tenants/partner/members/{}", f.account),
        None,
    );
    assert_eq!(removed.status, 204);
    let not_member = f.exchange(FOREIGN);
    for r in [&unknown, &disabled, &not_member] {
        assert_problem(r, 403, "no enabled member");
    }
    assert_eq!(unknown.body, disabled.body, "unknown and disabled differ");
    assert_eq!(
        unknown.body, not_member.body,
        "unknown and non-member differ"
    );
    assert_eq!(failure_reasons(&f), vec!["no_account"; 3]);
}

#[test]
fn a_hanging_idp_times_out_with_504_while_the_rest_answers_and_the_pool_stays_bounded() {
    let f = start_with(Options {
        env: vec![("LATCHKEY_LIMITS_MAX_OUTBOUND_CALLS".into(), "2".into())],
        ..Options::default()
    });
    put_introspection(&f.api, &f.idp, json!({"timeout_ms": 5000}));
    f.idp.answer(|_| Answer::Hang);
    let f = std::sync::Arc::new(f);
    let hung: Vec<_> = (0..2)
        .map(|_| {
            let f = std::sync::Arc::clone(&f);
            std::thread::spawn(move || f.exchange(FOREIGN))
        })
        .collect();
    f.idp.wait_for_requests(2);

    let busy = f.exchange(FOREIGN);
    assert_problem(&busy, 503, "in flight");
    assert_eq!(busy.retry_after.as_deref(), Some("1"));
    let (health, discovery) = (
        f.server.get("/healthz").0,
        f.server
            .get("/t/partner/.well-known/openid-configuration")
            .0,
    );
    assert_eq!((health, discovery), (200, 200));
    assert!(
        hung.iter().all(|h| !h.is_finished()),
        "other endpoints answered while both IdP calls were still hanging"
    );
    for h in hung {
        assert_problem(&h.join().unwrap(), 504, "within 5000 ms");
    }
    f.idp.release();
    f.idp
        .answer(|_| Answer::Json(200, json!({"active": true, "account_id": "ext-42"})));
    assert_eq!(f.exchange(FOREIGN).status, 200, "the pool is free again");
    let reasons = failure_reasons(&f);
    assert_eq!(reasons.iter().filter(|r| *r == "idp_timeout").count(), 2);
    assert_eq!(reasons.iter().filter(|r| *r == "idp_busy").count(), 1);
}

#[test]
fn refused_tokens_block_their_api_key_and_bad_keys_block_their_address() {
    let f = start();
    // Five free failures, then doubling blocks; bounded, so a slow machine on which a
    // one-second block lapses only adds a try.
    let mut seen = Vec::new();
    let blocked = loop {
        let r = f.exchange("not-active");
        seen.push(r.status);
        if r.status == 429 || seen.len() == 20 {
            break r;
        }
    };
    assert_problem(&blocked, 429, "retry in");
    assert!(
        blocked
            .retry_after
            .as_deref()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(&seen[..5], &[401; 5], "five free failures first: {seen:?}");
    let refused = seen.iter().filter(|s| **s == 401).count();
    assert_eq!(
        f.idp.requests().len(),
        refused,
        "a blocked key causes no IdP call"
    );

    let other = crate::management::create(
        &f.api,
        "/v2/admin/tenants/partner/clients/app/api-keys",
        &json!({"label": "second"}),
    );
    let mut second = crate::support::api::Api::new(&f.server);
    second.authorization = Some(format!("API-key {}", other.body["key"].as_str().unwrap()));
    let exchange = |api: &crate::support::api::Api| {
        api.call(
            "POST",
            "/v2/sso/exchange-token",
            Some(&json!({"external_provider_access_token": FOREIGN})),
        )
    };
    assert_eq!(exchange(&second).status, 200, "another key is not blocked");

    let mut wrong = crate::support::api::Api::new(&f.server);
    wrong.authorization = Some("API-key lkapi_wrong".into());
    let mut bad = Vec::new();
    while bad.last() != Some(&429) && bad.len() < 60 {
        bad.push(exchange(&wrong).status);
    }
    assert_eq!(
        bad.last(),
        Some(&429),
        "bad keys get the address blocked: {bad:?}"
    );
    assert_eq!(
        &bad[..50],
        &[401; 50],
        "fifty free failures per address alone"
    );
    let targets: Vec<String> = f
        .audit("rate_limited")
        .iter()
        .map(|e| e["target"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        targets.iter().any(|t| t.starts_with("api_key:")),
        "{targets:?}"
    );
    assert!(
        targets.iter().any(|t| t.contains("127.0.0.1")),
        "{targets:?}"
    );
    assert!(failure_reasons(&f).contains(&"rate_limited".to_owned()));
}
