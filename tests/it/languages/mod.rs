//! The end-user pages in English, German, French, Dutch and Spanish (SPEC "Branding and
//! languages"): chosen by `ui_locales` (kept for the later steps of a sign-in), then
//! `Accept-Language`, then English; the tenant's own scope descriptions on the consent
//! page; `[ui] templates_dir` overrides; and the pages in a real Chromium.

mod browser;
mod overrides;
mod pages;
mod scope_descriptions;

use crate::oidc_code::Fixture;
use crate::support::browser::Page;
use serde_json::json;

/// An authorization request of the consent client `reports` for `openid orders`.
pub(super) fn authorize(extra: &str) -> String {
    format!(
        "/t/acme/authorize?client_id=reports&response_type=code&redirect_uri=https%3A%2F%2Freports.example%2Fcb&scope=openid+orders&state=s{extra}"
    )
}

/// Registers `reports`, a client that asks for consent.
pub(super) fn consent_client(f: &Fixture) {
    let r = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": "reports", "name": "Reports Inc.", "redirect_uris": ["https://reports.example/cb"],
                     "grant_types": ["authorization_code"], "response_types": ["code"], "scopes": ["openid", "orders"],
                     "token_endpoint_auth_method": "client_secret_basic", "require_consent": true})),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
}

/// The page's `<html lang>`.
pub(super) fn lang(page: &Page) -> String {
    let at = page.body.find("<html lang=\"").expect("an html element") + 12;
    page.body[at..].split('"').next().unwrap().to_owned()
}
