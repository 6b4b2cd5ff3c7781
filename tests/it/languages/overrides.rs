//! `[ui] templates_dir`: a file there replaces the end-user template of its name; a
//! broken one, or one naming no end-user template, stops the start with one sentence
//! naming it.

use super::lang;
use crate::support::browser::Browser;
use crate::support::server::{Options, Server, run};

#[test]
fn an_override_replaces_the_sign_out_page() {
    let tmp = tempfile::tempdir().unwrap();
    let own = tmp.path().join("templates");
    std::fs::create_dir(&own).unwrap();
    std::fs::write(
        own.join("info.html"),
        "{% extends \"base.html\" %}{% block content %}<p id=\"own\">{{ t(title) }}</p>{% endblock %}",
    )
    .unwrap();
    let server = Server::start_with(
        &tmp.path().join("run"),
        Options {
            env: vec![(
                "LATCHKEY_UI_TEMPLATES_DIR".into(),
                own.to_str().unwrap().into(),
            )],
            ..Options::default()
        },
    );
    let api = crate::support::api::Api::new(&server);
    let made = api.call(
        "POST",
        "/v2/admin/tenants",
        Some(&serde_json::json!({"id": "acme", "display_name": "Acme Corp"})),
    );
    assert_eq!(made.status, 201);
    let browser = Browser::speaking(&server, "fr");
    let confirm = browser.get("/t/acme/logout");
    assert_eq!(
        lang(&confirm),
        "fr",
        "templates not overridden stay as shipped"
    );
    let csrf = crate::support::browser::input_value(&confirm.body, "csrf");
    let done = browser.post("/t/acme/logout", &[("csrf", &csrf)]);
    assert!(
        done.body.contains("<p id=\"own\">Vous êtes déconnecté</p>"),
        "{}",
        done.body
    );
}

#[test]
fn a_broken_or_misnamed_override_stops_the_start_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, source, says) in [
        ("login.html", "{% if %}", "does not compile"),
        (
            "lgoin.html",
            "<p></p>",
            "is not the name of an end-user template",
        ),
    ] {
        let own = tmp.path().join(file.replace('.', "-"));
        std::fs::create_dir(&own).unwrap();
        std::fs::write(own.join(file), source).unwrap();
        let data = tmp.path().join(format!("data-{file}"));
        let (code, _, stderr) = run(
            &[
                "serve",
                "--data-dir",
                data.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ],
            &[("LATCHKEY_UI_TEMPLATES_DIR", own.to_str().unwrap())],
        );
        assert_ne!(code, 0, "{stderr}");
        let last = stderr.trim().lines().last().unwrap();
        assert!(
            last.contains(file) && last.contains(says) && last.contains("[ui] templates_dir"),
            "{file}: {stderr}"
        );
    }
}
