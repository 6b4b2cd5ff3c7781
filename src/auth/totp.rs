//! TOTP (RFC 6238 with HOTP of RFC 4226): SHA-1, 6 digits, 30-second steps, one step of
//! drift either way; the secret, its base32 form and the `otpauth://` URI authenticator
//! apps scan. Which step was last accepted is the store's business (`store/factors.rs`).

use crate::clock::UnixTime;
use crate::crypto::{CryptoError, random};
use crate::types::secret::constant_time_eq;
use ring::hmac;

/// Length of a step in seconds (RFC 6238 §5.2's recommendation).
pub const STEP_SECS: u64 = 30;
/// Digits in a code: what every authenticator app shows by default.
pub const DIGITS: usize = 6;
/// Secret length in bytes: 160 bits, RFC 4226 §4's recommendation for SHA-1.
pub const SECRET_LEN: usize = 20;

/// A TOTP shared secret; never printed.
#[derive(Clone)]
pub struct TotpSecret([u8; SECRET_LEN]);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

impl TotpSecret {
    /// A fresh random secret, for an enrolment.
    pub fn generate() -> Result<Self, CryptoError> {
        Ok(TotpSecret(random::bytes::<SECRET_LEN>()?))
    }

    /// The secret from its stored bytes; `None` when they have the wrong length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(TotpSecret)
    }

    /// The raw bytes, to be sealed before they are stored.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32 without padding, as authenticator apps take it typed or scanned.
    pub fn base32(&self) -> String {
        base32(&self.0)
    }

    /// The `otpauth://totp/…` URI (Google Authenticator's key URI format) for `account`
    /// at `issuer`, which a QR code carries to the app.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            enc(issuer),
            enc(account),
            self.base32(),
            enc(issuer),
        )
    }

    /// The code for time step `step` (RFC 4226 §5.3's dynamic truncation, six digits).
    pub fn code(&self, step: u64) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &self.0);
        let tag = hmac::sign(&key, &step.to_be_bytes());
        let mac = tag.as_ref();
        let offset = usize::from(mac[mac.len() - 1] & 0x0f);
        let word = [
            mac[offset],
            mac[offset + 1],
            mac[offset + 2],
            mac[offset + 3],
        ];
        let binary = u32::from_be_bytes(word) & 0x7fff_ffff;
        format!("{:06}", binary % 1_000_000)
    }

    /// The step of `code` among the steps around `now` (one back, one ahead) that are
    /// later than `after`, the account's last accepted step; `None` if none matches.
    /// The caller stores the step with a conditional update before accepting it.
    pub fn verify(&self, code: &str, now: UnixTime, after: Option<u64>) -> Option<u64> {
        let code = code.trim();
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = step_at(now);
        let mut found = None;
        // Every candidate is compared, so timing does not tell which step matched.
        for step in current.saturating_sub(1)..=current.saturating_add(1) {
            let fresh = after.is_none_or(|last| step > last);
            if constant_time_eq(self.code(step).as_bytes(), code.as_bytes()) && fresh {
                found = found.or(Some(step));
            }
        }
        found
    }
}

/// The time step `now` falls in.
pub fn step_at(now: UnixTime) -> u64 {
    now / STEP_SECS
}

/// RFC 4648 §6 base32, unpadded; recovery codes use its alphabet too.
pub fn base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
#[path = "totp_tests.rs"]
mod tests;
