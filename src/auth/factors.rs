//! An account's second factors as sign-in uses them, whichever sign-in (a tenant's, or
//! the admin UI's): checking a code against the account's TOTP authenticator or its
//! recovery codes, spending what matched, and enrolling a new authenticator.

use super::recovery_codes;
use super::totp::TotpSecret;
use crate::audit::AuditEvent;
use crate::clock::UnixTime;
use crate::crypto::CryptoError;
use crate::crypto::seal::MasterKey;
use crate::store::factors::{Factor, PasskeyFactor, Spent, TotpFactor, totp_seal_purpose};
use crate::store::{Store, StoreError, TxError};

/// The account's TOTP secret from its sealed form.
pub fn unseal(
    master: &MasterKey,
    account_id: &str,
    sealed: &[u8],
) -> Result<TotpSecret, CryptoError> {
    let bytes = master.open(&totp_seal_purpose(account_id), sealed)?;
    TotpSecret::from_bytes(&bytes).ok_or(CryptoError::Unseal)
}

/// A new secret to enrol for `account_id`, with its sealed form to keep meanwhile.
pub fn begin_enrolment(
    master: &MasterKey,
    account_id: &str,
) -> Result<(TotpSecret, Vec<u8>), CryptoError> {
    let secret = TotpSecret::generate()?;
    let sealed = master.seal(&totp_seal_purpose(account_id), secret.as_bytes())?;
    Ok((secret, sealed))
}

/// The factor `code` proves for `account_id` at `now`, already spent: a TOTP code for
/// a step later than the last accepted one, else a recovery code. `None` for anything
/// else, including a code someone else just spent.
pub fn check<E: From<StoreError> + From<CryptoError>>(
    store: &Store,
    master: &MasterKey,
    account_id: &str,
    code: &str,
    now: UnixTime,
) -> Result<Option<Factor>, E> {
    let Some(account) = store.account(account_id)? else {
        return Ok(None);
    };
    if let Some(totp) = &account.factors.totp {
        let secret = unseal(master, &account.id, &totp.sealed_secret)?;
        if let Some(step) = secret.verify(code, now, totp.last_step) {
            return Ok(match store.accept_totp_step(&account.id, step)? {
                Spent::Accepted => Some(Factor::Totp),
                Spent::Refused => None,
            });
        }
    }
    if code.is_empty() {
        return Ok(None);
    }
    let hash = recovery_codes::digest(code);
    Ok(match store.spend_recovery_code(&account.id, &hash)? {
        Spent::Accepted => Some(Factor::RecoveryCode),
        Spent::Refused => None,
    })
}

/// Whether `account_id` holds a second factor now: an enrolment begun before another
/// one finished must give way to it.
pub fn enrolled(store: &Store, account_id: &str) -> Result<bool, StoreError> {
    Ok(store.account(account_id)?.is_some_and(|a| a.factors.any()))
}

/// Enrols the sealed secret being set up for `account_id` when `code` is right for
/// it: stored with its step accepted and a new set of recovery codes, with `event`, in
/// one transaction. Returns the codes to show once; `None` for a wrong code, or when
/// the account got a factor meanwhile (another tab), which stands. The caller makes it
/// durable before answering.
pub fn confirm_enrolment<E: From<StoreError> + From<CryptoError>>(
    store: &Store,
    master: &MasterKey,
    account_id: &str,
    sealed: &[u8],
    code: &str,
    (now, event): (UnixTime, &AuditEvent),
) -> Result<Option<Vec<String>>, E> {
    let secret = unseal(master, account_id, sealed)?;
    let Some(accepted) = secret.verify(code, now, None) else {
        return Ok(None);
    };
    let (codes, hashes) = recovery_codes::generate()?;
    let enrolled = store.transaction(|tx| {
        let Some(mut a) = tx.account::<StoreError>(account_id)? else {
            return Ok(false);
        };
        if a.factors.any() {
            return Ok(false);
        }
        a.factors.totp = Some(TotpFactor {
            sealed_secret: sealed.to_vec(),
            last_step: Some(accepted),
            enrolled_at: now,
        });
        a.factors.recovery_hashes = hashes.clone();
        tx.put_account(&a)?;
        tx.audit(event)?;
        Ok::<_, TxError<StoreError>>(true)
    })?;
    Ok(enrolled.then_some(codes))
}

/// Adds `passkey` to `account_id` with `event`, in one transaction; reusable by every
/// page that adds one (the sign-in's enrolment, the account console). The account's
/// first factor comes with a new set of recovery codes, returned to show once (empty
/// when it already had a factor). `None` when the account is gone or already holds this
/// credential. The caller makes it durable before answering.
pub fn enrol_passkey<E: From<StoreError> + From<CryptoError>>(
    store: &Store,
    account_id: &str,
    passkey: PasskeyFactor,
    event: &AuditEvent,
) -> Result<Option<Vec<String>>, E> {
    let (codes, hashes) = recovery_codes::generate()?;
    let enrolled = store.transaction(|tx| {
        let Some(mut a) = tx.account::<StoreError>(account_id)? else {
            return Ok(None);
        };
        if a.factors
            .passkeys
            .iter()
            .any(|p| p.credential_id == passkey.credential_id)
        {
            return Ok(None);
        }
        let first = !a.factors.any();
        a.factors.passkeys.push(passkey.clone());
        if first {
            a.factors.recovery_hashes = hashes.clone();
        }
        tx.put_account(&a)?;
        tx.audit(event)?;
        Ok::<_, TxError<StoreError>>(Some(first))
    })?;
    Ok(enrolled.map(|first| if first { codes } else { Vec::new() }))
}

/// `uri` as an SVG QR code for an authenticator app to scan; `None` if it does not fit.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // The XML declaration means nothing inside HTML.
    Some(match svg.find("<svg") {
        Some(at) => svg[at..].to_owned(),
        None => svg,
    })
}
