//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the browser's SSO
//! session, which revokes the refresh tokens tied to it. With a valid `id_token_hint`
//! it happens at once; without one the user confirms with a CSRF-protected form. A
//! `post_logout_redirect_uri` is honoured only when the client registered it exactly,
//! and only for tenants without an upstream logout URL: those send the browser there.

use super::request::Params;
use super::tenant;
use super::{Ctx, OAuthError};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::crypto::jose::Unverified;
use crate::crypto::random;
use crate::session;
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
        ended: Option<crate::store::sessions::SsoSession>,
    },
}

/// The audience and session of a hint this appliance signed for `tenant` (its expiry
/// does not matter: a hint only identifies).
fn hint_claims(
    ctx: &crate::grant::Ctx,
    tenant: &Tenant,
    hint: &str,
) -> Option<(String, Option<String>, String)> {
    let unverified = Unverified::parse(hint).ok()?;
    if unverified
        .header
        .typ
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case(crate::grant::claims::ACCESS_TOKEN_TYP))
    {
        return None;
    }
    let claims: serde_json::Value = serde_json::from_slice(&ctx.keys.verify(hint).ok()?).ok()?;
    if claims["iss"].as_str() != Some(ctx.issuer(&tenant.id).as_str()) {
        return None;
    }
    let aud = claims["aud"]
        .as_str()
        .or_else(|| claims["aud"][0].as_str())?
        .to_owned();
    Some((
        aud,
        claims["sid"].as_str().map(str::to_owned),
        claims["sub"].as_str()?.to_owned(),
    ))
}

/// Answers `GET`/`POST /t/{tenant}/logout` at `now`.
pub fn handle(
    ctx: &Ctx,
    slug: &str,
    params: &Params,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
    now: UnixTime,
) -> Result<LogoutOutcome, OAuthError> {
    let store = ctx.store;
    let tenant = tenant::lookup(store, slug)?;
    let hint =
        match params.get("id_token_hint") {
            Some(h) => match hint_claims(&ctx.grant, &tenant, h) {
                Some(c) => Some(c),
                None => return Ok(LogoutOutcome::ErrorPage(
                    "The logout request carries an ID token this sign-in service did not issue."
                        .into(),
                )),
            },
            None => None,
        };
    let client_id = match (hint.as_ref().map(|h| h.0.as_str()), params.get("client_id")) {
        (Some(a), Some(b)) if a != b => {
            return Ok(LogoutOutcome::ErrorPage(
                "client_id does not match the ID token.".into(),
            ));
        }
        (Some(a), _) | (None, Some(a)) => Some(a.to_owned()),
        (None, None) => None,
    };
    let redirect = params.get("post_logout_redirect_uri");
    if let Some(uri) = redirect {
        let registered = match &client_id {
            Some(id) => store
                .client(tenant.uid, id)?
                .is_some_and(|c| c.post_logout_redirect_uris.iter().any(|u| u == uri)),
            None => false,
        };
        if !registered {
            return Ok(LogoutOutcome::ErrorPage(
                "The application asked to return to an address it has not registered for logout."
                    .into(),
            ));
        }
    }
    let confirmed = match (params.get("csrf"), csrf_cookie) {
        (Some(f), Some(c)) => constant_time_eq(f.as_bytes(), c.as_bytes()),
        _ => false,
    };
    let browser = session::from_cookie(store, session_cookie, now)?;
    // A hint vouches for the request only when it names this browser's own session (or
    // its user): anyone's hint must not end someone else's session unasked.
    let vouched = match (&hint, &browser) {
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
            client_id: client_id.unwrap_or_default(),
            post_logout_redirect_uri: redirect.unwrap_or("").to_owned(),
            state: params.get("state").unwrap_or("").to_owned(),
        }));
    }
    let ended = end_browser_session(store, &tenant, browser, now)?;
    if let Some(settings) = store
        .upstream(tenant.uid)?
        .filter(|u| u.logout_url.is_some())
    {
        return Ok(LogoutOutcome::Upstream {
            settings: Box::new(settings),
            ended,
        });
    }
    Ok(match redirect {
        Some(uri) => {
            let mut url = url::Url::parse(uri)
                .map_err(|_| OAuthError::Internal("a registered URI does not parse"))?;
            if let Some(s) = params.get("state") {
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
    session: Option<crate::store::sessions::SsoSession>,
    now: UnixTime,
) -> Result<Option<crate::store::sessions::SsoSession>, OAuthError> {
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
        tx.end_session::<StoreError>(&s.id)?;
        tx.audit(&event)
    })?;
    Ok(Some(s))
}
