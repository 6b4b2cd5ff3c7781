//! Admin API tokens: created (value shown once), listed by id, revoked, and checked.

use super::AdminError;
use crate::clock::UnixTime;
use crate::crypto::{hash, random};
use crate::store::admin_tokens::AdminToken;
use crate::store::{Store, StoreError};
use crate::types::Secret;
use crate::types::secret::constant_time_eq;

/// Prefix of admin token values, so secret scanners and operators can recognise them.
const PREFIX: &str = "lkadm_";

/// Creates an admin token; the returned secret is the only copy of its value.
pub fn create(
    store: &Store,
    label: &str,
    now: UnixTime,
) -> Result<(AdminToken, Secret), AdminError> {
    let value = Secret::new(format!("{PREFIX}{}", random::secret_token()?));
    let record = AdminToken {
        id: random::uuid()?,
        label: label.to_owned(),
        token_hash: hash::sha256(value.expose().as_bytes()),
        created_at: now,
    };
    store.transaction(|tx| tx.put_admin_token::<StoreError>(&record))?;
    Ok((record, value))
}

/// The admin token `presented` names, if it is a live one.
pub fn authenticate(store: &Store, presented: &Secret) -> Result<Option<AdminToken>, AdminError> {
    let h = hash::sha256(presented.expose().as_bytes());
    Ok(store
        .admin_token_by_hash(&h)?
        .filter(|t| constant_time_eq(&t.token_hash, &h)))
}
