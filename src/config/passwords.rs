//! `[passwords]`: what every new password must satisfy (SPEC "Account console and
//! recovery", password policy).

use super::{ConfigError, fail};
use serde::Deserialize;

/// `[passwords]` as a file or the environment gives it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FilePasswords {
    pub(super) min_length: Option<usize>,
}

/// `[passwords] min_length`: at least 8 (NIST SP 800-63B's floor), at most 128.
pub(super) fn validate(
    p: &FilePasswords,
) -> Result<crate::auth::password_policy::Policy, ConfigError> {
    use crate::auth::password_policy::{DEFAULT_MIN_LENGTH, Policy};
    match p.min_length.unwrap_or(DEFAULT_MIN_LENGTH) {
        min_length @ 8..=128 => Ok(Policy { min_length }),
        _ => fail("[passwords] min_length must be between 8 and 128".into()),
    }
}
