//! A tenant's logo and accent stylesheet, for its end-user pages. Both are built only
//! from what the branding `PUT` validated: the logo's bytes with the type found in
//! them, and a `#rrggbb` colour; no other text a tenant admin wrote reaches CSS.

use crate::http::log::RequestLog;
use crate::http::respond::{self, Body};
use crate::state::State;
use crate::store::StoreError;
use crate::store::branding::Branding;
use crate::store::tenants::Tenant;
use crate::types::{ErrorKind, TenantId};
use crate::ui::Brand;
use hyper::body::{Bytes, Incoming};
use hyper::header::IF_NONE_MATCH;
use hyper::{Request, Response};

/// The tenant a path names and its branding: `None` for an unknown tenant.
fn tenant_and_branding(
    state: &State,
    slug: &str,
) -> Result<Option<(Tenant, Option<Branding>)>, StoreError> {
    let Ok(id) = TenantId::parse(slug) else {
        return Ok(None);
    };
    match state.store.tenant(&id)? {
        Some(t) => {
            let branding = state.store.branding(t.uid)?;
            Ok(Some((t, branding)))
        }
        None => Ok(None),
    }
}

/// The branding of the tenant a path names: `None` for an unknown tenant or none set.
fn lookup(state: &State, slug: &str) -> Result<Option<Branding>, StoreError> {
    Ok(tenant_and_branding(state, slug)?.and_then(|(_, b)| b))
}

/// What the page of this request shows of the tenant its path names: `None` outside a
/// tenant, for an unknown one, or when the store cannot say (the page then goes out
/// plain rather than not at all; the failure is logged).
pub(crate) fn brand(state: &State, log: &RequestLog) -> Option<Brand> {
    let (tenant, branding) = match tenant_and_branding(state, log.tenant()?) {
        Ok(found) => found?,
        Err(e) => {
            tracing::error!("branding not read: {e} req={}", log.id());
            return None;
        }
    };
    let b = branding.as_ref();
    Some(Brand {
        slug: tenant.id.to_string(),
        name: tenant.display_name,
        logo: b.is_some_and(|b| b.logo.is_some()),
        accent: b.is_some_and(|b| b.accent_color.is_some()),
        support_url: b.and_then(|b| b.support_url.clone()),
        support_email: b.and_then(|b| b.support_email.clone()),
        footer: b.and_then(|b| b.footer_text.clone()),
    })
}

/// A strong validator for `bytes`: the first 128 bits of their SHA-256, quoted.
fn etag(bytes: &[u8]) -> String {
    let hash = crate::crypto::hash::sha256(bytes);
    let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn failed(e: &StoreError, log: &RequestLog) -> Response<Body> {
    if e.kind() == ErrorKind::Internal {
        tracing::error!("{e} req={}", log.id());
    }
    respond::problem(e.kind(), e.public_message())
}

/// `GET /t/{tenant}/branding/logo`: the logo with the type found in its bytes.
pub fn logo(
    state: &State,
    tenant: &str,
    req: &Request<Incoming>,
    log: &RequestLog,
) -> Response<Body> {
    let logo = match lookup(state, tenant) {
        Ok(b) => b.and_then(|b| b.logo),
        Err(e) => return failed(&e, log),
    };
    let Some(logo) = logo else {
        return respond::problem(ErrorKind::NotFound, "this tenant has no logo");
    };
    let tag = etag(&logo.bytes);
    let sent = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    respond::revalidated(logo.kind.media_type(), Bytes::from(logo.bytes), &tag, sent)
}

/// The stylesheet of a tenant's accent colour: the custom property the main
/// stylesheet reads, nothing else.
fn css_of(branding: Option<&Branding>) -> String {
    match branding.and_then(|b| b.accent_color.as_deref()) {
        Some(colour) => format!(":root {{ --accent: {colour}; }}\n"),
        None => "/* no accent colour set */\n".to_owned(),
    }
}

/// `GET /t/{tenant}/branding.css`: `404` for an unknown tenant, else its accent colour
/// (or a stylesheet that sets nothing).
pub fn css(
    state: &State,
    tenant: &str,
    req: &Request<Incoming>,
    log: &RequestLog,
) -> Response<Body> {
    let branding = match tenant_and_branding(state, tenant) {
        Ok(Some((_, b))) => b,
        Ok(None) => return respond::problem(ErrorKind::NotFound, "no such tenant"),
        Err(e) => return failed(&e, log),
    };
    let css = css_of(branding.as_ref());
    let tag = etag(css.as_bytes());
    let sent = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    respond::revalidated("text/css; charset=utf-8", Bytes::from(css), &tag, sent)
}
