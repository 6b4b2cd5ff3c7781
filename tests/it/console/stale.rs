//! A sign-in more than five minutes old adds and removes no passkey: the console sends
//! the user through the tenant's sign-in again first, while a rename, which changes no
//! credential, goes through; after the sign-in (password and a recovery code) the
//! removal goes through too. The server under test has no clock to move, so the
//! session is aged where a test can reach it: in a backup (a CBOR sequence of records),
//! whose sessions sign in ten minutes earlier before it is restored on the same address
//! with the same TLS files, so the browser's cookies still name its session.

use super::factors::post_with;
use super::passkeys::{add, console, localhost};
use crate::mfa::{post_code, recovery_codes, second_step};
use crate::support::api::Api;
use crate::support::browser::{attribute, input_value};
use crate::support::server::{Options, Server, restore};
use ciborium::Value as Cbor;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

const CONSOLE: &str = "/t/acme/account";
const PASSWORD: &str = "correct horse battery";

/// The entry `name` of CBOR map `map`.
fn entry<'a>(map: &'a mut Cbor, name: &str) -> Option<&'a mut Cbor> {
    map.as_map_mut()?
        .iter_mut()
        .find(|(k, _)| k.as_text() == Some(name))
        .map(|(_, v)| v)
}

/// Backup `bytes` with every session's `auth_time` `secs` earlier.
#[allow(
    clippy::disallowed_methods,
    reason = "the test edits a backup's records as an outsider would, with its own CBOR codec"
)]
fn aged(bytes: &[u8], secs: i128) -> Vec<u8> {
    let mut rest = bytes;
    let mut out = Vec::new();
    let mut sessions = 0;
    while !rest.is_empty() {
        let mut item: Cbor = ciborium::from_reader(&mut rest).unwrap();
        if let Some(record) = entry(&mut item, "Record") {
            let tree = entry(record, "tree").and_then(|t| t.as_text().map(str::to_owned));
            if tree.as_deref() == Some("sessions") {
                let value = entry(record, "value").unwrap().as_bytes_mut().unwrap();
                let mut session: Cbor = ciborium::from_reader(value.as_slice()).unwrap();
                let auth_time = entry(&mut session, "auth_time").unwrap();
                let before = i128::from(auth_time.as_integer().unwrap());
                *auth_time = Cbor::Integer((before - secs).try_into().unwrap());
                value.clear();
                ciborium::into_writer(&session, &mut *value).unwrap();
                sessions += 1;
            }
        }
        ciborium::into_writer(&item, &mut out).unwrap();
    }
    assert!(sessions > 0, "the backup holds sessions");
    out
}

/// Copies the TLS files of data dir `from` into `to`, owner-only as the server keeps them.
fn copy_tls(from: &Path, to: &Path) {
    let dir = to.join("tls");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    for name in ["ca.pem", "cert.pem", "key.pem"] {
        let file = dir.join(name);
        std::fs::copy(from.join("tls").join(name), &file).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[test]
fn a_stale_sign_in_signs_in_again_before_a_passkey_is_added_or_removed() {
    let mut f = localhost();
    let (browser, page) = console(&f, "alice");
    let (added, id) = add(&f, &browser, &page, "Phone");
    let codes = recovery_codes(&added);
    let token = f.server.admin_token();
    let backup = f.server.online_backup(&token);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("restored");
    restore(&aged(&backup, 600), &dir);
    copy_tls(&f.server.data_dir, &dir);
    let port = f.server.addr.port();
    f.server.signal("TERM");
    assert!(f.server.wait(Duration::from_secs(30)).success());
    let restored = Server::start_on(
        &dir,
        port,
        Options {
            public_host: Some("localhost"),
            ..Options::default()
        },
    );

    let page = browser.get(CONSOLE);
    assert_eq!(page.status, 200, "still signed in: {}", page.body);
    let api = Api::with_token(&restored, &token);
    let count = || {
        let account = api.call("GET", &format!("/v2/admin/accounts/{}", f.alice), None);
        account.body["mfa"]["passkeys"].as_u64().unwrap()
    };
    let mut login = String::new();
    for action in ["begin-passkey", "add-passkey", "remove-passkey"] {
        let page = browser.get(CONSOLE);
        let again = post_with(&browser, &page, action, &[("id", &id)]);
        assert_eq!(again.status, 303, "{action}: {}", again.body);
        let to = again.location.unwrap();
        assert!(to.starts_with("/t/acme/login?request="), "{action}: {to}");
        assert!(to.contains("login_hint="), "{to}");
        login = to;
    }
    assert_eq!(count(), 1, "nothing removed");

    let page = browser.get(CONSOLE);
    let renamed = post_with(
        &browser,
        &page,
        "rename-passkey",
        &[("id", &id), ("name", "Old phone")],
    );
    assert_eq!(
        renamed.status, 200,
        "a name is no credential: {}",
        renamed.body
    );
    assert!(renamed.body.contains(">Old phone</span>"));

    let form = browser.get(&login);
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body.contains("value=\"Alice\""),
        "hinted: {}",
        form.body
    );
    let done = browser.post(
        &attribute(&form.body, "form", "action"),
        &[
            ("csrf", &input_value(&form.body, "csrf")),
            ("request", &input_value(&form.body, "request")),
            ("username", "alice"),
            ("password", PASSWORD),
        ],
    );
    let step = second_step(&browser, &done);
    let done = post_code(&browser, &step, &codes[0]);
    assert_eq!(done.location.as_deref(), Some(CONSOLE), "{}", done.body);
    let page = browser.get(CONSOLE);
    assert!(!input_value(&page.body, "csrf").is_empty());
    let removed = post_with(&browser, &page, "remove-passkey", &[("id", &id)]);
    assert_eq!(removed.status, 200, "signed in afresh: {}", removed.body);
    assert!(removed.body.contains("The passkey was removed."));
    assert_eq!(count(), 0);
}
