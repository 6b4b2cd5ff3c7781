//! The console's passkey forms: "Add a passkey" starts a WebAuthn registration keyed by
//! the session and bound to the new page's CSRF token, whose answer the page's script
//! posts back; rename and remove name a passkey by its id, which must be one of the
//! account's own (else 404, nothing changed).

use super::{Failed, Said, TITLE, failed_account, failed_oauth};
use crate::account::factors::FactorChange;
use crate::account::passkeys::{self, PasskeyId};
use crate::http::handlers::browser::BrowserRequest;
use crate::http::handlers::pages::error_page;
use crate::oauth::passkey::{self, Purpose};
use crate::state::State;
use crate::store::accounts::Account;
use crate::store::sessions::SsoSession;
use crate::ui::Msg;
use hyper::StatusCode;

/// Why a passkey's answer finds no ceremony: replayed, expired, or another page's.
const SETUP_GONE: Msg = Msg::new("account.passkey_setup_gone");
/// Why a browser's new passkey was not added.
const NOT_ACCEPTED: Msg = Msg::new("account.passkey_not_accepted");
/// Why a form's passkey id changes nothing.
const NOT_YOURS: Msg = Msg::new("account.passkey_not_yours");

/// The 404 of a passkey id that is not one of the account's.
fn not_yours() -> Failed {
    Box::new(|state, lang, log| {
        error_page(state, lang, StatusCode::NOT_FOUND, TITLE, NOT_YOURS, log)
    })
}

/// A refusal the console shows beside the factors (400).
fn refused(why: Msg) -> Said {
    Said {
        factor_error: Some(why),
        ..Said::default()
    }
}

/// The passkey the form names among the account's own.
fn named(r: &BrowserRequest<'_>) -> Result<PasskeyId, Failed> {
    PasskeyId::parse(r.params.get("id").unwrap_or("")).ok_or_else(not_yours)
}

/// "Add a passkey": the console again with a registration ceremony in it.
pub(super) fn begin(r: &BrowserRequest<'_>) -> Said {
    if !r.ctx.passkeys.available() {
        return refused(passkey::UNAVAILABLE);
    }
    Said {
        passkey_setup: true,
        ..Said::default()
    }
}

/// The browser's new passkey for the ceremony its page started: registered and added,
/// with the recovery codes to show when it is the account's first factor.
pub(super) async fn add(
    state: &State,
    r: &BrowserRequest<'_>,
    (session, account): (&SsoSession, &Account),
) -> Result<Said, Failed> {
    if !r.ctx.passkeys.available() {
        return Ok(refused(passkey::UNAVAILABLE));
    }
    let csrf = r.params.get("csrf").unwrap_or("");
    let Some(ceremony) =
        passkey::take(&r.ctx, Purpose::Console, &session.id, csrf, r.now).map_err(failed_oauth)?
    else {
        return Ok(refused(SETUP_GONE));
    };
    let answer = r.params.get("passkey").unwrap_or("");
    let name = passkey::name(r.params.get("passkey_name").unwrap_or(""));
    let registered =
        passkey::register(&r.ctx, &ceremony, answer, &name, r.now).map_err(failed_oauth)?;
    let Ok(new) = registered else {
        return Ok(refused(NOT_ACCEPTED));
    };
    let added = passkeys::add(&state.account(), &r.tenant, &account.id, new, r.now)
        .await
        .map_err(failed_account)?;
    Ok(match added {
        FactorChange::Done(codes) => Said {
            notice: Some(Msg::new("account.passkey_added").arg("name", &name)),
            new_codes: codes,
            ..Said::default()
        },
        FactorChange::Refused(why) => refused(why),
    })
}

/// Renames the passkey the form names, to its `name` trimmed and limited as at
/// enrolment.
pub(super) async fn rename(
    state: &State,
    r: &BrowserRequest<'_>,
    account: &Account,
) -> Result<Said, Failed> {
    let id = named(r)?;
    let name = passkey::name(r.params.get("name").unwrap_or(""));
    let renamed = passkeys::rename(
        &state.account(),
        &r.tenant,
        (&account.id, &id),
        &name,
        r.now,
    )
    .await
    .map_err(failed_account)?;
    match renamed {
        Some(()) => Ok(Said::notice(Some(
            Msg::new("account.passkey_renamed").arg("name", &name),
        ))),
        None => Err(not_yours()),
    }
}

/// Removes the passkey the form names, unless it is the last factor the tenant
/// requires.
pub(super) async fn remove(
    state: &State,
    r: &BrowserRequest<'_>,
    account: &Account,
) -> Result<Said, Failed> {
    let id = named(r)?;
    let removed = passkeys::remove(&state.account(), &r.tenant, (&account.id, &id), r.now)
        .await
        .map_err(failed_account)?;
    match removed {
        Some(FactorChange::Done(_)) => Ok(Said::notice(Some(Msg::new("account.passkey_removed")))),
        Some(FactorChange::Refused(why)) => Ok(refused(why)),
        None => Err(not_yours()),
    }
}
