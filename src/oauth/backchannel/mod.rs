//! Sending back-channel logouts (OIDC Back-Channel Logout 1.0 §2.5-2.8): each due
//! delivery is POSTed as `logout_token=<JWT>` through the outbound pool, off the request
//! path, then finished, rescheduled or given up, with its outcome audited in the same
//! transaction (the status code or a fixed word, never the body or the token).

pub mod schedule;

use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::clock::UnixTime;
use crate::grant::logout_token;
use crate::oauth::OAuthError;
use crate::outbound::{Outbound, Peer};
use crate::store::clients::Client;
use crate::store::deliveries::Delivery;
use crate::types::TenantId;
use schedule::Verdict;
use std::time::Duration;

/// How long one attempt may take (SPEC "Outbound destinations").
const TIMEOUT: Duration = Duration::from_secs(5);

/// What sending needs: the grant layer (store, keys, issuers) and the outbound pool.
pub struct Ctx<'a> {
    /// Store, signing keys and public origin.
    pub grant: crate::grant::Ctx<'a>,
    /// The outbound HTTP client.
    pub outbound: &'a Outbound,
}

/// Makes one attempt at `d` at `now`, and records what came of it.
pub async fn attempt(ctx: &Ctx<'_>, d: &Delivery, now: UnixTime) -> Result<(), OAuthError> {
    let event = |kind, detail: &str| {
        AuditEvent::new(now, kind, &Actor::System)
            .tenant(&d.client.tenant)
            .account(&d.account_id)
            .target(&d.client.client_id)
            .detail(detail)
    };
    let Some((tenant, client)) = receiver(ctx, d)? else {
        let gone = event(AuditKind::BackchannelLogoutAbandoned, "client_gone");
        return Ok(ctx.grant.store.finish_delivery(d, &gone)?);
    };
    let Some(uri) = client.backchannel_logout_uri.as_deref() else {
        let removed = event(AuditKind::BackchannelLogoutAbandoned, "uri_removed");
        return Ok(ctx.grant.store.finish_delivery(d, &removed)?);
    };
    let verdict = match logout_token::sign(&ctx.grant, &tenant, &client, &d.account_id, &d.sid, now)
    {
        Ok(token) => send(ctx, uri, client.urls_set_by_tenant_admin, &token).await,
        // Tried again like a failed call, so a key that is missing for a moment (or for
        // good) neither loses the delivery nor has it attempted every second.
        Err(e) => {
            tracing::warn!("signing a logout token failed: {e}");
            Verdict::Retry("signing_failed".into())
        }
    };
    let store = ctx.grant.store;
    match verdict {
        Verdict::Delivered(s) => store.finish_delivery(
            d,
            &event(AuditKind::BackchannelLogoutDelivered, &s.to_string()),
        )?,
        Verdict::Refused(s) => store.finish_delivery(
            d,
            &event(AuditKind::BackchannelLogoutRefused, &s.to_string()),
        )?,
        Verdict::Retry(why) => {
            match schedule::next_attempt(d.queued_at, d.attempts.saturating_add(1), now) {
                Some(next) => store.reschedule_delivery(
                    d,
                    next,
                    &event(AuditKind::BackchannelLogoutRetrying, &why),
                )?,
                None => {
                    store.finish_delivery(d, &event(AuditKind::BackchannelLogoutAbandoned, &why))?
                }
            }
        }
        Verdict::NotMade => {}
    }
    Ok(())
}

/// POSTs `token` to `uri` and judges the answer; a `restricted` URI (set by a tenant
/// admin) reaches only what the destination policy allows.
async fn send(ctx: &Ctx<'_>, uri: &str, restricted: bool, token: &str) -> Verdict {
    let peer = Peer {
        pool: format!(
            "backchannel:{}",
            if restricted { "tenant" } else { "appliance" }
        ),
        ca_pem: None,
        timeout: TIMEOUT,
        restricted,
    };
    let sent = ctx
        .outbound
        .post_form_for_status(&peer, uri, &[("logout_token", token)])
        .await;
    schedule::judge(sent.as_ref().copied())
}

/// The tenant and client a delivery is for, while both still exist (a tenant deleted
/// and made again under the same name is another incarnation).
fn receiver(ctx: &Ctx<'_>, d: &Delivery) -> Result<Option<(TenantId, Client)>, OAuthError> {
    let Ok(id) = TenantId::parse(&d.client.tenant) else {
        return Ok(None);
    };
    let store = ctx.grant.store;
    if store
        .tenant(&id)?
        .is_none_or(|t| t.uid != d.client.tenant_uid)
    {
        return Ok(None);
    }
    Ok(store
        .client(d.client.tenant_uid, &d.client.client_id)?
        .map(|c| (id, c)))
}
