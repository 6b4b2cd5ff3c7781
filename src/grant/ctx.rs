//! What minting and rotating tokens need, handed down by each protocol: the store, the
//! signing keys, the public origin that names issuers, and the token-issue ledger.

use crate::audit::{Actor, AuditEvent, AuditKind, Batch};
use crate::clock::UnixTime;
use crate::crypto::keys::KeySet;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::types::TenantId;
use std::sync::Arc;

/// The grant layer's context for one request.
pub struct Ctx<'a> {
    /// The store.
    pub store: &'a Store,
    /// The signing keys current when the request began.
    pub keys: Arc<KeySet>,
    /// The appliance's public origin.
    pub public_url: &'a str,
    /// Counters for `/metrics`.
    pub metrics: &'a Metrics,
    /// Token-issue audit events waiting for their batch write.
    pub issued: &'a Batch,
}

impl Ctx<'_> {
    /// The issuer of a tenant: `{public_url}/t/{tenant}`.
    pub fn issuer(&self, tenant: &TenantId) -> String {
        format!("{}/t/{}", self.public_url, tenant)
    }

    /// Counts a token response of `grant` and queues its audit event: the client, and
    /// the account when tokens were issued for one.
    pub fn token_issued(
        &self,
        grant: &'static str,
        tenant: &TenantId,
        client_id: &str,
        account_id: Option<&str>,
        now: UnixTime,
    ) {
        self.metrics.token_issued(grant);
        let event = AuditEvent::new(
            now,
            AuditKind::TokenIssued,
            &Actor::Client(client_id.to_owned()),
        )
        .tenant(tenant.as_str())
        .detail(grant);
        self.issued.push(match account_id {
            Some(id) => event.account(id),
            None => event,
        });
    }
}
