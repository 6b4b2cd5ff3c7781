//! Whole OpenID Provider flows run on the domain, without HTTP, at exact instants of a
//! fixed clock: the authorize decisions (`prompt`, `max_age`, `id_token_hint`, consent),
//! code redemption, expiry and replay, refresh rotation and reuse, and codes bound to
//! a DPoP key.

use crate::clock::{Clock, UnixTime};
use crate::oauth::authorize::{self, Outcome};
use crate::oauth::dpop::tests::Key;
use crate::oauth::request::{AuthorizeRequest, ClientAuth, DpopHeader, Params, TokenForm};
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
    let (session, cookie) = crate::grant::session::new(&sandbox.account_id, vec![], T0).unwrap();
    sandbox
        .app
        .state
        .store
        .transaction(|tx| tx.put_session::<StoreError>(&session))
        .unwrap();
    (sandbox, cookie.expose().to_owned())
}

/// Registers client `id` beside the sandbox's, with its redirect URI and grants.
fn another_client(sandbox: &Sandbox, id: &str, require_consent: bool) {
    let state = &sandbox.app.state;
    let ctx = crate::admin::Ctx {
        store: &state.store,
        master: &state.master,
        now: T0,
        actor: crate::audit::Actor::System,
        role: crate::types::AdminRole::Appliance,
        public_url: &state.config.public_url,
        passwords: state.config.passwords,
        destinations: &state.destinations,
    };
    let input = serde_json::from_value(serde_json::json!({
        "client_id": id,
        "name": id,
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scopes": ["openid", "offline_access"],
        "token_endpoint_auth_method": "client_secret_basic",
        "require_consent": require_consent,
    }))
    .unwrap();
    crate::admin::clients::create(&ctx, "acme", &input).unwrap();
}

/// Authorizes a code request with `extra` query pairs and the session `cookie`.
fn authorize(sandbox: &Sandbox, cookie: Option<&str>, extra: &[(&str, &str)]) -> Outcome {
    authorize_for(sandbox, "web", cookie, extra)
}

/// [`authorize`] for the client `client_id`.
fn authorize_for(
    sandbox: &Sandbox,
    client_id: &str,
    cookie: Option<&str>,
    extra: &[(&str, &str)],
) -> Outcome {
    let mut pairs = vec![
        ("client_id", client_id),
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
    let state = &sandbox.app.state;
    sandbox
        .block_on(authorize::handle(
            &state.oauth(),
            &sandbox.tenant,
            AuthorizeRequest::parse(&Params::from_pairs(&owned)).unwrap(),
            cookie,
            PEER,
            state.clock.now(),
        ))
        .unwrap()
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

/// What the token endpoint's domain call answers.
type TokenResult = Result<crate::grant::issue::TokenResponse, crate::oauth::OAuthError>;

/// Redeems `code` at the token endpoint's domain call.
fn redeem(sandbox: &Sandbox, code: &str) -> TokenResult {
    token_call(
        sandbox,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ],
    )
}

/// Uses `refresh_token` at the token endpoint's domain call.
fn refresh(sandbox: &Sandbox, refresh_token: &str) -> TokenResult {
    token_call(
        sandbox,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
}

/// The token endpoint's domain call with the form `pairs`, as the sandbox client.
fn token_call(sandbox: &Sandbox, pairs: &[(&str, &str)]) -> TokenResult {
    token_call_with(sandbox, pairs, &DpopHeader::Absent)
}

/// [`token_call`] with the request's `DPoP` header.
fn token_call_with(sandbox: &Sandbox, pairs: &[(&str, &str)], dpop: &DpopHeader) -> TokenResult {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let params = Params::parse(body.as_bytes()).unwrap();
    let client = ClientAuth::parse(Some(&sandbox.basic_auth), &params).unwrap();
    let state = &sandbox.app.state;
    sandbox
        .block_on(token::handle(
            &state.oauth(),
            &sandbox.tenant,
            (client, dpop),
            TokenForm::parse(&params),
            PEER,
            state.clock.now(),
        ))
        .unwrap()
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
fn a_session_enrols_its_first_second_factor_only_soon_after_its_sign_in() {
    let (sandbox, cookie) = signed_in();
    let step_up = [("acr_values", "mfa")];
    assert_eq!(authorize::ENROL_AFTER_SECS, 300);
    sandbox.app.state.clock.advance(300);
    let fresh = authorize(&sandbox, Some(&cookie), &step_up);
    assert!(matches!(fresh, Outcome::SecondFactor { .. }), "{fresh:?}");
    sandbox.app.state.clock.advance(1);
    let stale = authorize(&sandbox, Some(&cookie), &step_up);
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
    let family =
        crate::oauth::revoke::refresh_family(&state.store, &sandbox.tenant, &refresh).unwrap();
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

/// The code of a redirect to the client; panics on anything else.
fn code_of(outcome: &Outcome) -> String {
    redirect_param(outcome, "code").unwrap_or_else(|| panic!("no code: {outcome:?}"))
}

/// Whether a token response's `scope` holds `scope`.
fn grants(tokens: &crate::grant::issue::TokenResponse, scope: &str) -> bool {
    tokens.scope.split(' ').any(|s| s == scope)
}

/// An ID token for `web`, from a code flow of alice's session.
fn id_token(sandbox: &Sandbox, cookie: &str) -> String {
    let code = code_of(&authorize(sandbox, Some(cookie), &[]));
    redeem(sandbox, &code).unwrap().id_token.unwrap()
}

#[test]
fn an_id_token_hint_stands_in_for_the_cookie_of_its_own_client_only() {
    let (sandbox, cookie) = signed_in();
    let hint = id_token(&sandbox, &cookie);
    let hinted = [("prompt", "none"), ("id_token_hint", hint.as_str())];
    let own = authorize(&sandbox, None, &hinted);
    assert!(redirect_param(&own, "code").is_some(), "{own:?}");
    another_client(&sandbox, "other", false);
    let other = authorize_for(&sandbox, "other", None, &hinted);
    assert_eq!(
        redirect_param(&other, "error").as_deref(),
        Some("login_required")
    );
    let with_cookie = authorize_for(&sandbox, "other", Some(&cookie), &[("prompt", "none")]);
    assert!(
        redirect_param(&with_cookie, "code").is_some(),
        "{with_cookie:?}"
    );
}

#[test]
fn an_id_token_hint_alone_never_grants_offline_access() {
    let (sandbox, cookie) = signed_in();
    let hint = id_token(&sandbox, &cookie);
    let with_cookie = redeem(&sandbox, &code_of(&authorize(&sandbox, Some(&cookie), &[]))).unwrap();
    assert!(
        grants(&with_cookie, "offline_access"),
        "{}",
        with_cookie.scope
    );
    let hinted = authorize(&sandbox, None, &[("id_token_hint", hint.as_str())]);
    let tokens = redeem(&sandbox, &code_of(&hinted)).unwrap();
    assert_eq!(tokens.scope, "openid");
    let family = crate::oauth::revoke::refresh_family(
        &sandbox.app.state.store,
        &sandbox.tenant,
        &tokens.refresh_token.unwrap(),
    )
    .unwrap()
    .unwrap();
    assert!(
        family.sid.is_some(),
        "its refresh family ends with the session"
    );
}

/// A sandbox with alice signed in and a client `asks` that requires consent; the
/// outcome of its first authorization.
fn consent_asked() -> (Sandbox, String, Outcome) {
    let (sandbox, cookie) = signed_in();
    another_client(&sandbox, "asks", true);
    let first = authorize_for(&sandbox, "asks", Some(&cookie), &[]);
    (sandbox, cookie, first)
}

/// Answers the consent page of `outcome` with `allow`.
fn consent(sandbox: &Sandbox, cookie: &str, outcome: &Outcome, allow: bool) -> Outcome {
    let Outcome::Consent { pending_id } = outcome else {
        panic!("no consent page: {outcome:?}");
    };
    let state = &sandbox.app.state;
    let pending = state.store.pending(pending_id).unwrap().unwrap();
    let session = crate::grant::session::from_cookie(&state.store, Some(cookie), state.clock.now())
        .unwrap()
        .unwrap();
    let now = state.clock.now();
    authorize::consent_given(
        &state.oauth(),
        &sandbox.tenant,
        &pending,
        &session,
        allow,
        now,
    )
    .unwrap()
}

#[test]
fn consent_given_answers_with_a_code_and_is_remembered() {
    let (sandbox, cookie, first) = consent_asked();
    assert!(matches!(first, Outcome::Consent { .. }), "{first:?}");
    let allowed = consent(&sandbox, &cookie, &first, true);
    assert!(redirect_param(&allowed, "code").is_some(), "{allowed:?}");
    let again = authorize_for(&sandbox, "asks", Some(&cookie), &[("prompt", "none")]);
    assert!(redirect_param(&again, "code").is_some(), "{again:?}");
}

#[test]
fn consent_denied_is_access_denied() {
    let (sandbox, cookie, first) = consent_asked();
    let denied = consent(&sandbox, &cookie, &first, false);
    assert_eq!(
        redirect_param(&denied, "error").as_deref(),
        Some("access_denied")
    );
    let again = authorize_for(&sandbox, "asks", Some(&cookie), &[]);
    assert!(matches!(again, Outcome::Consent { .. }), "{again:?}");
}

#[test]
fn prompt_none_without_consent_is_consent_required() {
    let (sandbox, cookie, _) = consent_asked();
    let silent = authorize_for(&sandbox, "asks", Some(&cookie), &[("prompt", "none")]);
    assert_eq!(
        redirect_param(&silent, "error").as_deref(),
        Some("consent_required")
    );
}

#[test]
fn a_refresh_rotates_and_a_reused_token_revokes_its_family() {
    let (sandbox, cookie) = signed_in();
    let code = code_of(&authorize(&sandbox, Some(&cookie), &[]));
    let first = redeem(&sandbox, &code).unwrap().refresh_token.unwrap();
    let second = refresh(&sandbox, &first).unwrap().refresh_token.unwrap();
    assert_ne!(first, second);
    let third = refresh(&sandbox, &second).unwrap().refresh_token.unwrap();
    let reused = refresh(&sandbox, &first).unwrap_err();
    assert_eq!(reused.code(), ErrorCode::InvalidGrant);
    let state = &sandbox.app.state;
    let family =
        crate::oauth::revoke::refresh_family(&state.store, &sandbox.tenant, &third).unwrap();
    assert!(
        family.is_some_and(|f| f.live.is_none()),
        "the reuse revoked the family"
    );
    assert_eq!(
        refresh(&sandbox, &third).unwrap_err().code(),
        ErrorCode::InvalidGrant
    );
}

#[test]
fn a_refresh_after_its_session_ended_fails_unless_offline() {
    let (sandbox, cookie) = signed_in();
    let online = code_of(&authorize(&sandbox, Some(&cookie), &[("scope", "openid")]));
    let online = redeem(&sandbox, &online).unwrap().refresh_token.unwrap();
    let online = refresh(&sandbox, &online).unwrap().refresh_token.unwrap();
    let offline = code_of(&authorize(&sandbox, Some(&cookie), &[]));
    let offline = redeem(&sandbox, &offline).unwrap().refresh_token.unwrap();
    let state = &sandbox.app.state;
    let session = crate::grant::session::from_cookie(&state.store, Some(&cookie), T0)
        .unwrap()
        .unwrap();
    state
        .store
        .transaction(|tx| tx.end_session::<StoreError>(&session.id))
        .unwrap();
    let ended = refresh(&sandbox, &online).unwrap_err();
    assert_eq!(ended.code(), ErrorCode::InvalidGrant);
    assert!(
        refresh(&sandbox, &offline).is_ok(),
        "offline_access outlives it"
    );
}

/// A proof by `key` for the sandbox's token endpoint, issued at `iat`.
fn token_proof(sandbox: &Sandbox, key: &Key, jti: &str, iat: UnixTime) -> DpopHeader {
    let htu = format!("{}/t/acme/token", sandbox.app.state.config.public_url);
    DpopHeader::One(
        key.proof(&serde_json::json!({"jti": jti, "htm": "POST", "htu": htu, "iat": iat})),
    )
}

#[test]
fn a_code_bound_by_dpop_jkt_needs_a_fresh_proof_by_that_key() {
    let (sandbox, cookie) = signed_in();
    let (key, other) = (Key::es256(), Key::es256());
    let jkt = key.jkt();
    let code = code_of(&authorize(&sandbox, Some(&cookie), &[("dpop_jkt", &jkt)]));
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    // A proof from 61 s ago is stale at this exact instant; refused, it spends nothing.
    let stale = token_call_with(&sandbox, &form, &token_proof(&sandbox, &key, "a", T0 - 61));
    assert_eq!(stale.unwrap_err().code(), ErrorCode::InvalidDpopProof);
    let tokens = token_call_with(&sandbox, &form, &token_proof(&sandbox, &key, "b", T0 - 60))
        .expect("a proof from 60 s ago is still good");
    assert_eq!(tokens.token_type, "DPoP");
    // `web` is confidential: its refresh tokens are not bound (RFC 9449 §5).
    let refreshed = refresh(&sandbox, tokens.refresh_token.as_deref().unwrap()).unwrap();
    assert_eq!(refreshed.token_type, "Bearer");

    let code = code_of(&authorize(&sandbox, Some(&cookie), &[("dpop_jkt", &jkt)]));
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    let wrong = token_call_with(&sandbox, &form, &token_proof(&sandbox, &other, "c", T0));
    assert_eq!(wrong.unwrap_err().code(), ErrorCode::InvalidDpopProof);
    let spent = token_call_with(&sandbox, &form, &token_proof(&sandbox, &key, "d", T0));
    assert_eq!(
        spent.unwrap_err().code(),
        ErrorCode::InvalidGrant,
        "the code is spent"
    );
}

/// Pushes the sandbox client's code request (RFC 9126), `extra` pairs in place of its
/// own; its answer.
fn push(
    sandbox: &Sandbox,
    extra: &[(&str, &str)],
) -> Result<authorize::par::Pushed, crate::oauth::OAuthError> {
    let mut pairs = vec![
        ("response_type", "code"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid"),
        ("state", "pushed"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    pairs.retain(|(name, _)| extra.iter().all(|(n, _)| n != name));
    pairs.extend_from_slice(extra);
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    let params = Params::parse(body.as_bytes()).unwrap();
    let client = ClientAuth::parse(Some(&sandbox.basic_auth), &params).unwrap();
    let state = &sandbox.app.state;
    sandbox
        .block_on(authorize::par::handle(
            &state.oauth(),
            &sandbox.tenant,
            (&client, &crate::oauth::request::DpopHeader::Absent),
            &params,
            PEER,
            state.clock.now(),
        ))
        .unwrap()
}

#[test]
fn a_pushed_request_is_used_once_within_its_minute_and_only_its_parameters_count() {
    let (sandbox, cookie) = signed_in();
    let pushed = push(&sandbox, &[]).unwrap();
    assert_eq!(pushed.expires_in, 60);
    let by_reference = [("request_uri", pushed.request_uri.as_str()), ("state", "q")];
    sandbox.app.state.clock.advance(59);
    let used = authorize(&sandbox, Some(&cookie), &by_reference);
    assert!(redirect_param(&used, "code").is_some(), "{used:?}");
    assert_eq!(redirect_param(&used, "state").as_deref(), Some("pushed"));
    let again = authorize(&sandbox, Some(&cookie), &by_reference);
    assert_eq!(
        redirect_param(&again, "error").as_deref(),
        Some("invalid_request_uri")
    );

    let late = push(&sandbox, &[]).unwrap();
    sandbox.app.state.clock.advance(60);
    let lapsed = authorize(
        &sandbox,
        Some(&cookie),
        &[("request_uri", &late.request_uri)],
    );
    assert_eq!(
        redirect_param(&lapsed, "error").as_deref(),
        Some("invalid_request_uri"),
        "a minute is the time to reach /authorize"
    );
}

#[test]
fn a_push_is_judged_as_authorize_would_and_refused_as_json() {
    let (sandbox, _) = signed_in();
    let cases: [(&[(&str, &str)], ErrorCode); 4] = [
        (
            &[("request_uri", "urn:ietf:params:oauth:request_uri:x")],
            ErrorCode::InvalidRequest,
        ),
        (
            &[("redirect_uri", "https://evil.example/cb")],
            ErrorCode::InvalidRequest,
        ),
        (
            &[("code_challenge_method", "plain")],
            ErrorCode::InvalidRequest,
        ),
        (&[("request", "a.b.c")], ErrorCode::InvalidRequest),
    ];
    let before = sandbox.app.state.store.record_count();
    for (extra, code) in cases {
        let refused = push(&sandbox, extra).unwrap_err();
        assert_eq!(refused.code(), code, "{extra:?}");
    }
    assert_eq!(
        sandbox.app.state.store.record_count(),
        before,
        "nothing stored"
    );
}

#[test]
fn the_console_changes_second_factors_only_soon_after_a_sign_in() {
    let (sandbox, cookie) = signed_in();
    let state = &sandbox.app.state;
    let ctx = state.oauth();
    let session = crate::grant::session::from_cookie(&state.store, Some(&cookie), T0)
        .unwrap()
        .unwrap();
    let who = (&session, "alice");
    let again =
        |now| authorize::console::sign_in_again(&ctx, &sandbox.tenant, who, now, PEER).unwrap();
    assert!(
        again(T0 + authorize::ENROL_AFTER_SECS).is_none(),
        "still fresh"
    );
    let Some(Outcome::Login {
        pending_id,
        login_hint,
    }) = again(T0 + authorize::ENROL_AFTER_SECS + 1)
    else {
        panic!("a stale session signs in again first");
    };
    assert_eq!(login_hint.as_deref(), Some("alice"));
    let pending = state.store.pending(&pending_id).unwrap().unwrap();
    let (fresh, _) = crate::grant::session::new(&sandbox.account_id, vec![], T0 + 400).unwrap();
    assert!(authorize::console::recent(&fresh, T0 + 400));
    let back = authorize::resume(&ctx, &sandbox.tenant, &pending, &fresh, T0 + 400).unwrap();
    assert!(
        matches!(&back, Outcome::Redirect(to) if to == "/t/acme/account"),
        "{back:?}"
    );
}
