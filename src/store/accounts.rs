//! Accounts, with the username index (lower-cased, appliance-wide unique) kept in the
//! same transaction as the record.

use super::codec::Record;
use super::factors::SecondFactors;
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::clock::UnixTime;
use crate::types::AdminRole;
use serde::{Deserialize, Deserializer, Serialize};

/// A person who can sign in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Stable id: the `sub` in every tenant.
    pub id: String,
    /// Username as entered; unique case-insensitively.
    pub username: String,
    /// Email address.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// argon2id PHC string; `None` when the account has no password.
    pub password_hash: Option<String>,
    /// Its admin role: with one it signs in to the admin UI and manages what the role
    /// names. Records from before roles hold `admin: bool`, `true` meaning `appliance`.
    #[serde(default, alias = "admin", deserialize_with = "role_or_flag")]
    pub role: Option<AdminRole>,
    /// Refused everywhere while set.
    pub disabled: bool,
    /// Bumped each time the account is disabled. A refresh family carries the epoch it
    /// was granted in and works only while it is the account's, so the account's refresh
    /// tokens stay dead once it is enabled again, without an index of its families to walk.
    #[serde(default)]
    pub refresh_epoch: u64,
    /// When it was created.
    pub created_at: UnixTime,
    /// Tenant incarnations it is a member of, so its memberships can be enumerated
    /// inside a transaction.
    pub tenant_uids: Vec<u64>,
    /// Its second factors (TOTP, recovery codes).
    #[serde(default)]
    pub factors: SecondFactors,
    /// An admin vouches for `email`: the `email_verified` claim. Any change of the
    /// address clears it unless the same change sets it.
    #[serde(default)]
    pub email_verified: bool,
    /// The user must choose a new password before their next authorization completes.
    #[serde(default)]
    pub must_change_password: bool,
    /// Given and family name as a directory sent them (SCIM `name`); `name` stays the
    /// name shown everywhere.
    #[serde(default)]
    pub name_parts: NameParts,
}

/// Reads an account's role, or the `admin` flag records from before roles hold.
fn role_or_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AdminRole>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Flag(bool),
        Role(Option<AdminRole>),
    }
    Ok(match Stored::deserialize(d)? {
        Stored::Flag(true) => Some(AdminRole::Appliance),
        Stored::Flag(false) => None,
        Stored::Role(role) => role,
    })
}

impl Account {
    /// The role it signs in to the admin UI with, if it has one that manages anything.
    pub fn admin_role(&self) -> Option<&AdminRole> {
        self.role.as_ref().filter(|r| r.may_manage())
    }
}

/// A person's given and family name, kept apart for SCIM.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NameParts {
    /// SCIM `name.givenName`.
    pub given: Option<String>,
    /// SCIM `name.familyName`.
    pub family: Option<String>,
}

impl Record for Account {
    const TREE: TreeId = TreeId::Accounts;
    fn key(&self) -> Vec<u8> {
        self.id.as_bytes().to_vec()
    }
}

/// The index key of a username: its lower-case form.
pub fn username_key(username: &str) -> Vec<u8> {
    username.to_lowercase().into_bytes()
}

impl Store {
    /// An account by id.
    pub fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.get(id.as_bytes())
    }

    /// The account with this username, compared case-insensitively.
    pub fn account_by_username(&self, username: &str) -> Result<Option<Account>, StoreError> {
        match self.tree(TreeId::Usernames).get(username_key(username))? {
            Some(id) => self.get(&id),
            None => Ok(None),
        }
    }

    /// Accounts in id order after `after`.
    pub fn accounts(&self, after: Option<&str>, limit: usize) -> Result<Vec<Account>, StoreError> {
        self.scan(after.map(str::as_bytes), limit)
    }

    /// Accounts after `after` that `keep` accepts, at most `limit` (a full scan: admin searches only).
    pub fn find_accounts(
        &self,
        after: Option<&str>,
        limit: usize,
        keep: impl Fn(&Account) -> bool,
    ) -> Result<Vec<Account>, StoreError> {
        let mut out = Vec::new();
        let mut cursor = after.map(str::to_owned);
        loop {
            let batch: Vec<Account> = self.scan(cursor.as_deref().map(str::as_bytes), 256)?;
            let Some(last) = batch.last() else {
                return Ok(out);
            };
            cursor = Some(last.id.clone());
            for a in batch.into_iter().filter(|a| keep(a)) {
                out.push(a);
                if out.len() >= limit {
                    return Ok(out);
                }
            }
        }
    }
}

impl Tx<'_> {
    /// An account, read inside the transaction.
    pub fn account<E: From<StoreError>>(&self, id: &str) -> Result<Option<Account>, TxError<E>> {
        self.get(id.as_bytes())
    }

    /// The id owning `username`, if any.
    pub fn username_owner<E: From<StoreError>>(
        &self,
        username: &str,
    ) -> Result<Option<String>, TxError<E>> {
        Ok(self
            .index_get(TreeId::Usernames, &username_key(username))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Creates or replaces an account, moving its username index entry if it was renamed.
    /// The caller has checked that the new username is free.
    pub fn put_account<E: From<StoreError>>(&self, a: &Account) -> Result<(), TxError<E>> {
        if let Some(old) = self.account::<E>(&a.id)?
            && username_key(&old.username) != username_key(&a.username)
        {
            self.remove_raw(TreeId::Usernames, &username_key(&old.username))?;
        }
        self.put(a)?;
        self.index_put(
            TreeId::Usernames,
            &username_key(&a.username),
            a.id.as_bytes(),
        )
    }

    /// Removes an account record and its username; memberships are the caller's.
    pub fn remove_account_record<E: From<StoreError>>(
        &self,
        id: &str,
    ) -> Result<Option<Account>, TxError<E>> {
        let removed: Option<Account> = self.remove(id.as_bytes())?;
        if let Some(a) = &removed {
            self.remove_raw(TreeId::Usernames, &username_key(&a.username))?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec;
    use super::*;

    /// An account as stores (and backups) made before `email_verified` and
    /// `must_change_password` hold it.
    #[derive(Serialize)]
    struct Older {
        id: String,
        username: String,
        email: Option<String>,
        name: Option<String>,
        password_hash: Option<String>,
        admin: bool,
        disabled: bool,
        refresh_epoch: u64,
        created_at: UnixTime,
        tenant_uids: Vec<u64>,
    }

    #[test]
    fn an_older_record_reads_with_both_flags_off() {
        let older = Older {
            id: "a1".into(),
            username: "ann".into(),
            email: Some("ann@example.com".into()),
            name: None,
            password_hash: None,
            admin: false,
            disabled: false,
            refresh_epoch: 2,
            created_at: 7,
            tenant_uids: vec![1],
        };
        let read: Account = codec::decode(&codec::encode(&older).unwrap()).unwrap();
        assert_eq!(read.refresh_epoch, 2);
        assert!(!read.email_verified && !read.must_change_password);
        assert_eq!(read.role, None);
    }

    #[test]
    fn the_admin_flag_of_an_older_record_reads_as_the_appliance_role() {
        let older = Older {
            id: "a1".into(),
            username: "root".into(),
            email: None,
            name: None,
            password_hash: None,
            admin: true,
            disabled: false,
            refresh_epoch: 0,
            created_at: 7,
            tenant_uids: vec![],
        };
        let mut read: Account = codec::decode(&codec::encode(&older).unwrap()).unwrap();
        assert_eq!(read.role, Some(AdminRole::Appliance));
        read.role = Some(AdminRole::Tenants(vec![4, 9]));
        let again: Account = codec::decode(&codec::encode(&read).unwrap()).unwrap();
        assert_eq!(again, read);
        read.role = None;
        let again: Account = codec::decode(&codec::encode(&read).unwrap()).unwrap();
        assert_eq!(again.role, None);
    }
}
