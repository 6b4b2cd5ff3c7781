//! Per-tenant branding (SPEC "Branding and languages"): the management API with every
//! class of bad input, the logo and accent stylesheet as served, the branded end-user
//! pages (HTML and, in a real Chromium, the loaded logo and applied colour), and
//! branding carried by a backup.

mod admin_ui;
mod api;
mod chrome;
mod pages;

use crate::support::api::Api;
use crate::support::server::Server;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// A 4x3 PNG, a 5x2 JPEG and a 6x7 WebP made by ImageMagick.
pub(crate) const PNG: &[u8] = include_bytes!("../../data/images/logo-4x3.png");
pub(crate) const JPEG: &[u8] = include_bytes!("../../data/images/logo-5x2.jpg");
pub(crate) const WEBP: &[u8] = include_bytes!("../../data/images/logo-6x7.webp");

/// The branding path of tenant `t`.
pub(crate) fn path(t: &str) -> String {
    format!("/v2/admin/tenants/{t}/branding")
}

/// `bytes` as a `data:` URL declaring `media_type`.
pub(crate) fn data_url(media_type: &str, bytes: &[u8]) -> String {
    format!("data:{media_type};base64,{}", STANDARD.encode(bytes))
}

/// A full branding body with the PNG logo.
pub(crate) fn full() -> Value {
    json!({
        "logo": data_url("image/png", PNG),
        "accent_color": "#C0392B",
        "support_url": "https://help.acme.example/sso",
        "support_email": "help@acme.example",
        "footer_text": "Acme Corp <internal> & partners",
        "default_locale": "de"
    })
}

/// PUTs `body` as the branding of `t`, which must answer 200; returns the body.
pub(crate) fn put(api: &Api, t: &str, body: &Value) -> Value {
    let reply = api.call("PUT", &path(t), Some(body));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// GETs `path` as a browser would, with `if_none_match`: status, headers, raw body.
pub(crate) fn fetch(
    server: &Server,
    path: &str,
    if_none_match: Option<&str>,
) -> (u16, std::collections::HashMap<String, String>, Vec<u8>) {
    let mut req = server.agent().get(&format!("{}{path}", server.base));
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    let mut resp = req.call().unwrap();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let status = resp.status().as_u16();
    (status, headers, resp.body_mut().read_to_vec().unwrap())
}
