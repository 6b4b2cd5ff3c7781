//! The console's password change: the current password is asked and a wrong one is
//! counted, the policy names the rule, a form without its CSRF token is 403, and a
//! change ends the other session and its refresh token while this one stays.

use crate::mfa::audit_kinds;
use crate::oidc_code::{Fixture, start, tokens};
use crate::sessions::refresh_works;
use crate::support::browser::{Browser, Page, input_value};

const CONSOLE: &str = "/t/acme/account";
const PASSWORD: &str = "correct horse battery";
const NEW: &str = "a fresh long password";

/// Posts the password form of the console `page` shows.
fn change(browser: &Browser, page: &Page, current: &str, new: &str, confirm: &str) -> Page {
    browser.post(
        CONSOLE,
        &[
            ("csrf", &input_value(&page.body, "csrf")),
            ("action", "change-password"),
            ("current", current),
            ("password", new),
            ("confirm", confirm),
        ],
    )
}

/// The password changes users made themselves (the fixture's admin set one too).
fn user_changes(f: &Fixture) -> Vec<serde_json::Value> {
    let mut all = audit_kinds(f, "password.changed");
    all.retain(|e| e["detail"] == "user");
    all
}

fn signs_in(f: &Fixture, password: &str) -> bool {
    let browser = Browser::new(&f.server);
    browser
        .sign_in(CONSOLE, "alice", password)
        .location
        .as_deref()
        == Some(CONSOLE)
}

#[test]
fn a_password_change_checks_the_current_one_and_ends_the_other_sessions() {
    let f = start();
    let here = Browser::new(&f.server);
    let there = Browser::new(&f.server);
    let mine = tokens(&f, &here, &[]);
    let theirs = tokens(&f, &there, &[]);
    let page = here.get(CONSOLE);
    assert_eq!(page.status, 200, "{}", page.body);

    let forged = here.post(
        CONSOLE,
        &[
            ("action", "change-password"),
            ("current", PASSWORD),
            ("password", NEW),
            ("confirm", NEW),
        ],
    );
    assert_eq!(forged.status, 403, "{}", forged.body);

    let wrong = change(&here, &page, "not the password", NEW, NEW);
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(
        wrong.body.contains("The current password is not correct."),
        "{}",
        wrong.body
    );
    let failed = audit_kinds(&f, "login.failed");
    assert_eq!(failed.len(), 1, "counted like a failed sign-in: {failed:?}");
    assert!(!failed[0].to_string().contains("not the password"));

    let mut page = wrong;
    for (new, confirm, why) in [
        (
            "password123",
            "password123",
            "one of the 10,000 most common",
        ),
        (PASSWORD, PASSWORD, "must differ from the current one"),
        (NEW, "something else entirely", "are not the same"),
    ] {
        let refused = change(&here, &page, PASSWORD, new, confirm);
        assert_eq!(refused.status, 400, "{why}: {}", refused.body);
        assert!(refused.body.contains(why), "{why}: {}", refused.body);
        page = refused;
    }
    assert!(user_changes(&f).is_empty(), "nothing changed");
    assert!(refresh_works(&f, &theirs), "nothing changed");
    assert!(signs_in(&f, PASSWORD), "nothing changed");

    let done = change(&here, &page, PASSWORD, NEW, NEW);
    assert_eq!(done.status, 303, "{}", done.body);
    let shown = here.get(done.location.as_deref().unwrap());
    assert_eq!(shown.status, 200, "this session stays: {}", shown.body);
    assert!(
        shown.body.contains("Your password was changed"),
        "{}",
        shown.body
    );
    assert_eq!(there.get(CONSOLE).status, 303, "the other session ended");
    assert!(!refresh_works(&f, &theirs), "and its refresh token");
    assert!(
        !refresh_works(&f, &mine),
        "every refresh token of the old password ends"
    );
    let changed = user_changes(&f);
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(
        changed[0]["actor"],
        serde_json::json!({"type": "account", "id": f.alice})
    );
    assert!(!signs_in(&f, PASSWORD));
    assert!(signs_in(&f, NEW));
}

#[test]
fn wrong_current_passwords_are_held_back_by_the_username_limiter() {
    let f = start();
    let here = Browser::new(&f.server);
    tokens(&f, &here, &[]);
    let mut page = here.get(CONSOLE);
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let answer = change(&here, &page, "not the password", NEW, NEW);
        statuses.push(answer.status);
        if answer.status == 429 {
            assert!(answer.retry_after.is_some());
            break;
        }
        page = answer;
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(user_changes(&f).is_empty());
}
