//! After a brokered tenant's logout: the browser goes on to the upstream's logout URL.
//! When that URL is the upstream's `end_session_endpoint` (OpenID Connect RP-Initiated
//! Logout 1.0 §2), latchkey adds `id_token_hint` (the upstream ID token of the ended
//! session, when it came from this tenant) and `client_id`; otherwise it goes unchanged.

use super::Ctx;
use crate::clock::UnixTime;
use crate::store::sessions::{SsoSession, upstream_id_token_purpose};
use crate::store::settings::UpstreamSettings;

/// The URL to send the browser to at `now`; `None` when the settings have no logout URL.
pub async fn location(
    ctx: &Ctx<'_>,
    settings: &UpstreamSettings,
    ended: Option<&SsoSession>,
    now: UnixTime,
) -> Option<String> {
    let logout_url = settings.logout_url.as_deref()?;
    let is_end_session = match ctx.providers.metadata(ctx.outbound, settings, now).await {
        Ok(m) => m.end_session_endpoint.as_deref() == Some(logout_url),
        Err(_) => false,
    };
    if !is_end_session {
        return Some(logout_url.to_owned());
    }
    let Ok(mut url) = url::Url::parse(logout_url) else {
        return Some(logout_url.to_owned());
    };
    let sealed = ended
        .and_then(|s| s.upstream.as_ref().map(|u| (s, u)))
        .filter(|(_, u)| u.tenant_uid == settings.tenant_uid);
    let hint = match sealed.map(|(s, u)| {
        ctx.master
            .open(&upstream_id_token_purpose(&s.id), &u.sealed_id_token)
    }) {
        Some(Ok(bytes)) => String::from_utf8(bytes).into_iter().next(),
        Some(Err(e)) => {
            tracing::warn!("the upstream ID token of an ended session did not open: {e}");
            None
        }
        None => None,
    };
    {
        let mut q = url.query_pairs_mut();
        if let Some(h) = &hint {
            q.append_pair("id_token_hint", h);
        }
        q.append_pair("client_id", &settings.client_id);
    }
    Some(url.to_string())
}
