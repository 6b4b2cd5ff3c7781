//! The Branding panel of a tenant's admin page: save, a refused field shown in place,
//! the logo kept when its field is left empty, and removal behind a confirmation page.

use super::{JPEG, PNG, data_url, path};
use crate::admin_ui::signed_in;
use crate::management::{assert_problem, ok, start};

#[test]
fn an_admin_sets_and_removes_branding_through_the_tenant_page() {
    let (_tmp, server, api) = start();
    let (browser, csrf) = signed_in(&server);
    let page = browser.get("/admin/tenants/default");
    assert!(
        page.body.contains("id=\"branding\">Branding</h2>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("branding-logo-preview"));

    let svg = data_url(
        "image/svg+xml",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    let refused = browser.post(
        "/admin/tenants/default/branding",
        &[("csrf", &csrf), ("logo", &svg), ("accent_color", "#123456")],
    );
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"branding-logo-error\"") && refused.body.contains("SVG"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"#123456\""),
        "the input is kept"
    );
    assert_problem(
        &api.call("GET", &path("default"), None),
        404,
        "nothing saved",
    );

    let forged = browser.post(
        "/admin/tenants/default/branding",
        &[("logo", &data_url("image/png", PNG))],
    );
    assert_eq!(forged.status, 403, "no CSRF token, no change");

    // A 64 KiB logo is over the admin UI's usual 64 KiB body: this form takes more.
    let mut big = JPEG.to_vec();
    big.resize(60 * 1024, 0xFF);
    let saved = browser.post(
        "/admin/tenants/default/branding",
        &[
            ("csrf", &csrf),
            ("logo", &data_url("image/jpeg", &big)),
            ("accent_color", "#AA0011"),
            ("support_email", "help@acme.example"),
            ("default_locale", "fr"),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = ok(&api, "GET", &path("default"), None);
    assert_eq!(stored["logo"], data_url("image/jpeg", &big));
    assert_eq!(stored["accent_color"], "#aa0011");
    assert_eq!(stored["default_locale"], "fr");

    let kept = browser.post(
        "/admin/tenants/default/branding",
        &[("csrf", &csrf), ("logo", ""), ("footer_text", "Hello")],
    );
    assert_eq!(kept.status, 303, "{}", kept.body);
    let stored = ok(&api, "GET", &path("default"), None);
    assert_eq!(
        stored["logo"],
        data_url("image/jpeg", &big),
        "an empty field keeps the logo"
    );
    assert_eq!(stored["footer_text"], "Hello");
    assert!(
        stored["accent_color"].is_null(),
        "the form replaces the rest"
    );
    let page = browser.get("/admin/tenants/default");
    assert!(
        page.body.contains("id=\"branding-logo-preview\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"Hello\""));

    let confirm = browser.get("/admin/tenants/default/branding/delete");
    assert_eq!(confirm.status, 200);
    assert!(
        confirm.body.contains("Remove the branding of default?"),
        "{}",
        confirm.body
    );
    ok(&api, "GET", &path("default"), None);
    let removed = browser.post("/admin/tenants/default/branding/delete", &[("csrf", &csrf)]);
    assert_eq!(removed.status, 303, "{}", removed.body);
    assert_eq!(
        removed.location.as_deref(),
        Some("/admin/tenants/default?done=branding-removed")
    );
    assert_problem(&api.call("GET", &path("default"), None), 404, "removed");
    let page = browser.get(removed.location.as_deref().unwrap());
    assert!(
        page.body.contains("The branding was removed."),
        "{}",
        page.body
    );
}
