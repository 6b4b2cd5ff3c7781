//! Passkeys (issue 22) in a real headless Chromium with its virtual WebAuthn
//! authenticator (CTAP2, internal transport, resident keys, user verification): a user
//! adds a passkey inside the sign-in (`mfa: required`), then signs in with it without a
//! username, and as the second factor after a password, each inside a code flow whose
//! ID token the `openidconnect` crate reads (`acr`, `amr`). A cloned authenticator (the
//! same credential with a counter that did not grow) is refused and audited; a replayed
//! ceremony is refused; a username blocked by someone's password guesses still signs
//! in with its passkey; the admin UI names the passkey; a restored backup signs the
//! same authenticator in; a public URL on an IP address offers no passkeys.
//!
//! WebAuthn needs a secure context without certificate errors, and a relying-party id
//! that is a host name. So these servers' public URL is `https://localhost:PORT` (the
//! self-signed certificate names `localhost`), and Chromium is told to accept that one
//! certificate as valid with `--ignore-certificate-errors-spki-list` (the base64 SHA-256
//! of its public key). `acceptInsecureCerts` alone is not enough: Chromium still marks
//! the page as having a certificate error and refuses WebAuthn on it.

use crate::oidc_code::{Fixture, start_with};
use crate::support::browser::{Browser, attribute, input_value};
use crate::support::server::{Options, Server, restore};
use crate::support::webdriver::{Chrome, screenshot_dir};
use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreTokenResponse};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;

const PASSWORD: &str = "correct horse battery";

/// A relying party's redirect endpoint on loopback: it answers every request 200 and
/// hands over the request line's target, so the test sees where the browser was sent.
struct Catcher {
    redirect: String,
    seen: mpsc::Receiver<String>,
}

impl Catcher {
    fn start() -> Catcher {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let redirect = format!(
            "http://127.0.0.1:{}/cb",
            listener.local_addr().unwrap().port()
        );
        let (tx, seen) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut line = String::new();
                if BufReader::new(&stream).read_line(&mut line).is_err() {
                    continue;
                }
                let target = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
                if target.starts_with("/cb") && tx.send(target).is_err() {
                    return;
                }
            }
        });
        Catcher { redirect, seen }
    }

    /// The code of the next redirect, checked against `state`.
    fn code(&self, state: &CsrfToken) -> String {
        let target = self
            .seen
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the browser reached the client");
        let params: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(target.split_once('?').unwrap().1.as_bytes())
                .into_owned()
                .collect();
        assert_eq!(params.get("state"), Some(state.secret()), "{target}");
        params
            .get("code")
            .unwrap_or_else(|| panic!("no code in {target}"))
            .clone()
    }
}

type Rp = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// A server whose public URL is on `localhost`, with tenant `acme`, alice, and a client
/// `pk` redirecting to `catcher`; the relying party for it.
fn localhost(catcher: &Catcher) -> (Fixture, Rp, String) {
    let f = start_with(Options {
        public_host: Some("localhost"),
        ..Options::default()
    });
    let pk = f.api.call(
        "POST",
        "/v2/admin/tenants/acme/clients",
        Some(
            &json!({"client_id": "pk", "name": "Passkey RP", "redirect_uris": [catcher.redirect],
                     "grant_types": ["authorization_code"], "response_types": ["code"],
                     "scopes": ["openid"], "token_endpoint_auth_method": "client_secret_basic"}),
        ),
    );
    assert_eq!(pk.status, 201, "{:?}", pk.body);
    let secret = pk.body["client_secret"].as_str().unwrap().to_owned();
    let rp = rp_for(&f.meta, &secret, catcher);
    (f, rp, secret)
}

fn rp_for(meta: &openidconnect::core::CoreProviderMetadata, secret: &str, catcher: &Catcher) -> Rp {
    CoreClient::from_provider_metadata(
        meta.clone(),
        ClientId::new("pk".into()),
        Some(ClientSecret::new(secret.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(catcher.redirect.clone()).unwrap())
}

struct Flow {
    url: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

/// An authorization request; `prompt=login` so a browser with a session signs in again.
fn flow(rp: &Rp) -> Flow {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("openid".into()))
        .add_prompt(CoreAuthPrompt::Login)
        .set_pkce_challenge(challenge)
        .url();
    Flow {
        url: url.to_string(),
        state,
        nonce,
        verifier,
    }
}

/// Redeems the flow's code and returns the ID token's `acr` and `amr` as the
/// `openidconnect` crate validated them.
fn acr_amr(server: &Server, rp: &Rp, flow: Flow, code: String) -> (String, Vec<String>) {
    let tokens: CoreTokenResponse = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(flow.verifier)
        .request(&crate::support::rp::http_client(server.agent()))
        .unwrap();
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&rp.id_token_verifier(), &flow.nonce)
        .unwrap();
    let acr = claims.auth_context_ref().unwrap().to_string();
    let amr = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|m| m.to_string())
        .collect();
    (acr, amr)
}

/// Chromium trusting the server's own certificate as valid (see the module comment).
fn chrome_for(server: &Server) -> Chrome {
    let cert = server.data_dir.join("tls/cert.pem");
    let script = format!(
        "openssl x509 -in '{}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64",
        cert.display()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let spki = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    Chrome::start_with(
        &screenshot_dir(),
        &[format!("--ignore-certificate-errors-spki-list={spki}")],
    )
}

/// A platform authenticator with resident keys and user verification, as a phone or a
/// laptop's fingerprint reader is.
fn authenticator(chrome: &Chrome) -> String {
    chrome.add_authenticator(json!({
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": true,
        "hasUserVerification": true,
        "isUserVerified": true,
        "automaticPresenceSimulation": true,
    }))
}

fn set_mfa(f: &Fixture, policy: &str) {
    let r = f.api.call(
        "PATCH",
        "/v2/admin/tenants/acme",
        Some(&json!({ "mfa": policy })),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
}

fn audit(f: &Fixture, kind: &str) -> Vec<Value> {
    let r = f
        .api
        .call("GET", &format!("/v2/admin/audit?kind={kind}"), None);
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["items"]
        .as_array()
        .or_else(|| r.body["events"].as_array())
        .or_else(|| r.body.as_array())
        .unwrap_or_else(|| panic!("{:?}", r.body))
        .clone()
}

/// Alice signs in with her password in `chrome` and adds a passkey on the enrolment
/// page the tenant's `mfa: required` leads to; the recovery codes are shown once.
fn enrol(chrome: &Chrome, f: &Fixture, rp: &Rp, catcher: &Catcher) -> (String, Vec<String>) {
    let started = flow(rp);
    chrome.go(&started.url);
    chrome.fill("#username", "alice");
    chrome.fill("#password", PASSWORD);
    chrome.click_and_wait("form button[type=submit]");
    assert!(chrome.url().contains("/t/acme/mfa?"), "{}", chrome.url());
    chrome.fill("#passkey-name", "Work laptop");
    chrome.screenshot("passkey-enrol");
    chrome.click_and_wait("#passkey-add");
    let codes = chrome.find("#recovery-codes").text();
    assert_eq!(codes.lines().count(), 10, "{codes}");
    chrome.click_and_wait("form button[type=submit]");
    let code = catcher.code(&started.state);
    let (acr, amr) = acr_amr(&f.server, rp, started, code);
    (acr, amr)
}

/// Passwordless: the sign-in page's "Sign in with a passkey", no username typed.
fn passwordless(chrome: &Chrome) {
    chrome.find("#passkey-signin").click();
}

/// The CSP header of the sign-in page the authorization URL leads to.
fn page_csp(server: &Server, authorize: &str) -> String {
    let agent = server.agent();
    let resp = agent.get(authorize).call().unwrap();
    let login = resp
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let resp = agent
        .get(&format!("{}{login}", server.base))
        .call()
        .unwrap();
    resp.headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

/// The page's passkey options, a fresh assertion for them made in the page by the
/// virtual authenticator (not submitted), and the form's fields: what a form post of
/// that assertion would carry.
fn assertion_in_page(chrome: &Chrome) -> (String, String, String) {
    let script = r#"
        const done = arguments[arguments.length - 1];
        const form = document.getElementById('passkey-form');
        const o = JSON.parse(form.getAttribute('data-options')).publicKey;
        const bytes = t => Uint8Array.from(atob(t.replace(/-/g, '+').replace(/_/g, '/')), c => c.charCodeAt(0));
        const text = b => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        o.challenge = bytes(o.challenge);
        o.allowCredentials = (o.allowCredentials || []).map(c => ({type: c.type, id: bytes(c.id)}));
        navigator.credentials.get({publicKey: o}).then(c => done(JSON.stringify({
            id: c.id, rawId: text(c.rawId), type: c.type, extensions: {},
            response: {authenticatorData: text(c.response.authenticatorData),
                       clientDataJSON: text(c.response.clientDataJSON),
                       signature: text(c.response.signature),
                       userHandle: c.response.userHandle ? text(c.response.userHandle) : null}
        })), e => done('error: ' + e));
    "#;
    let answer = chrome.run_async(script, &[]).as_str().unwrap().to_owned();
    assert!(answer.starts_with('{'), "{answer}");
    let csrf = chrome.find("#passkey-form input[name=csrf]").value();
    let request = chrome.find("#passkey-form input[name=request]").value();
    (answer, csrf, request)
}

/// Posts a passwordless sign-in form with `csrf` as both the field and the cookie.
fn post_sign_in(
    server: &Server,
    (answer, csrf, request): &(String, String, String),
) -> (u16, String) {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf", csrf)
        .append_pair("request", request)
        .append_pair("passkey", answer)
        .finish();
    let mut resp = server
        .agent()
        .post(&format!("{}/t/acme/login", server.base))
        .header("cookie", &format!("__Host-latchkey_csrf={csrf}"))
        .content_type("application/x-www-form-urlencoded")
        .send(body)
        .unwrap();
    (
        resp.status().as_u16(),
        resp.body_mut().read_to_string().unwrap(),
    )
}

mod ceremonies;
mod console;
mod sign_in;
