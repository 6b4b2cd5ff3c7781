//! API keys of a client, for `/v2/sso`: created (value shown once), listed, revoked.

use super::clients::{find, still_there};
use super::page::{Page, PageRequest};
use super::{AdminError, Ctx, validate};
use crate::audit::{AuditEvent, AuditKind};
use crate::clock::rfc3339;
use crate::crypto::{hash, random};
use crate::store::TxError;
use crate::store::api_keys::ApiKey;
use crate::types::{AuthMethod, GrantType};
use serde::{Deserialize, Serialize};

/// Prefix of API key values.
const PREFIX: &str = "lkapi_";
/// Keys one client may have.
const MAX_KEYS_PER_CLIENT: usize = 100;

/// `POST …/api-keys` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// What the operator calls it.
    pub label: String,
}

/// An API key as listed.
#[derive(Debug, Serialize)]
pub struct ApiKeyView {
    /// Its id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// The client it belongs to.
    pub client_id: String,
    /// When it was created.
    pub created_at: String,
    /// When it last authenticated a call.
    pub last_used_at: Option<String>,
}

/// A key just created, with its value.
#[derive(Debug, Serialize)]
pub struct CreatedApiKey {
    /// Its id.
    pub id: String,
    /// The key, shown once.
    pub key: String,
    /// Its label.
    pub label: String,
    /// The client it belongs to.
    pub client_id: String,
    /// When it was created.
    pub created_at: String,
}

fn view(k: ApiKey) -> ApiKeyView {
    ApiKeyView {
        id: k.id,
        label: k.label,
        client_id: k.client_id,
        created_at: rfc3339(k.created_at),
        last_used_at: k.last_used_at.map(rfc3339),
    }
}

/// Creates an API key for a client.
pub fn create(
    ctx: &Ctx<'_>,
    slug: &str,
    client_id: &str,
    new: &NewApiKey,
) -> Result<CreatedApiKey, AdminError> {
    let label = validate::text("label", &new.label, 200)?;
    let tenant = ctx.tenant(slug)?;
    find(ctx, &tenant, client_id)?;
    let value = format!("{PREFIX}{}", random::secret_token()?);
    let key = ApiKey {
        id: random::uuid()?,
        tenant: tenant.id.clone(),
        tenant_uid: tenant.uid,
        client_id: client_id.to_owned(),
        label,
        key_hash: hash::sha256(value.as_bytes()),
        created_at: ctx.now,
        last_used_at: None,
    };
    let event = AuditEvent::new(ctx.now, AuditKind::ApiKeyCreated, &ctx.actor)
        .tenant(slug)
        .target(&key.id);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        let Some(mut client) = tx.client::<AdminError>(tenant.uid, client_id)? else {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "no client `{client_id}` in tenant `{slug}`"
            ))));
        };
        if client.auth_method == AuthMethod::None
            || !client.grant_types.contains(&GrantType::TokenExchange)
        {
            return Err(TxError::abort(AdminError::invalid(
                "client_id",
                "API keys are for confidential clients allowed the token-exchange grant",
            )));
        }
        if client.api_key_ids.len() >= MAX_KEYS_PER_CLIENT {
            return Err(TxError::abort(AdminError::invalid(
                "label",
                format!("a client has at most {MAX_KEYS_PER_CLIENT} API keys"),
            )));
        }
        client.api_key_ids.push(key.id.clone());
        tx.put_client(&client)?;
        tx.put_api_key(&key)?;
        tx.audit(&event)
    })?;
    Ok(CreatedApiKey {
        key: value,
        created_at: rfc3339(key.created_at),
        id: key.id,
        label: key.label,
        client_id: key.client_id,
    })
}

/// A client's API keys, by id.
pub fn list(
    ctx: &Ctx<'_>,
    slug: &str,
    client_id: &str,
    page: &PageRequest,
) -> Result<Page<ApiKeyView>, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let client = find(ctx, &tenant, client_id)?;
    let mut ids = client.api_key_ids;
    ids.sort();
    let mut fetched = Vec::new();
    for id in ids
        .iter()
        .filter(|id| page.after.as_ref().is_none_or(|a| *id > a))
        .take(page.limit + 1)
    {
        fetched.extend(ctx.store.api_key(id)?);
    }
    Ok(Page::from_fetched(fetched, page.limit, |k| k.id.clone()).map(view))
}

/// Revokes an API key.
pub fn revoke(ctx: &Ctx<'_>, slug: &str, client_id: &str, key_id: &str) -> Result<(), AdminError> {
    let tenant = ctx.tenant(slug)?;
    let missing =
        || AdminError::NotFound(format!("no API key `{key_id}` for client `{client_id}`"));
    let event = AuditEvent::new(ctx.now, AuditKind::ApiKeyRevoked, &ctx.actor)
        .tenant(slug)
        .target(key_id);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        let Some(mut client) = tx.client::<AdminError>(tenant.uid, client_id)? else {
            return Err(TxError::abort(missing()));
        };
        if !client.api_key_ids.iter().any(|k| k == key_id) {
            return Err(TxError::abort(missing()));
        }
        client.api_key_ids.retain(|k| k != key_id);
        tx.put_client(&client)?;
        tx.remove_api_key::<AdminError>(key_id)?;
        tx.audit(&event)
    })
}
