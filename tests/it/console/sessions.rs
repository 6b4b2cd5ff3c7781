//! The console's list of the member's own sessions and "sign out everywhere else": the
//! other sessions end with their refresh tokens, this one stays, and a form without its
//! CSRF token is 403 and changes nothing.

use crate::mfa::audit_kinds;
use crate::oidc_code::{start, tokens};
use crate::sessions::refresh_works;
use crate::support::browser::{Browser, input_value};

const CONSOLE: &str = "/t/acme/account";

#[test]
fn sign_out_everywhere_else_ends_the_other_sessions_and_their_refresh_tokens() {
    let f = start();
    let here = Browser::new(&f.server);
    let there = Browser::new(&f.server);
    let mine = tokens(&f, &here, &[]);
    let theirs = tokens(&f, &there, &[]);
    let console = here.get(CONSOLE);
    assert_eq!(console.status, 200, "{}", console.body);
    assert_eq!(
        console.body.matches("Signed in at").count(),
        2,
        "{}",
        console.body
    );
    assert_eq!(console.body.matches("(this browser)").count(), 1);
    let csrf = input_value(&console.body, "csrf");

    let forged = here.post(CONSOLE, &[("action", "end-other-sessions")]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(forged.body.contains("security token"), "{}", forged.body);
    let wrong = here.post(
        CONSOLE,
        &[("csrf", "not-the-token"), ("action", "end-other-sessions")],
    );
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    assert_eq!(there.get(CONSOLE).status, 200, "nothing changed");
    assert!(audit_kinds(&f, "account.sessions_ended").is_empty());

    let done = here.post(
        CONSOLE,
        &[("csrf", &csrf), ("action", "end-other-sessions")],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let shown = here.get(done.location.as_deref().unwrap());
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(
        shown.body.contains("Your other sessions were ended."),
        "{}",
        shown.body
    );
    assert_eq!(
        shown.body.matches("Signed in at").count(),
        1,
        "{}",
        shown.body
    );

    let gone = there.get(CONSOLE);
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert!(gone.location.unwrap().starts_with("/t/acme/login?request="));
    assert!(
        !refresh_works(&f, &theirs),
        "the other session's refresh token ended"
    );
    assert!(
        refresh_works(&f, &mine),
        "this session's refresh token still works"
    );
    let events = audit_kinds(&f, "account.sessions_ended");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0]["actor"],
        serde_json::json!({"type": "account", "id": f.alice}),
        "{events:?}"
    );
    assert_eq!(events[0]["account"], f.alice.as_str(), "{events:?}");
}

#[test]
fn a_console_form_of_a_signed_out_browser_is_403_without_its_token() {
    let f = start();
    let browser = Browser::new(&f.server);
    let forged = browser.post(CONSOLE, &[("action", "end-other-sessions")]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    let unknown = {
        let signed_in = Browser::new(&f.server);
        tokens(&f, &signed_in, &[]);
        let page = signed_in.get(CONSOLE);
        let csrf = input_value(&page.body, "csrf");
        signed_in.post(CONSOLE, &[("csrf", &csrf), ("action", "delete-everything")])
    };
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert!(
        unknown.body.contains("nothing this page does"),
        "{}",
        unknown.body
    );
}

#[test]
fn sign_out_from_the_console_ends_this_session() {
    let f = start();
    let browser = Browser::new(&f.server);
    let mine = tokens(&f, &browser, &[]);
    let console = browser.get(CONSOLE);
    assert_eq!(console.status, 200, "{}", console.body);
    let link = crate::support::browser::attribute(
        &console.body[console.body.find("id=\"sign-out\"").unwrap() - 40..],
        "a",
        "href",
    );
    assert_eq!(link, "/t/acme/logout");
    let confirm = browser.get(&link);
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let csrf = input_value(&confirm.body, "csrf");
    let done = browser.post(&link, &[("csrf", &csrf)]);
    assert!(done.body.contains("You are signed out"), "{}", done.body);
    let after = browser.get(CONSOLE);
    assert_eq!(after.status, 303, "{}", after.body);
    assert!(
        after
            .location
            .unwrap()
            .starts_with("/t/acme/login?request=")
    );
    assert!(!refresh_works(&f, &mine), "its refresh token ended");
}
