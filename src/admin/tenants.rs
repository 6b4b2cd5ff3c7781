//! Tenant management.

use super::AdminError;
use crate::clock::UnixTime;
use crate::store::tenants::Tenant;
use crate::store::{Store, StoreError, TxError};
use crate::types::TenantId;

/// Creates the tenant if it does not exist yet (first start creates `default`).
pub fn ensure_tenant(
    store: &Store,
    id: &TenantId,
    display_name: &str,
    now: UnixTime,
) -> Result<(), AdminError> {
    let tenant = Tenant::new(id.clone(), display_name.to_owned(), now);
    store.transaction(|tx| {
        if tx.tenant::<StoreError>(id)?.is_none() {
            tx.put_tenant(&tenant)?;
        }
        Ok::<_, TxError<StoreError>>(())
    })?;
    Ok(())
}
