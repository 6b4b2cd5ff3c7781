//! The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2). An unknown client or a
//! redirect URI that is not registered exactly gets an error page, never a redirect;
//! every other error goes back to the client with `error`, `error_description`, `state`.

mod acr;
mod answer;
pub mod console;
mod decide;
pub mod par;
mod parse;
mod request_object;

use super::request::AuthorizeRequest;
use super::{Ctx, ErrorCode, OAuthError};
use crate::clock::UnixTime;
use crate::crypto::random;
use crate::grant::session;
use crate::grant::{id_token_hint, pending, scopes};
use crate::store::clients::Client;
use crate::store::consents::Consent;
use crate::store::factors::Authenticated;
use crate::store::pending::{Continuation, PendingAuthorization, SecondStep};
use crate::store::sessions::SsoSession;
use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};
use crate::ui::Text;
use answer::answer;
use decide::{Decision, decide};
use parse::{Prompt, Rejected, Request, page};
use request_object::Reference;
use std::net::IpAddr;

/// How recent a session's sign-in must be for it to enrol the account's first second
/// factor without signing in again.
pub const ENROL_AFTER_SECS: u64 = 300;

/// What the browser gets.
#[derive(Debug)]
pub enum Outcome {
    /// An error page (400): the request cannot be trusted to redirect anywhere; a
    /// catalog message, or a protocol error's technical description.
    ErrorPage(Text),
    /// A redirect to the client, with the answer or an error.
    Redirect(String),
    /// The consent page, for the pending request.
    Consent {
        /// The stored request.
        pending_id: String,
    },
    /// A page that posts the answer to the client (`response_mode=form_post`).
    FormPost {
        /// The redirect URI.
        action: String,
        /// The answer's parameters.
        fields: Vec<(String, String)>,
    },
    /// The second-factor page (or TOTP enrolment), for the pending request.
    SecondFactor {
        /// The stored request, with its second step.
        pending_id: String,
    },
    /// The page where the user chooses a new password an admin asked for, for the
    /// pending request.
    PasswordChange {
        /// The stored request.
        pending_id: String,
    },
    /// The sign-in page, for the pending request.
    Login {
        /// The stored request.
        pending_id: String,
        /// A username to prefill.
        login_hint: Option<String>,
    },
}

/// The client `sent` names; failures here are error pages.
fn client_of(store: &Store, tenant: &Tenant, sent: &AuthorizeRequest) -> Result<Client, Rejected> {
    let client_id = sent
        .client_id
        .as_deref()
        .ok_or_else(|| page("The request names no client (client_id is missing)."))?;
    match store.client(tenant.uid, client_id) {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(page(
            "The application that sent you here is not known to this sign-in service.",
        )),
        Err(_) => Err(page(
            "The sign-in service could not read its configuration.",
        )),
    }
}

/// Where `client` may be answered for `sent`: the redirect URI it sent, registered
/// exactly, or its only registered one; failures here are error pages.
fn redirect_of(client: &Client, sent: &AuthorizeRequest) -> Result<String, Rejected> {
    match sent.redirect_uri.as_deref() {
        Some(r) if client.redirect_uris.iter().any(|u| u == r) => Ok(r.to_owned()),
        Some(_) => Err(page(
            "The application asked to return to an address it has not registered.",
        )),
        None if client.redirect_uris.len() == 1 => Ok(client.redirect_uris[0].clone()),
        None => Err(page(
            "The request does not say where to return (redirect_uri is missing).",
        )),
    }
}

/// The request `sent` for `tenant` at `now`, judged: its client, then the request it
/// references in its place when it carries a request object that verifies or a pushed
/// request's URN (RFC 9101 §6.3, RFC 9126 §4: the query's other parameters, its
/// redirect URI included, no longer count), else its redirect URI, and then the rest.
async fn parse(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    sent: AuthorizeRequest,
    now: UnixTime,
) -> Result<Request, Rejected> {
    let client = client_of(ctx.store, tenant, &sent)?;
    let issuer = ctx.grant.issuer(&tenant.id);
    let referenced = match request_object::reference(&sent) {
        Ok(None) => Ok(None),
        Ok(Some(Reference::Object(object))) => {
            match request_object::keys_for(&ctx.client_keys, &client, object, now).await {
                Ok(keys) => request_object::unpack((&client, &keys), &issuer, object, &sent, now)
                    .map(|r| Some((r, false))),
                Err(refusal) => Err(refusal),
            }
        }
        Ok(Some(Reference::Pushed(uri))) => par::take(ctx.store, tenant, &client, uri, now)
            .map_err(|_| page("The sign-in service could not read the pushed request."))?
            .map(|r| Some((r, true))),
        Err(refusal) => Err(refusal),
    };
    let refused = match referenced {
        Ok(Some((request, pushed))) if pushed || !client.require_pushed_authorization_requests => {
            return judge(ctx, tenant, request);
        }
        Ok(_) if client.require_pushed_authorization_requests => Some((
            ErrorCode::InvalidRequest,
            "this client must push its authorization requests first (PAR, RFC 9126)".to_owned(),
        )),
        Ok(_) => None,
        Err(refusal) => Some(refusal),
    };
    let redirect_uri = redirect_of(&client, &sent)?;
    Ok(parse::validate(
        client,
        redirect_uri,
        sent,
        issuer,
        refused,
    )?)
}

/// A request with its parameters at hand (sent plainly, unpacked, pushed, or kept while
/// the user signed in), judged: its client and redirect URI, then the rest.
fn judge(ctx: &Ctx, tenant: &Tenant, sent: AuthorizeRequest) -> Result<Request, Rejected> {
    let client = client_of(ctx.store, tenant, &sent)?;
    let redirect_uri = redirect_of(&client, &sent)?;
    Ok(parse::validate(
        client,
        redirect_uri,
        sent,
        ctx.grant.issuer(&tenant.id),
        None,
    )?)
}

/// Answers the authorization request `sent` to `tenant` at `now` from the client address
/// `peer`, which may create only so many pending authorizations.
pub async fn handle(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    sent: AuthorizeRequest,
    session_cookie: Option<&str>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    let mut req = match parse(ctx, tenant, sent, now).await {
        Ok(r) => r,
        Err(Rejected::Page(m)) => return Ok(Outcome::ErrorPage(Text::Plain(m))),
        Err(Rejected::Respond(o)) => return Ok(o),
    };
    let hinted = match req.id_token_hint.take() {
        Some(h) => match id_token_hint::read(&ctx.grant, &h) {
            Some(found) => Some(found),
            None => {
                return Ok(req.error(
                    ErrorCode::InvalidRequest,
                    "id_token_hint is not an ID token this service issued",
                ));
            }
        },
        None => None,
    };
    let browser = session::from_cookie(ctx.store, session_cookie, now)?;
    match (
        decide(ctx.store, tenant, &req, browser, hinted, now)?,
        req.prompt,
    ) {
        (Decision::Answer(s, hint_alone), _) => {
            req.hint_alone = hint_alone;
            proceed(ctx, tenant, &req, &s, now, false, Some(peer))
        }
        (Decision::Refuse(code, description), _) => Ok(req.error(code, description)),
        (Decision::Login, Prompt::None) => {
            Ok(req.error(ErrorCode::LoginRequired, "the user must sign in"))
        }
        (Decision::Login, _) => Ok(Outcome::Login {
            pending_id: store_pending(
                ctx,
                tenant,
                (&req.kept, Continuation::Authorize),
                now,
                Some(peer),
                None,
            )?,
            login_hint: req.login_hint,
        }),
    }
}

/// Stores the request to take up again after the user signed in or consented; one that
/// comes from outside (`from`, its client address) counts against that address's quota.
fn store_pending(
    ctx: &Ctx,
    tenant: &Tenant,
    (params, continuation): (&[(String, String)], Continuation),
    now: UnixTime,
    from: Option<IpAddr>,
    second_step: Option<SecondStep>,
) -> Result<String, OAuthError> {
    if let Some(peer) = from {
        ctx.pending_quota
            .take(peer, now)
            .map_err(|blocked| OAuthError::TooMany(blocked.retry_after))?;
    }
    let pending = PendingAuthorization {
        id: random::uuid()?,
        tenant_uid: tenant.uid,
        params: params.to_vec(),
        created_at: now,
        expires_at: now + pending::TTL_SECS,
        second_step,
        continuation,
    };
    ctx.store
        .transaction(|tx| tx.put_pending::<StoreError>(&pending))?;
    Ok(pending.id)
}

/// The scopes `req` would grant to the session's user.
fn granted(
    store: &Store,
    tenant: &Tenant,
    req: &Request,
    session: &SsoSession,
) -> Result<Vec<String>, OAuthError> {
    let membership = store
        .membership(tenant.uid, &session.account_id)?
        .ok_or(OAuthError::Internal("member vanished during authorization"))?;
    let mut scopes = scopes::for_member(&req.scopes, &req.client, &membership);
    if req.hint_alone {
        scopes.retain(|s| s != "offline_access");
    }
    Ok(scopes)
}

/// Answers for `session`, unless the client asks for consent the user has not given
/// for these scopes (or `prompt=consent` asks again). `from` is the client address of a
/// request that comes from outside; one that takes up a pending request passes `None`.
fn proceed(
    ctx: &Ctx,
    tenant: &Tenant,
    req: &Request,
    session: &SsoSession,
    now: UnixTime,
    consented: bool,
    from: Option<IpAddr>,
) -> Result<Outcome, OAuthError> {
    if let Some(stop) = second_factor_first(ctx, tenant, req, session, now, from)? {
        return Ok(stop);
    }
    if let Some(stop) = password_change_first(ctx, tenant, req, session, now, from)? {
        return Ok(stop);
    }
    if req.client.require_consent && !consented {
        let scopes = granted(ctx.store, tenant, req, session)?;
        let given = ctx
            .store
            .consent(tenant.uid, &session.account_id, &req.client.client_id)?;
        let covered = !req.prompt_consent
            && given.is_some_and(|c| scopes.iter().all(|s| c.scopes.contains(s)));
        if !covered {
            if req.prompt == Prompt::None {
                return Ok(req.error(
                    ErrorCode::ConsentRequired,
                    "the user has not consented to this client",
                ));
            }
            return Ok(Outcome::Consent {
                pending_id: store_pending(
                    ctx,
                    tenant,
                    (&req.kept, Continuation::Authorize),
                    now,
                    from,
                    None,
                )?,
            });
        }
    }
    answer(ctx, tenant, req, session, now)
}

/// Where a session that lacks the second factor the tenant or the request wants goes
/// first (SPEC "Sign-in: passwords, second factors and passkeys"), however it arrived.
fn second_factor_first(
    ctx: &Ctx,
    tenant: &Tenant,
    req: &Request,
    session: &SsoSession,
    now: UnixTime,
    from: Option<IpAddr>,
) -> Result<Option<Outcome>, OAuthError> {
    let mfa = Authenticated(&session.factors).is_mfa();
    match acr::need(tenant.mfa, req.acr, mfa) {
        acr::Need::Nothing => Ok(None),
        acr::Need::Unmet => Ok(Some(req.error(
            ErrorCode::UnmetAuthenticationRequirements,
            "the session does not meet the requested acr, and this tenant does not step sessions up",
        ))),
        acr::Need::SecondFactor if req.prompt == Prompt::None => Ok(Some(req.error(
            ErrorCode::InteractionRequired,
            "the user must complete a second factor",
        ))),
        // Only an ID token vouches for the user here; without the browser's session
        // cookie nothing binds a second step to this browser, so the user signs in.
        acr::Need::SecondFactor if req.hint_alone => Ok(Some(Outcome::Login {
            pending_id: store_pending(ctx, tenant, (&req.kept, Continuation::Authorize), now, from, None)?,
            login_hint: None,
        })),
        acr::Need::SecondFactor => {
            let Some(step) = step_up(ctx, session, now)? else {
                return Ok(Some(Outcome::Login {
                    pending_id: store_pending(ctx, tenant, (&req.kept, Continuation::Authorize), now, from, None)?,
                    login_hint: None,
                }));
            };
            Ok(Some(Outcome::SecondFactor {
                pending_id: store_pending(ctx, tenant, (&req.kept, Continuation::Authorize), now, from, Some(step))?,
            }))
        }
    }
}

/// The second step that steps `session` up at `now`, bound to its cookie; `None` when
/// the account has no factor yet and the session's sign-in is older than
/// [`ENROL_AFTER_SECS`]: enrolling a first factor adds a lasting credential (a passkey
/// signs in alone), for which a session cookie is not proof enough, so the user signs
/// in again first.
fn step_up(
    ctx: &Ctx,
    session: &SsoSession,
    now: UnixTime,
) -> Result<Option<SecondStep>, OAuthError> {
    let account = ctx
        .store
        .account(&session.account_id)?
        .ok_or(OAuthError::Internal(
            "account vanished during authorization",
        ))?;
    if !account.factors.any() && now.saturating_sub(session.auth_time) > ENROL_AFTER_SECS {
        return Ok(None);
    }
    Ok(Some(SecondStep {
        account_id: account.id,
        username: account.username,
        session_id: Some(session.id.clone()),
        binding: session.cookie_hash,
        enrolling: None,
        factors: session.factors.clone(),
        done_session: None,
        account_epoch: account.refresh_epoch,
    }))
}

/// Where a session whose account must choose a new password goes first (SPEC "Account
/// console and recovery"), however it arrived: every sign-in path (password, second
/// factor, passkey) ends in [`resume`], and so reaches this.
fn password_change_first(
    ctx: &Ctx,
    tenant: &Tenant,
    req: &Request,
    session: &SsoSession,
    now: UnixTime,
    from: Option<IpAddr>,
) -> Result<Option<Outcome>, OAuthError> {
    let account = ctx
        .store
        .account(&session.account_id)?
        .ok_or(OAuthError::Internal(
            "account vanished during authorization",
        ))?;
    if !super::password_change::required(&account, session) {
        return Ok(None);
    }
    if req.prompt == Prompt::None {
        return Ok(Some(req.error(
            ErrorCode::InteractionRequired,
            "the user must choose a new password",
        )));
    }
    // Without the session cookie nothing binds the change to this browser: sign in.
    let pending_id = store_pending(
        ctx,
        tenant,
        (&req.kept, Continuation::Authorize),
        now,
        from,
        None,
    )?;
    Ok(Some(match req.hint_alone {
        true => Outcome::Login {
            pending_id,
            login_hint: None,
        },
        false => Outcome::PasswordChange { pending_id },
    }))
}

/// The request a pending authorization kept, read and judged again.
fn reparse(ctx: &Ctx, tenant: &Tenant, pending: &PendingAuthorization) -> Result<Request, Outcome> {
    if pending.continuation != Continuation::Authorize {
        return Err(Outcome::ErrorPage(pending::EXPIRED.into()));
    }
    let sent = AuthorizeRequest::from_pending(&pending.params)
        .map_err(|e| Outcome::ErrorPage(Text::Plain(e.public_message())))?;
    judge(ctx, tenant, sent).map_err(|r| match r {
        Rejected::Page(m) => Outcome::ErrorPage(Text::Plain(m)),
        Rejected::Respond(o) => o,
    })
}

/// Finishes a pending request at `now` for the user who just signed in with `session`.
pub fn resume(
    ctx: &Ctx,
    tenant: &Tenant,
    pending: &PendingAuthorization,
    session: &SsoSession,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    if pending.continuation == Continuation::Console {
        return console::resume(ctx, tenant, session, now);
    }
    match reparse(ctx, tenant, pending) {
        Ok(req) => proceed(ctx, tenant, &req, session, now, false, None),
        Err(outcome) => Ok(outcome),
    }
}

/// What the consent page shows: the client's name and the scopes it would get.
pub fn consent_request(
    ctx: &Ctx,
    tenant: &Tenant,
    pending: &PendingAuthorization,
    session: &SsoSession,
) -> Result<Result<(String, Vec<String>), Outcome>, OAuthError> {
    match reparse(ctx, tenant, pending) {
        Ok(req) => Ok(Ok((
            req.client.name.clone(),
            granted(ctx.store, tenant, &req, session)?,
        ))),
        Err(outcome) => Ok(Err(outcome)),
    }
}

/// The user's answer on the consent page at `now`: remember it and answer, or refuse.
pub fn consent_given(
    ctx: &Ctx,
    tenant: &Tenant,
    pending: &PendingAuthorization,
    session: &SsoSession,
    allow: bool,
    now: UnixTime,
) -> Result<Outcome, OAuthError> {
    let req = match reparse(ctx, tenant, pending) {
        Ok(r) => r,
        Err(outcome) => return Ok(outcome),
    };
    if !allow {
        return Ok(req.error(ErrorCode::AccessDenied, "the user declined"));
    }
    let consent = Consent {
        tenant_uid: tenant.uid,
        account_id: session.account_id.clone(),
        client_id: req.client.client_id.clone(),
        scopes: granted(ctx.store, tenant, &req, session)?,
        granted_at: now,
    };
    ctx.store
        .transaction(|tx| tx.put_consent::<StoreError>(&consent))?;
    proceed(ctx, tenant, &req, session, now, true, None)
}

#[cfg(test)]
mod tests;
