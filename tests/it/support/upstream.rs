//! A real upstream OpenID provider for broker tests, on the HTTPS [`TestIdp`]: discovery,
//! JWKS, an authorize endpoint that signs in whichever user the test chose, a token
//! endpoint that checks client authentication, code, redirect URI and PKCE, and
//! userinfo. ID tokens are signed with `jsonwebtoken`, not with latchkey's code, and the
//! test can tamper with their claims or sign with a key the JWKS does not list.
#![allow(
    clippy::disallowed_methods,
    reason = "the upstream has its own clock: the system's"
)]

use crate::support::test_idp::{Answer, Recorded, TestIdp};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Our client at the upstream.
pub const CLIENT_ID: &str = "latchkey-rp";
/// Its secret there.
pub const CLIENT_SECRET: &str = "upstream-secret-b4d5";

/// A signing key of the upstream.
#[derive(Clone)]
pub struct UpKey {
    kid: String,
    alg: Algorithm,
    /// The private key's DER: PKCS#8, or PKCS#1 for RSA.
    pkcs8: Vec<u8>,
    jwk: Value,
}

impl UpKey {
    /// A new ES256 key.
    pub fn es256(kid: &str) -> UpKey {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng)
            .unwrap()
            .as_ref()
            .to_vec();
        let pair = EcdsaKeyPair::from_pkcs8(alg, &pkcs8, &rng).unwrap();
        let point = pair.public_key().as_ref();
        let jwk = json!({"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
                         "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..])});
        UpKey {
            kid: kid.into(),
            alg: Algorithm::ES256,
            pkcs8,
            jwk,
        }
    }

    /// A new Ed25519 key.
    pub fn eddsa(kid: &str) -> UpKey {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .unwrap()
            .as_ref()
            .to_vec();
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap();
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "alg": "EdDSA",
                         "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref())});
        UpKey {
            kid: kid.into(),
            alg: Algorithm::EdDSA,
            pkcs8,
            jwk,
        }
    }

    /// A new RSA key that signs PS256, published as its JWK without an `alg` member, as
    /// many IdPs publish RSA keys.
    pub fn ps256(kid: &str) -> UpKey {
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        use rsa::traits::PublicKeyParts as _;
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let jwk = json!({"kty": "RSA", "kid": kid, "use": "sig",
                         "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
                         "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be())});
        UpKey {
            kid: kid.into(),
            alg: Algorithm::PS256,
            pkcs8: private.to_pkcs1_der().unwrap().as_bytes().to_vec(),
            jwk,
        }
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        let key = match self.alg {
            Algorithm::EdDSA => EncodingKey::from_ed_der(&self.pkcs8),
            Algorithm::PS256 => EncodingKey::from_rsa_der(&self.pkcs8),
            _ => EncodingKey::from_ec_der(&self.pkcs8),
        };
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }
}

/// A change to an ID token's claims before signing.
pub type Tamper = Box<dyn Fn(&mut Value) + Send>;

/// What the upstream does; tests change it between logins.
pub struct Behaviour {
    /// The user the authorize endpoint signs in: `sub` and the ID token's extra claims.
    pub user: (String, Value),
    /// What userinfo says besides `sub` (and the `sub` it says, if not the user's).
    pub userinfo: Value,
    /// Keys in the JWKS.
    pub published: Vec<UpKey>,
    /// The key that signs.
    pub signer: UpKey,
    /// Changes the ID token's claims before signing.
    pub tamper: Option<Tamper>,
    /// Answer authorize with this error instead of a code.
    pub deny: Option<&'static str>,
    /// The discovery document's token auth methods.
    pub auth_methods: Value,
}

#[derive(Default)]
struct Codes {
    issued: HashMap<String, (String, String, String, String)>,
    tokens: HashMap<String, String>,
}

/// The running upstream.
pub struct Upstream {
    /// The HTTPS server.
    pub idp: TestIdp,
    /// `https://127.0.0.1:PORT`: issuer and base of every endpoint.
    pub issuer: String,
    /// What it does.
    pub behaviour: Arc<Mutex<Behaviour>>,
}

impl Upstream {
    /// Starts an upstream signing in `sub` with `claims`, keys ES256.
    pub fn start(sub: &str, claims: Value) -> Upstream {
        let idp = TestIdp::start();
        let issuer = idp.base.clone();
        let key = UpKey::es256("up-1");
        let behaviour = Arc::new(Mutex::new(Behaviour {
            user: (sub.into(), claims),
            userinfo: json!({}),
            published: vec![key.clone()],
            signer: key,
            tamper: None,
            deny: None,
            auth_methods: json!(["client_secret_basic", "client_secret_post"]),
        }));
        let codes = Arc::new(Mutex::new(Codes::default()));
        let (b, iss) = (Arc::clone(&behaviour), issuer.clone());
        idp.answer(move |req| route(&iss, &b, &codes, req));
        Upstream {
            idp,
            issuer,
            behaviour,
        }
    }

    /// Changes the behaviour.
    pub fn with(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.behaviour.lock().unwrap());
    }

    /// Follows latchkey's redirect to the authorize endpoint as a browser would and
    /// returns where the upstream sends the browser back.
    pub fn authorize(&self, url: &str) -> String {
        assert!(url.starts_with(&self.issuer), "not sent upstream: {url}");
        let cert = ureq::tls::Certificate::from_pem(self.idp.ca_pem.as_bytes()).unwrap();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let resp = agent.get(url).call().unwrap();
        assert_eq!(resp.status(), 302);
        resp.headers()["location"].to_str().unwrap().to_owned()
    }

    /// The query of the last authorize request.
    pub fn last_authorize(&self) -> HashMap<String, String> {
        self.requests("/authorize")
            .last()
            .map(|r| r.query())
            .unwrap_or_default()
            .into_iter()
            .collect()
    }

    /// The requests to `path` so far.
    pub fn requests(&self, path: &str) -> Vec<Recorded> {
        self.idp
            .requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

fn route(
    issuer: &str,
    behaviour: &Mutex<Behaviour>,
    codes: &Mutex<Codes>,
    req: &Recorded,
) -> Answer {
    let b = behaviour.lock().unwrap();
    match req.path.as_str() {
        "/.well-known/openid-configuration" => Answer::Json(
            200,
            json!({"issuer": issuer, "authorization_endpoint": format!("{issuer}/authorize"),
                   "token_endpoint": format!("{issuer}/token"), "userinfo_endpoint": format!("{issuer}/userinfo"),
                   "jwks_uri": format!("{issuer}/jwks"), "end_session_endpoint": format!("{issuer}/logout"),
                   "token_endpoint_auth_methods_supported": b.auth_methods,
                   "response_types_supported": ["code"], "subject_types_supported": ["public"],
                   "id_token_signing_alg_values_supported": ["ES256", "EdDSA"]}),
        ),
        "/jwks" => Answer::Json(
            200,
            json!({"keys": b.published.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()}),
        ),
        "/authorize" => {
            let q = req.query();
            let back = &q["redirect_uri"];
            let location = match b.deny {
                Some(error) => format!(
                    "{back}?error={error}&error_description=user+said+no&state={}",
                    q["state"]
                ),
                None => {
                    let code = format!("code-{}", codes.lock().unwrap().issued.len());
                    codes.lock().unwrap().issued.insert(
                        code.clone(),
                        (
                            q["nonce"].clone(),
                            q["code_challenge"].clone(),
                            back.clone(),
                            b.user.0.clone(),
                        ),
                    );
                    format!("{back}?code={code}&state={}", url_encode(&q["state"]))
                }
            };
            Answer::Redirect(location)
        }
        "/token" => token(issuer, &b, codes, req),
        "/userinfo" => {
            let bearer = req
                .header("authorization")
                .and_then(|h| h.strip_prefix("Bearer "));
            let Some(sub) = bearer.and_then(|t| codes.lock().unwrap().tokens.get(t).cloned())
            else {
                return Answer::Json(401, json!({"error": "invalid_token"}));
            };
            let mut info = json!({"sub": sub});
            for (k, v) in b.userinfo.as_object().unwrap() {
                info[k] = v.clone();
            }
            Answer::Json(200, info)
        }
        _ => Answer::Json(404, json!({})),
    }
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn token(issuer: &str, b: &Behaviour, codes: &Mutex<Codes>, req: &Recorded) -> Answer {
    let form = req.form();
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let authenticated = req.header("authorization") == Some(basic.as_str())
        || (form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
            && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET));
    if !authenticated {
        return Answer::Json(401, json!({"error": "invalid_client"}));
    }
    let Some((nonce, challenge, redirect, sub)) =
        codes.lock().unwrap().issued.remove(&form["code"])
    else {
        return Answer::Json(400, json!({"error": "invalid_grant"}));
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let computed = URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ));
    if computed != challenge || form.get("redirect_uri") != Some(&redirect) {
        return Answer::Json(400, json!({"error": "invalid_grant"}));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut claims = json!({"iss": issuer, "aud": CLIENT_ID, "sub": sub, "nonce": nonce,
                            "iat": now, "exp": now + 300});
    for (k, v) in b.user.1.as_object().unwrap() {
        claims[k] = v.clone();
    }
    if let Some(t) = &b.tamper {
        t(&mut claims);
    }
    let access = format!("at-{}", form["code"]);
    codes.lock().unwrap().tokens.insert(access.clone(), sub);
    Answer::Json(
        200,
        json!({"access_token": access, "token_type": "Bearer", "id_token": b.signer.sign(&claims)}),
    )
}
