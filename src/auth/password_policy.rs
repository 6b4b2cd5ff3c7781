//! The password policy (SPEC "Account console and recovery"): a minimum length, never
//! the username or the e-mail address, never one of the 10,000 most common passwords.
//! Every way a password is set calls [`Policy::check`]; sign-in never does, so hashes of
//! older passwords keep working.

use std::collections::HashSet;
use std::sync::LazyLock;

/// The 10,000 most common passwords, lower-case, one a line: the first 10,000 entries
/// of the frequency-ranked `passwords` list in the npm package zxcvbn 4.4.2 (MIT
/// licence, Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc.; the list derives
/// from Xato's corpus of leaked passwords), extracted by `tools/common-passwords`.
const COMMON_LIST: &str = include_str!("common_passwords.txt");

/// The list as a set, built on first use.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| COMMON_LIST.lines().collect());

/// The longest password accepted, in characters (argon2id hashes any length, but a
/// megabyte of "password" is an attack on the hasher, not a password).
pub const MAX_LENGTH: usize = 1024;

/// `[passwords] min_length` when the configuration does not set it.
pub const DEFAULT_MIN_LENGTH: usize = 10;

/// What a new password must satisfy, appliance-wide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The fewest characters a new password may have.
    pub min_length: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_length: DEFAULT_MIN_LENGTH,
        }
    }
}

/// The rule a new password breaks; the message names it, never the password.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// Too short or too long.
    #[error("must be {0} to 1024 characters long")]
    Length(usize),
    /// The same as the username.
    #[error("must not be the same as the username")]
    Username,
    /// The same as the e-mail address.
    #[error("must not be the same as the e-mail address")]
    Email,
    /// On the list of common passwords.
    #[error("is one of the 10,000 most common passwords; choose another")]
    Common,
}

impl Policy {
    /// Judges `password` for the account named `username` with `email`, comparing
    /// case-insensitively: a capital letter does not make a common password safe.
    pub fn check(
        &self,
        password: &str,
        username: &str,
        email: Option<&str>,
    ) -> Result<(), Violation> {
        let length = password.chars().count();
        if length < self.min_length || length > MAX_LENGTH {
            return Err(Violation::Length(self.min_length));
        }
        let lower = password.to_lowercase();
        if lower == username.to_lowercase() {
            return Err(Violation::Username);
        }
        if email.is_some_and(|e| lower == e.to_lowercase()) {
            return Err(Violation::Email);
        }
        if COMMON.contains(lower.as_str()) {
            return Err(Violation::Common);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_ten_thousand_lower_case_entries() {
        assert_eq!(COMMON_LIST.lines().count(), 10_000);
        assert_eq!(COMMON.len(), 10_000, "no duplicates");
        assert!(COMMON.contains("password") && COMMON.contains("1qaz2wsx"));
    }

    #[test]
    fn each_rule_is_named() {
        let policy = Policy::default();
        let check = |p: &str| policy.check(p, "Alice.Smith", Some("alice@example.com"));
        assert_eq!(check("short"), Err(Violation::Length(10)));
        assert_eq!(check(&"x".repeat(1025)), Err(Violation::Length(10)));
        assert_eq!(check("alice.smith"), Err(Violation::Username));
        assert_eq!(check("ALICE@example.com"), Err(Violation::Email));
        assert_eq!(check("1234567890"), Err(Violation::Common));
        assert_eq!(check("Password123"), Err(Violation::Common), "any case");
        assert_eq!(check("correct horse battery"), Ok(()));
        assert_eq!(check(&"x".repeat(1024)), Ok(()));
        let eight = Policy { min_length: 8 };
        assert_eq!(eight.check("tr0ub4dor", "alice", None), Ok(()));
    }
}
