//! Handler of the member's own account console (`/t/{tenant}/account`), an HTML page
//! under the strict CSP (our own passkey script runs only on the page that adds a
//! passkey), reached only through the tenant's sign-in. Every form carries
//! the double-submit CSRF token of the sign-in forms; one without it is 403.

mod passkeys;

use super::browser::{BrowserRequest, outcome, read};
use super::pages::{TOO_MANY_FAILED, Title, error_page, oauth_page, render, scripted, too_many};
use crate::account::factors::{self, FactorChange};
use crate::account::password::{self, Changed};
use crate::account::sessions;
use crate::auth::factors as auth_factors;
use crate::auth::new_password::Chosen;
use crate::auth::totp::TotpSecret;
use crate::crypto::random;
use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::oauth::authorize::console::{self, Entry};
use crate::oauth::passkey::{self, Purpose};
use crate::state::State;
use crate::store::accounts::Account;
use crate::store::sessions::SsoSession;
use crate::types::Secret;
use crate::types::secret::constant_time_eq;
use crate::ui::PasskeyOffer;
use crate::ui::account::{AccountView, ConsoleTotpSetup, FactorsRow};
use crate::ui::password::TotpSetup;
use crate::ui::{Locale, Msg, Text};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::net::IpAddr;

const TITLE: Title = "error.account_title";
/// Why a code for an app being set up finds no setup.
const SETUP_GONE: Msg = Msg::new("account.setup_gone");
const FORGED: Msg = Msg::new("error.account_form_stale");

/// `GET`/`POST /t/{tenant}/account` from `peer`: the console, a form's change, or the
/// sign-in step the console needs first.
pub async fn page(
    state: &State,
    tenant: &str,
    req: Request<Incoming>,
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    let r: BrowserRequest = match read(state, tenant, req, None, TITLE, log).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if r.is_post {
        let csrf_ok = match (r.params.get("csrf"), r.csrf.as_deref()) {
            (Some(f), Some(c)) => constant_time_eq(f.as_bytes(), c.as_bytes()),
            _ => false,
        };
        if !csrf_ok {
            return error_page(state, r.lang, StatusCode::FORBIDDEN, TITLE, FORGED, log);
        }
    }
    let (session, account) =
        match console::enter(&r.ctx, &r.tenant, r.session.as_deref(), peer, r.now) {
            Ok(Entry::Page(signed_in)) => *signed_in,
            Ok(Entry::Go(o)) => return outcome(state, r.lang, tenant, o, log),
            Err(e) => return oauth_page(state, r.lang, e, log),
        };
    if r.is_post {
        return submit(state, &r, (&session, account), peer, log).await;
    }
    let notice = match r.params.get("done") {
        Some("sessions-ended") => Some(Msg::new("account.sessions_ended")),
        Some("password-changed") => Some(Msg::new("account.password_changed")),
        _ => None,
    };
    show(state, &r, (&session, account), Said::notice(notice), log)
}

/// What the console says besides its contents, after a form.
#[derive(Default)]
struct Said {
    notice: Option<Msg>,
    password_error: Option<Msg>,
    factor_error: Option<Msg>,
    new_codes: Vec<String>,
    totp_setup: Option<ConsoleTotpSetup>,
    /// Start a ceremony adding a passkey, bound to the page's new CSRF token.
    passkey_setup: bool,
}

impl Said {
    fn notice(notice: Option<Msg>) -> Said {
        Said {
            notice,
            ..Said::default()
        }
    }
}

/// The console for `session`.
fn show(
    state: &State,
    r: &BrowserRequest<'_>,
    (session, account): (&SsoSession, Account),
    said: Said,
    log: &RequestLog,
) -> Response<Body> {
    let refused = said.password_error.is_some() || said.factor_error.is_some();
    let status = match refused {
        true => StatusCode::BAD_REQUEST,
        false => StatusCode::OK,
    };
    let factors = FactorsRow {
        totp: account.factors.totp.is_some(),
        passkeys: account.factors.passkeys.len(),
        recovery_codes_left: account.factors.recovery_hashes.len(),
    };
    let rows = match sessions::rows(r.ctx.store, session, r.now) {
        Ok(rows) => rows,
        Err(e) => return oauth_page(state, r.lang, e.into(), log),
    };
    let csrf = match random::secret_token() {
        Ok(c) => c,
        Err(e) => return oauth_page(state, r.lang, e.into(), log),
    };
    let offer = match said.passkey_setup {
        true => passkey::offer(
            &r.ctx,
            Purpose::Console,
            &session.id,
            &csrf,
            Some(&account),
            r.now,
        ),
        false => Ok(PasskeyOffer {
            options: None,
            unavailable: !r.ctx.passkeys.available(),
        }),
    };
    let offer = match offer {
        Ok(offer) => offer,
        Err(e) => return oauth_page(state, r.lang, e, log),
    };
    let view = AccountView {
        tenant_name: r.tenant.display_name.clone(),
        username: account.username,
        name: account.name,
        email: account.email,
        logout: format!("/t/{}/logout", r.tenant.id),
        action: console::path(&r.tenant),
        csrf,
        sessions: rows,
        notice: said.notice,
        password_error: said.password_error,
        min_length: state.config.passwords.min_length,
        factors,
        new_codes: said.new_codes,
        factor_error: said.factor_error,
        totp_setup: said.totp_setup,
        passkeys: crate::account::passkeys::rows(&account.factors.passkeys),
        passkey: offer,
    };
    let csrf = Some(view.csrf.as_str());
    let page = render(state, r.lang, "account.html", &view, status, csrf, log);
    // Only a page with a ceremony in it runs the passkey script.
    match view.passkey.options {
        Some(_) => scripted(page),
        None => page,
    }
}

/// A console form of `session`, its CSRF token checked: the change, on disk before the
/// answer says it is done (ended sessions must stay ended across a crash), then the
/// console.
async fn submit(
    state: &State,
    r: &BrowserRequest<'_>,
    (session, account): (&SsoSession, Account),
    peer: IpAddr,
    log: &RequestLog,
) -> Response<Body> {
    match r.params.get("action") {
        Some("change-password") => {
            let secret = |name| Secret::new(r.params.get(name).unwrap_or(""));
            let chosen = Chosen {
                password: secret("password"),
                confirm: secret("confirm"),
            };
            let who = (&r.tenant, session, &account);
            let changed = password::change(
                &state.account(),
                who,
                (secret("current"), chosen),
                peer,
                r.now,
            )
            .await;
            match changed {
                Ok(Changed::Done) => respond::see_other(&format!(
                    "{}?done=password-changed",
                    console::path(&r.tenant)
                )),
                Ok(Changed::Refused(why)) => {
                    let said = Said {
                        password_error: Some(why),
                        ..Said::default()
                    };
                    show(state, r, (session, account), said, log)
                }
                Ok(Changed::TooMany(retry_after)) => {
                    too_many(state, r.lang, retry_after, TOO_MANY_FAILED, log)
                }
                Err(e) => failed_account(e)(state, r.lang, log),
            }
        }
        Some(which @ ("new-recovery-codes" | "remove-totp")) => {
            let who = (session, account.username.as_str());
            match console::sign_in_again(&r.ctx, &r.tenant, who, r.now, peer) {
                Ok(Some(again)) => return outcome(state, r.lang, r.tenant.id.as_str(), again, log),
                Ok(None) => {}
                Err(e) => return oauth_page(state, r.lang, e, log),
            }
            let ctx = state.account();
            let changed = match which {
                "remove-totp" => factors::remove_totp(&ctx, &r.tenant, &account.id, r.now).await,
                _ => factors::new_recovery_codes(&ctx, &r.tenant, &account.id, r.now).await,
            };
            let fresh = match r.ctx.store.account(&account.id) {
                Ok(Some(a)) => a,
                Ok(None) => account,
                Err(e) => return oauth_page(state, r.lang, e.into(), log),
            };
            let said = match changed {
                Ok(FactorChange::Done(codes)) if which == "remove-totp" => Said {
                    notice: Some(Msg::new("account.totp_removed")),
                    new_codes: codes,
                    ..Said::default()
                },
                Ok(FactorChange::Done(codes)) => Said {
                    notice: Some(Msg::new("account.codes_made")),
                    new_codes: codes,
                    ..Said::default()
                },
                Ok(FactorChange::Refused(why)) => Said {
                    factor_error: Some(why),
                    ..Said::default()
                },
                Err(e) => return failed_account(e)(state, r.lang, log),
            };
            show(state, r, (session, fresh), said, log)
        }
        Some(
            which @ ("begin-totp" | "confirm-totp" | "begin-passkey" | "add-passkey"
            | "remove-passkey" | "rename-passkey"),
        ) => {
            // A name is only a label: renaming changes no credential.
            if which != "rename-passkey" {
                let who = (session, account.username.as_str());
                match console::sign_in_again(&r.ctx, &r.tenant, who, r.now, peer) {
                    Ok(Some(again)) => {
                        return outcome(state, r.lang, r.tenant.id.as_str(), again, log);
                    }
                    Ok(None) => {}
                    Err(e) => return oauth_page(state, r.lang, e, log),
                }
            }
            let said = match which {
                "begin-totp" => begin_totp(state, r, (session, &account), peer),
                "confirm-totp" => confirm_totp(state, r, (session, &account)).await,
                "begin-passkey" => Ok(passkeys::begin(r)),
                "add-passkey" => passkeys::add(state, r, (session, &account)).await,
                "rename-passkey" => passkeys::rename(state, r, &account).await,
                _ => passkeys::remove(state, r, &account).await,
            };
            let said = match said {
                Ok(said) => said,
                Err(resp) => return resp(state, r.lang, log),
            };
            let fresh = match r.ctx.store.account(&account.id) {
                Ok(Some(a)) => a,
                Ok(None) => account,
                Err(e) => return oauth_page(state, r.lang, e.into(), log),
            };
            show(state, r, (session, fresh), said, log)
        }
        Some("end-other-sessions") => {
            let ended = sessions::end_others(r.ctx.store, session, r.tenant.id.as_str(), r.now);
            match ended {
                Ok(_) => {
                    respond::see_other(&format!("{}?done=sessions-ended", console::path(&r.tenant)))
                }
                Err(e) => oauth_page(state, r.lang, e.into(), log),
            }
        }
        _ => error_page(
            state,
            r.lang,
            StatusCode::BAD_REQUEST,
            TITLE,
            Msg::new("error.unknown_action"),
            log,
        ),
    }
}

/// An error page still to render, once the state and log are at hand.
type Failed = Box<dyn FnOnce(&State, Locale, &RequestLog) -> Response<Body>>;

fn failed_oauth(e: crate::oauth::OAuthError) -> Failed {
    Box::new(move |state, lang, log| oauth_page(state, lang, e, log))
}

fn failed_account(e: crate::account::AccountError) -> Failed {
    Box::new(move |state, lang, log| {
        let status = respond::status_of(e.kind());
        error_page(
            state,
            lang,
            status,
            TITLE,
            Text::Plain(e.public_message()),
            log,
        )
    })
}

/// The setup of `secret`, kept as `request`, as the console shows it.
fn setup_view(
    r: &BrowserRequest<'_>,
    account: &Account,
    secret: &TotpSecret,
    request: String,
) -> ConsoleTotpSetup {
    let uri = secret.otpauth_uri(&r.tenant.display_name, &account.username);
    ConsoleTotpSetup {
        setup: TotpSetup {
            qr_svg: auth_factors::qr_svg(&uri).unwrap_or_default(),
            secret: secret.base32(),
            uri,
        },
        request,
    }
}

/// "Set up an authenticator app": a new secret, sealed and kept server-side.
fn begin_totp(
    state: &State,
    r: &BrowserRequest<'_>,
    (session, account): (&SsoSession, &Account),
    peer: IpAddr,
) -> Result<Said, Failed> {
    if account.factors.totp.is_some() {
        return Ok(Said {
            factor_error: Some(factors::HAS_APP),
            ..Said::default()
        });
    }
    let (secret, sealed) = auth_factors::begin_enrolment(&state.master, &account.id)
        .map_err(|e| failed_oauth(e.into()))?;
    let request =
        console::keep_enrolment(&r.ctx, &r.tenant, (session, account), sealed, r.now, peer)
            .map_err(failed_oauth)?;
    Ok(Said {
        totp_setup: Some(setup_view(r, account, &secret, request)),
        ..Said::default()
    })
}

/// The typed code of the app being set up: added, or the setup again with why not.
async fn confirm_totp(
    state: &State,
    r: &BrowserRequest<'_>,
    (session, account): (&SsoSession, &Account),
) -> Result<Said, Failed> {
    let request = r.params.get("request").unwrap_or("");
    let kept = console::kept_enrolment(&r.ctx, &r.tenant, session, request, r.now)
        .map_err(failed_oauth)?;
    let Some(sealed) = kept else {
        return Ok(Said {
            factor_error: Some(SETUP_GONE),
            ..Said::default()
        });
    };
    let code = r.params.get("code").unwrap_or("").trim();
    let added = factors::add_totp(
        &state.account(),
        &r.tenant,
        (&account.id, &sealed),
        code,
        r.now,
    )
    .await
    .map_err(failed_account)?;
    match added {
        FactorChange::Done(codes) => {
            console::drop_enrolment(&r.ctx, request).map_err(failed_oauth)?;
            Ok(Said {
                notice: Some(Msg::new("account.totp_added")),
                new_codes: codes,
                ..Said::default()
            })
        }
        FactorChange::Refused(why) if why == factors::WRONG_CODE => {
            let secret = auth_factors::unseal(&state.master, &account.id, &sealed)
                .map_err(|e| failed_oauth(e.into()))?;
            Ok(Said {
                factor_error: Some(why),
                totp_setup: Some(setup_view(r, account, &secret, request.to_owned())),
                ..Said::default()
            })
        }
        FactorChange::Refused(why) => Ok(Said {
            factor_error: Some(why),
            ..Said::default()
        }),
    }
}
