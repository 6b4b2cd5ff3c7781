//! `POST /v2/admin/tenants/{t}/introspection/test`: a dry run of the exchange for an
//! operator. It calls the IdP with a sample token and reports what came back and which
//! account it maps to; it issues nothing, skips the cache and changes nothing.

use super::{Ctx, ExchangeError};
use crate::auth::foreign_token::subject;
use crate::auth::{ForeignTokenError, introspection};
use crate::clock::UnixTime;
use crate::store::tenants::Tenant;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeRequest {
    /// A foreign access token to try.
    pub token: String,
}

/// The account a probe mapped to.
#[derive(Debug, Serialize)]
pub struct ProbeAccount {
    /// Account id.
    pub id: String,
    /// Username.
    pub username: String,
}

/// What a probe found, step by step; `error` says where it stopped.
#[derive(Debug, Default, Serialize)]
pub struct ProbeReport {
    /// Whether the exchange would succeed.
    pub ok: bool,
    /// The IdP's HTTP status, when it answered.
    pub idp_status: Option<u16>,
    /// The IdP's content type, when it answered.
    pub idp_content_type: Option<String>,
    /// The IdP's answer, when it is JSON.
    pub idp_answer: Option<serde_json::Value>,
    /// The external id read at the pointer.
    pub external_id: Option<String>,
    /// The account it maps to.
    pub account: Option<ProbeAccount>,
    /// Why the exchange would fail, as the exchange would say it.
    pub error: Option<String>,
    /// How long the IdP took, in ms.
    pub elapsed_ms: Option<u64>,
}

impl ProbeReport {
    /// The report as `caller` may read it: the IdP's answer body is for appliance admins
    /// only (SPEC "Management API"), as it may hold what the tenant's IdP knows about
    /// others.
    pub fn for_caller(mut self, caller: &crate::admin::Ctx<'_>) -> Self {
        if !caller.is_appliance() {
            self.idp_answer = None;
        }
        self
    }
}

/// Runs the probe at `now`; only a missing tenant or settings is an error, all else is
/// reported.
pub async fn run(
    ctx: &Ctx<'_>,
    tenant: &Tenant,
    request: &ProbeRequest,
    now: UnixTime,
) -> Result<ProbeReport, ExchangeError> {
    let checking = &ctx.foreign_token;
    let settings = checking
        .store
        .introspection(tenant.uid)?
        .ok_or_else(|| ForeignTokenError::NotConfigured(tenant.id.to_string()))?;
    let mut report = ProbeReport::default();
    let started = Instant::now();
    let reply = introspection::call(
        checking.outbound,
        checking.master,
        &settings,
        &request.token,
    )
    .await;
    let outcome = match reply {
        Ok(reply) => {
            report.elapsed_ms = Some(started.elapsed().as_millis() as u64);
            report.idp_status = Some(reply.status);
            report.idp_content_type = Some(reply.media_type.clone());
            report.idp_answer = serde_json::from_slice(&reply.body).ok();
            introspection::judge(&settings, &reply, now).and_then(|verdict| {
                report.external_id = Some(verdict.external_id.clone());
                subject(checking.store, tenant, &verdict.external_id)
            })
        }
        Err(e) => Err(e),
    };
    match outcome.map_err(ExchangeError::from) {
        Ok(s) => {
            report.ok = true;
            report.account = Some(ProbeAccount {
                id: s.account.id,
                username: s.account.username,
            });
        }
        Err(e) if e.kind() == crate::types::ErrorKind::Internal => return Err(e),
        Err(e) => report.error = Some(e.public_message()),
    }
    Ok(report)
}
