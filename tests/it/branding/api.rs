//! `PUT/GET/DELETE /v2/admin/tenants/{t}/branding`.

use super::{JPEG, PNG, WEBP, data_url, fetch, full, path, put};
use crate::management::{assert_names, assert_problem, create_tenant, delete, ok, start};
use crate::support::browser::Browser;
use crate::support::server::{Server, restore};
use serde_json::{Value, json};

#[test]
fn branding_is_put_read_back_audited_without_the_logo_and_deleted() {
    let (_tmp, server, api) = start();
    let p = path("default");
    assert_problem(&api.call("GET", &p, None), 404, "no branding yet");

    let stored = put(&api, "default", &full());
    let want = json!({
        "logo": data_url("image/png", PNG),
        "accent_color": "#c0392b",
        "support_url": "https://help.acme.example/sso",
        "support_email": "help@acme.example",
        "footer_text": "Acme Corp <internal> & partners",
        "default_locale": "de"
    });
    assert_eq!(stored, want);
    assert_eq!(ok(&api, "GET", &p, None), want);
    assert_eq!(
        put(&api, "default", &want),
        want,
        "what GET shows can be PUT back"
    );

    let events = ok(&api, "GET", "/v2/admin/audit?kind=branding.set", None);
    let text = events.to_string();
    assert!(text.contains("logo image/png 4x3"), "{text}");
    let encoded = &want["logo"].as_str().unwrap()["data:image/png;base64,".len()..];
    assert!(
        !text.contains(&encoded[..40]),
        "no logo bytes in the audit log"
    );
    assert!(!server.log().contains(&encoded[..40]), "nor in the log");

    let emptied = put(&api, "default", &json!({"accent_color": "#00ff00"}));
    assert_eq!(
        emptied,
        json!({"logo": null, "accent_color": "#00ff00", "support_url": null,
               "support_email": null, "footer_text": null, "default_locale": null}),
        "a PUT replaces the whole record"
    );
    let (status, _, _) = fetch(&server, "/t/default/branding/logo", None);
    assert_eq!(status, 404, "the replaced record has no logo");

    delete(&api, &p);
    assert_problem(&api.call("GET", &p, None), 404, "GET after DELETE");
    assert_problem(&api.call("DELETE", &p, None), 404, "second DELETE");
    let deleted = ok(&api, "GET", "/v2/admin/audit?kind=branding.deleted", None);
    assert_eq!(deleted["items"].as_array().unwrap().len(), 1, "{deleted}");
}

#[test]
fn the_logo_keeps_the_type_its_bytes_have() {
    let (_tmp, server, api) = start();
    let stored = put(
        &api,
        "default",
        &json!({"logo": data_url("image/png", JPEG)}),
    );
    assert_eq!(stored["logo"], data_url("image/jpeg", JPEG));
    let (status, headers, body) = fetch(&server, "/t/default/branding/logo", None);
    assert_eq!(
        (status, headers["content-type"].as_str()),
        (200, "image/jpeg")
    );
    assert_eq!(body, JPEG);
    let webp = put(
        &api,
        "default",
        &json!({"logo": data_url("image/svg+xml", WEBP)}),
    );
    assert_eq!(webp["logo"], data_url("image/webp", WEBP));
}

#[test]
fn every_bad_field_is_refused_by_name_and_changes_nothing() {
    let (_tmp, server, api) = start();
    put(&api, "default", &full());
    let before = ok(&api, "GET", &path("default"), None);

    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let mut garbage = b"\x89PNG\r\n\x1a\n".to_vec();
    garbage.extend_from_slice(&[0x5a; 64]);
    let mut oversize = PNG.to_vec();
    oversize.resize(64 * 1024 + 1, 0);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("logo", json!(data_url("image/svg+xml", svg)), "SVG"),
        ("logo", json!(data_url("image/png", svg)), "SVG"),
        (
            "logo",
            json!(data_url("image/png", &garbage)),
            "damaged PNG",
        ),
        ("logo", json!(data_url("image/png", &oversize)), "too large"),
        ("logo", json!("data:image/png;base64,***"), "base64"),
        ("logo", json!("https://acme.example/logo.png"), "data: URL"),
        ("logo", json!(7), "wrong type"),
        ("accent_color", json!("red"), "#rrggbb"),
        ("accent_color", json!("#fff"), "#rrggbb"),
        ("accent_color", json!("#12345g"), "#rrggbb"),
        ("accent_color", json!("#123456;}body{"), "#rrggbb"),
        ("support_url", json!("http://help.acme.example"), "https"),
        ("support_url", json!("javascript:alert(1)"), "https"),
        ("support_email", json!("help"), "e-mail"),
        (
            "support_email",
            json!("a@b.example?cc=x@evil.example"),
            "e-mail",
        ),
        ("footer_text", json!("x".repeat(501)), "500"),
        ("footer_text", json!("line\nbreak"), "control"),
        ("default_locale", json!("it"), "en, de, fr, nl, es"),
        ("colour", json!("#123456"), "unknown field"),
    ];
    for (field, value, says) in cases {
        let body = json!({ field: value });
        let reply = api.call("PUT", &path("default"), Some(&body));
        assert_names(&reply, 400, &[field], field);
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{field}: {detail}");
        assert_eq!(reply.content_type, "application/problem+json");
    }
    assert_eq!(
        ok(&api, "GET", &path("default"), None),
        before,
        "nothing changed"
    );
    assert_eq!(server.get("/healthz").0, 200);
}

#[test]
fn the_branding_route_takes_128_kib_and_the_usual_errors() {
    let (_tmp, server, api) = start();
    let p = path("default");
    // 100 KiB of JSON: over every other route's 64 KiB, under this one's 128 KiB.
    let padded = json!({"footer_text": "x".repeat(100 * 1024)});
    assert_names(
        &api.call("PUT", &p, Some(&padded)),
        400,
        &["footer_text"],
        "read, then refused",
    );
    let elsewhere = api.call(
        "PUT",
        "/v2/admin/tenants/default/introspection",
        Some(&padded),
    );
    assert_eq!(elsewhere.status, 413, "other routes keep 64 KiB");
    let huge = json!({"footer_text": "x".repeat(128 * 1024)});
    let reply = api.call("PUT", &p, Some(&huge));
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(reply.body["detail"].as_str().unwrap().contains("131072"));

    let form = api.raw("PUT", &p, Some("text/plain"), b"{}".to_vec());
    assert_eq!(form.status, 415);
    let malformed = api.raw("PUT", &p, Some("application/json"), b"{\"logo\":".to_vec());
    assert_problem(&malformed, 400, "malformed JSON");
    assert!(
        malformed.body["detail"]
            .as_str()
            .unwrap()
            .contains("malformed JSON")
    );
    let unknown = api.call("PUT", &path("nowhere"), Some(&full()));
    assert_problem(&unknown, 404, "unknown tenant");
    assert!(unknown.body["detail"].as_str().unwrap().contains("nowhere"));
    assert_problem(&api.call("GET", &path("nowhere"), None), 404, "GET unknown");
    assert_problem(
        &api.call("DELETE", &path("nowhere"), None),
        404,
        "DELETE unknown",
    );
    assert_problem(&api.call("GET", &p, None), 404, "nothing was stored");
    assert_eq!(server.get("/healthz").0, 200);
}

#[test]
fn a_tenant_created_again_under_the_same_name_starts_unbranded() {
    let (_tmp, server, api) = start();
    create_tenant(&api, "partner");
    put(&api, "partner", &full());
    delete(&api, "/v2/admin/tenants/partner");
    create_tenant(&api, "partner");
    assert_problem(
        &api.call("GET", &path("partner"), None),
        404,
        "not inherited",
    );
    let (status, _, _) = fetch(&server, "/t/partner/branding/logo", None);
    assert_eq!(status, 404);
}

#[test]
fn a_restored_backup_carries_the_branding() {
    let (tmp, server, api) = start();
    put(&api, "default", &full());
    let bytes = server.online_backup(&server.admin_token());
    let dir = tmp.path().join("restored");
    restore(&bytes, &dir);
    let token = server.admin_token();
    drop(server);
    let restored = Server::start(&dir);
    let again = crate::support::api::Api::with_token(&restored, &token);
    let got = ok(&again, "GET", &path("default"), None);
    assert_eq!(got["logo"], data_url("image/png", PNG));
    assert_eq!(got["accent_color"], "#c0392b");
    let (status, headers, body) = fetch(&restored, "/t/default/branding/logo", None);
    assert_eq!(
        (status, headers["content-type"].as_str()),
        (200, "image/png")
    );
    assert_eq!(body, PNG);
    let page = Browser::new(&restored).get("/t/default/logout");
    assert!(page.body.contains("id=\"tenant-logo\""), "{}", page.body);
}
