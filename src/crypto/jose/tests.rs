//! Tests of the JOSE layer: RFC 7515, 7638 and 8037 vectors, and the `jsonwebtoken`
//! crate cross-checking what we sign and verify.

use super::*;
use std::error::Error;
use std::sync::OnceLock;

type TestResult = Result<(), Box<dyn Error>>;

// RFC 7515 appendices A.1-A.3 share this payload.
const RFC7515_PAYLOAD_B64: &str = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const RFC7515_PAYLOAD: &[u8] =
    b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

// RFC 7515 appendix A.2 (RS256).
const A2_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const A2_E: &str = "AQAB";
const A2_D: &str = "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ";
const A2_P: &str = "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc";
const A2_Q: &str = "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc";
const A2_HEADER_B64: &str = "eyJhbGciOiJSUzI1NiJ9";
const A2_SIG: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// RFC 7515 appendix A.3 (ES256).
const A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const A3_D: &str = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
const A3_HEADER_B64: &str = "eyJhbGciOiJFUzI1NiJ9";
const A3_SIG: &str =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 8037 appendix A.
const ED_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const ED_THUMBPRINT: &str = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
const ED_SIGNING_INPUT: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
const ED_SIG: &str =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// RFC 7638 section 3.1.
const RFC7638_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
const RFC7638_THUMBPRINT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

const CLAIMS: &[u8] = br#"{"iss":"https://latchkey.test","sub":"alice","exp":4102444800}"#;

fn d(text: &str) -> Result<Vec<u8>, Box<dyn Error>> {
    b64_decode(text).ok_or_else(|| "bad base64url in test vector".into())
}

fn jwk(kty: &str) -> Jwk {
    Jwk {
        kty: kty.into(),
        ..Jwk::default()
    }
}

fn rsa_jwk(n: &str, e: &str) -> Jwk {
    Jwk {
        n: Some(n.into()),
        e: Some(e.into()),
        ..jwk("RSA")
    }
}

fn p256_jwk(x: &str, y: &str) -> Jwk {
    Jwk {
        crv: Some("P-256".into()),
        x: Some(x.into()),
        y: Some(y.into()),
        ..jwk("EC")
    }
}

fn ed_jwk(x: &str) -> Jwk {
    Jwk {
        crv: Some("Ed25519".into()),
        x: Some(x.into()),
        ..jwk("OKP")
    }
}

fn big(text: &str) -> Result<rsa::BigUint, Box<dyn Error>> {
    Ok(rsa::BigUint::from_bytes_be(&d(text)?))
}

/// Generated keys are shared so RSA key generation runs once per test binary.
fn generated(alg: Alg) -> Result<&'static (SigningKey, Vec<u8>), Box<dyn Error>> {
    type Slot = OnceLock<Result<(SigningKey, Vec<u8>), String>>;
    static KEYS: [Slot; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot =
        KEYS[alg as usize].get_or_init(|| SigningKey::generate(alg).map_err(|e| e.to_string()));
    slot.as_ref().map_err(|e| e.clone().into())
}

fn err_of<T>(result: Result<T, JoseError>) -> Result<JoseError, Box<dyn Error>> {
    match result {
        Ok(_) => Err("expected an error".into()),
        Err(err) => Ok(err),
    }
}

fn parse_err(token: &str) -> Result<JoseError, Box<dyn Error>> {
    err_of(Unverified::parse(token))
}

fn ed_key() -> Result<&'static SigningKey, Box<dyn Error>> {
    Ok(&generated(Alg::EdDSA)?.0)
}

#[test]
fn rfc7515_a2_rs256_signature_is_exact() -> TestResult {
    use rsa::pkcs8::EncodePrivateKey as _;
    let private = rsa::RsaPrivateKey::from_components(
        big(A2_N)?,
        big(A2_E)?,
        big(A2_D)?,
        vec![big(A2_P)?, big(A2_Q)?],
    )?;
    let der = private.to_pkcs8_der()?;
    let key = SigningKey::from_pkcs8(Alg::RS256, der.as_bytes())?;
    let input = format!("{A2_HEADER_B64}.{RFC7515_PAYLOAD_B64}");
    assert_eq!(key.sign_input(input.as_bytes())?, d(A2_SIG)?);
    assert_eq!(key.public_jwk().n.as_deref(), Some(A2_N));

    let token = format!("{input}.{A2_SIG}");
    let public = VerifyingKey::from_jwk(&rsa_jwk(A2_N, A2_E))?;
    assert_eq!(Unverified::parse(&token)?.verify(&public)?, RFC7515_PAYLOAD);
    Ok(())
}

#[test]
fn rfc7515_a3_es256_verifies_and_signs() -> TestResult {
    let public = VerifyingKey::from_jwk(&p256_jwk(A3_X, A3_Y))?;
    let token = format!("{A3_HEADER_B64}.{RFC7515_PAYLOAD_B64}.{A3_SIG}");
    assert_eq!(Unverified::parse(&token)?.verify(&public)?, RFC7515_PAYLOAD);

    let point = [vec![SEC1_UNCOMPRESSED], d(A3_X)?, d(A3_Y)?].concat();
    let rng = SystemRandom::new();
    let pair = EcdsaKeyPair::from_private_key_and_public_key(
        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &d(A3_D)?,
        &point,
        &rng,
    )
    .map_err(|_| "ring rejected the RFC key")?;
    let key = SigningKey::assemble(KeyPair::Ec(pair), rng)?;
    assert_eq!(key.public_jwk().x.as_deref(), Some(A3_X));
    assert_eq!(key.public_jwk().y.as_deref(), Some(A3_Y));
    let signed = key.sign_compact(Some("JWT"), CLAIMS)?;
    assert_eq!(d(signed.rsplit('.').next().ok_or("no sig")?)?.len(), 64);
    assert_eq!(Unverified::parse(&signed)?.verify(&public)?, CLAIMS);
    Ok(())
}

/// PKCS#8 v1 wrapping of a raw Ed25519 seed (RFC 8410).
fn ed25519_pkcs8_v1(seed: &[u8]) -> Vec<u8> {
    let prefix = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    [&prefix[..], seed].concat()
}

#[test]
fn rfc8037_ed25519_vectors() -> TestResult {
    let key = SigningKey::from_pkcs8(Alg::EdDSA, &ed25519_pkcs8_v1(&d(ED_D)?))?;
    assert_eq!(key.public_jwk().x.as_deref(), Some(ED_X));
    assert_eq!(key.kid(), ED_THUMBPRINT);
    assert_eq!(ed_jwk(ED_X).thumbprint()?, ED_THUMBPRINT);
    assert_eq!(key.sign_input(ED_SIGNING_INPUT.as_bytes())?, d(ED_SIG)?);

    let token = format!("{ED_SIGNING_INPUT}.{ED_SIG}");
    let public = VerifyingKey::from_jwk(&ed_jwk(ED_X))?;
    assert_eq!(
        Unverified::parse(&token)?.verify(&public)?,
        b"Example of Ed25519 signing"
    );
    Ok(())
}

#[test]
fn rfc7638_thumbprint_example() -> TestResult {
    let mut key = rsa_jwk(RFC7638_N, "AQAB");
    assert_eq!(key.thumbprint()?, RFC7638_THUMBPRINT);
    key.kid = Some("2011-04-29".into());
    key.alg = Some("RS256".into());
    assert_eq!(key.thumbprint()?, RFC7638_THUMBPRINT);
    assert!(matches!(jwk("oct").thumbprint(), Err(JoseError::Key(_))));
    assert!(matches!(jwk("EC").thumbprint(), Err(JoseError::Key(_))));
    Ok(())
}

#[test]
fn generated_keys_round_trip_and_use_thumbprint_kid() -> TestResult {
    for alg in Alg::ALL {
        let (key, der) = generated(alg)?;
        let jwk = key.public_jwk();
        assert_eq!(key.kid(), jwk.thumbprint()?);
        assert_eq!(jwk.kid.as_deref(), Some(key.kid()));
        assert_eq!(jwk.alg.as_deref(), Some(alg.as_str()));
        assert_eq!(jwk.use_.as_deref(), Some("sig"));
        let reloaded = SigningKey::from_pkcs8(alg, der)?;
        assert_eq!(reloaded.public_jwk(), jwk);

        let token = key.sign_compact(Some("JWT"), CLAIMS)?;
        let parsed = Unverified::parse(&token)?;
        assert_eq!(parsed.header.kid.as_deref(), Some(key.kid()));
        assert_eq!(parsed.header.typ.as_deref(), Some("JWT"));
        let from_jwks = VerifyingKey::from_jwk(jwk)?;
        assert_eq!(parsed.verify(&from_jwks)?, CLAIMS);
    }
    Ok(())
}

#[test]
fn header_member_order_is_alg_typ_kid() -> TestResult {
    let key = ed_key()?;
    let token = key.sign_compact(Some("at+jwt"), b"{}")?;
    let header = d(token.split('.').next().ok_or("no header")?)?;
    let expected = format!(r#"{{"alg":"EdDSA","typ":"at+jwt","kid":"{}"}}"#, key.kid());
    assert_eq!(header, expected.as_bytes());
    let untyped = key.sign_compact(None, b"{}")?;
    let header = d(untyped.split('.').next().ok_or("no header")?)?;
    let expected = format!(r#"{{"alg":"EdDSA","kid":"{}"}}"#, key.kid());
    assert_eq!(header, expected.as_bytes());
    Ok(())
}

fn jwt_alg(alg: Alg) -> jsonwebtoken::Algorithm {
    match alg {
        Alg::RS256 => jsonwebtoken::Algorithm::RS256,
        Alg::ES256 => jsonwebtoken::Algorithm::ES256,
        Alg::EdDSA => jsonwebtoken::Algorithm::EdDSA,
    }
}

fn jwt_decoding_key(jwk: &Jwk) -> Result<jsonwebtoken::DecodingKey, Box<dyn Error>> {
    let member = |m: &Option<String>| m.clone().ok_or("missing member");
    Ok(match jwk.kty.as_str() {
        "RSA" => {
            jsonwebtoken::DecodingKey::from_rsa_components(&member(&jwk.n)?, &member(&jwk.e)?)?
        }
        "EC" => jsonwebtoken::DecodingKey::from_ec_components(&member(&jwk.x)?, &member(&jwk.y)?)?,
        _ => jsonwebtoken::DecodingKey::from_ed_components(&member(&jwk.x)?)?,
    })
}

fn jwt_encoding_key(alg: Alg, der: &[u8]) -> Result<jsonwebtoken::EncodingKey, Box<dyn Error>> {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    Ok(match alg {
        // jsonwebtoken hands RSA DER to ring's RsaKeyPair::from_der, which wants PKCS#1.
        Alg::RS256 => {
            let pkcs1 = rsa::RsaPrivateKey::from_pkcs8_der(der)?.to_pkcs1_der()?;
            jsonwebtoken::EncodingKey::from_rsa_der(pkcs1.as_bytes())
        }
        Alg::ES256 => jsonwebtoken::EncodingKey::from_ec_der(der),
        Alg::EdDSA => jsonwebtoken::EncodingKey::from_ed_der(der),
    })
}

#[test]
fn jsonwebtoken_accepts_our_tokens() -> TestResult {
    for alg in Alg::ALL {
        let (key, _) = generated(alg)?;
        let token = key.sign_compact(Some("JWT"), CLAIMS)?;
        let decoding = jwt_decoding_key(key.public_jwk())?;
        let validation = jsonwebtoken::Validation::new(jwt_alg(alg));
        let data = jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation)?;
        assert_eq!(data.claims["sub"], "alice");
        assert_eq!(data.header.kid.as_deref(), Some(key.kid()));
    }
    Ok(())
}

#[test]
fn we_accept_jsonwebtoken_tokens() -> TestResult {
    let claims: serde_json::Value = serde_json::from_slice(CLAIMS)?;
    for alg in Alg::ALL {
        let (key, der) = generated(alg)?;
        let mut header = jsonwebtoken::Header::new(jwt_alg(alg));
        header.kid = Some(key.kid().to_owned());
        let token = jsonwebtoken::encode(&header, &claims, &jwt_encoding_key(alg, der)?)?;
        let payload = Unverified::parse(&token)?.verify(&key.verifying_key())?;
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&payload)?,
            claims
        );
    }
    Ok(())
}

#[test]
fn tampered_payload_is_bad_signature() -> TestResult {
    let key = ed_key()?;
    let token = key.sign_compact(None, CLAIMS)?;
    let parts: Vec<&str> = token.split('.').collect();
    let forged = b64_encode(br#"{"sub":"mallory"}"#);
    let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
    let err = err_of(Unverified::parse(&tampered)?.verify(&key.verifying_key()))?;
    assert!(matches!(err, JoseError::BadSignature));
    Ok(())
}

fn token_with_header(header: &str, sig: &str) -> String {
    format!(
        "{}.{}.{}",
        b64_encode(header.as_bytes()),
        b64_encode(CLAIMS),
        sig
    )
}

#[test]
fn unsupported_algorithms_are_refused() -> TestResult {
    for alg in [
        "none", "None", "HS256", "RS384", "PS384", "PS512", "ES384", "ES256K", "eddsa", "ed25519",
        "",
    ] {
        let token = token_with_header(&format!(r#"{{"alg":"{alg}"}}"#), "");
        assert!(
            matches!(parse_err(&token)?, JoseError::UnsupportedAlg),
            "{alg}"
        );
    }
    assert!(matches!(
        parse_err(&token_with_header("{}", ""))?,
        JoseError::Malformed(_)
    ));
    Ok(())
}

#[test]
fn header_alg_must_match_key_alg() -> TestResult {
    let es_token = generated(Alg::ES256)?.0.sign_compact(None, CLAIMS)?;
    let rsa_key = VerifyingKey::from_jwk(&rsa_jwk(A2_N, A2_E))?;
    let err = err_of(Unverified::parse(&es_token)?.verify(&rsa_key))?;
    assert!(matches!(err, JoseError::UnsupportedAlg));

    // An Ed25519 token relabelled as ES256 must not reach the Ed25519 key.
    let ed = ed_key()?;
    let ed_token = ed.sign_compact(None, CLAIMS)?;
    let sig = ed_token.rsplit('.').next().ok_or("no sig")?;
    let relabelled = token_with_header(r#"{"alg":"ES256"}"#, sig);
    let err = err_of(Unverified::parse(&relabelled)?.verify(&ed.verifying_key()))?;
    assert!(matches!(err, JoseError::UnsupportedAlg));
    Ok(())
}

#[test]
fn kid_mismatch_is_unknown_key() -> TestResult {
    let key = ed_key()?;
    let token = key.sign_compact(None, CLAIMS)?;
    let mut other = key.public_jwk().clone();
    other.kid = Some("someone-else".into());
    let err = err_of(Unverified::parse(&token)?.verify(&VerifyingKey::from_jwk(&other)?))?;
    assert!(matches!(err, JoseError::UnknownKey));
    Ok(())
}

#[test]
fn malformed_tokens_are_refused() -> TestResult {
    let token = ed_key()?.sign_compact(None, CLAIMS)?;
    let parts: Vec<&str> = token.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let crit = b64_encode(br#"{"alg":"EdDSA","crit":["exp"],"exp":1}"#);
    let dup = b64_encode(br#"{"alg":"EdDSA","alg":"EdDSA"}"#);
    let cases = [
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}.{p}.{s}=="),
        format!("{h}==.{p}.{s}"),
        format!("{h}.{p}.+{}", &s[1..]),
        format!("{h}.{p}=.{s}"),
        format!("{h}.{p}+.{s}"),
        format!("{}.{p}.{s}", b64_encode(b"not json")),
        format!("{}.{p}.{s}", b64_encode(b"[\"EdDSA\"]")),
        format!("{crit}.{p}.{s}"),
        format!("{dup}.{p}.{s}"),
        format!("{h}.{}.{s}", "A".repeat(MAX_TOKEN_LEN)),
        String::new(),
    ];
    for case in &cases {
        assert!(
            matches!(parse_err(case)?, JoseError::Malformed(_)),
            "{case}"
        );
    }
    Ok(())
}

#[test]
fn unusable_jwks_are_refused() -> TestResult {
    let mut p384 = p256_jwk(A3_X, A3_Y);
    p384.crv = Some("P-384".into());
    let mut x25519 = ed_jwk(ED_X);
    x25519.crv = Some("X25519".into());
    let short_n = b64_encode(&d(RFC7638_N)?[..128]);
    let mut wrong_alg = ed_jwk(ED_X);
    wrong_alg.alg = Some("ES256".into());
    let mut enc = ed_jwk(ED_X);
    enc.use_ = Some("enc".into());
    let cases = [
        p384,
        x25519,
        rsa_jwk(&short_n, "AQAB"),
        p256_jwk(A3_X, "AAAA"),
        ed_jwk("AAAA"),
        jwk("oct"),
        wrong_alg,
        enc,
    ];
    for case in &cases {
        assert!(VerifyingKey::from_jwk(case).is_err(), "{case:?}");
    }
    let mut right_alg = rsa_jwk(RFC7638_N, "AQAB");
    right_alg.alg = Some("RS256".into());
    assert_eq!(VerifyingKey::from_jwk(&right_alg)?.algs(), &[JwsAlg::RS256]);
    assert_eq!(
        VerifyingKey::from_jwk(&rsa_jwk(RFC7638_N, "AQAB"))?.algs(),
        &[JwsAlg::RS256, JwsAlg::PS256],
        "an RSA key that names no alg verifies both paddings"
    );
    Ok(())
}

/// The RFC 7515 A.2 RSA key as PEM, for `jsonwebtoken` to sign with.
fn a2_encoding_key() -> Result<jsonwebtoken::EncodingKey, Box<dyn Error>> {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    let private = rsa::RsaPrivateKey::from_components(
        big(A2_N)?,
        big(A2_E)?,
        big(A2_D)?,
        vec![big(A2_P)?, big(A2_Q)?],
    )?;
    let pem = private.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)?;
    Ok(jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())?)
}

#[test]
fn ps256_from_an_independent_library_verifies_and_is_not_confused_with_rs256() -> TestResult {
    let signing = a2_encoding_key()?;
    let claims = serde_json::json!({"iss": "client", "exp": 4_000_000_000u64});
    let ps = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::PS256),
        &claims,
        &signing,
    )?;
    let rs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &signing,
    )?;
    let any = VerifyingKey::from_jwk(&rsa_jwk(A2_N, A2_E))?;
    for token in [&ps, &rs] {
        let payload: serde_json::Value =
            serde_json::from_slice(&Unverified::parse(token)?.verify(&any)?)?;
        assert_eq!(payload, claims);
    }
    assert_eq!(Unverified::parse(&ps)?.alg(), JwsAlg::PS256);

    let mut rs_only = rsa_jwk(A2_N, A2_E);
    rs_only.alg = Some("RS256".into());
    let rs_only = VerifyingKey::from_jwk(&rs_only)?;
    assert!(matches!(
        err_of(Unverified::parse(&ps)?.verify(&rs_only))?,
        JoseError::UnsupportedAlg
    ));
    let (header, rest) = ps.split_once('.').ok_or("no header")?;
    assert!(header.starts_with("eyJ"));
    let relabelled = format!("{}.{rest}", b64_encode(br#"{"typ":"JWT","alg":"RS256"}"#));
    assert!(matches!(
        err_of(Unverified::parse(&relabelled)?.verify(&any))?,
        JoseError::BadSignature
    ));
    Ok(())
}

#[test]
fn ed25519_is_accepted_as_the_fully_specified_name_of_eddsa() -> TestResult {
    let key = SigningKey::from_pkcs8(Alg::EdDSA, &ed25519_pkcs8_v1(&d(ED_D)?))?;
    let input = format!(
        "{}.{}",
        b64_encode(br#"{"alg":"Ed25519"}"#),
        b64_encode(b"fully specified")
    );
    let token = format!("{input}.{}", b64_encode(&key.sign_input(input.as_bytes())?));
    let unverified = Unverified::parse(&token)?;
    assert_eq!(unverified.alg(), JwsAlg::EdDSA);
    assert_eq!(
        unverified.verify(&VerifyingKey::from_jwk(&ed_jwk(ED_X))?)?,
        b"fully specified"
    );
    let mut named = ed_jwk(ED_X);
    named.alg = Some("Ed25519".into());
    assert_eq!(VerifyingKey::from_jwk(&named)?.algs(), &[JwsAlg::EdDSA]);
    Ok(())
}

#[test]
fn debug_output_hides_key_material() -> TestResult {
    for alg in Alg::ALL {
        let (key, _) = generated(alg)?;
        let jwk = key.public_jwk();
        let material = jwk.n.as_deref().or(jwk.x.as_deref()).ok_or("no material")?;
        for text in [format!("{key:?}"), format!("{:?}", key.verifying_key())] {
            assert!(
                text.contains(key.kid()) && text.contains(alg.as_str()),
                "{text}"
            );
            assert!(!text.contains(&material[..16]), "{text}");
        }
    }
    Ok(())
}

#[test]
fn alg_names_round_trip() -> TestResult {
    for alg in Alg::ALL {
        assert_eq!(Alg::parse(alg.as_str()), Some(alg));
        let json = serde_json::to_string(&alg)?;
        assert_eq!(json, format!("\"{}\"", alg.as_str()));
        assert_eq!(serde_json::from_str::<Alg>(&json)?, alg);
    }
    assert_eq!(Alg::parse("none"), None);
    Ok(())
}

#[test]
fn jwk_set_serializes_without_empty_members() -> TestResult {
    let set = JwkSet {
        keys: vec![ed_key()?.public_jwk().clone()],
    };
    let json = serde_json::to_value(&set)?;
    let key = &json["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["use"], "sig");
    assert!(key.get("n").is_none() && key.get("y").is_none());
    let back: JwkSet = serde_json::from_value(json)?;
    assert_eq!(back.keys, set.keys);
    Ok(())
}
