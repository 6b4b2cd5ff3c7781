//! The brokered tenant's login: instead of the password form, the browser goes to the
//! upstream's authorization endpoint (OIDC Core §3.1.2.1) with `response_type=code`,
//! the configured scopes, `state` and `nonce` (256 bits each), PKCE S256 (RFC 7636) and
//! `login_hint` when the username is known.

use super::flight::Flight;
use super::{BrokerError, Ctx, FLIGHT_SECS};
use crate::clock::UnixTime;
use crate::crypto::{hash, random};
use crate::grant::pending::{self, EXPIRED};
use crate::grant::session;
use crate::grant::tenant;
use crate::types::Secret;
use base64::Engine;
use std::net::IpAddr;

/// Where the login goes.
pub enum Begin {
    /// The tenant has no upstream: show the password form.
    NotBrokered,
    /// Off to the upstream, with the cookie that binds the login to this browser.
    Redirect {
        /// The upstream authorization URL.
        location: String,
        /// The browser cookie's value.
        cookie: Secret,
    },
}

/// Answers `GET /t/{tenant}/login?request=…&login_hint=…` for a brokered tenant, from
/// the client address `peer`, at `now`.
pub async fn begin(
    ctx: &Ctx<'_>,
    slug: &str,
    request_id: Option<&str>,
    login_hint: Option<&str>,
    session_cookie: Option<&str>,
    peer: IpAddr,
    now: UnixTime,
) -> Result<Begin, BrokerError> {
    let tenant = tenant::find(ctx.store, slug)?
        .ok_or_else(|| BrokerError::UnknownTenant(slug.chars().take(63).collect()))?;
    let Some(settings) = ctx.store.upstream(tenant.uid)? else {
        return Ok(Begin::NotBrokered);
    };
    let Some(pending) = pending::find(ctx.store, &tenant, request_id, now)? else {
        return Err(BrokerError::Said(EXPIRED));
    };
    let metadata = ctx.providers.metadata(ctx.outbound, &settings, now).await?;
    let hint = match login_hint {
        Some(h) => Some(h.to_owned()),
        None => match session::from_cookie(ctx.store, session_cookie, now)? {
            Some(s) => ctx.store.account(&s.account_id)?.map(|a| a.username),
            None => None,
        },
    };
    let (state_value, nonce, verifier, cookie) = (
        random::secret_token()?,
        Secret::new(random::secret_token()?),
        Secret::new(random::secret_token()?),
        Secret::new(random::secret_token()?),
    );
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(hash::sha256(verifier.expose().as_bytes()));
    let mut url = url::Url::parse(&metadata.authorization_endpoint).map_err(|_| {
        BrokerError::Page("The identity provider's authorization endpoint is not a URL.".into())
    })?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &settings.client_id)
            .append_pair("redirect_uri", &settings.redirect_uri)
            .append_pair("scope", &settings.scopes.join(" "))
            .append_pair("state", &state_value)
            .append_pair("nonce", nonce.expose())
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(h) = &hint {
            q.append_pair("login_hint", h);
        }
    }
    let flight = Flight {
        tenant: tenant.id.clone(),
        tenant_uid: tenant.uid,
        pending_id: pending.id,
        nonce,
        verifier,
        redirect_uri: settings.redirect_uri.clone(),
        browser_hash: hash::sha256(cookie.expose().as_bytes()),
        address: peer,
        expires_at: now + FLIGHT_SECS,
    };
    ctx.flights.insert(
        ctx.store,
        ctx.master,
        hash::sha256(state_value.as_bytes()),
        flight,
        now,
    )?;
    Ok(Begin::Redirect {
        location: url.to_string(),
        cookie,
    })
}
