//! Every admin page in a real Chromium at 1366 px and at 390 px (a phone): no page
//! scrolls sideways as a whole, every control in a table can be reached by scrolling
//! that table, every form control has a label, and an error renders inside the admin
//! layout with a way back. Screenshots land in `target/tmp/ui-screenshots/layout-*`.

use crate::support::api::Api;
use crate::support::server::Server;
use crate::support::webdriver::{Chrome, screenshot_dir};
use serde_json::{Value, json};

/// What is wrong with the page's layout, as sentences; empty when nothing is.
const CHECK: &str = r#"
const done = arguments[arguments.length - 1];
const out = [];
const root = document.documentElement;
const vw = root.clientWidth;
if (root.scrollWidth > vw + 1) {
  const wide = [...document.querySelectorAll('body *')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1 && e.tagName !== 'TABLE')
    .map((e) => `${e.scrollWidth}/${e.clientWidth} ${e.outerHTML.slice(0, 60)}`);
  out.push(`the page scrolls sideways: ${root.scrollWidth} > ${vw}: ${wide.slice(-3).join(' | ')}`);
}
for (const t of document.querySelectorAll('table')) {
  const r = t.getBoundingClientRect();
  if (r.right > vw + 1) out.push(`a table ends past the window: ${r.right} > ${vw}`);
  for (const c of t.querySelectorAll('a, button, input, select, textarea, summary')) {
    const b = c.getBoundingClientRect();
    if (b.width > 0 && b.right - r.left > t.scrollWidth + 1) {
      out.push(`out of reach in its table: ${c.outerHTML.slice(0, 100)}`);
    }
  }
}
for (const c of document.querySelectorAll('input, select, textarea')) {
  if (c.type === 'hidden') continue;
  if (c.labels.length === 0 && !c.getAttribute('aria-label')) {
    out.push(`no label: ${c.outerHTML.slice(0, 100)}`);
  }
}
done(out);
"#;

fn created(api: &Api, path: &str, body: Value) -> Value {
    let made = api.call("POST", path, Some(&body));
    assert_eq!(made.status, 201, "{path}: {:?}", made.body);
    made.body
}

#[test]
fn every_admin_page_fits_a_phone_and_a_desktop_and_errors_keep_the_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path());
    let api = Api::new(&server);
    created(
        &api,
        "/v2/admin/tenants",
        json!({"id": "acme", "display_name": "Acme Corporation"}),
    );
    created(
        &api,
        "/v2/admin/tenants/acme/clients",
        json!({"client_id": "partner-backend-service", "name": "Partner backend with a long name",
            "redirect_uris": [], "grant_types": ["client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange"], "response_types": [],
            "scopes": ["orders"], "token_endpoint_auth_method": "client_secret_basic"}),
    );
    created(
        &api,
        "/v2/admin/tenants/acme/clients/partner-backend-service/api-keys",
        json!({"label": "nightly reconciliation job"}),
    );
    let bob = created(
        &api,
        "/v2/admin/tenants/acme/accounts",
        json!({"username": "bob.with.a.rather.long.username", "email": "bob@example.org",
            "scopes": ["orders", "invoices"], "external_authentication_provider_id": "ext-0001"}),
    );
    let bob = bob["id"].as_str().unwrap().to_owned();
    created(
        &api,
        "/v2/admin/tenants/acme/scim-tokens",
        json!({"label": "Okta"}),
    );

    let pages = [
        ("dashboard", "/admin".to_owned()),
        ("tenants", "/admin/tenants".to_owned()),
        ("tenant", "/admin/tenants/acme".to_owned()),
        ("accounts", "/admin/accounts".to_owned()),
        ("account", format!("/admin/accounts/{bob}")),
        (
            "recovery-link",
            format!("/admin/accounts/{bob}/recovery-link"),
        ),
        ("keys", "/admin/keys".to_owned()),
        ("audit", "/admin/audit".to_owned()),
        (
            "confirm",
            "/admin/tenants/acme/clients/partner-backend-service/secret".to_owned(),
        ),
        ("not-found", "/admin/no-such-page".to_owned()),
    ];
    let base = server.base.clone();
    let chrome = Chrome::start(&screenshot_dir());
    chrome.go(&format!("{base}/admin/login"));
    chrome.fill("#token", &server.admin_token());
    chrome.click_and_wait("form[method=post][action$='/admin/login'] button[type=submit]");
    for (width, height) in [(1366, 900), (390, 844)] {
        chrome.resize(width, height);
        for (name, path) in &pages {
            chrome.go(&format!("{base}{path}"));
            chrome.screenshot(&format!("layout-{width}-{name}"));
            let problems = chrome.run_async(CHECK, &[]);
            assert_eq!(problems, json!([]), "{path} at {width} px");
        }
    }

    let missing = chrome.source();
    assert!(missing.contains("Not found"), "{missing}");
    assert!(
        chrome
            .find("nav[aria-label=Main]")
            .text()
            .contains("Tenants")
    );
    assert_eq!(chrome.find("a.button").text(), "Back");
    chrome.go(&format!("{base}/admin/tenants/nowhere"));
    assert!(chrome.find("[role=alert]").text().contains("nowhere"));
    assert!(chrome.source().contains("href=\"/admin/tenants\""));
}
