//! Which browser origins may read the OpenID Provider's answers (SPEC "Modern clients":
//! CORS): the origins a client registered in `allowed_origins`. At the token, userinfo,
//! revocation and PAR endpoints it is the client the request names; when none can be
//! identified, any client of the tenant that lists the origin.

use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError};

/// How many clients one page of the tenant scan reads.
const PAGE: usize = 200;

/// Whether `origin` may read an answer about `client_id` (or, with no known client,
/// about the tenant).
pub fn allows(
    store: &Store,
    tenant: &Tenant,
    client_id: Option<&str>,
    origin: &str,
) -> Result<bool, StoreError> {
    if let Some(id) = client_id
        && let Some(client) = store.client(tenant.uid, id)?
    {
        return Ok(client.allowed_origins.iter().any(|o| o == origin));
    }
    listed(store, tenant, origin)
}

/// Whether some client of `tenant` lists `origin`: the test for a preflight, which names
/// no client.
pub fn listed(store: &Store, tenant: &Tenant, origin: &str) -> Result<bool, StoreError> {
    let mut after: Option<String> = None;
    loop {
        let page = store.clients(tenant.uid, after.as_deref(), PAGE)?;
        if page
            .iter()
            .any(|c| c.allowed_origins.iter().any(|o| o == origin))
        {
            return Ok(true);
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = Some(last.client_id.clone()),
            _ => return Ok(false),
        }
    }
}
