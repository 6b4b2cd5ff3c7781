//! The language of each page, over HTTPS as a browser sees it.

use super::{authorize, consent_client, lang};
use crate::oidc_code::start;
use crate::support::browser::{Browser, attribute, input_value};

/// An authorization request of the first-party client `web`.
const WEB: &str = "/t/acme/authorize?client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=openid&state=s";

/// The login form an authorization request leads to.
fn login_form(browser: &Browser, authorize_url: &str) -> crate::support::browser::Page {
    let first = browser.get(authorize_url);
    let login = first.location.expect("a redirect to the login form");
    assert!(login.contains("/login?"), "{login}");
    let form = browser.get(&login);
    assert_eq!(form.status, 200, "{}", form.body);
    form
}

/// Posts the login form of `form` with `password`.
fn submit(browser: &Browser, form: &str, password: &str) -> crate::support::browser::Page {
    browser.post(
        &attribute(form, "form", "action"),
        &[
            ("csrf", &input_value(form, "csrf")),
            ("request", &input_value(form, "request")),
            ("username", "alice"),
            ("password", password),
        ],
    )
}

#[test]
fn accept_language_german_gives_a_german_sign_in_page() {
    let f = start();
    consent_client(&f);
    let browser = Browser::speaking(&f.server, "de-DE,de;q=0.9");
    let form = login_form(&browser, &authorize(""));
    assert_eq!(lang(&form), "de");
    for text in [
        "<title>Bei Acme Corp anmelden</title>",
        "<h1>Bei Acme Corp anmelden</h1>",
        ">Benutzername</label>",
        ">Passwort</label>",
        ">Anmelden</button>",
    ] {
        assert!(form.body.contains(text), "{text} missing:\n{}", form.body);
    }
    assert!(!form.body.contains("Sign in"), "{}", form.body);
    let wrong = submit(&browser, &form.body, "not the password");
    assert_eq!(wrong.status, 401);
    assert!(
        wrong
            .body
            .contains("Benutzername oder Passwort ist nicht korrekt."),
        "{}",
        wrong.body
    );
}

#[test]
fn ui_locales_french_stays_french_through_a_wrong_password_and_consent() {
    let f = start();
    consent_client(&f);
    // The client's ui_locales comes before the browser's own languages.
    let browser = Browser::speaking(&f.server, "de");
    let form = login_form(&browser, &authorize("&ui_locales=ja%20fr-CA%20en"));
    assert_eq!(lang(&form), "fr");
    assert!(
        form.body.contains("<h1>Se connecter à Acme Corp</h1>")
            && form.body.contains(">Mot de passe</label>"),
        "{}",
        form.body
    );
    let wrong = submit(&browser, &form.body, "not the password");
    assert_eq!((wrong.status, lang(&wrong)), (401, "fr".to_owned()));
    assert!(
        wrong
            .body
            .contains("Le nom d&#x27;utilisateur ou le mot de passe est incorrect."),
        "{}",
        wrong.body
    );
    let right = submit(&browser, &wrong.body, "correct horse battery");
    let consent_url = right.location.expect("on to consent");
    assert!(consent_url.starts_with("/t/acme/consent?"), "{consent_url}");
    let consent = browser.get(&consent_url);
    assert_eq!((consent.status, lang(&consent)), (200, "fr".to_owned()));
    for text in [
        "Autoriser Reports Inc. à utiliser votre compte Acme Corp ?",
        "Savoir qui vous êtes chez Acme Corp",
        "data-scope=\"orders\">orders</li>",
        ">Autoriser</button>",
        ">Refuser</button>",
    ] {
        assert!(
            consent.body.contains(text),
            "{text} missing:\n{}",
            consent.body
        );
    }
    let stale = browser.post(
        "/t/acme/consent",
        &[
            ("request", &input_value(&consent.body, "request")),
            ("decision", "allow"),
        ],
    );
    assert_eq!((stale.status, lang(&stale)), (400, "fr".to_owned()));
    assert!(
        stale.body.contains("<h1>Consentement refusé</h1>")
            && stale
                .body
                .contains("jeton de sécurité est absent ou périmé"),
        "{}",
        stale.body
    );
}

#[test]
fn dutch_and_spanish_pages() {
    let f = start();
    let dutch = Browser::speaking(&f.server, "nl-BE, en;q=0.5");
    let expired = dutch.get("/t/acme/login?request=gone");
    assert_eq!((expired.status, lang(&expired)), (400, "nl".to_owned()));
    assert!(
        expired
            .body
            .contains("<h1>Aanmelding niet geaccepteerd</h1>")
            && expired
                .body
                .contains("Deze aanmelding duurde te lang of is al gebruikt."),
        "{}",
        expired.body
    );
    let unknown = dutch.get("/t/nowhere/login");
    assert_eq!((unknown.status, lang(&unknown)), (404, "nl".to_owned()));
    assert!(
        unknown.body.contains("Onbekende aanmelddienst"),
        "{}",
        unknown.body
    );

    let spanish = Browser::new(&f.server);
    let logout = spanish.get("/t/acme/logout?ui_locales=es");
    assert_eq!((logout.status, lang(&logout)), (200, "es".to_owned()));
    assert!(
        logout.body.contains("¿Cerrar sesión en Acme Corp?")
            && logout.body.contains(">Cerrar sesión</button>"),
        "{}",
        logout.body
    );
    let done = spanish.post(
        "/t/acme/logout",
        &[
            ("csrf", &input_value(&logout.body, "csrf")),
            ("ui_locales", &input_value(&logout.body, "ui_locales")),
        ],
    );
    assert!(done.body.contains("Ha cerrado la sesión"), "{}", done.body);
}

#[test]
fn an_unsupported_language_falls_back_to_english() {
    let f = start();
    let japanese = Browser::speaking(&f.server, "ja-JP,ja;q=0.9,zh;q=0.5");
    let form = login_form(&japanese, &format!("{WEB}&ui_locales=ja"));
    assert_eq!(lang(&form), "en");
    assert!(
        form.body.contains("<h1>Sign in to Acme Corp</h1>"),
        "{}",
        form.body
    );
    let garbled = Browser::speaking(&f.server, &format!("{};q=x, fr;q=2", "x".repeat(300)));
    let form = login_form(&garbled, WEB);
    assert_eq!(lang(&form), "en", "a malformed header is no language");
}

#[test]
fn a_protocol_error_page_is_translated_and_keeps_the_technical_detail() {
    let f = start();
    let german = Browser::speaking(&f.server, "de");
    let page = german.get("/t/acme/authorize?client_id=nobody&response_type=code&ui_locales=es");
    assert_eq!((page.status, lang(&page)), (400, "es".to_owned()));
    assert!(
        page.body
            .contains("<h1>Solicitud de inicio de sesión no aceptada</h1>")
            && page.body.contains("id=\"error-detail\""),
        "{}",
        page.body
    );
}

#[test]
fn discovery_lists_the_languages() {
    let f = start();
    let (status, body) = f.server.get("/t/acme/.well-known/openid-configuration");
    assert_eq!(status, 200);
    let meta: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        meta["ui_locales_supported"],
        serde_json::json!(["en", "de", "fr", "nl", "es"])
    );
}
