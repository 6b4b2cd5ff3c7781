//! A tenant's `scope_descriptions`: validated by `PATCH /v2/admin/tenants/{t}`, shown by
//! `GET`, and said on the consent page in the page's language, else in English, else
//! as the scope's name.

use super::{authorize, consent_client, lang};
use crate::oidc_code::start;
use crate::support::browser::Browser;
use serde_json::json;

#[test]
fn bad_descriptions_are_refused_and_change_nothing() {
    let f = start();
    let good = json!({"orders": {"en": "Read your orders", "de": "Ihre Bestellungen lesen"}});
    let set = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({"scope_descriptions": good})),
    );
    assert_eq!(set.status, 200, "{:?}", set.body);
    assert_eq!(set.body["scope_descriptions"], good);
    for (bad, names) in [
        (json!({"bad scope": {"en": "x"}}), "bad scope"),
        (json!({"orders": {"it": "Leggere gli ordini"}}), "`it`"),
        (json!({"orders": {"en": "x".repeat(301)}}), "300"),
        (json!({"orders": {"en": "  "}}), "scope_descriptions"),
        (json!({"orders": {}}), "no text"),
        (json!({"orders": "Read your orders"}), "scope_descriptions"),
        (
            serde_json::Value::Object(
                (0..101)
                    .map(|i| (format!("s{i}"), json!({"en": "x"})))
                    .collect(),
            ),
            "more than 100",
        ),
    ] {
        let r = f.api.call(
            "PATCH",
            "/v2/admin/tenants/acme",
            Some(&json!({"scope_descriptions": bad})),
        );
        assert_eq!(r.status, 400, "{bad}: {:?}", r.body);
        let detail = r.body["detail"].as_str().unwrap_or_default();
        assert!(
            r.body["title"] == "Bad Request" && detail.contains(names),
            "{names} not in {:?}",
            r.body
        );
    }
    let kept = f.api.call("GET", "/v2/admin/tenants/acme", None);
    assert_eq!(kept.body["scope_descriptions"], good, "nothing changed");
    let cleared = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({"scope_descriptions": {}})),
    );
    assert_eq!(cleared.body["scope_descriptions"], json!({}));
}

#[test]
fn consent_says_the_tenants_description_in_the_page_language() {
    let f = start();
    consent_client(&f);
    let set = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({"scope_descriptions": {"orders": {"en": "Read your orders", "de": "Ihre Bestellungen lesen"}}})),
    );
    assert_eq!(set.status, 200, "{:?}", set.body);
    let consent_page = |browser: &Browser, extra: &str| {
        let signed_in = browser.sign_in(&authorize(extra), "alice", "correct horse battery");
        browser.get(&signed_in.location.expect("on to consent"))
    };
    let german = consent_page(&Browser::speaking(&f.server, "de-CH"), "");
    assert_eq!(lang(&german), "de");
    assert!(
        german
            .body
            .contains("data-scope=\"orders\">Ihre Bestellungen lesen</li>")
            && german.body.contains("Erfahren, wer Sie bei Acme Corp sind"),
        "{}",
        german.body
    );
    let dutch = consent_page(&Browser::new(&f.server), "&ui_locales=nl");
    assert_eq!(lang(&dutch), "nl");
    assert!(
        dutch
            .body
            .contains("data-scope=\"orders\">Read your orders</li>")
            && dutch
                .body
                .contains("Mag Reports Inc. uw account bij Acme Corp gebruiken?"),
        "English when the tenant wrote none in Dutch:\n{}",
        dutch.body
    );
}
