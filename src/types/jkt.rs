//! JWK SHA-256 thumbprints (RFC 7638) as DPoP names a key with them (RFC 9449 §6.1,
//! §10): the one shape every binding (`cnf.jkt`, `dpop_jkt`, a bound code or refresh
//! family) stores and compares.

use serde::{Deserialize, Serialize};

/// Length of a base64url SHA-256 digest without padding.
const JKT_LEN: usize = 43;

/// A base64url-encoded SHA-256 JWK thumbprint: 43 characters of the URL-safe alphabet.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Jkt(String);

impl Jkt {
    /// A thumbprint as sent (`dpop_jkt`) or computed, if it has the shape of one.
    pub fn parse(s: &str) -> Option<Jkt> {
        let well_formed = s.len() == JKT_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Jkt(s.to_owned()))
    }

    /// The thumbprint as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Jkt {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Jkt::parse(&s).ok_or("not a base64url SHA-256 thumbprint")
    }
}

impl From<Jkt> for String {
    fn from(j: Jkt) -> String {
        j.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_43_base64url_characters_are_a_thumbprint() {
        // RFC 7638 §3.1's example thumbprint.
        let rfc = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
        assert_eq!(Jkt::parse(rfc).unwrap().as_str(), rfc);
        assert!(Jkt::parse(&rfc[1..]).is_none());
        assert!(Jkt::parse(&format!("{rfc}A")).is_none());
        assert!(Jkt::parse("NzbLsXh8uDCcd+6MNwXF4W/7noWXFZAfHkxZsRGC9Xs").is_none());
        assert!(Jkt::parse("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X=").is_none());
    }
}
