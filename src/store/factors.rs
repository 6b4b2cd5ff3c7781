//! An account's second factors, kept on its record: the sealed TOTP secret with the
//! last step it accepted, and the hashes of its unused recovery codes. Acceptance of a
//! code and spending of a recovery code are each one conditional update, so a code
//! wins once however many nodes or requests present it (RFC 6238 §5.2).

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
}

impl SecondFactors {
    /// Whether sign-in asks for a second step.
    pub fn any(&self) -> bool {
        self.totp.is_some() || !self.recovery_hashes.is_empty()
    }
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
}

impl Factor {
    /// Its RFC 8176 `amr` value; a recovery code is a one-time password too.
    pub fn amr(self) -> &'static str {
        match self {
            Factor::Password | Factor::Upstream => "pwd",
            Factor::Totp | Factor::RecoveryCode => "otp",
        }
    }

    /// Its name in the `login` audit event's `detail`.
    fn audit_name(self) -> &'static str {
        match self {
            Factor::Password => "pwd",
            Factor::Totp => "otp",
            Factor::RecoveryCode => "recovery",
            Factor::Upstream => "upstream",
        }
    }

    /// Whether it is a second factor, which makes the session's `acr` `mfa`.
    fn is_second(self) -> bool {
        matches!(self, Factor::Totp | Factor::RecoveryCode)
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
        for f in factors {
            if !out.iter().any(|v| v == f.amr()) {
                out.push(f.amr().to_owned());
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

#[cfg(test)]
#[path = "factors_tests.rs"]
mod tests;
