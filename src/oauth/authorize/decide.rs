//! How an authorization request is answered before any page is shown (OIDC Core
//! §3.1.2.1, SPEC "id_token_hint"): the session to answer for (the browser's, or the one
//! an `id_token_hint` names), `prompt`, `max_age`, and the membership rule.

use super::parse::{Prompt, Request};
use crate::clock::UnixTime;
use crate::grant::id_token_hint::IdTokenHint;
use crate::grant::subject::member;
use crate::oauth::{ErrorCode, OAuthError};
use crate::store::sessions::SsoSession;
use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};

/// True if `account_id` is an enabled member of `tenant`.
fn admitted(store: &Store, tenant: &Tenant, account_id: &str) -> Result<bool, StoreError> {
    Ok(member(store, tenant.uid, account_id)?.is_some())
}

/// How the request will be answered.
pub(super) enum Decision {
    /// Answer at once for this session; `true` when only an `id_token_hint` (no
    /// session cookie) vouches for it.
    Answer(SsoSession, bool),
    /// Ask the user to sign in (or `login_required` under `prompt=none`).
    Login,
    /// Refuse, back to the client.
    Refuse(ErrorCode, &'static str),
}

/// Picks the session to answer with (SPEC "id_token_hint", OIDC Core §3.1.2.1).
pub(super) fn decide(
    store: &Store,
    tenant: &Tenant,
    req: &Request,
    browser: Option<SsoSession>,
    hinted: Option<IdTokenHint>,
    now: UnixTime,
) -> Result<Decision, OAuthError> {
    // A hint issued to another client proves nothing about this request's user: it
    // counts as absent, and without its own session the user signs in.
    let hinted = hinted.filter(|h| h.audience.contains(&req.client.client_id));
    let hint_alone = hinted.is_some() && browser.is_none();
    let session = match hinted {
        Some(IdTokenHint { sub, sid, .. }) => {
            if browser.as_ref().is_some_and(|b| b.account_id != sub) {
                return Ok(Decision::Login);
            }
            let named = match sid {
                Some(sid) => store
                    .session(&sid)?
                    .filter(|s| s.account_id == sub && s.expires_at > now),
                None => None,
            };
            match named.or(browser) {
                Some(s) if !admitted(store, tenant, &s.account_id)? => {
                    return Ok(Decision::Refuse(
                        ErrorCode::AccessDenied,
                        "the user is not a member of this tenant",
                    ));
                }
                other => other,
            }
        }
        None => match browser {
            Some(s) if admitted(store, tenant, &s.account_id)? => Some(s),
            _ => None,
        },
    };
    // OIDC Core §3.1.2.1: re-authenticate when more than max_age seconds have passed;
    // max_age=0 always asks, like prompt=login.
    let fresh_enough = |s: &SsoSession| {
        req.max_age
            .is_none_or(|m| m > 0 && now.saturating_sub(s.auth_time) <= m)
    };
    Ok(match session {
        Some(s) if req.prompt != Prompt::Login && fresh_enough(&s) => {
            Decision::Answer(s, hint_alone)
        }
        _ => Decision::Login,
    })
}
