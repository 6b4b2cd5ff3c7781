//! The proof checks on a fixed clock, with proofs signed by `jsonwebtoken` and `ring`
//! (never latchkey's own signing code), and RFC 9449's own examples.

use super::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use serde_json::json;

const NOW: UnixTime = 1_800_000_000;
const HTU: &str = "https://sso.example.com/t/acme/token";
const POST: Target<'static> = Target {
    method: "POST",
    htu: HTU,
    access_token: None,
};

/// A client's proof key, made by `ring`, with its public JWK.
pub(crate) struct Key {
    alg: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
}

impl Key {
    pub(crate) fn es256() -> Key {
        let rng = SystemRandom::new();
        let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_ref(), &rng).unwrap();
        let point = pair.public_key().as_ref();
        Key {
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(der.as_ref()),
            jwk: json!({"kty": "EC", "crv": "P-256",
                        "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                        "y": URL_SAFE_NO_PAD.encode(&point[33..])}),
        }
    }

    fn eddsa() -> Key {
        let der = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(der.as_ref()).unwrap();
        Key {
            alg: Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_der(der.as_ref()),
            jwk: json!({"kty": "OKP", "crv": "Ed25519",
                        "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref())}),
        }
    }

    fn ps256() -> Key {
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        use rsa::traits::PublicKeyParts as _;
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        Key {
            alg: Algorithm::PS256,
            encoding: EncodingKey::from_rsa_der(private.to_pkcs1_der().unwrap().as_bytes()),
            jwk: json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
                        "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be())}),
        }
    }

    /// A proof as a client library makes it: `jsonwebtoken` with `typ` and `jwk` set.
    pub(crate) fn proof(&self, claims: &Value) -> String {
        let mut header = jsonwebtoken::Header::new(self.alg);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(serde_json::from_value(self.jwk.clone()).unwrap());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }

    /// A JWS with any header at all, signed by this key.
    fn raw(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header), b64(claims));
        let sig = jsonwebtoken::crypto::sign(input.as_bytes(), &self.encoding, self.alg).unwrap();
        format!("{input}.{sig}")
    }

    fn header(&self) -> Value {
        json!({"typ": "dpop+jwt", "alg": alg_name(self.alg), "jwk": self.jwk})
    }

    /// The RFC 7638 thumbprint, computed here from the members in their fixed order.
    pub(crate) fn jkt(&self) -> String {
        let j = &self.jwk;
        let canonical = match j["kty"].as_str().unwrap() {
            "EC" => format!(
                r#"{{"crv":"P-256","kty":"EC","x":{},"y":{}}}"#,
                j["x"], j["y"]
            ),
            "OKP" => format!(r#"{{"crv":"Ed25519","kty":"OKP","x":{}}}"#, j["x"]),
            _ => format!(r#"{{"e":{},"kty":"RSA","n":{}}}"#, j["e"], j["n"]),
        };
        URL_SAFE_NO_PAD.encode(ring::digest::digest(
            &ring::digest::SHA256,
            canonical.as_bytes(),
        ))
    }
}

fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::ES256 => "ES256",
        Algorithm::EdDSA => "EdDSA",
        Algorithm::PS256 => "PS256",
        _ => "RS256",
    }
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn claims(jti: &str) -> Value {
    json!({"jti": jti, "htm": "POST", "htu": HTU, "iat": NOW})
}

fn store() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path(), 100).unwrap();
    (tmp, store)
}

fn refused(store: &Store, proof: &str, target: Target<'_>) -> String {
    match check(store, proof, target, NOW) {
        Err(DpopError::Invalid(why)) => why.to_owned(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// RFC 9449 §4.1, figure 2 (line breaks removed): the example proof of the token request.
const RFC_PROOF: &str = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";

#[test]
fn the_rfc_example_proof_verifies_once_with_its_published_thumbprint() {
    let (_tmp, store) = store();
    let target = Target {
        method: "POST",
        htu: "https://server.example.com/token",
        access_token: None,
    };
    let at = 1_562_262_616;
    let jkt = check(&store, RFC_PROOF, target, at).unwrap();
    // RFC 9449 §6.1, figure 9: the thumbprint of the example key.
    assert_eq!(jkt.as_str(), "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
    assert!(matches!(
        check(&store, RFC_PROOF, target, at + 1),
        Err(DpopError::Invalid(m)) if m.contains("already used")
    ));
    assert!(matches!(
        check(&store, RFC_PROOF, target, at + 61),
        Err(DpopError::Invalid(m)) if m.contains("iat")
    ));
}

#[test]
fn ath_is_the_rfc_example_hash() {
    // RFC 9449 §7.1, figures 12 and 13.
    assert_eq!(
        ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    );
}

#[test]
fn proofs_of_each_algorithm_give_the_keys_thumbprint() {
    let (_tmp, store) = store();
    for key in [Key::es256(), Key::eddsa(), Key::ps256()] {
        let jkt = check(&store, &key.proof(&claims("j1")), POST, NOW).unwrap();
        assert_eq!(jkt.as_str(), key.jkt(), "{:?}", key.alg);
    }
    let ed = Key::eddsa();
    let mut header = ed.header();
    header["alg"] = json!("Ed25519");
    let jkt = check(&store, &ed.raw(&header, &claims("j2")), POST, NOW).unwrap();
    assert_eq!(jkt.as_str(), ed.jkt(), "Ed25519 names EdDSA too (RFC 9864)");
}

#[test]
fn a_jti_is_single_use_per_key() {
    let (_tmp, store) = store();
    let (a, b) = (Key::es256(), Key::es256());
    check(&store, &a.proof(&claims("same")), POST, NOW).unwrap();
    assert!(refused(&store, &a.proof(&claims("same")), POST).contains("already used"));
    check(&store, &b.proof(&claims("same")), POST, NOW).unwrap();
    check(&store, &a.proof(&claims("other")), POST, NOW).unwrap();
}

#[test]
fn iat_holds_within_sixty_seconds_either_side() {
    let (_tmp, store) = store();
    let key = Key::es256();
    for (i, iat) in [NOW - 60, NOW + 60].into_iter().enumerate() {
        let mut c = claims(&format!("in{i}"));
        c["iat"] = json!(iat);
        check(&store, &key.proof(&c), POST, NOW).unwrap();
    }
    for iat in [NOW - 61, NOW + 61] {
        let mut c = claims("out");
        c["iat"] = json!(iat);
        assert!(refused(&store, &key.proof(&c), POST).contains("iat"));
    }
}

#[test]
fn htm_and_htu_bind_the_proof_to_this_request() {
    let (_tmp, store) = store();
    let key = Key::es256();
    let with = |name: &str, value: Value| {
        let mut c = claims(name);
        c[name] = value;
        key.proof(&c)
    };
    assert!(refused(&store, &with("htm", json!("GET")), POST).contains("htm"));
    assert!(refused(&store, &with("htm", json!("post")), POST).contains("htm"));
    for other in [
        "https://evil.example.com/t/acme/token",
        "https://sso.example.com/t/acme/userinfo",
        "https://sso.example.com/t/other/token",
    ] {
        assert!(refused(&store, &with("htu", json!(other)), POST).contains("htu"));
    }
    let mut c = claims("q");
    c["htu"] = json!("https://SSO.example.com:443/t/acme/token?x=1#f");
    check(&store, &key.proof(&c), POST, NOW).unwrap();
}

#[test]
fn ath_must_hash_the_presented_access_token() {
    let (_tmp, store) = store();
    let key = Key::es256();
    let target = Target {
        access_token: Some("the-token"),
        ..POST
    };
    assert!(refused(&store, &key.proof(&claims("a1")), target).contains("no ath"));
    let mut c = claims("a2");
    c["ath"] = json!(ath("another-token"));
    assert!(refused(&store, &key.proof(&c), target).contains("ath"));
    c["ath"] = json!(ath("the-token"));
    check(&store, &key.proof(&c), target, NOW).unwrap();
}

#[test]
fn each_malformed_proof_is_refused_with_its_reason_and_records_nothing() {
    let (_tmp, store) = store();
    let key = Key::es256();
    let good = claims("kept");
    let header = key.header();
    let with_header = |change: &dyn Fn(&mut Value)| {
        let mut h = header.clone();
        change(&mut h);
        key.raw(&h, &good)
    };
    let without_claim = |name: &str| {
        let mut c = good.clone();
        c.as_object_mut().unwrap().remove(name);
        key.proof(&c)
    };
    let mut private = key.jwk.clone();
    private["d"] = json!("AAAA");
    let rsa_jwk = Key::ps256().jwk;
    let payload = URL_SAFE_NO_PAD.encode(good.to_string());
    let cases: Vec<(String, &str)> = vec![
        ("not-a-jws".into(), "well-formed"),
        (format!("!!!.{payload}.sig"), "well-formed"),
        (
            format!("{}.{payload}.AAAA", URL_SAFE_NO_PAD.encode("{not json")),
            "well-formed",
        ),
        (
            format!("{}.{payload}.", b64(&json!({"typ": "dpop+jwt", "alg": "none", "jwk": key.jwk}))),
            "alg",
        ),
        (
            format!("{}.{payload}.AAAA", b64(&json!({"typ": "dpop+jwt", "alg": "HS256", "jwk": key.jwk}))),
            "alg",
        ),
        (with_header(&|h| h["typ"] = json!("JWT")), "typ"),
        (with_header(&|h| drop(h.as_object_mut().unwrap().remove("typ"))), "typ"),
        (with_header(&|h| drop(h.as_object_mut().unwrap().remove("jwk"))), "no jwk"),
        (with_header(&|h| h["jwk"] = private.clone()), "public key"),
        (
            with_header(&|h| h["jwk"] = json!({"kty": "oct", "k": "c2VjcmV0"})),
            "public key",
        ),
        (with_header(&|h| h["jwk"] = json!({"kty": "EC", "crv": "P-256"})), "usable key"),
        (with_header(&|h| h["jwk"] = rsa_jwk.clone()), "fit"),
        (with_header(&|h| h["jwk"] = Key::es256().jwk), "signature"),
        (
            format!("{}.{}.AAAA", b64(&header), URL_SAFE_NO_PAD.encode("[1]")),
            "signature",
        ),
        (key.raw(&header, &json!("a string")), "claims"),
        (key.raw(&header, &json!({"jti": 7, "htm": "POST", "htu": HTU, "iat": NOW})), "claims"),
        (without_claim("jti"), "jti"),
        (without_claim("htm"), "htm"),
        (without_claim("htu"), "htu"),
        (without_claim("iat"), "iat"),
        (
            key.proof(&json!({"jti": "x".repeat(257), "htm": "POST", "htu": HTU, "iat": NOW})),
            "jti",
        ),
        (
            key.proof(&json!({"jti": "j", "htm": "POST", "htu": format!("{HTU}/{}", "x".repeat(2048)), "iat": NOW})),
            "htu",
        ),
        ("a".repeat(MAX_PROOF_BYTES + 1), "too long"),
    ];
    for (proof, reason) in &cases {
        let why = refused(&store, proof, POST);
        assert!(
            why.contains(reason),
            "{reason}: got `{why}` for {proof:.60}"
        );
    }
    check(&store, &key.proof(&good), POST, NOW).expect("no refused proof recorded its jti");
}

#[test]
fn the_header_check_reads_absent_refused_and_present_headers() {
    let (_tmp, store) = store();
    let key = Key::es256();
    assert!(
        check_header(&store, &DpopHeader::Absent, POST, NOW)
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        check_header(&store, &DpopHeader::Refused("two"), POST, NOW),
        Err(DpopError::Invalid("two"))
    ));
    let one = DpopHeader::One(key.proof(&claims("h")));
    assert_eq!(
        check_header(&store, &one, POST, NOW)
            .unwrap()
            .unwrap()
            .as_str(),
        key.jkt()
    );
    let e = OAuthError::from(check_header(&store, &one, POST, NOW).unwrap_err());
    assert_eq!(e.code(), ErrorCode::InvalidDpopProof);
}
