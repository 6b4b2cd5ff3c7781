//! DPoP proofs (RFC 9449 §4.3): the one check the token, userinfo and PAR endpoints run
//! on a `DPoP` header, giving the thumbprint of the key the client proved it holds. A
//! proof is a JWS of type `dpop+jwt` signed with RS256, PS256, ES256 or EdDSA by the
//! public key in its header, for this method and URL, issued within a minute of now,
//! and used once per key (its `jti` kept in the store for 120 s).

mod htu;
#[cfg(test)]
pub(crate) mod tests;

use super::request::{DpopHeader, MAX_PROOF_BYTES};
use super::{ErrorCode, OAuthError};
use crate::clock::UnixTime;
use crate::crypto::hash;
use crate::crypto::jose::{Jwk, Unverified, VerifyingKey};
use crate::store::seen_jtis::SeenJti;
use crate::store::{Store, StoreError};
use crate::types::secret::constant_time_eq;
use crate::types::{ErrorKind, Jkt};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The JOSE `typ` of a proof (RFC 9449 §4.2).
const PROOF_TYP: &str = "dpop+jwt";
/// How far `iat` may be from now, either side (SPEC: 60 s).
const IAT_WINDOW_SECS: u64 = 60;
/// How long a proof's `jti` is remembered (SPEC: 120 s): a proof first used at the
/// start of its `iat` window still passes the `iat` check 120 s later, through that
/// whole second, so the entry lives until the second after.
const JTI_TTL_SECS: u64 = 2 * IAT_WINDOW_SECS + 1;
/// The longest `jti` kept; a UUID or a 256-bit random string is well within.
const MAX_JTI_BYTES: usize = 256;
/// The longest `htu` compared.
const MAX_HTU_BYTES: usize = 2048;
/// JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The algorithms a proof may be signed with, as discovery and `WWW-Authenticate` name
/// them (`Ed25519` is accepted as another name of `EdDSA`).
pub const ALGS: [&str; 4] = ["RS256", "PS256", "ES256", "EdDSA"];

/// Why a proof was refused.
#[derive(Debug, thiserror::Error)]
pub enum DpopError {
    /// The proof is not valid for this request; the message says which check failed.
    #[error("{0}")]
    Invalid(&'static str),
    /// The store could not record the proof's `jti`.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DpopError {
    /// The failure class, for the HTTP layer.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DpopError::Invalid(_) => ErrorKind::BadRequest,
            DpopError::Store(e) => e.kind(),
        }
    }

    /// What the client may be told.
    pub fn public_message(&self) -> String {
        match self {
            DpopError::Invalid(why) => (*why).to_owned(),
            DpopError::Store(e) => e.public_message().into(),
        }
    }
}

/// A refused proof is `invalid_dpop_proof` (RFC 9449 §5, §7.1).
impl From<DpopError> for OAuthError {
    fn from(e: DpopError) -> Self {
        match e {
            DpopError::Invalid(why) => OAuthError::new(ErrorCode::InvalidDpopProof, why),
            DpopError::Store(s) => OAuthError::Store(s),
        }
    }
}

/// What a proof must be bound to: the request it came with.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// The request's HTTP method (`htm`).
    pub method: &'a str,
    /// The endpoint's URL, built from the public URL (`htu`).
    pub htu: &'a str,
    /// The access token presented with the proof, which `ath` must hash (§4.3 check 12).
    pub access_token: Option<&'a str>,
}

/// Checks the request's `DPoP` header for `target` at `now`: `None` when there is none,
/// the key's thumbprint when there is exactly one valid proof.
pub fn check_header(
    store: &Store,
    header: &DpopHeader,
    target: Target<'_>,
    now: UnixTime,
) -> Result<Option<Jkt>, DpopError> {
    match header {
        DpopHeader::Absent => Ok(None),
        DpopHeader::Refused(why) => Err(DpopError::Invalid(why)),
        DpopHeader::One(proof) => check(store, proof, target, now).map(Some),
    }
}

/// Checks one proof for `target` at `now` and records its `jti` (RFC 9449 §4.3, §11.1):
/// the thumbprint of the key that signed it.
pub fn check(
    store: &Store,
    proof: &str,
    target: Target<'_>,
    now: UnixTime,
) -> Result<Jkt, DpopError> {
    let (jwk, claims) = verified(proof)?;
    claims.judge(target, now)?;
    let jkt = jwk
        .thumbprint()
        .ok()
        .as_deref()
        .and_then(Jkt::parse)
        .ok_or(DpopError::Invalid("the proof's jwk has no thumbprint"))?;
    let seen = SeenJti {
        scope: format!("dpop:{}", jkt.as_str()),
        jti: claims.jti,
        expires_at: now + JTI_TTL_SECS,
    };
    if !store.first_use(&seen, now)? {
        return Err(DpopError::Invalid("the DPoP proof was already used"));
    }
    Ok(jkt)
}

/// `ath`: the base64url SHA-256 of an access token (RFC 9449 §4.2).
pub fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(hash::sha256(access_token.as_bytes()))
}

/// The members of the proof's header beyond `alg`, which `Unverified` reads.
#[derive(Deserialize)]
struct ProofHeader {
    typ: Option<String>,
    jwk: Option<Map<String, Value>>,
}

/// The proof's signature checked with the key in its header; that key and the claims.
fn verified(proof: &str) -> Result<(Jwk, Claims), DpopError> {
    let bad = DpopError::Invalid;
    if proof.len() > MAX_PROOF_BYTES {
        return Err(bad("the DPoP proof is too long"));
    }
    let unverified = Unverified::parse(proof).map_err(|e| match e {
        crate::crypto::jose::JoseError::UnsupportedAlg => {
            bad("the DPoP proof's alg must be RS256, PS256, ES256 or EdDSA")
        }
        _ => bad("the DPoP proof is not a well-formed JWS"),
    })?;
    let header = proof_header(proof)?;
    if !header
        .typ
        .is_some_and(|t| t.eq_ignore_ascii_case(PROOF_TYP))
    {
        return Err(bad("the DPoP proof's typ must be dpop+jwt"));
    }
    let members = header
        .jwk
        .ok_or(bad("the DPoP proof's header has no jwk"))?;
    if PRIVATE_MEMBERS.iter().any(|m| members.contains_key(*m)) {
        return Err(bad("the DPoP proof's jwk must be a public key"));
    }
    let jwk: Jwk = serde_json::from_value(Value::Object(members))
        .map_err(|_| bad("the DPoP proof's jwk is malformed"))?;
    let key = VerifyingKey::from_jwk(&jwk)
        .map_err(|_| bad("the DPoP proof's jwk is not a usable key"))?;
    if !key.accepts(unverified.alg()) {
        return Err(bad("the DPoP proof's alg does not fit its jwk"));
    }
    let payload = unverified
        .verify(&key)
        .map_err(|_| bad("the DPoP proof's signature does not verify"))?;
    let claims = serde_json::from_slice::<Claims>(&payload)
        .map_err(|_| bad("the DPoP proof's claims are not a JSON object of the right types"))?;
    Ok((jwk, claims))
}

/// The header members `Unverified` does not keep; `Unverified::parse` has already
/// checked that the header decodes.
fn proof_header(proof: &str) -> Result<ProofHeader, DpopError> {
    let malformed = || DpopError::Invalid("the DPoP proof's header is malformed");
    let b64 = proof.split('.').next().ok_or_else(malformed)?;
    let bytes = URL_SAFE_NO_PAD.decode(b64).map_err(|_| malformed())?;
    serde_json::from_slice(&bytes).map_err(|_| malformed())
}

/// The claims of a proof (RFC 9449 §4.2), each required one checked for presence in
/// [`Claims::judge`] so the error names it.
#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    jti: String,
    #[serde(default)]
    htm: String,
    #[serde(default)]
    htu: String,
    iat: Option<u64>,
    ath: Option<String>,
}

impl Claims {
    /// Checks the claims against `target` at `now`.
    fn judge(&self, target: Target<'_>, now: UnixTime) -> Result<(), DpopError> {
        let bad = DpopError::Invalid;
        if self.jti.is_empty() || self.jti.len() > MAX_JTI_BYTES {
            return Err(bad("the DPoP proof needs a jti of at most 256 bytes"));
        }
        if self.htm.is_empty() {
            return Err(bad("the DPoP proof has no htm"));
        }
        if self.htm != target.method {
            return Err(bad("the DPoP proof's htm is not this request's method"));
        }
        if self.htu.is_empty() || self.htu.len() > MAX_HTU_BYTES {
            return Err(bad("the DPoP proof needs an htu of at most 2048 bytes"));
        }
        if !htu::same_endpoint(&self.htu, target.htu) {
            return Err(bad("the DPoP proof's htu is not this endpoint's URL"));
        }
        let iat = self.iat.ok_or(bad("the DPoP proof has no iat"))?;
        if iat.abs_diff(now) > IAT_WINDOW_SECS {
            return Err(bad("the DPoP proof's iat is not within 60 seconds of now"));
        }
        if let Some(token) = target.access_token {
            let sent = self
                .ath
                .as_deref()
                .ok_or(bad("the DPoP proof has no ath for the access token"))?;
            if !constant_time_eq(sent.as_bytes(), ath(token).as_bytes()) {
                return Err(bad("the DPoP proof's ath does not match the access token"));
            }
        }
        Ok(())
    }
}
