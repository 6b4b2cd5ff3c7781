use super::*;

fn ui() -> Ui {
    Ui::new(None).unwrap()
}

fn login(error: Option<Msg>) -> LoginView {
    LoginView {
        tenant_name: "<Acme>".into(),
        client_name: Some("<script>x</script>".into()),
        action: "/t/acme/login".into(),
        csrf: "c".into(),
        request_id: "r".into(),
        username: "alice".into(),
        error,
        passkey: PasskeyOffer {
            options: Some("{\"publicKey\":\"<x>\"}".into()),
            unavailable: false,
        },
    }
}

#[test]
fn every_view_renders_under_strict_undefined_and_escapes() {
    let ui = ui();
    let login = ui
        .render("login.html", &login(Some(Msg::new("login.failed"))))
        .unwrap();
    assert!(login.contains("&lt;Acme&gt;") && !login.contains("<Acme>"));
    assert!(
        login.contains("<strong>&lt;script&gt;x&lt;&#x2f;script&gt;</strong>")
            && !login.contains("<script>x"),
        "{login}"
    );
    assert!(!login.contains("tenant-brand") && !login.contains("branding.css"));
    assert!(login.contains("name=\"username\"") && login.contains("name=\"password\""));
    assert!(login.contains("data-options=\"{&quot;publicKey&quot;:&quot;&lt;x&gt;&quot;}\""));
    assert!(login.contains("<script src=\"/static/webauthn.js\"></script>"));
    assert!(login.contains("The username or password is not correct."));
    assert!(login.contains("<html lang=\"en\">"));
    let error = ui
        .render(
            "error.html",
            &MessageView {
                title: Text::Plain("T".into()),
                message: Text::Plain("M".into()),
                detail: Some("<d>".into()),
                reference: Some("req-7".into()),
            },
        )
        .unwrap();
    assert!(error.contains("<h1>T</h1>") && error.contains("req-7"));
    assert!(error.contains("&lt;d&gt;"), "{error}");
    let form = ui
        .render(
            "form_post.html",
            &FormPostView {
                action: "https://a.example/cb".into(),
                fields: vec![("code".into(), "c\"x".into())],
            },
        )
        .unwrap();
    assert!(form.contains("name=\"code\" value=\"c&quot;x\""), "{form}");
    let mut own = BTreeMap::new();
    own.insert(
        "orders".to_owned(),
        BTreeMap::from([("de".to_owned(), "Ihre <Bestellungen> lesen".to_owned())]),
    );
    let consent = ui
        .render_in(
            "consent.html",
            Locale::De,
            &ConsentView {
                tenant_name: "Acme".into(),
                client_name: "Reports".into(),
                scopes: ["openid", "orders", "other"]
                    .into_iter()
                    .map(|s| ScopeLine::new(s.into(), &own, Locale::De))
                    .collect(),
                action: "/t/acme/consent".into(),
                csrf: "c".into(),
                request_id: "r".into(),
            },
        )
        .unwrap();
    assert!(
        consent.contains("Erfahren, wer Sie bei Acme sind"),
        "{consent}"
    );
    assert!(
        consent.contains("Ihre &lt;Bestellungen&gt; lesen"),
        "{consent}"
    );
    assert!(
        consent.contains("data-scope=\"other\">other</li>"),
        "{consent}"
    );
    assert!(consent.contains("value=\"deny\"") && consent.contains("Ablehnen"));
    let info = ui
        .render_in(
            "info.html",
            Locale::Fr,
            &MessageView {
                title: Msg::new("logout.done_title").into(),
                message: Msg::new("logout.done").into(),
                detail: None,
                reference: None,
            },
        )
        .unwrap();
    assert!(info.contains("Vous pouvez fermer cette fenêtre.") && info.contains("lang=\"fr\""));
    let chosen = ui
        .render_in(
            "new_password.html",
            Locale::Nl,
            &password::NewPasswordView {
                tenant_name: "Acme".into(),
                heading: Msg::new("password.change_heading"),
                intro: Msg::new("password.change_intro"),
                action: "/t/acme/password".into(),
                csrf: "c".into(),
                hidden: vec![("request".into(), "r\"1".into())],
                username: "alice".into(),
                min_length: 10,
                error: Some(Msg::new("password.too_short").arg("min", 10)),
                enrol: Some(password::TotpSetup {
                    qr_svg: "<svg></svg>".into(),
                    secret: "JBSWY3DP".into(),
                    uri: "otpauth://totp/x".into(),
                }),
            },
        )
        .unwrap();
    assert!(
        chosen.contains("name=\"request\" value=\"r&quot;1\"")
            && chosen.contains("name=\"confirm\"")
            && chosen.contains("moet 10 tot 1024 tekens lang zijn")
            && chosen.contains("<svg></svg>")
            && chosen.contains("name=\"code\""),
        "{chosen}"
    );
    let recovered = ui
        .render(
            "recovered.html",
            &password::RecoveredView {
                tenant_name: "Acme".into(),
                codes: vec!["abcd-efgh".into()],
            },
        )
        .unwrap();
    assert!(recovered.contains("<code>abcd-efgh</code>"), "{recovered}");
    let logout = ui
        .render_in(
            "logout.html",
            Locale::Es,
            &LogoutView {
                tenant_name: "Acme".into(),
                action: "/t/acme/logout".into(),
                csrf: "c".into(),
                client_id: String::new(),
                post_logout_redirect_uri: "https://a.example/bye".into(),
                state: String::new(),
                ui_locales: "es".into(),
            },
        )
        .unwrap();
    assert!(
        logout.contains("name=\"post_logout_redirect_uri\"")
            && !logout.contains("name=\"state\"")
            && logout.contains("¿Cerrar sesión en Acme?")
    );
}

#[test]
fn a_page_says_its_messages_in_the_language_it_renders_in() {
    let ui = ui();
    let de = ui
        .render_in(
            "login.html",
            Locale::De,
            &login(Some(Msg::new("login.failed"))),
        )
        .unwrap();
    assert!(de.contains("<html lang=\"de\">"), "{de}");
    assert!(
        de.contains("Bei &lt;Acme&gt; anmelden") && de.contains("Passwort"),
        "{de}"
    );
    assert!(
        de.contains("Benutzername oder Passwort ist nicht korrekt."),
        "{de}"
    );
    assert!(
        de.contains("data-not-used=\"Der Passkey wurde nicht verwendet."),
        "{de}"
    );
    let unknown = ui.render_in("login.html", Locale::Fr, &login(Some(Msg::new("no.such"))));
    assert!(
        unknown.is_err(),
        "an unknown key is a render error, not a blank"
    );
}

fn dir(files: &[(&str, &str)]) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "latchkey-ui-{}-{}",
        std::process::id(),
        files.first().map_or("empty", |f| f.0).replace('/', "_")
    ));
    let _fresh = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    for (name, source) in files {
        std::fs::write(d.join(name), source).unwrap();
    }
    d
}

#[test]
fn overrides_replace_end_user_templates_and_broken_ones_are_named() {
    let good = dir(&[(
        "info.html",
        "{% extends \"base.html\" %}{% block content %}<p id=\"own\">{{ t(title) }}</p>{% endblock %}",
    )]);
    let ui = Ui::new(Some(&good)).unwrap();
    let page = ui
        .render_in(
            "info.html",
            Locale::De,
            &MessageView {
                title: Msg::new("logout.done_title").into(),
                message: Msg::new("logout.done").into(),
                detail: None,
                reference: None,
            },
        )
        .unwrap();
    assert!(
        page.contains("<p id=\"own\">Sie sind abgemeldet</p>"),
        "{page}"
    );
    let broken = dir(&[("login.html", "{% if %}")]);
    let e = Ui::new(Some(&broken)).err().unwrap().to_string();
    assert!(
        e.contains("login.html") && e.contains("does not compile"),
        "{e}"
    );
    let unknown = dir(&[("lgoin.html", "x")]);
    let e = Ui::new(Some(&unknown)).err().unwrap().to_string();
    assert!(
        e.contains("lgoin.html") && e.contains("not the name"),
        "{e}"
    );
    let missing = std::env::temp_dir().join("latchkey-no-such-dir");
    let e = Ui::new(Some(&missing)).err().unwrap().to_string();
    assert!(e.contains("latchkey-no-such-dir"), "{e}");
}

#[test]
fn a_brand_adds_logo_name_support_and_footer_escaped() {
    let ui = ui();
    let view = MessageView {
        title: Text::Plain("T".into()),
        message: Text::Plain("M".into()),
        detail: None,
        reference: None,
    };
    let brand = Brand {
        slug: "acme".into(),
        name: "Acme \"<Co>\"".into(),
        logo: true,
        accent: true,
        support_url: Some("https://help.example/?a=1&b=\"x".into()),
        support_email: Some("help@example.com".into()),
        footer: Some("<b>Acme</b> & Co".into()),
    };
    let page = ui
        .render_branded("info.html", Locale::En, &view, Some(&brand))
        .unwrap();
    for expected in [
        "<link rel=\"stylesheet\" href=\"/t/acme/branding.css\">",
        "src=\"/t/acme/branding/logo\" alt=\"Acme &quot;&lt;Co&gt;&quot;\"",
        "href=\"https:&#x2f;&#x2f;help.example&#x2f;?a=1&amp;b=&quot;x\"",
        "href=\"mailto:help@example.com\"",
        "&lt;b&gt;Acme&lt;&#x2f;b&gt; &amp; Co",
        "<h1>T</h1>",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    let plain = Brand {
        slug: "acme".into(),
        name: "Acme".into(),
        ..Brand::default()
    };
    let page = ui
        .render_branded("info.html", Locale::En, &view, Some(&plain))
        .unwrap();
    assert!(page.contains("id=\"tenant-name\">Acme</p>"), "{page}");
    assert!(!page.contains("tenant-logo") && !page.contains("branding.css"));
    assert!(!page.contains("tenant-footer"));
}
