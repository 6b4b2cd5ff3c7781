//! An account's second factors, kept on its record: the sealed TOTP secret with the
//! last step it accepted, its passkeys with their signature counters, and the hashes of
//! its unused recovery codes. Acceptance of a code, spending of a recovery code and a
//! passkey's counter are each one conditional update, so a code wins once however many
//! nodes or requests present it (RFC 6238 §5.2), and a counter only grows.

use super::{Store, StoreError};
use crate::clock::UnixTime;
use serde::{Deserialize, Serialize};

/// What an account holds besides its password. A record written before second factors
/// existed reads as none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SecondFactors {
    /// The TOTP authenticator, if enrolled.
    #[serde(default)]
    pub totp: Option<TotpFactor>,
    /// SHA-256 of each recovery code not yet used; a new set replaces them all.
    #[serde(default)]
    pub recovery_hashes: Vec<[u8; 32]>,
    /// The account's passkeys (WebAuthn credentials), in the order they were added.
    #[serde(default)]
    pub passkeys: Vec<PasskeyFactor>,
}

impl SecondFactors {
    /// Whether sign-in asks for a second step.
    pub fn any(&self) -> bool {
        self.totp.is_some() || !self.recovery_hashes.is_empty() || !self.passkeys.is_empty()
    }
}

/// One enrolled passkey. The credential itself is the relying-party library's
/// serialised form, opaque here; the counter and flags the SPEC's rule needs sit beside.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PasskeyFactor {
    /// The WebAuthn credential id.
    pub credential_id: Vec<u8>,
    /// The credential (public key and what registration learnt), as `auth::webauthn`
    /// serialised it.
    pub credential: String,
    /// The name the user gave it.
    pub name: String,
    /// When it was added.
    pub created_at: UnixTime,
    /// When it last signed someone in.
    #[serde(default)]
    pub last_used_at: Option<UnixTime>,
    /// The highest signature counter seen.
    pub counter: u32,
    /// Whether the authenticator said the credential may be backed up (flag BE): such a
    /// credential is synchronised between devices, and its counter is not checked.
    pub backup_eligible: bool,
}

/// What presenting a passkey's signature counter did.
#[derive(Debug, PartialEq, Eq)]
pub enum CounterCheck {
    /// Accepted, and the stored counter advanced where it grew.
    Accepted,
    /// The counter did not grow: a cloned authenticator, refused.
    NotGrown,
    /// The account or the passkey is gone.
    Gone,
}

/// An enrolled TOTP authenticator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TotpFactor {
    /// The shared secret sealed with the master key under [`totp_seal_purpose`].
    pub sealed_secret: Vec<u8>,
    /// The last time step a code was accepted for; only later steps are accepted.
    pub last_step: Option<u64>,
    /// When it was enrolled.
    pub enrolled_at: UnixTime,
}

/// A way a user proved who they are, as a session records it; `amr` and `acr` are
/// computed from the list (RFC 8176), so a new kind (a passkey) is one more variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// The account's password.
    Password,
    /// A TOTP code.
    Totp,
    /// One of the account's recovery codes.
    RecoveryCode,
    /// A sign-in at the tenant's upstream identity provider (broker).
    Upstream,
    /// A passkey with user verification: something held and the user's PIN or biometric.
    Passkey,
}

impl Factor {
    /// Its RFC 8176 `amr` values; a recovery code is a one-time password too, and a
    /// passkey is a hardware-held key (`hwk`) unlocked by a user check (`user`).
    pub fn amr(self) -> &'static [&'static str] {
        match self {
            Factor::Password | Factor::Upstream => &["pwd"],
            Factor::Totp | Factor::RecoveryCode => &["otp"],
            Factor::Passkey => &["hwk", "user"],
        }
    }

    /// Its name in the `login` audit event's `detail`.
    fn audit_name(self) -> &'static str {
        match self {
            Factor::Password => "pwd",
            Factor::Totp => "otp",
            Factor::RecoveryCode => "recovery",
            Factor::Upstream => "upstream",
            Factor::Passkey => "passkey",
        }
    }

    /// Whether it is a second factor, or a passkey with user verification (SPEC: both
    /// make the session's `acr` `mfa`).
    fn is_second(self) -> bool {
        matches!(self, Factor::Totp | Factor::RecoveryCode | Factor::Passkey)
    }
}

/// How a session was authenticated, computed from its factors; a session stored before
/// factors were recorded had a password.
#[derive(Clone, Copy, Debug)]
pub struct Authenticated<'a>(pub &'a [Factor]);

impl Authenticated<'_> {
    /// Whether a second factor was completed: OIDC `acr` `mfa`.
    pub fn is_mfa(&self) -> bool {
        self.0.iter().any(|f| f.is_second())
    }

    /// The `acr` value: `mfa` or `pwd`.
    pub fn acr(&self) -> &'static str {
        if self.is_mfa() { "mfa" } else { "pwd" }
    }

    /// The `amr` values (RFC 8176), each once, with `mfa` when more than one kind was used.
    pub fn amr(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let factors = if self.0.is_empty() {
            &[Factor::Password][..]
        } else {
            self.0
        };
        for value in factors.iter().flat_map(|f| f.amr()) {
            if !out.iter().any(|v| v == value) {
                out.push((*value).to_owned());
            }
        }
        if out.len() > 1 {
            out.push("mfa".to_owned());
        }
        out
    }

    /// The `login` audit event's `detail`: the factors joined by `+` (`pwd+otp`).
    pub fn audit_detail(&self) -> String {
        let factors = if self.0.is_empty() {
            &[Factor::Password][..]
        } else {
            self.0
        };
        factors
            .iter()
            .map(|f| f.audit_name())
            .collect::<Vec<_>>()
            .join("+")
    }
}

/// The sealing purpose of an account's TOTP secret: bound to the account, so a sealed
/// secret copied onto another account does not open.
pub fn totp_seal_purpose(account_id: &str) -> String {
    format!("totp-secret:{account_id}")
}

/// Whether a one-time second factor was taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Spent {
    /// Taken now.
    Accepted,
    /// The account, or the factor, is gone, or the step or code was already used.
    Refused,
}

impl Store {
    /// Records that `account_id` accepted TOTP step `step`, only if it is later than
    /// the stored one: of two submits of one code, exactly one gets `Accepted`.
    pub fn accept_totp_step(&self, account_id: &str, step: u64) -> Result<Spent, StoreError> {
        self.transaction(|tx| {
            let Some(mut a) = tx.account::<StoreError>(account_id)? else {
                return Ok(Spent::Refused);
            };
            let Some(totp) = a.factors.totp.as_mut() else {
                return Ok(Spent::Refused);
            };
            if totp.last_step.is_some_and(|last| step <= last) {
                return Ok(Spent::Refused);
            }
            totp.last_step = Some(step);
            tx.put_account(&a)?;
            Ok(Spent::Accepted)
        })
    }

    /// Spends the recovery code hashing to `hash` if `account_id` still holds it.
    pub fn spend_recovery_code(
        &self,
        account_id: &str,
        hash: &[u8; 32],
    ) -> Result<Spent, StoreError> {
        self.transaction(|tx| {
            let Some(mut a) = tx.account::<StoreError>(account_id)? else {
                return Ok(Spent::Refused);
            };
            let before = a.factors.recovery_hashes.len();
            a.factors.recovery_hashes.retain(|h| h != hash);
            if a.factors.recovery_hashes.len() == before {
                return Ok(Spent::Refused);
            }
            tx.put_account(&a)?;
            Ok(Spent::Accepted)
        })
    }
}

impl Store {
    /// Records that `account_id`'s passkey `credential_id` signed with `presented` at
    /// `now`, by SPEC's rule: a backup-eligible credential, or one whose stored and
    /// presented counters are both 0, is not checked; otherwise the counter must be
    /// greater than the stored one, which it then replaces. One conditional update, so
    /// of two assertions with the same counter only one is accepted.
    pub fn use_passkey(
        &self,
        account_id: &str,
        credential_id: &[u8],
        presented: u32,
        now: UnixTime,
    ) -> Result<CounterCheck, StoreError> {
        self.transaction(|tx| {
            let Some(mut a) = tx.account::<StoreError>(account_id)? else {
                return Ok(CounterCheck::Gone);
            };
            let Some(p) = a
                .factors
                .passkeys
                .iter_mut()
                .find(|p| p.credential_id == credential_id)
            else {
                return Ok(CounterCheck::Gone);
            };
            let unchecked = p.backup_eligible || (p.counter == 0 && presented == 0);
            if !unchecked && presented <= p.counter {
                return Ok(CounterCheck::NotGrown);
            }
            p.counter = p.counter.max(presented);
            p.last_used_at = Some(now);
            tx.put_account(&a)?;
            Ok(CounterCheck::Accepted)
        })
    }
}

#[cfg(test)]
#[path = "factors_tests.rs"]
mod tests;
