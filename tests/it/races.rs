//! Races the store must win: simultaneous redemptions of one code, and simultaneous
//! refreshes with one refresh token, give exactly one success; the losers count as
//! replays, which revoke what the winner got.

use crate::oidc_code::{Fixture, REDIRECT, Started, begin, code_from, rp_client, start};
use crate::support::browser::Browser;
use serde_json::Value;
use std::sync::{Arc, Barrier};

/// Five racers: four losers stay under the address limiter's five free failures.
const RACERS: usize = 5;

pub(crate) fn basic(f: &Fixture) -> String {
    use base64::Engine;
    let pair = format!("web:{}", f.secret);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// A fresh code for alice, and the token request form that redeems it.
fn code_form(f: &Fixture) -> String {
    try_code_form(f).unwrap()
}

/// [`code_form`], returning a transport failure instead of panicking (the server may be
/// killed meanwhile).
pub(crate) fn try_code_form(f: &Fixture) -> Result<String, ureq::Error> {
    code_form_in(f, &Browser::new(&f.server))
}

/// [`try_code_form`] signed in with `browser`, which keeps the session cookie.
pub(crate) fn code_form_in(f: &Fixture, browser: &Browser) -> Result<String, ureq::Error> {
    let started: Started = begin(&rp_client(f), &["orders"]);
    let answer = browser.try_sign_in(&started.url, "alice", "correct horse battery")?;
    let location = answer
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("sign-in answered {}: {}", answer.status, answer.body));
    let code = code_from(location, &started.state);
    let redirect: String = url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect();
    Ok(format!(
        "grant_type=authorization_code&code={code}&redirect_uri={redirect}&code_verifier={}",
        started.verifier.secret()
    ))
}

fn post(f: &Fixture, agent: &ureq::Agent, form: String) -> (u16, Value) {
    try_post(f, agent, form).unwrap()
}

/// POSTs `form` to the token endpoint as client `web`; returns status and body, or the
/// transport failure.
pub(crate) fn try_post(
    f: &Fixture,
    agent: &ureq::Agent,
    form: String,
) -> Result<(u16, Value), ureq::Error> {
    let mut resp = agent
        .post(&format!("{}/t/acme/token", f.server.base))
        .header("authorization", &basic(f))
        .content_type("application/x-www-form-urlencoded")
        .send(form)?;
    let text = resp.body_mut().read_to_string()?;
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    Ok((resp.status().as_u16(), body))
}

/// POSTs `form` from `RACERS` threads released together; returns each answer.
fn race(f: &Arc<Fixture>, form: &str) -> Vec<(u16, Value)> {
    let barrier = Arc::new(Barrier::new(RACERS));
    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let (f, form, barrier) = (Arc::clone(f), form.to_owned(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let agent = f.server.agent();
                barrier.wait();
                post(&f, &agent, form)
            })
        })
        .collect();
    racers.into_iter().map(|r| r.join().unwrap()).collect()
}

/// The one winner's answer; every loser got `invalid_grant`.
fn winner(results: &[(u16, Value)]) -> Value {
    let won: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(won.len(), 1, "exactly one racer wins: {results:?}");
    for (status, body) in results.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(
            (*status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
    }
    won[0].clone()
}

fn active(f: &Fixture, token: &str) -> bool {
    introspect(f, &f.server.agent(), token)["active"] == true
}

/// What `/t/acme/introspect` says of `token`, asked by client `web`.
pub(crate) fn introspect(f: &Fixture, agent: &ureq::Agent, token: &str) -> Value {
    let mut resp = agent
        .post(&format!("{}/t/acme/introspect", f.server.base))
        .header("authorization", &basic(f))
        .content_type("application/x-www-form-urlencoded")
        .send(format!("token={token}"))
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    assert_eq!(status, 200, "introspection: {text}");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn simultaneous_redemptions_of_one_code_give_one_success() {
    let f = Arc::new(start());
    let won = winner(&race(&f, &code_form(&f)));
    assert!(
        !active(&f, won["access_token"].as_str().unwrap()),
        "the replays revoked the winner's access token"
    );
}

#[test]
fn simultaneous_refreshes_with_one_token_give_one_success() {
    let f = Arc::new(start());
    let (status, tokens) = post(&f, &f.server.agent(), code_form(&f));
    assert_eq!(status, 200, "{tokens}");
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let won = winner(&race(
        &f,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    ));
    let next = won["refresh_token"].as_str().unwrap();
    let (status, body) = post(
        &f,
        &f.server.agent(),
        format!("grant_type=refresh_token&refresh_token={next}"),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "the losers' reuse killed the family, the winner's new token included"
    );
}
