//! Recovery links over HTTPS: made by the management API (every validation), opened
//! and used by a cookie-keeping browser; single use (also under a race), voided by a
//! newer link, refused at another tenant or tampered, ending the account's sessions
//! and refresh tokens, onboarding an account without a password, enrolling TOTP where
//! the tenant requires it, rate limited per address but never per username.
#![allow(
    clippy::disallowed_methods,
    reason = "TOTP codes depend on the real time, which the server reads too"
)]

use crate::oidc_code::{Fixture, REDIRECT, begin, code_from, redeem, rp_client, start, start_with};
use crate::support::browser::{Browser, Page, attribute, input_value, redirect_params};
use crate::support::rp;
use crate::support::server::Options;
use openidconnect::OAuth2TokenResponse;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

fn link(f: &Fixture, account: &str, body: Option<&Value>) -> crate::support::api::Reply {
    f.api.call(
        "POST",
        &format!("/v2/admin/accounts/{account}/recovery-link"),
        body,
    )
}

/// A new link for `account`: its URL, which must be on this server.
fn new_link(f: &Fixture, account: &str) -> String {
    let reply = link(f, account, None);
    assert_eq!(reply.status, 201, "{}", reply.body);
    let url = reply.body["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("{}/t/", f.server.base)), "{url}");
    url
}

fn create_bob(f: &Fixture) -> String {
    let bob = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/accounts",
        Some(&json!({"username": "bob", "scopes": []})),
    );
    assert_eq!(bob.status, 201, "{}", bob.body);
    bob.body["id"].as_str().unwrap().to_owned()
}

/// Posts the link page's form.
fn set(browser: &Browser, page: &Page, password: &str, extra: &[(&str, &str)]) -> Page {
    let mut fields = vec![
        ("csrf".to_owned(), input_value(&page.body, "csrf")),
        ("token".to_owned(), input_value(&page.body, "token")),
        ("password".to_owned(), password.to_owned()),
        ("confirm".to_owned(), password.to_owned()),
    ];
    fields.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post(&attribute(&page.body, "form", "action"), &pairs)
}

fn assert_invalid(page: &Page) {
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        page.body.contains("This recovery link does not work"),
        "{}",
        page.body
    );
}

#[test]
fn the_api_validates_every_field_and_picks_the_tenant() {
    let f = start();
    let bob = create_bob(&f);
    let reply = link(&f, &bob, Some(&json!({"ttl_secs": 600})));
    assert_eq!(reply.status, 201, "{}", reply.body);
    let url = reply.body["url"].as_str().unwrap();
    let token = url
        .strip_prefix(&format!("{}/t/acme/recover?token=", f.server.base))
        .unwrap_or_else(|| panic!("{url}"));
    assert_eq!(token.len(), 43, "256 bits, base64url");
    assert!(reply.body["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(reply.body.as_object().unwrap().len(), 2, "{}", reply.body);
    for (body, field) in [
        (json!({"ttl_secs": 299}), "ttl_secs"),
        (json!({"ttl_secs": 604_801}), "ttl_secs"),
        (json!({"ttl_secs": "600"}), "ttl_secs"),
        (json!({"tenant": "default"}), "tenant"),
        (json!({"lifetime": 600}), "lifetime"),
    ] {
        let r = link(&f, &bob, Some(&body));
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap().contains(field),
            "{body}: {}",
            r.body
        );
    }
    assert_eq!(link(&f, "no-such-account", None).status, 404);
    let path = format!("/v2/admin/accounts/{bob}");
    let off = f.api.call("PATCH", &path, Some(&json!({"disabled": true})));
    assert_eq!(off.status, 200, "{}", off.body);
    let disabled = link(&f, &bob, None);
    assert_eq!(disabled.status, 400, "{}", disabled.body);
    let on = f
        .api
        .call("PATCH", &path, Some(&json!({"disabled": false})));
    assert_eq!(on.status, 200, "{}", on.body);
    assert_eq!(link(&f, &bob, Some(&json!({"tenant": "nope"}))).status, 404);
    let put = f.api.call(
        "PUT",
        &format!("/v2/admin/tenants/default/members/{bob}"),
        Some(&json!({"scopes": []})),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let several = link(&f, &bob, None);
    assert_eq!(several.status, 400, "{}", several.body);
    assert!(
        several.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("tenant: ")
    );
    let named = link(&f, &bob, Some(&json!({"tenant": "default"})));
    assert!(
        named.body["url"]
            .as_str()
            .unwrap()
            .contains("/t/default/recover?token=")
    );
    let loner = f.api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": "carl"})),
    );
    let url = new_link(&f, loner.body["id"].as_str().unwrap());
    assert!(
        url.contains("/t/default/recover?token="),
        "no tenant: default"
    );

    let audit = f
        .api
        .call("GET", "/v2/admin/audit?kind=recovery_link.created", None);
    let events = audit.body["items"].as_array().unwrap();
    assert_eq!(events.len(), 3, "{}", audit.body);
    assert_eq!(events[2]["detail"], "600");
    assert!(
        !audit.body.to_string().contains(token),
        "no token in the audit"
    );
    assert!(!f.server.log().contains(token), "no token in the log");
}

#[test]
fn an_account_without_memberships_gets_a_link_for_default_only() {
    let f = start();
    let loner = f.api.call(
        "POST",
        "/v2/admin/accounts",
        Some(&json!({"username": "carl"})),
    );
    let carl = loner.body["id"].as_str().unwrap().to_owned();
    let refused = link(&f, &carl, Some(&json!({"tenant": "acme"})));
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(
        refused.body["detail"],
        "tenant: the account is a member of no tenant, so its link opens `default`, not `acme`"
    );
    let audit = f
        .api
        .call("GET", "/v2/admin/audit?kind=recovery_link.created", None);
    assert_eq!(audit.body["items"], json!([]), "a refused link is not made");
    let named = link(&f, &carl, Some(&json!({"tenant": "default"})));
    assert_eq!(named.status, 201, "{}", named.body);
    assert!(
        named.body["url"]
            .as_str()
            .unwrap()
            .contains("/t/default/recover?token=")
    );
}

#[test]
fn a_link_onboards_an_account_once_and_changes_nothing_when_refused() {
    let f = start();
    let bob = create_bob(&f);
    let older = new_link(&f, &bob);
    let url = new_link(&f, &bob);
    let browser = Browser::new(&f.server);
    assert_invalid(&browser.get(&older));
    let page = browser.get(&url);
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(!page.headers["content-security-policy"].contains("unsafe-inline"));
    assert_eq!(browser.get(&url).status, 200, "a GET never spends the link");

    let other_tenant = url.replace("/t/acme/", "/t/default/");
    assert_invalid(&browser.get(&other_tenant));
    assert_invalid(&browser.get(&format!("{url}A")));
    assert_invalid(&browser.get("/t/acme/recover"));
    let unknown = browser.get(&url.replace("/t/acme/", "/t/nope/"));
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    // The page just shown holds the CSRF token the browser's cookie now carries.
    let page = browser.get(&url);
    let no_csrf = browser.post(
        "/t/acme/recover",
        &[
            ("token", &input_value(&page.body, "token")),
            ("password", "bob's own long password"),
            ("confirm", "bob's own long password"),
        ],
    );
    assert_eq!(no_csrf.status, 400, "{}", no_csrf.body);
    let mut page = page;
    for (password, why) in [
        ("qwertyuiop", "is one of the 10,000 most common passwords"),
        ("bob", "must be 10 to 1024 characters long"),
    ] {
        let refused = set(&browser, &page, password, &[]);
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.body.contains(why), "{}", refused.body);
        page = refused;
    }
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{bob}"), None);
    assert_eq!(account.body["password_set"], false, "nothing changed");

    let done = set(&browser, &page, "bob's own long password", &[]);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Your password is set"), "{}", done.body);
    assert_invalid(&set(&browser, &page, "bob's other long password", &[]));
    assert_invalid(&browser.get(&url));

    let client = rp_client(&f);
    let started = begin(&client, &[]);
    let answer = Browser::new(&f.server).sign_in(&started.url, "bob", "bob's own long password");
    code_from(answer.location.as_deref().unwrap(), &started.state);

    let audit = f
        .api
        .call("GET", &format!("/v2/admin/audit?account={bob}"), None);
    let kinds: Vec<(&str, &str)> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["detail"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("recovery_link.used", "password")),
        "{kinds:?}"
    );
    assert!(kinds.contains(&("password.changed", "link")), "{kinds:?}");
    let token = url.split("token=").nth(1).unwrap();
    assert!(!audit.body.to_string().contains(token));
    assert!(!f.server.log().contains(token));
    assert!(!f.server.log().contains("bob's own long password"));
}

#[test]
fn using_a_link_ends_the_sessions_and_refresh_tokens_of_the_account() {
    let f = start();
    let client = rp_client(&f);
    let started = begin(&client, &["offline_access"]);
    let signed_in = Browser::new(&f.server);
    let answer = signed_in.sign_in(&started.url, "alice", PASSWORD);
    let code = code_from(answer.location.as_deref().unwrap(), &started.state);
    let tokens = redeem(&f, &client, code, started.verifier);
    let refresh = tokens.refresh_token().unwrap().clone();

    let url = new_link(&f, &f.alice);
    let browser = Browser::new(&f.server);
    let page = browser.get(&url);
    let done = set(&browser, &page, "alice's new long password", &[]);
    assert_eq!(done.status, 200, "{}", done.body);

    let http = rp::http_client(f.server.agent());
    let after = client
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request(&http);
    assert!(format!("{after:?}").contains("invalid_grant"), "{after:?}");
    let silent = begin(&client, &[]);
    let answer = signed_in.get(&format!("{}&prompt=none", silent.url));
    let location = answer.location.unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(redirect_params(&location)["error"], "login_required");
}

#[test]
fn of_two_simultaneous_submits_exactly_one_sets_the_password() {
    let f = start();
    let bob = create_bob(&f);
    let url = new_link(&f, &bob);
    let browsers = [Browser::new(&f.server), Browser::new(&f.server)];
    let pages: Vec<Page> = browsers.iter().map(|b| b.get(&url)).collect();
    let answers: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = browsers
            .iter()
            .zip(&pages)
            .zip(["first long password", "second long password"])
            .map(|((b, p), pw)| scope.spawn(move || set(b, p, pw, &[]).status))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = answers.clone();
    sorted.sort();
    assert_eq!(sorted, [200, 400], "{answers:?}");
    let used = f
        .api
        .call("GET", "/v2/admin/audit?kind=recovery_link.used", None);
    assert_eq!(used.body["items"].as_array().unwrap().len(), 1);
}

/// The code an authenticator app shows now for the base32 `secret`.
pub(super) fn totp_now(secret: &str) -> String {
    totp_at(secret, 0)
}

/// Six digits that no step around now accepts.
fn wrong_code(secret: &str) -> String {
    let near: Vec<String> = (-2..=2).map(|o| totp_at(secret, o)).collect();
    (0..10)
        .map(|d| d.to_string().repeat(6))
        .find(|c| !near.contains(c))
        .unwrap()
}

/// The code `offset` steps from now.
fn totp_at(secret: &str, offset: i64) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buffer, mut bits, mut key) = (0u32, 0u32, Vec::new());
    for c in secret.bytes() {
        buffer = (buffer << 5) | alphabet.iter().position(|&a| a == c).unwrap() as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((buffer >> bits) as u8);
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .saturating_add_signed(offset * 30);
    totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, &key, now)
}

#[test]
fn under_required_mfa_the_link_sets_up_an_authenticator_app_too() {
    let f = start();
    let mfa = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({"mfa": "required"})),
    );
    assert_eq!(mfa.status, 200, "{}", mfa.body);
    let bob = create_bob(&f);
    let url = new_link(&f, &bob);
    let browser = Browser::new(&f.server);
    let page = browser.get(&url);
    assert!(
        page.body.contains("<svg") && page.body.contains("name=\"code\""),
        "{}",
        page.body
    );
    let at = page.body.find("id=\"totp-secret\">").unwrap() + "id=\"totp-secret\">".len();
    let secret = page.body[at..].split('<').next().unwrap().to_owned();
    let enrolling = input_value(&page.body, "enrolling");
    let wrong = set(
        &browser,
        &page,
        "bob's own long password",
        &[("code", &wrong_code(&secret)), ("enrolling", &enrolling)],
    );
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(wrong.body.contains("not correct"), "{}", wrong.body);
    assert_eq!(
        input_value(&wrong.body, "enrolling"),
        enrolling,
        "the same secret"
    );
    let code = totp_now(&secret);
    let done = set(
        &browser,
        &wrong,
        "bob's own long password",
        &[("code", &code), ("enrolling", &enrolling)],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body.matches("<li><code>").count(), 10, "{}", done.body);
    let account = f
        .api
        .call("GET", &format!("/v2/admin/accounts/{bob}"), None);
    assert_eq!(account.body["mfa"]["totp"], true, "{}", account.body);
    assert_eq!(account.body["mfa"]["recovery_codes_left"], 10);
}

#[test]
fn bad_links_count_per_address_and_a_blocked_username_does_not_stop_a_link() {
    let strict = Options {
        env: vec![
            ("LATCHKEY_RATE_LIMITS_FREE_FAILURES".into(), "3".into()),
            (
                "LATCHKEY_RATE_LIMITS_FREE_FAILURES_PER_ADDRESS".into(),
                "6".into(),
            ),
            ("LATCHKEY_RATE_LIMITS_FIRST_DELAY_SECS".into(), "60".into()),
        ],
        ..Options::default()
    };
    let f = start_with(strict);
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let mut blocked = false;
    for _ in 0..5 {
        let started = begin(&client, &[]);
        blocked |= browser
            .sign_in(&started.url, "alice", "a wrong password")
            .status
            == 429;
    }
    assert!(blocked, "the username is slowed down");
    let url = new_link(&f, &f.alice);
    let page = browser.get(&url);
    assert_eq!(page.status, 200, "{}", page.body);
    let done = set(&browser, &page, "alice's new long password", &[]);
    assert_eq!(done.status, 200, "{}", done.body);

    let mut last = 0;
    for _ in 0..10 {
        last = browser.get("/t/acme/recover?token=guess").status;
        if last == 429 {
            break;
        }
        assert_eq!(last, 400);
    }
    assert_eq!(last, 429, "guessing links is rate limited per address");
}

#[test]
fn the_admin_ui_confirms_then_shows_the_link_once_with_a_copy_button() {
    let f = start();
    let bob = create_bob(&f);
    let (browser, csrf) = crate::admin_ui::signed_in(&f.server);
    let account = browser.get(&format!("/admin/accounts/{bob}"));
    assert!(
        account
            .body
            .contains(&format!("/admin/accounts/{bob}/recovery-link")),
        "{}",
        account.body
    );
    let confirm = browser.get(&format!("/admin/accounts/{bob}/recovery-link"));
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("Create a recovery link for bob?"));
    let action = format!("/admin/accounts/{bob}/recovery-link");
    let forged = browser.post(&action, &[("ttl_secs", "3600")]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    let created = f
        .api
        .call("GET", "/v2/admin/audit?kind=recovery_link.created", None);
    assert_eq!(
        created.body["items"],
        json!([]),
        "nothing made without CSRF"
    );

    let shown = browser.post(&action, &[("csrf", &csrf), ("ttl_secs", "3600")]);
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("only this once") && shown.body.contains("data-copy"));
    assert!(!shown.headers["content-security-policy"].contains("unsafe-inline"));
    let url = shown
        .body
        .split("id=\"secret\"")
        .nth(1)
        .and_then(|rest| rest.split("value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    assert!(url.contains("/t/acme/recover?token="), "{url}");
    let user = Browser::new(&f.server);
    assert_eq!(user.get(&url).status, 200);
    let again = browser.get(&format!("/admin/accounts/{bob}"));
    assert!(
        !again.body.contains(url.split("token=").nth(1).unwrap()),
        "shown once"
    );
}
