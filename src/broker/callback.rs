//! `GET /v2/login/oidc/callback`: the upstream sends the browser back with a code. The
//! state is taken once and must come back in the browser that left with it; the code is
//! exchanged (client_secret_basic, or client_secret_post when discovery asks for it);
//! the ID token is validated; the username is read from it or from userinfo; and only
//! an enabled member of the tenant, with the upstream `sub` seen at its first login,
//! gets an SSO session. The pending downstream request is handed back with it, for the
//! HTTP layer to continue at the OpenID provider.

use super::id_token::{self, Expected};
use super::provider::{self, Metadata};
use super::{BrokerError, Ctx, flight::Flight};
use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::crypto::hash;
use crate::grant::pending;
use crate::grant::session;
use crate::grant::subject::{Member, member};
use crate::store::StoreError;
use crate::store::accounts::Account;
use crate::store::factors::Factor;
use crate::store::pending::PendingAuthorization;
use crate::store::sessions::{SsoSession, UpstreamSignIn, upstream_id_token_purpose};
use crate::store::settings::{UpstreamSettings, upstream_purpose};
use crate::store::tenants::Tenant;
use crate::types::Secret;
use crate::types::secret::constant_time_eq;
use crate::ui::Msg;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

/// Shown when the state is unknown, used, expired or from another browser.
const UNKNOWN_STATE: Msg = Msg::new("error.broker_unknown");

/// What the upstream sent the browser back with (OIDC Core §3.1.2.5, §3.1.2.6).
pub struct CallbackRequest<'a> {
    /// The `state` of the login.
    pub state: Option<&'a str>,
    /// The authorization code.
    pub code: Option<&'a str>,
    /// The upstream's error code, when it did not sign the user in.
    pub error: Option<&'a str>,
    /// Its description of the error.
    pub error_description: Option<&'a str>,
}

/// A finished brokered sign-in: the session is stored and the pending request taken
/// out of the store; the downstream request continues with them.
pub struct SignedIn {
    /// The tenant signed in to.
    pub tenant: Tenant,
    /// The downstream request the sign-in was for.
    pub pending: PendingAuthorization,
    /// The new SSO session.
    pub session: SsoSession,
    /// The new SSO session's cookie value.
    pub cookie: Secret,
}

/// The token endpoint's answer, as far as the broker reads it.
#[derive(Deserialize)]
struct UpstreamTokens {
    id_token: Option<String>,
    access_token: Option<String>,
    error: Option<String>,
}

/// Answers the callback at `now`.
pub async fn handle(
    ctx: &Ctx<'_>,
    request: &CallbackRequest<'_>,
    browser_cookie: Option<&str>,
    now: UnixTime,
) -> Result<SignedIn, BrokerError> {
    let taken = match request.state {
        Some(s) => ctx
            .flights
            .take(ctx.store, ctx.master, &hash::sha256(s.as_bytes()), now)?,
        None => None,
    };
    let flight = taken.ok_or_else(|| BrokerError::Said(UNKNOWN_STATE))?;
    let same_browser = browser_cookie
        .is_some_and(|c| constant_time_eq(&hash::sha256(c.as_bytes()), &flight.browser_hash));
    if !same_browser {
        return Err(BrokerError::Said(UNKNOWN_STATE));
    }
    let tenant = ctx
        .store
        .tenant(&flight.tenant)?
        .filter(|t| t.uid == flight.tenant_uid)
        .ok_or_else(|| BrokerError::Said(UNKNOWN_STATE))?;
    let result = complete(ctx, request, &flight, &tenant, now).await;
    if let Err(BrokerError::Page(_) | BrokerError::Said(_)) = &result {
        let event = AuditEvent::new(now, AuditKind::LoginFailed, &Actor::System)
            .tenant(tenant.id.as_str())
            .detail("upstream_failed");
        ctx.store.transaction(|tx| tx.audit::<StoreError>(&event))?;
    }
    result
}

/// Everything after the state was accepted: the upstream's answer, checked.
async fn complete(
    ctx: &Ctx<'_>,
    request: &CallbackRequest<'_>,
    flight: &Flight,
    tenant: &Tenant,
    now: UnixTime,
) -> Result<SignedIn, BrokerError> {
    let page = |m: &str| BrokerError::Page(m.to_owned());
    if let Some(error) = request.error {
        let detail = request
            .error_description
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        return Err(BrokerError::Page(format!(
            "The identity provider did not sign you in: {error}{detail}."
        )));
    }
    let code = request
        .code
        .ok_or_else(|| page("The identity provider sent no code."))?;
    let settings = ctx
        .store
        .upstream(tenant.uid)?
        .ok_or_else(|| page("This sign-in service no longer uses an identity provider."))?;
    let metadata = ctx.providers.metadata(ctx.outbound, &settings, now).await?;
    let tokens = redeem(ctx, &settings, &metadata, flight, code).await?;
    let id_token = tokens
        .id_token
        .ok_or_else(|| page("The identity provider returned no ID token."))?;
    let expected = Expected {
        issuer: &metadata.issuer,
        client_id: &settings.client_id,
        nonce: flight.nonce.expose(),
        now,
    };
    let claims =
        id_token::verify(ctx.providers, ctx.outbound, &settings, &id_token, &expected).await?;
    let sub = claims["sub"].as_str().unwrap_or_default().to_owned();
    let username = match claims[&settings.username_claim].as_str() {
        Some(u) => u.to_owned(),
        None => from_userinfo(ctx, &settings, &metadata, tokens.access_token, &sub).await?,
    };
    let account = admitted(ctx, tenant, &username, &sub, now)?;
    sign_in(ctx, tenant.clone(), flight, &account, &sub, &id_token, now)
}

/// Exchanges the code at the upstream's token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5).
async fn redeem(
    ctx: &Ctx<'_>,
    settings: &UpstreamSettings,
    metadata: &Metadata,
    flight: &Flight,
    code: &str,
) -> Result<UpstreamTokens, BrokerError> {
    let secret = ctx.master.open(
        &upstream_purpose(settings.tenant_uid),
        &settings.sealed_client_secret,
    )?;
    let secret = String::from_utf8(secret)
        .map_err(|_| BrokerError::Internal("the upstream secret is not UTF-8"))?;
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", flight.redirect_uri.as_str()),
        ("code_verifier", flight.verifier.expose()),
    ];
    let basic;
    let authorization = if metadata.wants_post() {
        fields.push(("client_id", settings.client_id.as_str()));
        fields.push(("client_secret", secret.as_str()));
        None
    } else {
        basic = basic_auth(&settings.client_id, &secret);
        Some(basic.as_str())
    };
    let reply = ctx
        .outbound
        .post_form(
            &provider::peer(settings),
            &metadata.token_endpoint,
            &fields,
            authorization,
        )
        .await?;
    let tokens: Option<UpstreamTokens> = serde_json::from_slice(&reply.body).ok();
    match (reply.status, tokens) {
        (200, Some(t)) => Ok(t),
        (status, t) => Err(BrokerError::Page(format!(
            "The identity provider refused the sign-in code (HTTP {status}{}).",
            t.and_then(|t| t.error)
                .map(|e| format!(", {e}"))
                .unwrap_or_default()
        ))),
    }
}

/// `client_secret_basic` (RFC 6749 §2.3.1: both parts form-encoded first).
fn basic_auth(id: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", enc(id), enc(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// The username from userinfo (OIDC Core §5.3), whose `sub` must be the ID token's.
async fn from_userinfo(
    ctx: &Ctx<'_>,
    settings: &UpstreamSettings,
    metadata: &Metadata,
    access_token: Option<String>,
    sub: &str,
) -> Result<String, BrokerError> {
    let missing = || {
        BrokerError::Page(format!(
            "The identity provider did not say the username (claim `{}`).",
            settings.username_claim
        ))
    };
    let (Some(endpoint), Some(token)) = (&metadata.userinfo_endpoint, access_token) else {
        return Err(missing());
    };
    let reply = ctx
        .outbound
        .get(
            &provider::peer(settings),
            endpoint,
            Some(&format!("Bearer {token}")),
        )
        .await?;
    let info: Value = provider::json_of(&reply, "userinfo endpoint")
        .map_err(|why| BrokerError::Page(format!("The identity provider is not usable: {why}.")))?;
    if info["sub"].as_str() != Some(sub) {
        return Err(BrokerError::Page(
            "The identity provider's userinfo is about another user than its ID token.".into(),
        ));
    }
    info[&settings.username_claim]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(missing)
}

/// The enabled member with `username`, whose remembered upstream `sub` (if any) is `sub`;
/// a refusal is audited at `now`.
fn admitted(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    username: &str,
    sub: &str,
    now: UnixTime,
) -> Result<Account, BrokerError> {
    let refuse = |reason: &str, message: String| -> Result<Account, BrokerError> {
        let event = AuditEvent::new(now, AuditKind::LoginFailed, &Actor::System)
            .tenant(tenant.id.as_str())
            .target(username)
            .detail(reason);
        ctx.store.transaction(|tx| tx.audit::<StoreError>(&event))?;
        Err(BrokerError::Refused(message))
    };
    let not_provisioned = || {
        format!(
            "You signed in at the identity provider as `{username}`, but that user is not provisioned for {}. Ask your administrator for access.",
            tenant.display_name
        )
    };
    let Some(account) = ctx.store.account_by_username(username)? else {
        return refuse("not_provisioned", not_provisioned());
    };
    let Some(Member {
        account,
        membership,
    }) = member(ctx.store, tenant.uid, &account.id)?
    else {
        let membership = ctx.store.membership(tenant.uid, &account.id)?;
        return match membership.map(|m| m.disabled) {
            Some(_) if account.disabled => refuse(
                "account_disabled",
                format!("The account `{username}` is disabled."),
            ),
            Some(true) => refuse(
                "membership_disabled",
                format!(
                    "The account `{username}` is disabled at {}.",
                    tenant.display_name
                ),
            ),
            _ => refuse("not_provisioned", not_provisioned()),
        };
    };
    if membership.upstream_sub.as_deref().is_some_and(|s| s != sub) {
        return refuse(
            "upstream_sub_mismatch",
            format!(
                "The identity provider's user `{username}` is not the one first seen under that name. Ask your administrator."
            ),
        );
    }
    Ok(account)
}

/// Creates the SSO session (keeping the upstream ID token sealed for logout), binds the
/// upstream `sub` at the first login, and takes the downstream request out of the store,
/// all at `now`.
fn sign_in(
    ctx: &Ctx<'_>,
    tenant: Tenant,
    flight: &Flight,
    account: &Account,
    sub: &str,
    id_token: &str,
    now: UnixTime,
) -> Result<SignedIn, BrokerError> {
    let pending = pending::find(ctx.store, &tenant, Some(&flight.pending_id), now)?
        .ok_or_else(|| BrokerError::Said(pending::EXPIRED))?;
    let (mut session, cookie) = session::new(&account.id, vec![Factor::Upstream], now)?;
    session.upstream = Some(UpstreamSignIn {
        tenant_uid: tenant.uid,
        sealed_id_token: ctx
            .master
            .seal(&upstream_id_token_purpose(&session.id), id_token.as_bytes())?,
    });
    let event = AuditEvent::new(now, AuditKind::Login, &Actor::Account(account.id.clone()))
        .tenant(tenant.id.as_str())
        .account(&account.id)
        .detail("upstream");
    ctx.store.transaction(|tx| {
        let current = tx.membership::<StoreError>(tenant.uid, &account.id)?;
        if let Some(mut m) = current.filter(|m| m.upstream_sub.is_none()) {
            m.upstream_sub = Some(sub.to_owned());
            tx.put_membership(&m)?;
        }
        tx.put_session(&session)?;
        tx.remove_pending(&pending.id)?;
        tx.audit(&event)
    })?;
    Ok(SignedIn {
        tenant,
        pending,
        session,
        cookie,
    })
}
