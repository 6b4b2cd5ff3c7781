//! A foreign access token as proof of an account (SPEC "Token exchange through
//! introspection"): checked at the tenant's IdP or found in the cache, then mapped to
//! the enabled member with that `external_authentication_provider_id`; and the audit
//! event of each attempt, whichever protocol made it.

use super::ForeignTokenError;
use super::introspection;
use super::introspection_cache::{self, IntrospectionCache};
use crate::audit::{Actor, AuditEvent, AuditKind, Batch};
use crate::clock::UnixTime;
use crate::crypto::seal::MasterKey;
use crate::grant::subject::{Member, member};
use crate::metrics::Metrics;
use crate::outbound::Outbound;
use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};

/// The longest foreign token accepted.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// What checking a foreign token needs.
pub struct Ctx<'a> {
    /// The store: introspection settings, accounts, the audit log.
    pub store: &'a Store,
    /// The client for the IdP call.
    pub outbound: &'a Outbound,
    /// Opens the sealed introspection client secret.
    pub master: &'a MasterKey,
    /// Positive answers, for tenants that turn the cache on.
    pub cache: &'a IntrospectionCache,
    /// Counters for `/metrics`.
    pub metrics: &'a Metrics,
    /// Audit events of successful attempts wait here for their batch write.
    pub issued: &'a Batch,
}

/// Checks `token` with the tenant's IdP (or the cache) at `now` and finds its account.
pub async fn resolve(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    token: &str,
    now: UnixTime,
) -> Result<Member, ForeignTokenError> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(ForeignTokenError::Malformed(format!(
            "the foreign access token must be 1 to {MAX_TOKEN_LEN} bytes"
        )));
    }
    let settings = ctx
        .store
        .introspection(tenant.uid)?
        .ok_or_else(|| ForeignTokenError::NotConfigured(tenant.id.to_string()))?;
    let key = introspection_cache::key(&settings, token);
    let external_id = match ctx.cache.get(&key, now) {
        Some(id) => id,
        None => {
            let reply = introspection::call(ctx.outbound, ctx.master, &settings, token).await?;
            let verdict = introspection::judge(&settings, &reply, now)?;
            ctx.cache.put(key, &verdict, settings.cache_ttl_secs, now);
            verdict.external_id
        }
    };
    subject(ctx.store, tenant, &external_id)
}

/// [`resolve`], then [`audit`] of the attempt by `client_id` of `tenant`, whichever
/// protocol made it: the member, or why there is none (a failed audit write included).
pub async fn resolve_audited(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    client_id: &str,
    token: &str,
    now: UnixTime,
) -> Result<Member, ForeignTokenError> {
    let resolved = resolve(ctx, tenant, token, now).await;
    let outcome = resolved
        .as_ref()
        .map(|s| s.account.id.as_str())
        .map_err(ForeignTokenError::reason);
    audit(ctx, Some((tenant, client_id)), outcome, now)?;
    resolved
}

/// The enabled member of `tenant` whose external id is `external_id`.
pub fn subject(
    store: &Store,
    tenant: &Tenant,
    external_id: &str,
) -> Result<Member, ForeignTokenError> {
    let account_id = store
        .account_by_external_id(tenant.uid, external_id)?
        .ok_or(ForeignTokenError::NoAccount)?;
    member(store, tenant.uid, &account_id)?.ok_or(ForeignTokenError::NoAccount)
}

/// Audits one exchange attempt by `caller` (its tenant and client, unknown when the
/// caller was not identified): the account it signed in, or the short reason it failed.
/// Neither the foreign token nor any secret is in the event. A success issues tokens,
/// so its event joins the batched token-issue events (a transaction per exchange cost
/// a log write and a wait, and a record each); a failure is written at once.
pub fn audit(
    ctx: &Ctx<'_>,
    caller: Option<(&Tenant, &str)>,
    outcome: Result<&str, &'static str>,
    now: UnixTime,
) -> Result<(), StoreError> {
    ctx.metrics.exchange(match outcome {
        Ok(_) => "ok",
        Err(reason) => reason,
    });
    let actor = match caller {
        Some((_, client_id)) => Actor::Client(client_id.to_owned()),
        None => Actor::Anonymous,
    };
    let mut event = match outcome {
        Ok(account_id) => AuditEvent::new(now, AuditKind::Exchange, &actor).account(account_id),
        Err(reason) => AuditEvent::new(now, AuditKind::ExchangeFailed, &actor).detail(reason),
    };
    if let Some((tenant, _)) = caller {
        event = event.tenant(tenant.id.as_str());
    }
    if outcome.is_ok() {
        ctx.issued.push(event);
        return Ok(());
    }
    ctx.store.transaction(|tx| tx.audit::<StoreError>(&event))
}
