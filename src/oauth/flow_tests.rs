//! Whole OpenID Provider flows run on the domain, without HTTP, at exact instants of a
//! fixed clock: the authorize decisions (`prompt`, `max_age`), code redemption, expiry
//! and replay.

use crate::clock::{Clock, UnixTime};
use crate::oauth::authorize::{self, Outcome};
use crate::oauth::request::Params;
use crate::oauth::{ErrorCode, token};
use crate::sandbox::{REDIRECT_URI, Sandbox};
use crate::store::StoreError;
use std::net::{IpAddr, Ipv4Addr};

/// The instant the tests start at.
const T0: UnixTime = 1_800_000_000;
const PEER: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// A PKCE verifier and its S256 challenge (RFC 7636 appendix B).
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A sandbox at [`T0`] whose member alice has an SSO session; returns its cookie.
fn signed_in() -> (Sandbox, String) {
    let sandbox = Sandbox::with_clock(Clock::fixed(T0)).unwrap();
    let (session, cookie) = crate::session::new(&sandbox.account_id, T0).unwrap();
    sandbox
        .app
        .state
        .store
        .transaction(|tx| tx.put_session::<StoreError>(&session))
        .unwrap();
    (sandbox, cookie.expose().to_owned())
}

/// Authorizes a code request with `extra` query pairs and the session `cookie`.
fn authorize(sandbox: &Sandbox, cookie: Option<&str>, extra: &[(&str, &str)]) -> Outcome {
    let mut pairs = vec![
        ("client_id", "web"),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid offline_access"),
        ("state", "s"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    pairs.extend_from_slice(extra);
    let owned: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    authorize::handle(
        &sandbox.app.state,
        "acme",
        &Params::from_pairs(&owned),
        cookie,
        PEER,
    )
    .unwrap()
}

/// The value of `name` in the query of a redirect to the client.
fn redirect_param(outcome: &Outcome, name: &str) -> Option<String> {
    let Outcome::Redirect(location) = outcome else {
        panic!("not a redirect: {outcome:?}");
    };
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Redeems `code` at the token endpoint's domain call.
fn redeem(
    sandbox: &Sandbox,
    code: &str,
) -> Result<crate::grant::issue::TokenResponse, crate::oauth::OAuthError> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("code_verifier", VERIFIER)
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(token::handle(
        &sandbox.app.state,
        "acme",
        Some(&sandbox.basic_auth),
        body.as_bytes(),
        PEER,
    ))
}

#[test]
fn prompt_none_and_prompt_login_decide_without_a_form() {
    let (sandbox, cookie) = signed_in();
    let none = authorize(&sandbox, None, &[("prompt", "none")]);
    assert_eq!(
        redirect_param(&none, "error").as_deref(),
        Some("login_required")
    );
    let silent = authorize(&sandbox, Some(&cookie), &[("prompt", "none")]);
    assert!(redirect_param(&silent, "code").is_some(), "{silent:?}");
    let forced = authorize(&sandbox, Some(&cookie), &[("prompt", "login")]);
    assert!(matches!(forced, Outcome::Login { .. }), "{forced:?}");
}

#[test]
fn max_age_asks_again_once_the_sign_in_is_older() {
    let (sandbox, cookie) = signed_in();
    sandbox.app.state.clock.advance(60);
    let fresh = authorize(&sandbox, Some(&cookie), &[("max_age", "60")]);
    assert!(redirect_param(&fresh, "code").is_some(), "{fresh:?}");
    sandbox.app.state.clock.advance(1);
    let stale = authorize(&sandbox, Some(&cookie), &[("max_age", "60")]);
    assert!(matches!(stale, Outcome::Login { .. }), "{stale:?}");
}

#[test]
fn a_code_redeems_once_and_its_replay_revokes_what_it_issued() {
    let (sandbox, cookie) = signed_in();
    let code = redirect_param(&authorize(&sandbox, Some(&cookie), &[]), "code").unwrap();
    let tokens = redeem(&sandbox, &code).unwrap();
    let refresh = tokens.refresh_token.unwrap();
    let replay = redeem(&sandbox, &code).unwrap_err();
    assert_eq!(replay.code(), ErrorCode::InvalidGrant);
    let state = &sandbox.app.state;
    let family = crate::oauth::revoke::refresh_family(state, &sandbox.tenant, &refresh).unwrap();
    assert!(
        family.is_some_and(|f| f.live.is_none()),
        "the replay revoked the family"
    );
}

#[test]
fn a_code_lives_sixty_seconds() {
    let (sandbox, cookie) = signed_in();
    let code = redirect_param(&authorize(&sandbox, Some(&cookie), &[]), "code").unwrap();
    sandbox.app.state.clock.advance(60);
    let late = redeem(&sandbox, &code).unwrap_err();
    assert_eq!(late.code(), ErrorCode::InvalidGrant);
    let code = redirect_param(&authorize(&sandbox, Some(&cookie), &[]), "code").unwrap();
    sandbox.app.state.clock.advance(59);
    assert!(redeem(&sandbox, &code).is_ok());
}
