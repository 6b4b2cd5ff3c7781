//! A branded sign-in page in a real headless Chromium: the logo really loads (the CSP
//! lets it, the bytes decode) and the accent colour really applies through
//! `branding.css`. Screenshots go under `target/tmp/ui-screenshots/`.

use super::{full, put};
use crate::oidc_code::start;
use crate::support::webdriver::{Chrome, screenshot_dir};

const AUTHORIZE: &str = "/t/acme/authorize?client_id=web&response_type=code&scope=openid&state=s1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb";

/// The logo's natural width once it has loaded or failed (0 when it did not decode).
const NATURAL_WIDTH: &str = "const done = arguments[arguments.length - 1];
const img = document.getElementById('tenant-logo');
if (!img) { done(-1); }
else if (img.complete) { done(img.naturalWidth); }
else { img.onload = () => done(img.naturalWidth); img.onerror = () => done(0); }";

/// The computed background colour of the sign-in button.
const BUTTON_COLOUR: &str = "const done = arguments[arguments.length - 1];
done(getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor);";

#[test]
fn a_branded_sign_in_page_loads_its_logo_and_applies_its_colour() {
    let f = start();
    put(&f.api, "acme", &full());
    let chrome = Chrome::start(&screenshot_dir());
    chrome.go(&format!("{}{AUTHORIZE}", f.server.base));
    assert!(
        chrome.url().contains("/t/acme/login?request="),
        "{}",
        chrome.url()
    );
    chrome.screenshot("branding-01-sign-in");
    assert_eq!(
        chrome.run_async(NATURAL_WIDTH, &[]),
        4,
        "the 4x3 logo decoded"
    );
    assert_eq!(
        chrome.run_async(BUTTON_COLOUR, &[]),
        "rgb(192, 57, 43)",
        "#c0392b from branding.css"
    );
    assert_eq!(chrome.find("#continue-to").text(), "to continue to Web");
}
