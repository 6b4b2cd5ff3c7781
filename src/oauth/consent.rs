//! The consent page (`/t/{tenant}/consent`) for clients registered with
//! `require_consent`: the scopes the client would get, and the user's allow or deny,
//! remembered per user and client.

use super::authorize::{self, Outcome};
use super::request::ConsentForm;
use super::{Ctx, OAuthError};
use crate::clock::UnixTime;
use crate::crypto::random;
use crate::grant::pending;
use crate::grant::session;
use crate::store::StoreError;
use crate::store::pending::PendingAuthorization;
use crate::store::sessions::SsoSession;
use crate::store::tenants::Tenant;
use crate::types::secret::constant_time_eq;
use crate::ui::{ConsentView, Locale, Msg, ScopeLine};

/// What the consent page answers.
pub enum ConsentOutcome {
    /// The page (its CSRF token also goes in the cookie).
    Page(ConsentView),
    /// An error page (400).
    ErrorPage(Msg),
    /// Decided: where the request leads.
    Done(Outcome),
}

/// The pending request and the user's session, or why they are missing.
fn context(
    ctx: &Ctx,
    tenant: &Tenant,
    request: Option<&str>,
    cookie: Option<&str>,
    now: UnixTime,
) -> Result<Result<(PendingAuthorization, SsoSession), Msg>, OAuthError> {
    let pending = pending::find(ctx.store, tenant, request, now)?;
    let session = session::from_cookie(ctx.store, cookie, now)?;
    Ok(match (pending, session) {
        (Some(p), Some(s)) => Ok((p, s)),
        _ => Err(pending::EXPIRED),
    })
}

/// `GET /t/{tenant}/consent?request=…` at `now`: the page for the pending request
/// `request_id`, its scopes described in `lang`.
pub fn show(
    ctx: &Ctx,
    tenant: &Tenant,
    request_id: Option<&str>,
    (session_cookie, lang): (Option<&str>, Locale),
    now: UnixTime,
) -> Result<ConsentOutcome, OAuthError> {
    let (pending, session) = match context(ctx, tenant, request_id, session_cookie, now)? {
        Ok(c) => c,
        Err(m) => return Ok(ConsentOutcome::ErrorPage(m)),
    };
    Ok(
        match authorize::consent_request(ctx, tenant, &pending, &session)? {
            Ok((client_name, scopes)) => ConsentOutcome::Page(ConsentView {
                tenant_name: tenant.display_name.clone(),
                client_name,
                scopes: scopes
                    .into_iter()
                    .map(|s| ScopeLine::new(s, &tenant.scope_descriptions, lang))
                    .collect(),
                action: format!("/t/{}/consent", tenant.id),
                csrf: random::secret_token()?,
                request_id: pending.id,
            }),
            Err(outcome) => ConsentOutcome::Done(outcome),
        },
    )
}

/// `POST /t/{tenant}/consent` at `now`: `decision=allow` or `deny`, once per pending
/// request.
pub fn decide(
    ctx: &Ctx,
    tenant: &Tenant,
    form: &ConsentForm,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
    now: UnixTime,
) -> Result<ConsentOutcome, OAuthError> {
    let csrf_ok = match (form.csrf.as_deref(), csrf_cookie) {
        (Some(f), Some(c)) => constant_time_eq(f.as_bytes(), c.as_bytes()),
        _ => false,
    };
    if !csrf_ok {
        return Ok(ConsentOutcome::ErrorPage(Msg::new("error.form_stale")));
    }
    let request_id = form.request_id.as_deref();
    let (pending, session) = match context(ctx, tenant, request_id, session_cookie, now)? {
        Ok(c) => c,
        Err(m) => return Ok(ConsentOutcome::ErrorPage(m)),
    };
    let Some(allow) = form.allow else {
        return Ok(ConsentOutcome::ErrorPage(Msg::new("error.no_decision")));
    };
    let taken = ctx
        .store
        .transaction(|tx| tx.remove_pending::<StoreError>(&pending.id))?;
    if taken.is_none() {
        return Ok(ConsentOutcome::ErrorPage(pending::EXPIRED));
    }
    Ok(ConsentOutcome::Done(authorize::consent_given(
        ctx, tenant, &pending, &session, allow, now,
    )?))
}
