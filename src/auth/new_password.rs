//! A password a user chooses for themselves (after an admin asked for a change, or
//! through a recovery link): typed twice, held to the policy, different from the current
//! one, and hashed off the async workers.

use super::password_policy::Policy;
use crate::crypto::{CryptoError, password};
use crate::store::accounts::Account;
use crate::types::Secret;

/// What the user typed: the new password and its repetition.
pub struct Chosen {
    /// The new password.
    pub password: Secret,
    /// The same again.
    pub confirm: Secret,
}

/// The argon2id hash of the password `chosen` for `account`, or the sentence telling the
/// user why it was refused (never containing the password).
pub async fn judge(
    policy: Policy,
    account: &Account,
    chosen: Chosen,
) -> Result<Result<String, String>, CryptoError> {
    if chosen.password != chosen.confirm {
        return Ok(Err("The two passwords are not the same.".into()));
    }
    let typed = chosen.password.expose();
    if let Err(rule) = policy.check(typed, &account.username, account.email.as_deref()) {
        return Ok(Err(format!("The new password {rule}.")));
    }
    if let Some(current) = &account.password_hash
        && password::verify_off_workers(chosen.password.clone(), current.clone()).await?
    {
        return Ok(Err(
            "The new password must differ from the current one.".into()
        ));
    }
    password::hash_off_workers(chosen.password).await.map(Ok)
}
