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

pub use crate::types::{Alg, JwsAlg};

/// The one-algorithm list of a key whose JWK (or our own use) names its algorithm.
fn only(alg: JwsAlg) -> &'static [JwsAlg] {
    match alg {
        JwsAlg::RS256 => &[JwsAlg::RS256],
        JwsAlg::PS256 => &[JwsAlg::PS256],
        JwsAlg::ES256 => &[JwsAlg::ES256],
        JwsAlg::EdDSA => &[JwsAlg::EdDSA],
    }
}

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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The algorithms a key of this type can verify: RSA both padding schemes.
    fn algs(&self) -> &'static [JwsAlg] {
        match self {
            Material::Rsa { .. } => &[JwsAlg::RS256, JwsAlg::PS256],
            Material::Ec(_) => &[JwsAlg::ES256],
            Material::Ed(_) => &[JwsAlg::EdDSA],
        }
    }

    /// Checks `sig` over `message` with `alg`, which the caller matched to this key type.
    fn verify(&self, alg: JwsAlg, message: &[u8], sig: &[u8]) -> Result<(), JoseError> {
        let result = match self {
            Material::Rsa { n, e } => RsaPublicKeyComponents { n, e }.verify(
                match alg {
                    JwsAlg::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                    _ => &signature::RSA_PKCS1_2048_8192_SHA256,
                },
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
        let mut jwk = Jwk::default();
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
    /// The one algorithm latchkey signs with a key of this type.
    fn alg(&self) -> Alg {
        match self {
            KeyPair::Rsa(_) => Alg::RS256,
            KeyPair::Ec(_) => Alg::ES256,
            KeyPair::Ed(_) => Alg::EdDSA,
        }
    }

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
        jwk.alg = Some(pair.alg().as_str().into());
        jwk.use_ = Some("sig".into());
        let verifying = VerifyingKey {
            kid: Some(kid.clone()),
            material,
            algs: only(pair.alg().into()),
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
        self.pair.alg()
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
    /// What it verifies: the JWK's `alg` when it names one, else what its type can.
    algs: &'static [JwsAlg],
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algs", &self.algs)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// Builds a key from a JWK (ours or a client's); the JWK's alg and use, when present, must fit the key.
    pub fn from_jwk(jwk: &Jwk) -> Result<VerifyingKey, JoseError> {
        let material = Material::from_jwk(jwk)?;
        let algs = match jwk.alg.as_deref() {
            None => material.algs(),
            Some(named) => match JwsAlg::parse(named) {
                Some(alg) if material.algs().contains(&alg) => only(alg),
                _ => return Err(JoseError::UnsupportedAlg),
            },
        };
        if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err(JoseError::Key("jwk is not a signing key"));
        }
        Ok(VerifyingKey {
            kid: jwk.kid.clone(),
            material,
            algs,
        })
    }

    /// The algorithms this key verifies.
    pub fn algs(&self) -> &'static [JwsAlg] {
        self.algs
    }

    /// The key of `keys` that verifies a token signed with `alg` under `kid`; without a
    /// `kid`, the only key that accepts `alg`, if exactly one does.
    pub fn pick<'k>(
        keys: &'k [VerifyingKey],
        kid: Option<&str>,
        alg: JwsAlg,
    ) -> Option<&'k VerifyingKey> {
        let mut fitting = keys.iter().filter(|k| k.accepts(alg));
        match kid {
            Some(kid) => fitting.find(|k| k.kid() == Some(kid)),
            None => match (fitting.next(), fitting.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            },
        }
    }

    /// Whether this key verifies signatures made with `alg`.
    pub fn accepts(&self, alg: JwsAlg) -> bool {
        self.algs.contains(&alg)
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
    alg: JwsAlg,
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
        let alg = JwsAlg::parse(&header.alg).ok_or(JoseError::UnsupportedAlg)?;
        if !is_b64url(payload_b64) {
            return Err(JoseError::Malformed("payload is not base64url"));
        }
        let signature =
            b64_decode(sig_b64).ok_or(JoseError::Malformed("signature is not base64url"))?;
        Ok(Unverified {
            header,
            alg,
            signing_input,
            payload_b64,
            signature,
        })
    }

    /// The header's algorithm, one latchkey verifies.
    pub fn alg(&self) -> JwsAlg {
        self.alg
    }

    /// The payload before any signature is checked: only to learn which key should
    /// verify it (a client assertion names its client in `sub`), never to trust.
    pub fn payload_before_verification(&self) -> Result<Vec<u8>, JoseError> {
        b64_decode(self.payload_b64).ok_or(JoseError::Malformed("payload is not base64url"))
    }

    /// Checks the signature with `key` (which must accept the header's alg: no algorithm
    /// confusion) and returns the decoded payload bytes.
    pub fn verify(self, key: &VerifyingKey) -> Result<Vec<u8>, JoseError> {
        if !key.accepts(self.alg) {
            return Err(JoseError::UnsupportedAlg);
        }
        if let (Some(wanted), Some(have)) = (self.header.kid.as_deref(), key.kid())
            && wanted != have
        {
            return Err(JoseError::UnknownKey);
        }
        key.material
            .verify(self.alg, self.signing_input.as_bytes(), &self.signature)?;
        b64_decode(self.payload_b64).ok_or(JoseError::Malformed("payload is not base64url"))
    }
}

#[cfg(test)]
mod tests;
