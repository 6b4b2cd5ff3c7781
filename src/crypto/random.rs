//! Random identifiers and secrets from ring's SystemRandom.

use super::CryptoError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};

/// Fills a fixed-size array with system randomness.
pub fn bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| CryptoError::Random)?;
    Ok(out)
}

/// A 256-bit secret as unpadded base64url (43 characters), for tokens and API keys.
pub fn secret_token() -> Result<String, CryptoError> {
    Ok(URL_SAFE_NO_PAD.encode(bytes::<32>()?))
}

/// A random version-4 UUID string, the form record ids take.
pub fn uuid() -> Result<String, CryptoError> {
    let mut b = bytes::<16>()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() -> Result<(), CryptoError> {
        let (a, b) = (secret_token()?, secret_token()?);
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        Ok(())
    }

    #[test]
    fn uuid_has_version_and_variant() -> Result<(), CryptoError> {
        let id = uuid()?;
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        Ok(())
    }
}
