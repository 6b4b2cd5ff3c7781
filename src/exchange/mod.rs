//! Token exchange through introspection (SPEC "Token exchange through introspection"):
//! API-key authentication, the RFC 7662 call to the tenant's IdP, and the mapping of its
//! answer to the account provisioned with that `external_authentication_provider_id`.
//! The `/v2/sso` endpoints are in [`api`]; the tokens are minted by `grant`.

pub mod api;
pub mod api_key;
pub mod cache;
mod error;
pub mod introspection;
pub mod probe;

pub use error::ExchangeError;

use crate::audit::{Actor, AuditEvent, AuditKind};
use crate::grant::subject::{Member, member};
use crate::state::State;
use crate::store::StoreError;
use crate::store::tenants::Tenant;

/// The longest foreign token accepted.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Checks `token` with the tenant's IdP (or the cache) and finds its account.
pub async fn resolve(state: &State, tenant: &Tenant, token: &str) -> Result<Member, ExchangeError> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(ExchangeError::BadRequest(format!(
            "the foreign access token must be 1 to {MAX_TOKEN_LEN} bytes"
        )));
    }
    let settings = state
        .store
        .introspection(tenant.uid)?
        .ok_or_else(|| ExchangeError::NotConfigured(tenant.id.to_string()))?;
    let key = cache::key(&settings, token);
    let external_id = match state.introspection_cache.get(&key, state.clock.now()) {
        Some(id) => id,
        None => {
            let reply =
                introspection::call(&state.outbound, &state.master, &settings, token).await?;
            let now = state.clock.now();
            let verdict = introspection::judge(&settings, &reply, now)?;
            state
                .introspection_cache
                .put(key, &verdict, settings.cache_ttl_secs, now);
            verdict.external_id
        }
    };
    subject(state, tenant, &external_id)
}

/// The enabled member of `tenant` whose external id is `external_id`.
pub fn subject(state: &State, tenant: &Tenant, external_id: &str) -> Result<Member, ExchangeError> {
    let account_id = state
        .store
        .account_by_external_id(tenant.uid, external_id)?
        .ok_or(ExchangeError::NoAccount)?;
    member(&state.store, tenant.uid, &account_id)?.ok_or(ExchangeError::NoAccount)
}

/// Audits one exchange by `caller` (its tenant and client, unknown when the API key
/// was refused): the account it signed in, or why it failed. Neither the foreign token
/// nor any secret is in the event. A success issues tokens, so its event joins the
/// batched token-issue events (a transaction per exchange cost a log write and a wait,
/// and a record each); a failure is written at once.
pub fn audit(
    state: &State,
    caller: Option<(&Tenant, &str)>,
    outcome: Result<&str, &ExchangeError>,
) -> Result<(), ExchangeError> {
    let now = state.clock.now();
    state.metrics.exchange(match outcome {
        Ok(_) => "ok",
        Err(e) => e.reason(),
    });
    let actor = match caller {
        Some((_, client_id)) => Actor::Client(client_id.to_owned()),
        None => Actor::Anonymous,
    };
    let mut event = match outcome {
        Ok(account_id) => AuditEvent::new(now, AuditKind::Exchange, &actor).account(account_id),
        Err(e) => AuditEvent::new(now, AuditKind::ExchangeFailed, &actor).detail(e.reason()),
    };
    if let Some((tenant, _)) = caller {
        event = event.tenant(tenant.id.as_str());
    }
    if outcome.is_ok() {
        state.issued.push(event);
        return Ok(());
    }
    state
        .store
        .transaction(|tx| tx.audit::<StoreError>(&event))?;
    Ok(())
}
