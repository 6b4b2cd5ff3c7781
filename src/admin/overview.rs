//! The appliance at a glance, for the admin UI's dashboard: tenants with their client
//! and member counts, the active signing keys' ages, live sessions and the store's size.

use super::{AdminError, Ctx, keys};
use serde::Serialize;

/// How many tenants the dashboard lists.
const TENANTS_SHOWN: usize = 500;

/// One line of the dashboard's tenant table.
#[derive(Debug, Serialize)]
pub struct TenantRow {
    /// Slug.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Registered clients.
    pub clients: usize,
    /// Members.
    pub members: usize,
}

/// An active signing key's algorithm and age.
#[derive(Debug, Serialize)]
pub struct KeyAge {
    /// Algorithm.
    pub alg: String,
    /// Days since creation.
    pub age_days: u64,
}

/// What the dashboard shows.
#[derive(Debug)]
pub struct Overview {
    /// The first tenants by slug.
    pub tenants: Vec<TenantRow>,
    /// The active signing keys.
    pub active_keys: Vec<KeyAge>,
    /// SSO sessions not yet expired.
    pub live_sessions: usize,
    /// The store's size on disk in bytes.
    pub store_bytes: u64,
}

/// Gathers the overview at `ctx.now`.
pub fn overview(ctx: &Ctx<'_>) -> Result<Overview, AdminError> {
    let store = ctx.store;
    let mut tenants = Vec::new();
    let mine = store
        .tenants(None, usize::MAX)?
        .into_iter()
        .filter(|t| ctx.role.manages(t.uid))
        .take(TENANTS_SHOWN);
    for t in mine {
        tenants.push(TenantRow {
            clients: store.count_clients(t.uid)?,
            members: store.count_members(t.uid)?,
            id: t.id.to_string(),
            display_name: t.display_name,
        });
    }
    let active_keys = keys::ages(store, ctx.now)?
        .into_iter()
        .filter(|(_, _, active, _)| *active)
        .map(|(_, alg, _, age_days)| KeyAge {
            alg: alg.as_str().to_owned(),
            age_days,
        })
        .collect();
    Ok(Overview {
        tenants,
        active_keys,
        live_sessions: store.count_live_sessions(ctx.now)?,
        store_bytes: store.size_on_disk()?,
    })
}
