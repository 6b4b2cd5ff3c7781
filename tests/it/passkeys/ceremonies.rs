//! Ceremonies taken once, bad answers, the limiters (passkey sign-in never blocked by
//! the username's; refused second-factor passkeys counted for it), and a restored
//! backup that signs the same authenticator in.

use super::*;

#[test]
fn a_ceremony_is_taken_once_and_a_restored_backup_signs_the_same_authenticator_in() {
    let catcher = Catcher::start();
    let (f, rp, secret) = localhost(&catcher);
    set_mfa(&f, "required");
    let chrome = chrome_for(&f.server);
    let auth = authenticator(&chrome);
    enrol(&chrome, &f, &rp, &catcher);

    // Someone guesses alice's password until her username is blocked at this address:
    // her passkey still signs her in (SPEC: passkey sign-in is never blocked).
    let guesser = Browser::new(&f.server);
    let mut blocked = false;
    for _ in 0..30 {
        let answer = guesser.sign_in(&flow(&rp).url, "alice", "not her password");
        if answer.status == 429 {
            blocked = true;
            break;
        }
        assert_eq!(answer.status, 401, "{}", answer.body);
    }
    assert!(blocked, "the username limiter stepped in");
    let started = flow(&rp);
    chrome.go(&started.url);
    passwordless(&chrome);
    let code = catcher.code(&started.state);
    assert_eq!(acr_amr(&f.server, &rp, started, code).0, "mfa");

    // After the right password, refused passkeys count toward the username's limiter
    // like wrong codes: the second step answers 429 in the end.
    let user = Browser::new(&f.server);
    let answer = user.sign_in(&flow(&rp).url, "alice", PASSWORD);
    let mut page = user.get(answer.location.as_deref().unwrap());
    assert!(page.body.contains("id=\"passkey-use\""), "{}", page.body);
    let mut limited = false;
    for _ in 0..30 {
        let action = attribute(&page.body, "form", "action");
        let fields = [
            ("csrf", input_value(&page.body, "csrf")),
            ("request", input_value(&page.body, "request")),
            ("passkey", "{not json".to_owned()),
        ];
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = user.post(&action, &pairs);
        if answer.status == 429 {
            limited = true;
            break;
        }
        assert_eq!(answer.status, 401, "{}", answer.body);
        assert!(
            answer.body.contains("That passkey was not accepted here."),
            "{}",
            answer.body
        );
        page = answer;
    }
    assert!(limited, "the username limiter stepped in");

    // The ceremony is taken once: a malformed answer spends it (401, audited), and the
    // right assertion for the same challenge then finds none.
    chrome.go(&flow(&rp).url);
    let (answer, csrf, request) = assertion_in_page(&chrome);
    let junk = ("{not json".to_owned(), csrf.clone(), request.clone());
    let (status, body) = post_sign_in(&f.server, &junk);
    assert_eq!(status, 401, "{body}");
    assert!(
        body.contains("That passkey was not accepted here."),
        "{body}"
    );
    let (status, body) = post_sign_in(&f.server, &(answer, csrf, request));
    assert_eq!(status, 401, "{body}");
    let details: Vec<Value> = audit(&f, "mfa.failed")
        .iter()
        .map(|e| e["detail"].clone())
        .collect();
    assert!(
        details.contains(&json!("passkey: the assertion did not verify"))
            && details.contains(&json!("passkey: no such ceremony (replayed or expired)")),
        "{details:?}"
    );

    // Well-formed JSON with a rawId that is not base64url, and an assertion for a
    // credential nobody registered: each a clear 401.
    for junk in [
        r#"{"id":"x","rawId":"!!","type":"public-key","response":{"authenticatorData":"AA","clientDataJSON":"AA","signature":"AA","userHandle":null}}"#,
        r#"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"authenticatorData":"AA","clientDataJSON":"AA","signature":"AA","userHandle":"AAAAAAAAAAAAAAAAAAAAAA"}}"#,
    ] {
        chrome.go(&flow(&rp).url);
        let csrf = chrome.find("#passkey-form input[name=csrf]").value();
        let request = chrome.find("#passkey-form input[name=request]").value();
        let (status, body) = post_sign_in(&f.server, &(junk.to_owned(), csrf, request));
        assert_eq!(status, 401, "{body}");
        assert!(
            body.contains("That passkey was not accepted here."),
            "{body}"
        );
    }

    // An assertion that signed in, posted again: refused, the request is finished.
    let started = flow(&rp);
    chrome.go(&started.url);
    let posted = assertion_in_page(&chrome);
    let (status, body) = post_sign_in(&f.server, &posted);
    assert_eq!(status, 303, "{body}");
    let (status, body) = post_sign_in(&f.server, &posted);
    assert_eq!(status, 400, "{body}");
    // The server kept serving through all of it, and none of it was an alarm in the
    // log: the refusals are audited, and security lines are info.
    assert_eq!(f.server.get("/healthz").0, 200);
    let log = f.server.log();
    let alarms: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("WARN"))
        .collect();
    assert!(alarms.is_empty(), "{alarms:#?}");

    // Backup, restore into a new data dir, and the same authenticator signs in there.
    let bytes = f.server.online_backup(&f.server.admin_token());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("restored");
    restore(&bytes, &dir);
    let credential = chrome.credentials(&auth)[0].clone();
    drop(chrome);
    let restored = Server::start_with(
        &dir,
        Options {
            public_host: Some("localhost"),
            ..Options::default()
        },
    );
    let meta = crate::support::rp::discover(restored.agent(), &format!("{}/t/acme", restored.base));
    let rp = rp_for(&meta, &secret, &catcher);
    let chrome = chrome_for(&restored);
    let auth = authenticator(&chrome);
    chrome.add_credential(&auth, credential);
    let started = flow(&rp);
    chrome.go(&started.url);
    passwordless(&chrome);
    let code = catcher.code(&started.state);
    let (acr, amr) = acr_amr(&restored, &rp, started, code);
    assert_eq!((acr.as_str(), amr.len()), ("mfa", 3), "{amr:?}");
}
