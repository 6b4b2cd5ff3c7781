//! A password a user chooses for themselves (after an admin asked for a change, or
//! through a recovery link): typed twice, held to the policy, different from the current
//! one, and hashed off the async workers.

use super::password_policy::{Policy, Violation};
use crate::crypto::{CryptoError, password};
use crate::store::accounts::Account;
use crate::types::Secret;
use crate::ui::Msg;

/// What the user typed: the new password and its repetition.
pub struct Chosen {
    /// The new password.
    pub password: Secret,
    /// The same again.
    pub confirm: Secret,
}

/// The catalog message naming the rule a new password breaks, in the user's language.
pub fn violation_message(rule: Violation) -> Msg {
    match rule {
        Violation::Length(min) => Msg::new("password.too_short").arg("min", min),
        Violation::Username => Msg::new("password.is_username"),
        Violation::Email => Msg::new("password.is_email"),
        Violation::Common => Msg::new("password.is_common"),
    }
}

/// The argon2id hash of the password `chosen` for `account`, or the message telling the
/// user why it was refused (never containing the password).
pub async fn judge(
    policy: Policy,
    account: &Account,
    chosen: Chosen,
) -> Result<Result<String, Msg>, CryptoError> {
    if chosen.password != chosen.confirm {
        return Ok(Err(Msg::new("password.mismatch")));
    }
    let typed = chosen.password.expose();
    if let Err(rule) = policy.check(typed, &account.username, account.email.as_deref()) {
        return Ok(Err(violation_message(rule)));
    }
    if let Some(current) = &account.password_hash
        && password::verify_off_workers(chosen.password.clone(), current.clone()).await?
    {
        return Ok(Err(Msg::new("password.unchanged")));
    }
    password::hash_off_workers(chosen.password).await.map(Ok)
}
