//! A German and a French sign-in page in a real Chromium: the text a user reads and
//! the `lang` a screen reader goes by. Screenshots go under `target/tmp/ui-screenshots/`.

use crate::oidc_code::start;
use crate::support::webdriver::{Chrome, screenshot_dir};

const WEB: &str = "/t/acme/authorize?client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=openid&state=s";

#[test]
fn german_and_french_sign_in_pages_in_chromium() {
    let f = start();
    let base = f.server.base.clone();
    let german = Chrome::start_with(&screenshot_dir(), &["--accept-lang=de-DE,de".to_owned()]);
    german.go(&format!("{base}{WEB}"));
    assert!(german.url().contains("/t/acme/login?"), "{}", german.url());
    assert_eq!(german.find("html").attribute("lang").as_deref(), Some("de"));
    assert_eq!(german.find("h1").text(), "Bei Acme Corp anmelden");
    assert_eq!(german.find("label[for=password]").text(), "Passwort");
    assert_eq!(german.find("form button[type=submit]").text(), "Anmelden");
    german.screenshot("languages-01-sign-in-de");

    let french = Chrome::start(&screenshot_dir());
    french.go(&format!("{base}{WEB}&ui_locales=fr"));
    assert_eq!(french.find("html").attribute("lang").as_deref(), Some("fr"));
    assert_eq!(french.find("h1").text(), "Se connecter à Acme Corp");
    assert_eq!(
        french.find("label[for=username]").text(),
        "Nom d'utilisateur"
    );
    french.fill("#username", "alice");
    french.fill("#password", "not the password");
    french.click_and_wait("form button[type=submit]");
    assert_eq!(
        french.find("#login-error").text(),
        "Le nom d'utilisateur ou le mot de passe est incorrect."
    );
    french.screenshot("languages-02-sign-in-fr-refused");
}
