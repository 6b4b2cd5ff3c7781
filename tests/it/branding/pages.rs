//! The logo and accent stylesheet as served, and the branded end-user pages.

use super::{PNG, fetch, full, put};
use crate::oidc_code::start;
use crate::support::browser::Browser;
use serde_json::json;

const AUTHORIZE: &str = "/t/acme/authorize?client_id=web&response_type=code&scope=openid&state=s1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb";

#[test]
fn the_logo_and_stylesheet_are_served_with_their_types_and_validators() {
    let f = start();
    let (status, _, _) = fetch(&f.server, "/t/acme/branding/logo", None);
    assert_eq!(status, 404, "no logo yet");
    put(&f.api, "acme", &full());

    let (status, headers, body) = fetch(&f.server, "/t/acme/branding/logo", None);
    assert_eq!(status, 200);
    assert_eq!(body, PNG);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-cache");
    let etag = headers["etag"].clone();
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    let (status, headers, body) = fetch(&f.server, "/t/acme/branding/logo", Some(&etag));
    assert_eq!((status, body.len()), (304, 0));
    assert_eq!(headers["etag"], etag);
    let (status, _, _) = fetch(&f.server, "/t/acme/branding/logo", Some("\"other\""));
    assert_eq!(status, 200, "another validator gets the bytes");

    let (status, headers, body) = fetch(&f.server, "/t/acme/branding.css", None);
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        String::from_utf8(body).unwrap(),
        ":root { --accent: #c0392b; }\n"
    );
    let (status, _, _) = fetch(&f.server, "/t/nowhere/branding.css", None);
    assert_eq!(status, 404);
    let (_, _, main) = fetch(&f.server, "/static/style.css", None);
    assert!(
        String::from_utf8(main)
            .unwrap()
            .contains("background: var(--accent)")
    );

    let page = Browser::new(&f.server).get("/t/acme/logout");
    let csp = &page.headers["content-security-policy"];
    assert!(
        csp.contains("style-src 'self';") && csp.contains("img-src 'self';"),
        "{csp}"
    );
}

#[test]
fn the_sign_in_page_shows_the_brand_and_names_the_client() {
    let f = start();
    let browser = Browser::new(&f.server);
    let login = browser.get(AUTHORIZE).location.unwrap();
    let plain = browser.get(&login);
    assert!(
        plain.body.contains("id=\"tenant-name\">Acme Corp</p>"),
        "{}",
        plain.body
    );
    assert!(!plain.body.contains("tenant-logo") && !plain.body.contains("branding.css"));

    put(&f.api, "acme", &full());
    let page = browser.get(&login);
    assert_eq!(page.status, 200);
    for expected in [
        "<link rel=\"stylesheet\" href=\"/t/acme/branding.css\">",
        "<img class=\"tenant-logo\" id=\"tenant-logo\" src=\"/t/acme/branding/logo\" alt=\"Acme Corp\">",
        "id=\"tenant-name\">Acme Corp</p>",
        "<html lang=\"de\">",
        "id=\"continue-to\">weiter zu <strong>Web</strong></p>",
        "<a id=\"support-link\" href=\"https:&#x2f;&#x2f;help.acme.example&#x2f;sso\">",
        "<a id=\"support-email\" href=\"mailto:help@acme.example\">help@acme.example</a>",
        "id=\"footer-text\">Acme Corp &lt;internal&gt; &amp; partners</p>",
    ] {
        assert!(page.body.contains(expected), "{expected} in {}", page.body);
    }
}

#[test]
fn a_client_name_with_markup_is_escaped() {
    let f = start();
    let r = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": "evil", "name": "<script>alert(1)</script>", "redirect_uris": ["https://evil.example/cb"],
                     "grant_types": ["authorization_code"], "response_types": ["code"], "scopes": ["openid"],
                     "token_endpoint_auth_method": "client_secret_basic"})),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    let browser = Browser::new(&f.server);
    let login = browser
        .get("/t/acme/authorize?client_id=evil&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fevil.example%2Fcb")
        .location
        .unwrap();
    let page = browser.get(&login);
    assert!(
        page.body
            .contains("to continue to <strong>&lt;script&gt;alert(1)&lt;&#x2f;script&gt;</strong>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>alert"));
}

#[test]
fn error_logout_and_console_pages_are_branded_too() {
    let f = start();
    put(&f.api, "acme", &full());
    let browser = Browser::new(&f.server);
    let error = browser.get("/t/acme/login?request=gone");
    assert_eq!(error.status, 400, "{}", error.body);
    let logout = browser.get("/t/acme/logout");
    let signed_in = browser.sign_in("/t/acme/account", "alice", "correct horse battery");
    assert_eq!(
        signed_in.location.as_deref(),
        Some("/t/acme/account"),
        "{}",
        signed_in.body
    );
    let console = browser.get("/t/acme/account");
    assert!(
        console.body.contains("<html lang=\"de\">") && console.body.contains("Ihr Konto"),
        "the tenant's default language: {}",
        console.body
    );
    for page in [&error, &logout, &console] {
        for expected in [
            "id=\"tenant-logo\"",
            "id=\"support-link\"",
            "id=\"footer-text\"",
        ] {
            assert!(page.body.contains(expected), "{expected} in {}", page.body);
        }
    }
    let unknown = browser.get("/t/nowhere/login?request=x");
    assert_eq!(unknown.status, 404);
    assert!(!unknown.body.contains("tenant-brand"), "{}", unknown.body);
}
