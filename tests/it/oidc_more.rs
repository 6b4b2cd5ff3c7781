//! The implicit flows, `max_age`, and `id_token_hint` single sign-on across tenants.

use crate::oidc_code::{Fixture, begin, code_from, rp_client, start, tokens};
use crate::support::browser::{Browser, redirect_params};
use crate::support::rp;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AccessToken, AccessTokenHash, ClientId, CsrfToken, IdToken, Nonce, RedirectUrl, Scope,
};
use serde_json::json;

const IMPLICIT_REDIRECT: &str = "https://spa.example/cb";

fn implicit_client(f: &Fixture) {
    let r = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(&json!({"client_id": "implicit", "name": "Implicit", "redirect_uris": [IMPLICIT_REDIRECT], "grant_types": ["implicit"],
                     "response_types": ["id_token token", "id_token", "token"], "scopes": ["openid", "profile"],
                     "token_endpoint_auth_method": "none", "id_token_signed_response_alg": "EdDSA"})),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
}

#[test]
fn implicit_id_token_token_is_validated_by_the_library_with_nonce_and_at_hash() {
    let f = start();
    implicit_client(&f);
    let meta = rp::discover(f.server.agent(), &format!("{}/t/acme", f.server.base));
    let client = CoreClient::from_provider_metadata(meta, ClientId::new("implicit".into()), None)
        .set_redirect_uri(RedirectUrl::new(IMPLICIT_REDIRECT.into()).unwrap());
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::Implicit(true),
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .url();
    let answer = Browser::new(&f.server).sign_in(url.as_str(), "alice", "correct horse battery");
    let location = answer.location.unwrap();
    assert!(
        location.starts_with(&format!("{IMPLICIT_REDIRECT}#")),
        "tokens travel in the fragment: {location}"
    );
    let params = redirect_params(&location);
    assert_eq!(params.get("state"), Some(state.secret()));
    assert!(!params.contains_key("refresh_token") && !params.contains_key("code"));
    let id_token: IdToken<_, _, _, _> = params["id_token"]
        .parse::<openidconnect::core::CoreIdToken>()
        .unwrap();
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &nonce)
        .expect("valid EdDSA ID token with our nonce");
    assert_eq!(claims.subject().as_str(), f.alice);
    let access = AccessToken::new(params["access_token"].clone());
    let expected = AccessTokenHash::from_token(
        &access,
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims.access_token_hash(),
        Some(&expected),
        "at_hash uses SHA-512 for EdDSA and matches"
    );
    assert_eq!(params["token_type"], "Bearer");
}

#[test]
fn implicit_needs_a_nonce_never_uses_the_query_and_token_gives_no_id_token() {
    let f = start();
    implicit_client(&f);
    let browser = Browser::new(&f.server);
    let base = format!(
        "/t/acme/authorize?client_id=implicit&redirect_uri={}&scope=openid",
        url::form_urlencoded::byte_serialize(IMPLICIT_REDIRECT.as_bytes()).collect::<String>()
    );
    let no_nonce = browser.get(&format!("{base}&response_type=id_token+token&state=x"));
    let params = redirect_params(no_nonce.location.as_deref().unwrap());
    assert_eq!(
        (params["error"].as_str(), params["state"].as_str()),
        ("invalid_request", "x")
    );
    assert!(
        no_nonce.location.unwrap().contains('#'),
        "errors of implicit requests go in the fragment"
    );
    let query = browser.get(&format!(
        "{base}&response_type=id_token&nonce=n&response_mode=query"
    ));
    assert_eq!(
        redirect_params(query.location.as_deref().unwrap())["error"],
        "invalid_request"
    );

    let answer = browser.sign_in(
        &format!("{base}&response_type=token"),
        "alice",
        "correct horse battery",
    );
    let params = redirect_params(answer.location.as_deref().unwrap());
    assert!(
        params.contains_key("access_token") && !params.contains_key("id_token"),
        "{params:?}"
    );
}

fn member_of(f: &Fixture, tenant: &str, scopes: &[&str]) {
    assert_eq!(
        f.api
            .call(
                "POST",
                "/v2/admin/tenants",
                Some(&json!({"id": tenant, "display_name": tenant}))
            )
            .status,
        201
    );
    let client = f.api.call(
        "POST",
        &format!("/v2/admin/tenants/{tenant}/clients"),
        Some(&json!({"client_id": "web", "name": "Web", "redirect_uris": ["https://b.example/cb"], "grant_types": ["authorization_code"],
                     "response_types": ["code"], "scopes": ["openid", "b-read", "b-write"], "token_endpoint_auth_method": "client_secret_post"})),
    );
    assert_eq!(client.status, 201);
    if !scopes.is_empty() {
        assert_eq!(
            f.api
                .call(
                    "PUT",
                    &format!("/v2/admin/tenants/{tenant}/members/{}", f.alice),
                    Some(&json!({"scopes": scopes}))
                )
                .status,
            200
        );
    }
}

/// Signs alice in at acme and returns her ID token.
fn acme_id_token(f: &Fixture, browser: &Browser) -> String {
    openidconnect::TokenResponse::id_token(&tokens(f, browser, &[]))
        .unwrap()
        .to_string()
}

fn at_tenant(tenant: &str, extra: &str) -> String {
    format!(
        "/t/{tenant}/authorize?client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fb.example%2Fcb&scope=openid+b-read+b-write&state=st{extra}"
    )
}

#[test]
fn an_id_token_hint_signs_a_member_in_at_another_tenant_without_a_password() {
    let f = start();
    member_of(&f, "beta", &["b-read"]);
    member_of(&f, "gamma", &[]);
    let hint = acme_id_token(&f, &Browser::new(&f.server));

    let cookieless = Browser::new(&f.server);
    let answer = cookieless.get(&at_tenant(
        "beta",
        &format!("&prompt=none&id_token_hint={hint}"),
    ));
    let params = redirect_params(answer.location.as_deref().unwrap());
    assert!(
        params.contains_key("code"),
        "no login prompt for a member: {params:?}"
    );
    let token = cookieless.post(
        "/t/beta/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &params["code"]),
            ("redirect_uri", "https://b.example/cb"),
            ("client_id", "web"),
            ("client_secret", &beta_secret(&f, "beta")),
        ],
    );
    assert_eq!(token.status, 200, "{}", token.body);
    let body: serde_json::Value = serde_json::from_str(&token.body).unwrap();
    assert_eq!(
        body["scope"], "openid b-read",
        "never a scope beyond the membership in beta"
    );

    let refused = cookieless.get(&at_tenant("gamma", &format!("&id_token_hint={hint}")));
    assert_eq!(
        redirect_params(refused.location.as_deref().unwrap())["error"],
        "access_denied",
        "not a member of gamma"
    );
    let forged = cookieless.get(&at_tenant(
        "beta",
        "&prompt=none&id_token_hint=eyJhbGciOiJub25lIn0.e30.",
    ));
    assert_eq!(
        redirect_params(forged.location.as_deref().unwrap())["error"],
        "invalid_request"
    );
}

fn beta_secret(f: &Fixture, tenant: &str) -> String {
    let rotated = f.api.call(
        "POST",
        &format!("/v2/admin/tenants/{tenant}/clients/web/secret"),
        None,
    );
    rotated.body["client_secret"].as_str().unwrap().to_owned()
}

#[test]
fn a_hint_for_another_user_or_an_ended_session_needs_a_login() {
    let f = start();
    member_of(&f, "beta", &["b-read"]);
    let alice_browser = Browser::new(&f.server);
    let hint = acme_id_token(&f, &alice_browser);
    let bob = f.api.call(
        "POST",
        "/v2/admin/tenants/beta/accounts",
        Some(&json!({"username": "bob", "password": "bob's long password", "scopes": []})),
    );
    assert_eq!(bob.status, 201);
    let bob_browser = Browser::new(&f.server);
    let first = bob_browser.sign_in(&at_tenant("beta", ""), "bob", "bob's long password");
    assert!(redirect_params(first.location.as_deref().unwrap()).contains_key("code"));
    let mismatch = bob_browser.get(&at_tenant(
        "beta",
        &format!("&prompt=none&id_token_hint={hint}"),
    ));
    assert_eq!(
        redirect_params(mismatch.location.as_deref().unwrap())["error"],
        "login_required",
        "the browser's session is bob's"
    );

    let out = alice_browser.get(&format!("/t/acme/logout?id_token_hint={hint}"));
    assert_eq!(out.status, 200);
    let ended = Browser::new(&f.server).get(&at_tenant(
        "beta",
        &format!("&prompt=none&id_token_hint={hint}"),
    ));
    assert_eq!(
        redirect_params(ended.location.as_deref().unwrap())["error"],
        "login_required",
        "the hint's session has ended"
    );
}

#[test]
fn max_age_zero_forces_a_login_and_a_generous_one_does_not() {
    let f = start();
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let first = begin(&client, &[]);
    code_from(
        browser
            .sign_in(&first.url, "alice", "correct horse battery")
            .location
            .as_deref()
            .unwrap(),
        &first.state,
    );
    let generous = begin(&client, &[]);
    let answer = browser.get(&format!("{}&max_age=3600", generous.url));
    code_from(answer.location.as_deref().unwrap(), &generous.state);
    let strict = begin(&client, &[]);
    let answer = browser.get(&format!("{}&max_age=0", strict.url));
    assert!(answer.location.unwrap().contains("/t/acme/login?"));
    let silent = begin(&client, &[]);
    let answer = browser.get(&format!("{}&max_age=0&prompt=none", silent.url));
    assert_eq!(
        redirect_params(answer.location.as_deref().unwrap())["error"],
        "login_required"
    );
    let again = browser.sign_in(
        &format!("{}&max_age=0", strict.url),
        "alice",
        "correct horse battery",
    );
    code_from(again.location.as_deref().unwrap(), &strict.state);
}

#[test]
fn form_post_posts_the_answer_and_login_hint_prefills_the_username() {
    use crate::support::browser::{attribute, input_value};
    let f = start();
    let client = rp_client(&f);
    let browser = Browser::new(&f.server);
    let hinted = begin(&client, &[]);
    let login = browser.get(&format!("{}&login_hint=Alice%40Example", hinted.url));
    let form = browser.get(&login.location.unwrap());
    assert_eq!(
        input_value(&form.body, "username"),
        "Alice@Example",
        "login_hint prefills the username"
    );

    let started = begin(&client, &[]);
    let answer = browser.sign_in(
        &format!("{}&response_mode=form_post", started.url),
        "alice",
        "correct horse battery",
    );
    assert_eq!(answer.status, 200, "a page, not a redirect");
    assert_eq!(
        attribute(&answer.body, "form", "action"),
        crate::oidc_code::REDIRECT
    );
    assert_eq!(
        input_value(&answer.body, "state"),
        started.state.secret().as_str()
    );
    assert!(
        answer
            .body
            .contains("<script src=\"/static/form_post.js\"></script>")
    );
    let code = input_value(&answer.body, "code");
    let tokens = crate::oidc_code::redeem(&f, &client, code, started.verifier);
    assert!(openidconnect::TokenResponse::id_token(&tokens).is_some());
    let script = browser.get("/static/form_post.js");
    assert!(script.body.contains(".submit()"));
}

#[test]
fn a_tampered_id_token_hint_is_refused_at_authorize_and_logout() {
    use base64::Engine;
    let f = start();
    member_of(&f, "beta", &["b-read"]);
    let browser = Browser::new(&f.server);
    let hint = acme_id_token(&f, &browser);
    let mut parts: Vec<String> = hint.split('.').map(str::to_owned).collect();
    let mut claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&parts[1])
            .unwrap(),
    )
    .unwrap();
    claims["sub"] = json!("someone-else");
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    let tampered = parts.join(".");
    let at_authorize = Browser::new(&f.server).get(&at_tenant(
        "beta",
        &format!("&prompt=none&id_token_hint={tampered}"),
    ));
    assert_eq!(
        redirect_params(at_authorize.location.as_deref().unwrap())["error"],
        "invalid_request"
    );
    let at_logout = browser.get(&format!("/t/acme/logout?id_token_hint={tampered}"));
    assert_eq!((at_logout.status, at_logout.location), (400, None));
    let still = browser.get(&at_tenant(
        "beta",
        &format!("&prompt=none&id_token_hint={hint}"),
    ));
    assert!(
        redirect_params(still.location.as_deref().unwrap()).contains_key("code"),
        "the refused logout ended nothing"
    );
}

/// Review finding: a hint was a bearer login for any client. It must name the requesting
/// client in `aud`; the implicit `token` client and the public `spa` client of acme are
/// not the hint's audience.
#[test]
fn a_hint_issued_to_another_client_does_not_sign_anyone_in() {
    let f = start();
    implicit_client(&f);
    let hint = acme_id_token(&f, &Browser::new(&f.server));
    let cookieless = Browser::new(&f.server);
    let implicit = cookieless.get(&format!(
        "/t/acme/authorize?client_id=implicit&response_type=token&redirect_uri=https%3A%2F%2Fspa.example%2Fcb&scope=openid&state=s&prompt=none&id_token_hint={hint}"
    ));
    let location = implicit.location.unwrap();
    assert!(!location.contains("access_token"), "{location}");
    assert_eq!(redirect_params(&location)["error"], "login_required");
    let spa = cookieless.get(&format!(
        "/t/acme/authorize?client_id=spa&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcb&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&id_token_hint={hint}"
    ));
    assert!(
        spa.location.as_deref().unwrap().contains("/login?"),
        "asked to sign in: {:?}",
        spa.location
    );
    let web = cookieless.get(&format!(
        "/t/acme/authorize?client_id=web&response_type=code&redirect_uri={}&scope=openid&state=s&prompt=none&id_token_hint={hint}",
        url::form_urlencoded::byte_serialize(crate::oidc_code::REDIRECT.as_bytes()).collect::<String>()
    ));
    assert!(
        redirect_params(web.location.as_deref().unwrap()).contains_key("code"),
        "the hint's own client is still signed in"
    );
}

/// Review finding: a hint alone gave `offline_access`, a refresh token that outlived
/// the user's logout. Without the session cookie, `offline_access` is left out, and the
/// refresh token ends with the session.
#[test]
fn a_hint_without_the_cookie_never_grants_offline_access() {
    let f = start();
    let browser = Browser::new(&f.server);
    let hint = acme_id_token(&f, &browser);
    let client = rp_client(&f);
    let started = begin(&client, &["offline_access"]);
    let cookieless = Browser::new(&f.server);
    let answer = cookieless.get(&format!("{}&prompt=none&id_token_hint={hint}", started.url));
    let code = code_from(answer.location.as_deref().unwrap(), &started.state);
    let token = crate::oidc_code::redeem(&f, &client, code, started.verifier);
    let granted = granted_scopes(&token);
    assert!(
        !granted.contains(&"offline_access".to_owned()),
        "{granted:?}"
    );
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&token)
        .unwrap()
        .clone();
    assert_eq!(
        browser
            .get(&format!("/t/acme/logout?id_token_hint={hint}"))
            .status,
        200
    );
    let after = client
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request(&rp::http_client(f.server.agent()));
    assert!(after.is_err(), "the refresh token outlived the logout");

    let with_cookie = tokens(&f, &browser, &["offline_access"]);
    let granted = granted_scopes(&with_cookie);
    assert!(
        granted.contains(&"offline_access".to_owned()),
        "a signed-in browser still gets it: {granted:?}"
    );
}

/// The scopes a token response says were granted.
fn granted_scopes(token: &openidconnect::core::CoreTokenResponse) -> Vec<String> {
    openidconnect::OAuth2TokenResponse::scopes(token)
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect()
}
