//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the browser's SSO
//! session, which revokes the refresh tokens tied to it. With a valid `id_token_hint`
//! it happens at once; without one the user confirms with a CSRF-protected form. A
//! `post_logout_redirect_uri` is honoured only when the client registered it exactly,
//! and only for tenants without an upstream logout URL: those send the browser there.

use super::request::LogoutRequest;
use super::{Ctx, OAuthError};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::crypto::random;
use crate::grant::id_token_hint;
use crate::grant::session;
use crate::store::sessions::SsoSession;
use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};
use crate::types::secret::constant_time_eq;
use crate::ui::LogoutView;

/// What the browser gets.
pub enum LogoutOutcome {
    /// Back to the client.
    Redirect(String),
    /// A "signed out" page.
    SignedOut,
    /// The confirmation form.
    Confirm(LogoutView),
    /// An error page; nothing was changed.
    ErrorPage(String),
    /// Signed out here; the tenant's upstream logout URL comes next (broker).
    Upstream {
        /// The tenant's upstream settings.
        settings: Box<crate::store::settings::UpstreamSettings>,
        /// The session that was ended, if the browser had one.
        ended: Option<SsoSession>,
    },
}

/// The audience, session and account of a hint this appliance signed for `tenant` (its
/// expiry does not matter: a hint only identifies).
fn hint_claims(
    ctx: &crate::grant::Ctx,
    tenant: &Tenant,
    hint: &str,
) -> Option<(String, Option<String>, String)> {
    let hint = id_token_hint::read(ctx, hint).filter(|h| h.iss == ctx.issuer(&tenant.id))?;
    Some((hint.audience.into_iter().next()?, hint.sid, hint.sub))
}

/// Answers `GET`/`POST /t/{tenant}/logout` at `now`; an ended session is on disk before
/// the answer.
pub async fn handle(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    req: &LogoutRequest,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
    now: UnixTime,
) -> Result<LogoutOutcome, OAuthError> {
    let outcome = log_out(ctx, tenant, req, session_cookie, csrf_cookie, now)?;
    if matches!(
        outcome,
        LogoutOutcome::Redirect(_) | LogoutOutcome::Upstream { .. } | LogoutOutcome::SignedOut
    ) {
        ctx.store.flush_durable().await?;
    }
    Ok(outcome)
}

/// The logout itself, before [`handle`] makes it durable.
fn log_out(
    ctx: &Ctx,
    tenant: &Tenant,
    req: &LogoutRequest,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
    now: UnixTime,
) -> Result<LogoutOutcome, OAuthError> {
    let asker = match asker(ctx, tenant, req)? {
        Ok(a) => a,
        Err(message) => return Ok(LogoutOutcome::ErrorPage(message.into())),
    };
    let confirmed = match (req.csrf.as_deref(), csrf_cookie) {
        (Some(f), Some(c)) => constant_time_eq(f.as_bytes(), c.as_bytes()),
        _ => false,
    };
    let browser = session::from_cookie(ctx.store, session_cookie, now)?;
    // A hint vouches for the request only when it names this browser's own session (or
    // its user): anyone's hint must not end someone else's session unasked.
    let vouched = match (&asker.hint, &browser) {
        (Some((_, sid, sub)), Some(b)) => {
            sid.as_deref() == Some(b.id.as_str()) || *sub == b.account_id
        }
        (Some(_), None) => true,
        (None, _) => false,
    };
    if !vouched && !confirmed {
        return Ok(LogoutOutcome::Confirm(LogoutView {
            tenant_name: tenant.display_name.clone(),
            action: format!("/t/{}/logout", tenant.id),
            csrf: random::secret_token()?,
            client_id: asker.client_id.unwrap_or_default(),
            post_logout_redirect_uri: req.post_logout_redirect_uri.clone().unwrap_or_default(),
            state: req.state.clone().unwrap_or_default(),
            ui_locales: req.ui_locales.clone().unwrap_or_default(),
        }));
    }
    let ended = end_browser_session(ctx.store, tenant, browser, now)?;
    signed_out(ctx.store, tenant, req, ended)
}

/// Who asks to log out: the hint's audience, session and subject, and the client.
struct Asker {
    hint: Option<(String, Option<String>, String)>,
    client_id: Option<String>,
}

/// The hint and the client of `req`, checked, and its `post_logout_redirect_uri`
/// registered by that client; or the error page's message.
fn asker(
    ctx: &Ctx,
    tenant: &Tenant,
    req: &LogoutRequest,
) -> Result<Result<Asker, &'static str>, OAuthError> {
    let hint = match req.id_token_hint.as_deref() {
        Some(h) => match hint_claims(&ctx.grant, tenant, h) {
            Some(c) => Some(c),
            None => {
                return Ok(Err(
                    "The logout request carries an ID token this sign-in service did not issue.",
                ));
            }
        },
        None => None,
    };
    let client_id = match (
        hint.as_ref().map(|h| h.0.as_str()),
        req.client_id.as_deref(),
    ) {
        (Some(a), Some(b)) if a != b => return Ok(Err("client_id does not match the ID token.")),
        (Some(a), _) | (None, Some(a)) => Some(a.to_owned()),
        (None, None) => None,
    };
    if let Some(uri) = req.post_logout_redirect_uri.as_deref() {
        let registered = match &client_id {
            Some(id) => ctx
                .store
                .client(tenant.uid, id)?
                .is_some_and(|c| c.post_logout_redirect_uris.iter().any(|u| u == uri)),
            None => false,
        };
        if !registered {
            return Ok(Err(
                "The application asked to return to an address it has not registered for logout.",
            ));
        }
    }
    Ok(Ok(Asker { hint, client_id }))
}

/// Where the browser goes once its session (`ended`, if it had one) is over: the
/// tenant's upstream logout, the client's registered URI with `state`, or a page.
fn signed_out(
    store: &Store,
    tenant: &Tenant,
    req: &LogoutRequest,
    ended: Option<SsoSession>,
) -> Result<LogoutOutcome, OAuthError> {
    if let Some(settings) = store
        .upstream(tenant.uid)?
        .filter(|u| u.logout_url.is_some())
    {
        return Ok(LogoutOutcome::Upstream {
            settings: Box::new(settings),
            ended,
        });
    }
    Ok(match req.post_logout_redirect_uri.as_deref() {
        Some(uri) => {
            let mut url = url::Url::parse(uri)
                .map_err(|_| OAuthError::Internal("a registered URI does not parse"))?;
            if let Some(s) = &req.state {
                url.query_pairs_mut().append_pair("state", s);
            }
            LogoutOutcome::Redirect(url.to_string())
        }
        None => LogoutOutcome::SignedOut,
    })
}

/// Ends `session` if there is one, and returns it.
fn end_browser_session(
    store: &Store,
    tenant: &Tenant,
    session: Option<SsoSession>,
    now: UnixTime,
) -> Result<Option<SsoSession>, OAuthError> {
    let Some(s) = session else {
        return Ok(None);
    };
    let event = AuditEvent::new(
        now,
        AuditKind::Logout,
        &Actor::Account(s.account_id.clone()),
    )
    .tenant(tenant.id.as_str())
    .account(&s.account_id);
    store.transaction(|tx| {
        tx.end_session_notifying::<StoreError>(&s.id, now)?;
        tx.audit(&event)
    })?;
    Ok(Some(s))
}
