//! JOSE primitives for latchkey: JWS compact serialization (RFC 7515), JWK (RFC 7517), JWK thumbprints (RFC 7638) and EdDSA with Ed25519 (RFC 8037).
//!
//! Signing and verification use `ring` only; the `rsa` crate is used solely to
//! generate RSA keys, which `ring` cannot do.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair, RsaPublicKeyComponents,
    UnparsedPublicKey,
};
use serde::{Deserialize, Serialize};

/// Largest compact JWS we are willing to look at, in bytes.
const MAX_TOKEN_LEN: usize = 16 * 1024;
/// Size of freshly generated RSA keys.
const RSA_GENERATED_BITS: usize = 2048;
/// RSA modulus sizes accepted for verification (matches ring's RSA_PKCS1_2048_8192_SHA256).
const RSA_MIN_BITS: usize = 2048;
const RSA_MAX_BITS: usize = 8192;
/// Length of one P-256 affine coordinate.
const P256_COORD_LEN: usize = 32;
/// Tag byte of an uncompressed SEC1 elliptic-curve point.
const SEC1_UNCOMPRESSED: u8 = 0x04;
/// Length of an Ed25519 public key.
const ED25519_KEY_LEN: usize = 32;
/// Error for a token that is not exactly three dot-separated parts.
const THREE_PARTS: JoseError = JoseError::Malformed("expected three parts");

pub use crate::types::Alg;

/// Why a JOSE operation failed; messages are short and never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum JoseError {
    /// The token or header is not well-formed compact JWS.
    #[error("malformed JWS: {0}")]
    Malformed(&'static str),
    /// The algorithm is not one we accept, or does not match the key.
    #[error("unsupported or mismatched algorithm")]
    UnsupportedAlg,
    /// The token names a key other than the one offered.
    #[error("unknown key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// A key could not be generated, parsed or used.
    #[error("key error: {0}")]
    Key(&'static str),
}

/// A public key in JWK form (RFC 7517), as served at jwks_uri.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: "RSA", "EC" or "OKP".
    pub kty: String,
    /// Curve name for EC and OKP keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// RSA modulus, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC x coordinate or OKP public key, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// Key id; for our keys the RFC 7638 thumbprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Algorithm the key is meant for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use; "sig" for signing keys.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Jwk {
    /// RFC 7638 thumbprint (SHA-256, base64url), used as a stable key id.
    pub fn thumbprint(&self) -> Result<String, JoseError> {
        let canonical = serde_json::to_string(&self.required_members()?)
            .map_err(|_| JoseError::Key("cannot serialize jwk"))?;
        let digest = ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes());
        Ok(b64_encode(digest.as_ref()))
    }

    /// The members RFC 7638 hashes, in lexicographic order.
    fn required_members(
        &self,
    ) -> Result<std::collections::BTreeMap<&'static str, &str>, JoseError> {
        let members = match self.kty.as_str() {
            "RSA" => vec![("e", &self.e), ("n", &self.n)],
            "EC" => vec![("crv", &self.crv), ("x", &self.x), ("y", &self.y)],
            "OKP" => vec![("crv", &self.crv), ("x", &self.x)],
            _ => return Err(JoseError::Key("unsupported key type")),
        };
        let mut map = std::collections::BTreeMap::from([("kty", self.kty.as_str())]);
        for (name, value) in members {
            let value = value
                .as_deref()
                .ok_or(JoseError::Key("jwk lacks a required member"))?;
            map.insert(name, value);
        }
        Ok(map)
    }
}

/// A JWK Set document (RFC 7517 section 5), the body served at jwks_uri.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JwkSet {
    /// The public keys in the set.
    pub keys: Vec<Jwk>,
}

/// Public key material, one variant per key type.
#[derive(Clone)]
enum Material {
    /// Big-endian modulus and exponent, without leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// Uncompressed SEC1 P-256 point.
    Ec(Vec<u8>),
    /// Raw Ed25519 public key.
    Ed(Vec<u8>),
}

impl Material {
    fn alg(&self) -> Alg {
        match self {
            Material::Rsa { .. } => Alg::RS256,
            Material::Ec(_) => Alg::ES256,
            Material::Ed(_) => Alg::EdDSA,
        }
    }

    fn verify(&self, message: &[u8], sig: &[u8]) -> Result<(), JoseError> {
        let result = match self {
            Material::Rsa { n, e } => RsaPublicKeyComponents { n, e }.verify(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                message,
                sig,
            ),
            Material::Ec(point) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, sig)
            }
            Material::Ed(key) => {
                UnparsedPublicKey::new(&signature::ED25519, key).verify(message, sig)
            }
        };
        result.map_err(|_| JoseError::BadSignature)
    }

    fn from_jwk(jwk: &Jwk) -> Result<Material, JoseError> {
        match (jwk.kty.as_str(), jwk.crv.as_deref()) {
            ("RSA", _) => rsa_material(jwk),
            ("EC", Some("P-256")) => p256_material(jwk),
            ("OKP", Some("Ed25519")) => ed25519_material(jwk),
            ("EC" | "OKP", _) => Err(JoseError::Key("unsupported curve")),
            _ => Err(JoseError::Key("unsupported key type")),
        }
    }

    /// The bare public JWK (no kid, alg or use).
    fn to_jwk(&self) -> Result<Jwk, JoseError> {
        let mut jwk = Jwk {
            kty: String::new(),
            crv: None,
            n: None,
            e: None,
            x: None,
            y: None,
            kid: None,
            alg: None,
            use_: None,
        };
        match self {
            Material::Rsa { n, e } => {
                jwk.kty = "RSA".into();
                jwk.n = Some(b64_encode(n));
                jwk.e = Some(b64_encode(e));
            }
            Material::Ec(point) => {
                let (x, y) = split_p256_point(point)?;
                jwk.kty = "EC".into();
                jwk.crv = Some("P-256".into());
                jwk.x = Some(b64_encode(x));
                jwk.y = Some(b64_encode(y));
            }
            Material::Ed(key) => {
                jwk.kty = "OKP".into();
                jwk.crv = Some("Ed25519".into());
                jwk.x = Some(b64_encode(key));
            }
        }
        Ok(jwk)
    }
}

fn rsa_material(jwk: &Jwk) -> Result<Material, JoseError> {
    let n = strip_leading_zeros(jwk_bytes(&jwk.n)?);
    let e = strip_leading_zeros(jwk_bytes(&jwk.e)?);
    if e.is_empty() {
        return Err(JoseError::Key("rsa exponent is zero"));
    }
    if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bit_len(&n)) {
        return Err(JoseError::Key("rsa modulus size not accepted"));
    }
    Ok(Material::Rsa { n, e })
}

fn p256_material(jwk: &Jwk) -> Result<Material, JoseError> {
    let x = jwk_bytes(&jwk.x)?;
    let y = jwk_bytes(&jwk.y)?;
    if x.len() != P256_COORD_LEN || y.len() != P256_COORD_LEN {
        return Err(JoseError::Key("bad P-256 coordinate length"));
    }
    let mut point = Vec::with_capacity(1 + 2 * P256_COORD_LEN);
    point.push(SEC1_UNCOMPRESSED);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Ok(Material::Ec(point))
}

fn ed25519_material(jwk: &Jwk) -> Result<Material, JoseError> {
    let x = jwk_bytes(&jwk.x)?;
    if x.len() != ED25519_KEY_LEN {
        return Err(JoseError::Key("bad Ed25519 key length"));
    }
    Ok(Material::Ed(x))
}

fn split_p256_point(point: &[u8]) -> Result<(&[u8], &[u8]), JoseError> {
    match point.split_first() {
        Some((&SEC1_UNCOMPRESSED, coords)) if coords.len() == 2 * P256_COORD_LEN => {
            Ok(coords.split_at(P256_COORD_LEN))
        }
        _ => Err(JoseError::Key("bad P-256 point")),
    }
}

/// Decodes a base64url JWK member that must be present.
fn jwk_bytes(member: &Option<String>) -> Result<Vec<u8>, JoseError> {
    let text = member
        .as_deref()
        .ok_or(JoseError::Key("jwk lacks a required member"))?;
    b64_decode(text).ok_or(JoseError::Key("jwk member is not base64url"))
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.drain(..zeros);
    bytes
}

/// Bit length of a big-endian integer without leading zero bytes.
fn bit_len(be: &[u8]) -> usize {
    match be.first() {
        Some(first) => be.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

fn b64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict base64url: no padding, URL alphabet only, canonical trailing bits.
fn b64_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Cheap syntax check for a base64url segment that is decoded later.
fn is_b64url(text: &str) -> bool {
    text.len() % 4 != 1
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The private half of a signing key, as parsed by ring.
enum KeyPair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

impl KeyPair {
    fn material(&self) -> Material {
        match self {
            KeyPair::Rsa(pair) => {
                let parts = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                Material::Rsa {
                    n: parts.n,
                    e: parts.e,
                }
            }
            KeyPair::Ec(pair) => Material::Ec(pair.public_key().as_ref().to_vec()),
            KeyPair::Ed(pair) => Material::Ed(pair.public_key().as_ref().to_vec()),
        }
    }
}

/// A private signing key held in memory; parsed once from PKCS#8.
pub struct SigningKey {
    kid: String,
    pair: KeyPair,
    jwk: Jwk,
    verifying: VerifyingKey,
    rng: SystemRandom,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg())
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The protected header we emit, members in the order alg, typ, kid.
#[derive(Serialize)]
struct OutgoingHeader<'a> {
    alg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    typ: Option<&'a str>,
    kid: &'a str,
}

impl SigningKey {
    /// Generates a fresh key and returns it with its PKCS#8 DER (the caller seals and stores the DER).
    pub fn generate(alg: Alg) -> Result<(SigningKey, Vec<u8>), JoseError> {
        let der = match alg {
            Alg::RS256 => generate_rsa_pkcs8()?,
            Alg::ES256 => generate_p256_pkcs8()?,
            Alg::EdDSA => generate_ed25519_pkcs8()?,
        };
        let key = SigningKey::from_pkcs8(alg, &der)?;
        Ok((key, der))
    }

    /// Loads a stored key; `alg` must match the key type inside the DER.
    pub fn from_pkcs8(alg: Alg, pkcs8_der: &[u8]) -> Result<SigningKey, JoseError> {
        let rng = SystemRandom::new();
        let rejected = |_| JoseError::Key("pkcs8 key rejected");
        let pair = match alg {
            Alg::RS256 => KeyPair::Rsa(RsaKeyPair::from_pkcs8(pkcs8_der).map_err(rejected)?),
            Alg::ES256 => KeyPair::Ec(
                EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    pkcs8_der,
                    &rng,
                )
                .map_err(rejected)?,
            ),
            // Accepts PKCS#8 v1 (seed only) and v2 (seed + public key, checked).
            Alg::EdDSA => KeyPair::Ed(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8_der).map_err(rejected)?,
            ),
        };
        SigningKey::assemble(pair, rng)
    }

    /// Derives the public JWK and kid (its RFC 7638 thumbprint) for a parsed key pair.
    fn assemble(pair: KeyPair, rng: SystemRandom) -> Result<SigningKey, JoseError> {
        let material = pair.material();
        let mut jwk = material.to_jwk()?;
        let kid = jwk.thumbprint()?;
        jwk.kid = Some(kid.clone());
        jwk.alg = Some(material.alg().as_str().into());
        jwk.use_ = Some("sig".into());
        let verifying = VerifyingKey {
            kid: Some(kid.clone()),
            material,
        };
        Ok(SigningKey {
            kid,
            pair,
            jwk,
            verifying,
            rng,
        })
    }

    /// The algorithm this key signs with.
    pub fn alg(&self) -> Alg {
        self.verifying.alg()
    }

    /// The key id placed in JWS headers and the JWKS.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK (with kid, alg and use="sig") to publish at jwks_uri.
    pub fn public_jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// The matching public key, for checking our own tokens.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.verifying.clone()
    }

    /// Signs `payload` as JWS compact: protected header {"alg","typ" (when Some),"kid"} in that order.
    pub fn sign_compact(&self, typ: Option<&str>, payload: &[u8]) -> Result<String, JoseError> {
        let header = OutgoingHeader {
            alg: self.alg().as_str(),
            typ,
            kid: &self.kid,
        };
        let header_json =
            serde_json::to_vec(&header).map_err(|_| JoseError::Key("cannot serialize header"))?;
        let mut token = b64_encode(&header_json);
        token.push('.');
        token.push_str(&b64_encode(payload));
        let sig = self.sign_input(token.as_bytes())?;
        token.push('.');
        token.push_str(&b64_encode(&sig));
        Ok(token)
    }

    /// Signs an arbitrary JWS signing input and returns the raw signature.
    fn sign_input(&self, input: &[u8]) -> Result<Vec<u8>, JoseError> {
        let failed = |_| JoseError::Key("signing failed");
        match &self.pair {
            KeyPair::Rsa(pair) => {
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &self.rng, input, &mut sig)
                    .map_err(failed)?;
                Ok(sig)
            }
            KeyPair::Ec(pair) => Ok(pair
                .sign(&self.rng, input)
                .map_err(failed)?
                .as_ref()
                .to_vec()),
            KeyPair::Ed(pair) => Ok(pair.sign(input).as_ref().to_vec()),
        }
    }
}

fn generate_rsa_pkcs8() -> Result<Vec<u8>, JoseError> {
    use rsa::pkcs8::EncodePrivateKey as _;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_GENERATED_BITS)
        .map_err(|_| JoseError::Key("rsa key generation failed"))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|_| JoseError::Key("rsa key encoding failed"))?;
    Ok(der.as_bytes().to_vec())
}

fn generate_p256_pkcs8() -> Result<Vec<u8>, JoseError> {
    let rng = SystemRandom::new();
    let doc = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| JoseError::Key("ec key generation failed"))?;
    Ok(doc.as_ref().to_vec())
}

fn generate_ed25519_pkcs8() -> Result<Vec<u8>, JoseError> {
    let rng = SystemRandom::new();
    let doc = Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| JoseError::Key("ed25519 key generation failed"))?;
    Ok(doc.as_ref().to_vec())
}

/// A public key used to check signatures.
#[derive(Clone)]
pub struct VerifyingKey {
    kid: Option<String>,
    material: Material,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg())
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// Builds a key from a JWK (ours or a client's); the JWK's alg and use, when present, must fit the key.
    pub fn from_jwk(jwk: &Jwk) -> Result<VerifyingKey, JoseError> {
        let material = Material::from_jwk(jwk)?;
        if jwk
            .alg
            .as_deref()
            .is_some_and(|alg| Alg::parse(alg) != Some(material.alg()))
        {
            return Err(JoseError::UnsupportedAlg);
        }
        if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err(JoseError::Key("jwk is not a signing key"));
        }
        Ok(VerifyingKey {
            kid: jwk.kid.clone(),
            material,
        })
    }

    /// The only algorithm this key verifies.
    pub fn alg(&self) -> Alg {
        self.material.alg()
    }

    /// The key id, if the key has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
}

/// The decoded protected header of a JWS.
#[derive(Clone, Debug, Deserialize)]
pub struct Header {
    /// The "alg" member; guaranteed by `Unverified::parse` to name a supported `Alg`.
    pub alg: String,
    /// The "kid" member, used to select the verifying key.
    pub kid: Option<String>,
    /// The "typ" member, e.g. "JWT" or "at+jwt".
    pub typ: Option<String>,
}

impl Header {
    fn from_b64(text: &str) -> Result<Header, JoseError> {
        let bytes = b64_decode(text).ok_or(JoseError::Malformed("header is not base64url"))?;
        let members: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes)
            .map_err(|_| JoseError::Malformed("header is not a JSON object"))?;
        if members.contains_key("crit") {
            return Err(JoseError::Malformed("crit header not supported"));
        }
        // Second pass through serde's derive, which rejects duplicate members.
        serde_json::from_slice(&bytes).map_err(|_| JoseError::Malformed("invalid header members"))
    }
}

/// A JWS split but not yet verified.
pub struct Unverified<'a> {
    /// The protected header, readable before verification to select a key by kid.
    pub header: Header,
    signing_input: &'a str,
    payload_b64: &'a str,
    signature: Vec<u8>,
}

impl<'a> Unverified<'a> {
    /// Splits and syntax-checks a compact JWS; nothing in it is trusted yet.
    pub fn parse(token: &'a str) -> Result<Unverified<'a>, JoseError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(JoseError::Malformed("token too long"));
        }
        let (signing_input, sig_b64) = token.rsplit_once('.').ok_or(THREE_PARTS)?;
        let (header_b64, payload_b64) = signing_input.split_once('.').ok_or(THREE_PARTS)?;
        if payload_b64.contains('.') {
            return Err(THREE_PARTS);
        }
        let header = Header::from_b64(header_b64)?;
        Alg::parse(&header.alg).ok_or(JoseError::UnsupportedAlg)?;
        if !is_b64url(payload_b64) {
            return Err(JoseError::Malformed("payload is not base64url"));
        }
        let signature =
            b64_decode(sig_b64).ok_or(JoseError::Malformed("signature is not base64url"))?;
        Ok(Unverified {
            header,
            signing_input,
            payload_b64,
            signature,
        })
    }

    /// Checks the signature with `key` (whose alg must equal the header alg — no algorithm confusion) and returns the decoded payload bytes.
    pub fn verify(self, key: &VerifyingKey) -> Result<Vec<u8>, JoseError> {
        if Alg::parse(&self.header.alg) != Some(key.alg()) {
            return Err(JoseError::UnsupportedAlg);
        }
        if let (Some(wanted), Some(have)) = (self.header.kid.as_deref(), key.kid())
            && wanted != have
        {
            return Err(JoseError::UnknownKey);
        }
        key.material
            .verify(self.signing_input.as_bytes(), &self.signature)?;
        b64_decode(self.payload_b64).ok_or(JoseError::Malformed("payload is not base64url"))
    }
}

#[cfg(test)]
mod tests {
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
            crv: None,
            n: None,
            e: None,
            x: None,
            y: None,
            kid: None,
            alg: None,
            use_: None,
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
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
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
            "EC" => {
                jsonwebtoken::DecodingKey::from_ec_components(&member(&jwk.x)?, &member(&jwk.y)?)?
            }
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
            "none", "None", "HS256", "RS384", "PS256", "ES256K", "eddsa", "",
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
        assert_eq!(VerifyingKey::from_jwk(&right_alg)?.alg(), Alg::RS256);
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
}
