//! Tenant slugs: `[a-z0-9-]{1,63}`, the `{tenant}` in `/t/{tenant}/…` and in every issuer.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A tenant's slug, valid by construction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

/// Why a string is not a tenant slug.
#[derive(Debug, thiserror::Error)]
#[error("a tenant id is 1 to 63 characters of a-z, 0-9 and '-'")]
pub struct InvalidTenantId;

impl TenantId {
    /// Parses a slug, refusing anything outside `[a-z0-9-]{1,63}`.
    pub fn parse(s: &str) -> Result<Self, InvalidTenantId> {
        let valid = (1..=63).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(TenantId(s.to_owned()))
        } else {
            Err(InvalidTenantId)
        }
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantId {
    type Error = InvalidTenantId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TenantId::parse(&s)
    }
}

impl From<TenantId> for String {
    fn from(t: TenantId) -> String {
        t.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs_and_refuses_the_rest() {
        for ok in ["default", "a", "acme-2", &"x".repeat(63)] {
            assert!(TenantId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Acme", "a_b", "a/b", "ä", &"x".repeat(64), "a b"] {
            assert!(TenantId::parse(bad).is_err(), "{bad}");
        }
    }
}
