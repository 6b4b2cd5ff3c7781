//! Per-tenant settings: introspection (token exchange) and upstream OpenID provider
//! (broker). Client secrets are sealed; a `PUT` without one keeps the stored secret.

use super::clients::still_there;
use super::{AdminError, Ctx, validate};
use crate::audit::{AuditEvent, AuditKind};
use crate::store::TxError;
use crate::store::settings::{
    IntrospectionSettings, UpstreamSettings, introspection_purpose, upstream_purpose,
};
use serde::{Deserialize, Serialize};

/// `PUT /tenants/{t}/introspection` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntrospectionInput {
    /// Introspection endpoint.
    pub url: String,
    /// Our client id at the IdP.
    pub client_id: String,
    /// Our client secret; absent keeps the stored one.
    pub client_secret: Option<String>,
    /// JSON Pointer to the external account id.
    pub account_id_pointer: Option<String>,
    /// Timeout in ms.
    pub timeout_ms: Option<u64>,
    /// Extra trusted CAs.
    pub ca_pem: Option<String>,
    /// Expected `iss`.
    pub expected_issuer: Option<String>,
    /// Expected `aud` or `client_id`.
    pub expected_audience: Option<String>,
    /// Positive-answer cache lifetime.
    pub cache_ttl_secs: Option<u64>,
}

/// Introspection settings as shown: never the secret.
#[derive(Debug, Serialize)]
pub struct IntrospectionView {
    /// Introspection endpoint.
    pub url: String,
    /// Our client id at the IdP.
    pub client_id: String,
    /// Always true: a secret is stored.
    pub client_secret_set: bool,
    /// JSON Pointer to the external account id.
    pub account_id_pointer: String,
    /// Timeout in ms.
    pub timeout_ms: u64,
    /// Extra trusted CAs.
    pub ca_pem: Option<String>,
    /// Expected `iss`.
    pub expected_issuer: Option<String>,
    /// Expected `aud` or `client_id`.
    pub expected_audience: Option<String>,
    /// Positive-answer cache lifetime.
    pub cache_ttl_secs: u64,
}

/// `PUT /tenants/{t}/upstream-oidc` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamInput {
    /// Discovery document URL.
    pub configuration_url: String,
    /// Our client id upstream.
    pub client_id: String,
    /// Our client secret; absent keeps the stored one.
    pub client_secret: Option<String>,
    /// Upstream logout URL.
    pub logout_url: Option<String>,
    /// Scopes requested upstream.
    pub scopes: Option<Vec<String>>,
    /// Claim holding the username.
    pub username_claim: Option<String>,
    /// Callback URL sent upstream.
    pub redirect_uri: Option<String>,
    /// Extra trusted CAs.
    pub ca_pem: Option<String>,
}

/// Upstream settings as shown: never the secret.
#[derive(Debug, Serialize)]
pub struct UpstreamView {
    /// Discovery document URL.
    pub configuration_url: String,
    /// Our client id upstream.
    pub client_id: String,
    /// Always true: a secret is stored.
    pub client_secret_set: bool,
    /// Upstream logout URL.
    pub logout_url: Option<String>,
    /// Scopes requested upstream.
    pub scopes: Vec<String>,
    /// Claim holding the username.
    pub username_claim: String,
    /// Callback URL sent upstream.
    pub redirect_uri: String,
    /// Extra trusted CAs.
    pub ca_pem: Option<String>,
}

fn introspection_view(s: IntrospectionSettings) -> IntrospectionView {
    IntrospectionView {
        url: s.url,
        client_id: s.client_id,
        client_secret_set: true,
        account_id_pointer: s.account_id_pointer,
        timeout_ms: s.timeout_ms,
        ca_pem: s.ca_pem,
        expected_issuer: s.expected_issuer,
        expected_audience: s.expected_audience,
        cache_ttl_secs: s.cache_ttl_secs,
    }
}

fn upstream_view(s: UpstreamSettings) -> UpstreamView {
    UpstreamView {
        configuration_url: s.configuration_url,
        client_id: s.client_id,
        client_secret_set: true,
        logout_url: s.logout_url,
        scopes: s.scopes,
        username_claim: s.username_claim,
        redirect_uri: s.redirect_uri,
        ca_pem: s.ca_pem,
    }
}

fn bounded(
    field: &'static str,
    v: Option<u64>,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, AdminError> {
    let v = v.unwrap_or(default);
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(AdminError::invalid(
            field,
            format!("must be from {min} to {max}"),
        ))
    }
}

/// The sealed secret to store: a new one if given, else the stored one, else 400.
fn sealed_secret(
    ctx: &Ctx<'_>,
    given: Option<&str>,
    stored: Option<Vec<u8>>,
    purpose: &str,
) -> Result<Vec<u8>, AdminError> {
    match (given, stored) {
        (Some(s), _) => {
            validate::text("client_secret", s, 1024)?;
            Ok(ctx.master.seal(purpose, s.as_bytes())?)
        }
        (None, Some(sealed)) => Ok(sealed),
        (None, None) => Err(AdminError::invalid(
            "client_secret",
            "is required when no secret is stored yet",
        )),
    }
}

/// Sets a tenant's introspection settings.
pub fn put_introspection(
    ctx: &Ctx<'_>,
    slug: &str,
    input: &IntrospectionInput,
) -> Result<IntrospectionView, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let stored = ctx
        .store
        .introspection(tenant.uid)?
        .map(|s| s.sealed_client_secret);
    let settings = IntrospectionSettings {
        tenant_uid: tenant.uid,
        url: ctx.outbound_url("url", validate::https_url("url", &input.url)?)?,
        client_id: validate::text("client_id", &input.client_id, 256)?,
        sealed_client_secret: sealed_secret(
            ctx,
            input.client_secret.as_deref(),
            stored,
            &introspection_purpose(tenant.uid),
        )?,
        account_id_pointer: validate::json_pointer(
            "account_id_pointer",
            input.account_id_pointer.as_deref().unwrap_or("/account_id"),
        )?,
        timeout_ms: bounded("timeout_ms", input.timeout_ms, 5000, 1, 30_000)?,
        ca_pem: validate::ca_pem("ca_pem", input.ca_pem.as_deref())?,
        expected_issuer: validate::optional_text(
            "expected_issuer",
            input.expected_issuer.as_deref(),
            1024,
        )?,
        expected_audience: validate::optional_text(
            "expected_audience",
            input.expected_audience.as_deref(),
            1024,
        )?,
        cache_ttl_secs: bounded("cache_ttl_secs", input.cache_ttl_secs, 0, 0, 3600)?,
        set_by_tenant_admin: !ctx.is_appliance(),
    };
    let event = AuditEvent::new(ctx.now, AuditKind::IntrospectionSet, &ctx.actor).tenant(slug);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        tx.put_introspection(&settings)?;
        tx.audit(&event)
    })?;
    Ok(introspection_view(settings))
}

/// A tenant's introspection settings.
pub fn get_introspection(ctx: &Ctx<'_>, slug: &str) -> Result<IntrospectionView, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let s = ctx.store.introspection(tenant.uid)?;
    s.map(introspection_view).ok_or_else(|| {
        AdminError::NotFound(format!("tenant `{slug}` has no introspection settings"))
    })
}

/// Removes a tenant's introspection settings.
pub fn delete_introspection(ctx: &Ctx<'_>, slug: &str) -> Result<(), AdminError> {
    let tenant = ctx.tenant(slug)?;
    let event = AuditEvent::new(ctx.now, AuditKind::IntrospectionDeleted, &ctx.actor).tenant(slug);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        if tx.remove_introspection::<AdminError>(tenant.uid)?.is_none() {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "tenant `{slug}` has no introspection settings"
            ))));
        }
        tx.audit(&event)
    })
}

/// The two callback spellings SPEC routes.
fn callback_urls(public_url: &str) -> [String; 2] {
    [
        format!("{public_url}/v2/login/oidc/callback"),
        format!("{public_url}/v2/Login/Oidc/Callback"),
    ]
}

/// Sets a tenant's upstream OpenID provider.
pub fn put_upstream(
    ctx: &Ctx<'_>,
    slug: &str,
    input: &UpstreamInput,
) -> Result<UpstreamView, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let stored = ctx
        .store
        .upstream(tenant.uid)?
        .map(|s| s.sealed_client_secret);
    let callbacks = callback_urls(ctx.public_url);
    let redirect_uri = input
        .redirect_uri
        .clone()
        .unwrap_or_else(|| callbacks[0].clone());
    if !callbacks.contains(&redirect_uri) {
        return Err(AdminError::invalid(
            "redirect_uri",
            format!("must be {} or {}", callbacks[0], callbacks[1]),
        ));
    }
    let default_scopes = ["openid", "profile", "email"].map(String::from).to_vec();
    let settings = UpstreamSettings {
        tenant_uid: tenant.uid,
        configuration_url: ctx.outbound_url(
            "configuration_url",
            validate::https_url("configuration_url", &input.configuration_url)?,
        )?,
        client_id: validate::text("client_id", &input.client_id, 256)?,
        sealed_client_secret: sealed_secret(
            ctx,
            input.client_secret.as_deref(),
            stored,
            &upstream_purpose(tenant.uid),
        )?,
        logout_url: input
            .logout_url
            .as_deref()
            .map(|u| validate::https_url("logout_url", u))
            .transpose()?,
        scopes: validate::scopes("scopes", input.scopes.as_deref().unwrap_or(&default_scopes))?,
        username_claim: validate::text(
            "username_claim",
            input
                .username_claim
                .as_deref()
                .unwrap_or("preferred_username"),
            128,
        )?,
        redirect_uri,
        ca_pem: validate::ca_pem("ca_pem", input.ca_pem.as_deref())?,
        set_by_tenant_admin: !ctx.is_appliance(),
    };
    let event = AuditEvent::new(ctx.now, AuditKind::UpstreamSet, &ctx.actor).tenant(slug);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        tx.put_upstream(&settings)?;
        tx.audit(&event)
    })?;
    Ok(upstream_view(settings))
}

/// A tenant's upstream settings.
pub fn get_upstream(ctx: &Ctx<'_>, slug: &str) -> Result<UpstreamView, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let s = ctx.store.upstream(tenant.uid)?;
    s.map(upstream_view).ok_or_else(|| {
        AdminError::NotFound(format!("tenant `{slug}` has no upstream-oidc settings"))
    })
}

/// Removes a tenant's upstream settings.
pub fn delete_upstream(ctx: &Ctx<'_>, slug: &str) -> Result<(), AdminError> {
    let tenant = ctx.tenant(slug)?;
    let event = AuditEvent::new(ctx.now, AuditKind::UpstreamDeleted, &ctx.actor).tenant(slug);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        if tx.remove_upstream::<AdminError>(tenant.uid)?.is_none() {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "tenant `{slug}` has no upstream-oidc settings"
            ))));
        }
        tx.audit(&event)
    })
}
