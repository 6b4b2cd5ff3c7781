//! The recovery link's page (`/t/{tenant}/recover?token=…`, SPEC "Account console and
//! recovery"): the user sets a new password and, where the tenant requires a second
//! factor (or the account is an admin under `[admin] require_mfa`) and the account has
//! none, sets up an authenticator app in the same form. A GET never uses the link; the
//! POST that sets the password takes it in the transaction that stores the password,
//! so of two submits exactly one wins, and then ends the account's sessions and refresh
//! tokens as an admin setting a password does. Every refusal of a link is one page
//! that says nothing about why, and counts against the address.

use super::{AccountError, Ctx};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::auth::new_password::{self, Chosen};
use crate::auth::recovery_link::token_hash;
use crate::auth::totp::TotpSecret;
use crate::auth::{factors, recovery_codes};
use crate::clock::UnixTime;
use crate::crypto::random;
use crate::guard::{self, Key, Realm};
use crate::store::accounts::Account;
use crate::store::factors::TotpFactor;
use crate::store::tenants::{MfaPolicy, Tenant};
use crate::store::{StoreError, TxError};
use crate::types::Secret;
use crate::types::secret::constant_time_eq;
use crate::ui::Msg;
use crate::ui::password::{NewPasswordView, RecoveredView, TotpSetup};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::net::IpAddr;

/// What the user posts.
pub struct RecoverForm {
    /// The link's token, carried by the form.
    pub token: Option<String>,
    /// The new password, twice.
    pub chosen: Chosen,
    /// The authenticator app's code, when one is being set up.
    pub code: Secret,
    /// The sealed secret being set up, as the page carried it (base64url).
    pub enrolling: Option<String>,
    /// The form's half of the double-submit CSRF token.
    pub csrf: Option<String>,
}

/// What the page answers.
pub enum RecoverOutcome {
    /// The form (400 after a refused attempt).
    Form {
        /// The page.
        view: Box<NewPasswordView>,
        /// True after a refused attempt.
        failed: bool,
    },
    /// The link does not work (expired, used, voided, tampered, another tenant's): 400.
    Invalid,
    /// A form without its CSRF token: 400 with this message.
    Refused(Msg),
    /// Too many failures from this address: retry after this many seconds (429).
    TooMany(u64),
    /// The password is set.
    Done(RecoveredView),
}

/// The one page for a link that does not work.
pub const INVALID: Msg = Msg::new("error.link_invalid");

/// A live link of this tenant and the enabled account it is for.
fn find(
    ctx: &Ctx,
    tenant: &Tenant,
    token: Option<&str>,
    now: UnixTime,
) -> Result<Option<Account>, AccountError> {
    let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 128) else {
        return Ok(None);
    };
    let Some(link) = ctx.store.recovery_link(&token_hash(token))? else {
        return Ok(None);
    };
    if link.expires_at <= now || link.tenant_uid != tenant.uid {
        return Ok(None);
    }
    Ok(ctx.store.account(&link.account_id)?.filter(|a| !a.disabled))
}

/// Whether the account must set up a second factor along with its password.
fn needs_factor(ctx: &Ctx, tenant: &Tenant, account: &Account) -> bool {
    let required =
        tenant.mfa == MfaPolicy::Required || (account.role.is_some() && ctx.admin_require_mfa);
    required && !account.factors.any()
}

/// A refused link at `now`: the address's failure counted, the one page.
fn invalid(
    ctx: &Ctx,
    tenant: &Tenant,
    peer: IpAddr,
    now: UnixTime,
) -> Result<RecoverOutcome, AccountError> {
    let keys = [Key::address(Realm::Sso, peer)];
    let tenant = Some(tenant.id.as_str());
    ctx.limiter
        .record(ctx.store, tenant, &keys, guard::Outcome::Failure, now)?;
    Ok(RecoverOutcome::Invalid)
}

/// The form for `account`, with the secret being set up, if any.
fn form(
    ctx: &Ctx,
    tenant: &Tenant,
    (token, account): (&str, &Account),
    enrolling: Option<(TotpSecret, Vec<u8>)>,
    error: Option<Msg>,
) -> Result<RecoverOutcome, AccountError> {
    let mut hidden = vec![("token".to_owned(), token.to_owned())];
    let enrol = match enrolling {
        None => None,
        Some((secret, sealed)) => {
            hidden.push(("enrolling".into(), URL_SAFE_NO_PAD.encode(sealed)));
            let uri = secret.otpauth_uri(&tenant.display_name, &account.username);
            Some(TotpSetup {
                qr_svg: factors::qr_svg(&uri).unwrap_or_default(),
                secret: secret.base32(),
                uri,
            })
        }
    };
    let failed = error.is_some();
    let view = NewPasswordView {
        tenant_name: tenant.display_name.clone(),
        heading: Msg::new("password.recover_heading"),
        intro: Msg::new("password.recover_intro").arg("tenant", &tenant.display_name),
        action: format!("/t/{}/recover", tenant.id),
        csrf: random::secret_token()?,
        hidden,
        username: account.username.clone(),
        min_length: ctx.passwords.min_length,
        error,
        enrol,
    };
    Ok(RecoverOutcome::Form {
        view: Box::new(view),
        failed,
    })
}

/// `GET /t/{tenant}/recover?token=…` from `peer` at `now`: the form; the link stays.
pub fn show(
    ctx: &Ctx,
    tenant: &Tenant,
    token: Option<&str>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<RecoverOutcome, AccountError> {
    if let Err(blocked) = ctx.limiter.admit(&[Key::address(Realm::Sso, peer)], now) {
        return Ok(RecoverOutcome::TooMany(blocked.retry_after));
    }
    let (Some(account), Some(token)) = (find(ctx, tenant, token, now)?, token) else {
        return invalid(ctx, tenant, peer, now);
    };
    let enrolling = match needs_factor(ctx, tenant, &account) {
        true => Some(factors::begin_enrolment(ctx.master, &account.id)?),
        false => None,
    };
    form(ctx, tenant, (token, &account), enrolling, None)
}

/// The secret the form carried back, or a new one when it carried none that opens.
fn carried(
    ctx: &Ctx,
    account: &Account,
    sealed: Option<&str>,
) -> Result<(TotpSecret, Vec<u8>), AccountError> {
    let sealed = sealed.and_then(|s| URL_SAFE_NO_PAD.decode(s).ok());
    if let Some(sealed) = sealed
        && let Ok(secret) = factors::unseal(ctx.master, &account.id, &sealed)
    {
        return Ok((secret, sealed));
    }
    Ok(factors::begin_enrolment(ctx.master, &account.id)?)
}

/// `POST /t/{tenant}/recover` from `peer` at `now`, with the browser's CSRF cookie.
pub async fn submit(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    form_in: RecoverForm,
    csrf_cookie: Option<&str>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<RecoverOutcome, AccountError> {
    if let Err(blocked) = ctx.limiter.admit(&[Key::address(Realm::Sso, peer)], now) {
        return Ok(RecoverOutcome::TooMany(blocked.retry_after));
    }
    let csrf_ok = match (form_in.csrf.as_deref(), csrf_cookie) {
        (Some(f), Some(c)) => constant_time_eq(f.as_bytes(), c.as_bytes()),
        _ => false,
    };
    if !csrf_ok {
        return Ok(RecoverOutcome::Refused(Msg::new("error.link_form_stale")));
    }
    let token = form_in.token.as_deref();
    let (Some(account), Some(token)) = (find(ctx, tenant, token, now)?, token) else {
        return invalid(ctx, tenant, peer, now);
    };
    let enrolling = match needs_factor(ctx, tenant, &account) {
        true => Some(carried(ctx, &account, form_in.enrolling.as_deref())?),
        false => None,
    };
    let hash = match new_password::judge(ctx.passwords, &account, form_in.chosen).await? {
        Ok(hash) => hash,
        Err(why) => return form(ctx, tenant, (token, &account), enrolling, Some(why)),
    };
    let factor = match &enrolling {
        None => None,
        Some((secret, sealed)) => match secret.verify(form_in.code.expose(), now, None) {
            Some(step) => Some(TotpFactor {
                sealed_secret: sealed.clone(),
                last_step: Some(step),
                enrolled_at: now,
            }),
            None => {
                let why = Msg::new("totp.wrong_code");
                return form(ctx, tenant, (token, &account), enrolling, Some(why));
            }
        },
    };
    use_link(ctx, tenant, (token, &account.id), hash, factor, now).await
}

/// Takes the link and sets the password (and the factor set up) in one transaction,
/// then ends the account's sessions; `Invalid` when another submit took it first.
async fn use_link(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    (token, account_id): (&str, &str),
    hash: String,
    factor: Option<TotpFactor>,
    now: UnixTime,
) -> Result<RecoverOutcome, AccountError> {
    let (codes, code_hashes) = match factor {
        Some(_) => recovery_codes::generate()?,
        None => (Vec::new(), Vec::new()),
    };
    let actor = Actor::Account(account_id.to_owned());
    let event = |kind, detail: &str| {
        AuditEvent::new(now, kind, &actor)
            .tenant(tenant.id.as_str())
            .account(account_id)
            .detail(detail)
    };
    let used = event(AuditKind::RecoveryLinkUsed, "password");
    let changed = event(AuditKind::PasswordChanged, "link");
    let enrolled = event(AuditKind::MfaEnrolled, "totp");
    let taken = ctx.store.transaction(|tx| {
        if tx
            .take_recovery_link::<StoreError>(&token_hash(token))?
            .is_none()
        {
            return Ok(None);
        }
        let Some(mut a) = tx.account::<StoreError>(account_id)? else {
            return Ok(None);
        };
        a.password_hash = Some(hash.clone());
        a.must_change_password = false;
        // As an admin setting a password: the offline refresh tokens end too.
        a.refresh_epoch += 1;
        let enrols = factor.is_some() && !a.factors.any();
        if let (true, Some(f)) = (enrols, &factor) {
            a.factors.totp = Some(f.clone());
            a.factors.recovery_hashes = code_hashes.clone();
        }
        tx.put_account(&a)?;
        tx.audit(&used)?;
        tx.audit(&changed)?;
        if enrols {
            tx.audit(&enrolled)?;
        }
        Ok::<_, TxError<StoreError>>(Some(enrols))
    })?;
    let Some(enrols) = taken else {
        return Ok(RecoverOutcome::Invalid);
    };
    ctx.store.end_account_sessions(account_id, now)?;
    // The link is spent and the password set for good before the user is told.
    ctx.store.flush_durable().await?;
    Ok(RecoverOutcome::Done(RecoveredView {
        tenant_name: tenant.display_name.clone(),
        codes: if enrols { codes } else { Vec::new() },
    }))
}

#[cfg(test)]
mod tests;
