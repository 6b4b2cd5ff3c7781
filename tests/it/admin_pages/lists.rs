//! The admin UI's lists: 50 a page with previous/next links and "N of M", sorted by
//! name or creation time, searched, all in the URL; a tenant admin's list holds only
//! what it manages.

use crate::admin_ui::signed_in;
use crate::support::api::Api;
use crate::support::browser::{Browser, input_value};
use crate::support::server::Server;
use serde_json::json;

/// The `href` of the link marked `rel="…"`, unescaped as a browser would.
fn link(html: &str, rel: &str) -> Option<String> {
    let end = html.find(&format!("\" rel=\"{rel}\""))?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(
        html[start..end]
            .replace("&amp;", "&")
            .replace("&#x2f;", "/"),
    )
}

/// The usernames in the accounts table, in order.
fn usernames(html: &str) -> Vec<String> {
    html.split("<tr><td><a href=\"/admin/accounts/")
        .skip(1)
        .filter_map(|row| row.split('>').nth(1)?.split('<').next().map(str::to_owned))
        .collect()
}

fn created(html: &str) -> Vec<String> {
    html.split("class=\"mono created\">")
        .skip(1)
        .filter_map(|cell| cell.split('<').next().map(str::to_owned))
        .collect()
}

fn sign_in_with(server: &Server, token: &str) -> Browser {
    let browser = Browser::new(server);
    let form = browser.get("/admin/login");
    let done = browser.post(
        "/admin/login",
        &[("csrf", &input_value(&form.body, "csrf")), ("token", token)],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    browser
}

#[test]
fn lists_page_sort_and_search_and_a_tenant_admin_sees_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    for t in ["acme", "beta"] {
        let made = api.call(
            "POST",
            "/v2/admin/tenants",
            Some(&json!({"id": t, "display_name": t.to_uppercase()})),
        );
        assert_eq!(made.status, 201);
    }
    for n in 0..120 {
        let username = format!("user{n:03}");
        let email = (n == 7).then_some("seven@example.org");
        let (path, body) = if n < 60 {
            (
                "/v2/admin/tenants/acme/accounts",
                json!({"username": username, "email": email, "scopes": []}),
            )
        } else {
            (
                "/v2/admin/accounts",
                json!({"username": username, "email": email}),
            )
        };
        assert_eq!(
            api.call("POST", path, Some(&body)).status,
            201,
            "{username}"
        );
    }
    let mut all: Vec<String> = api.call("GET", "/v2/admin/accounts?limit=500", None).body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap().to_owned())
        .collect();
    all.sort_by_key(|u| u.to_lowercase());
    let total = all.len();
    assert!(total >= 120);

    let (browser, _) = signed_in(&server);
    let first = browser.get("/admin/accounts");
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(
        first.body.contains(&format!("1–50 of {total}")),
        "{}",
        first.body
    );
    assert_eq!(usernames(&first.body), all[..50]);
    assert_eq!(link(&first.body, "prev"), None);
    let second = link(&first.body, "next").unwrap();
    assert_eq!(second, "/admin/accounts?sort=name&page=2");
    let second = browser.get(&second);
    assert!(second.body.contains(&format!("51–100 of {total}")));
    assert_eq!(usernames(&second.body), all[50..100]);
    assert_eq!(
        link(&second.body, "prev").as_deref(),
        Some("/admin/accounts?sort=name")
    );
    let last = browser.get(&link(&second.body, "next").unwrap());
    assert!(last.body.contains(&format!("101–{total} of {total}")));
    assert_eq!(usernames(&last.body), all[100..]);
    assert_eq!(link(&last.body, "next"), None, "the last page has no next");

    let newest = browser.get("/admin/accounts?sort=created");
    let times = created(&newest.body);
    assert_eq!(times.len(), 50);
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert_eq!(
        link(&newest.body, "next").as_deref(),
        Some("/admin/accounts?sort=created&page=2"),
        "paging keeps the order"
    );

    let by_email = browser.get("/admin/accounts?q=SEVEN%40example");
    assert!(by_email.body.contains("1–1 of 1"), "{}", by_email.body);
    assert_eq!(usernames(&by_email.body), ["user007"]);
    let by_name = browser.get("/admin/accounts?q=user11&sort=name");
    assert!(by_name.body.contains("1–10 of 10"));
    let expected: Vec<String> = (110..120).map(|n| format!("user{n:03}")).collect();
    assert_eq!(usernames(&by_name.body), expected);
    assert_eq!(
        input_value(&by_name.body, "q"),
        "user11",
        "the search stays in the box"
    );
    let none = browser.get("/admin/accounts?q=nobody-at-all");
    assert!(none.body.contains("No account matches “nobody-at-all”."));

    for bad in [
        "/admin/accounts?sort=age",
        "/admin/accounts?page=0",
        "/admin/tenants?page=x",
    ] {
        let refused = browser.get(bad);
        assert_eq!(refused.status, 400, "{bad}");
        assert!(refused.body.contains("sort") || refused.body.contains("page"));
    }

    let listed = api.call("GET", "/v2/admin/tenants", None).body["items"].clone();
    let n = listed.as_array().unwrap().len();
    let tenants = browser.get("/admin/tenants?sort=name");
    assert!(
        tenants.body.contains(&format!("1–{n} of {n}")),
        "{}",
        tenants.body
    );
    let beta = browser.get("/admin/tenants?q=bet");
    assert!(beta.body.contains("1–1 of 1") && beta.body.contains("/admin/tenants/beta"));
    assert!(!beta.body.contains("/admin/tenants/acme\""));

    // A tenant admin of acme lists acme's 60 members and acme alone.
    let token = api.call(
        "POST",
        "/v2/admin/tokens",
        Some(&json!({"label": "acme admin", "role": {"tenants": ["acme"]}})),
    );
    assert_eq!(token.status, 201, "{:?}", token.body);
    let tenant_admin = sign_in_with(&server, token.body["token"].as_str().unwrap());
    let mine = tenant_admin.get("/admin/accounts");
    assert!(mine.body.contains("1–50 of 60"), "{}", mine.body);
    let rest = tenant_admin.get(&link(&mine.body, "next").unwrap());
    let expected: Vec<String> = (50..60).map(|n| format!("user{n:03}")).collect();
    assert_eq!(usernames(&rest.body), expected);
    assert!(!rest.body.contains("user060"));
    let theirs = tenant_admin.get("/admin/tenants");
    assert!(theirs.body.contains("1–1 of 1"), "{}", theirs.body);
    assert!(!theirs.body.contains("/admin/tenants/beta"));
    assert!(!theirs.body.contains("href=\"/admin/keys\""));
    assert!(
        !theirs.body.contains("action=\"/admin/tenants\""),
        "no new-tenant form"
    );
}
