//! A tenant's branding (SPEC "Branding and languages"): the `PUT` replaces the whole
//! record after checking every field; the logo's format is read from its bytes, never
//! taken from the type it declares, and nothing but a PNG, JPEG or WebP is kept.

use super::clients::still_there;
use super::{AdminError, Ctx, validate};
use crate::audit::{AuditEvent, AuditKind};
use crate::store::TxError;
use crate::store::branding::{Branding, Logo};
use crate::types::image;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// The largest logo, decoded.
pub const MAX_LOGO_BYTES: usize = 64 * 1024;
/// The longest footer, in characters.
pub const MAX_FOOTER_CHARS: usize = 500;
/// The languages end-user pages come in (SPEC "Branding and languages").
pub const LOCALES: [&str; 5] = ["en", "de", "fr", "nl", "es"];

/// `PUT /tenants/{t}/branding` body; every field is optional, an absent or empty one
/// is unset.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BrandingInput {
    /// The logo as a `data:` URL with base64 content (RFC 2397).
    pub logo: Option<String>,
    /// `#rrggbb`.
    pub accent_color: Option<String>,
    /// An https URL where users get help.
    pub support_url: Option<String>,
    /// An e-mail address users write to for help.
    pub support_email: Option<String>,
    /// Plain text for the foot of every page.
    pub footer_text: Option<String>,
    /// `en`, `de`, `fr`, `nl` or `es`.
    pub default_locale: Option<String>,
}

/// Branding as `GET` shows it: the same shape as the `PUT` body, the logo as a `data:`
/// URL of the detected type, so what is read back can be sent again unchanged.
pub type BrandingView = BrandingInput;

/// The view of a stored record.
pub fn view(b: &Branding) -> BrandingView {
    BrandingInput {
        logo: b.logo.as_ref().map(data_url),
        accent_color: b.accent_color.clone(),
        support_url: b.support_url.clone(),
        support_email: b.support_email.clone(),
        footer_text: b.footer_text.clone(),
        default_locale: b.default_locale.clone(),
    }
}

/// The logo as a `data:` URL of its detected type.
pub fn data_url(logo: &Logo) -> String {
    format!(
        "data:{};base64,{}",
        logo.kind.media_type(),
        STANDARD.encode(&logo.bytes)
    )
}

const LOGO_RULE: &str = "must be a PNG, JPEG or WebP image (SVG and every other format are refused), at most 65536 bytes";

/// Decodes a `data:[<type>][;params];base64,<data>` URL and checks what its bytes are.
pub fn logo(value: &str) -> Result<Logo, AdminError> {
    let invalid = |why: String| AdminError::invalid("logo", why);
    let (header, payload) = value
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("data:"))
        .and_then(|_| value[5..].split_once(','))
        .ok_or_else(|| invalid("must be a data: URL with base64 content (RFC 2397)".into()))?;
    let base64 = header
        .rsplit_once(';')
        .is_some_and(|(_, last)| last.eq_ignore_ascii_case("base64"));
    if !base64 {
        return Err(invalid(
            "must be a data: URL with base64 content (RFC 2397): `;base64,` is missing".into(),
        ));
    }
    if payload.len() > MAX_LOGO_BYTES.div_ceil(3) * 4 {
        return Err(invalid(format!("is too large: {LOGO_RULE}")));
    }
    let bytes = STANDARD
        .decode(payload)
        .map_err(|_| invalid("holds data that is not valid base64".into()))?;
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(invalid(format!("is too large: {LOGO_RULE}")));
    }
    let info = image::inspect(&bytes).map_err(|e| invalid(format!("{e}: {LOGO_RULE}")))?;
    Ok(Logo {
        kind: info.kind,
        bytes,
        width: info.width,
        height: info.height,
    })
}

/// `#rrggbb` exactly, kept in lower case: it is the only value that reaches CSS.
pub fn accent_color(value: &str) -> Result<String, AdminError> {
    match value.strip_prefix('#') {
        Some(hex) if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(value.to_ascii_lowercase())
        }
        _ => Err(AdminError::invalid(
            "accent_color",
            "must be a colour written #rrggbb (six hexadecimal digits)",
        )),
    }
}

/// A plausible address that is also a clean `mailto:` target: one `@`, a local part of
/// RFC 5322 atom characters and dots (no `?`, `&` or `%` that would add headers), and
/// a domain of at least two DNS labels.
pub fn support_email(value: &str) -> Result<String, AdminError> {
    let refused = || {
        AdminError::invalid(
            "support_email",
            "must be an e-mail address such as help@example.com (at most 254 characters)",
        )
    };
    let (local, domain) = value.split_once('@').ok_or_else(refused)?;
    let local_ok = (1..=64).contains(&local.len())
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$'*+/=^_`{|}~.-".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if value.len() <= 254 && local_ok && domain_ok {
        Ok(value.to_owned())
    } else {
        Err(refused())
    }
}

/// One of the languages of [`LOCALES`].
pub fn default_locale(value: &str) -> Result<String, AdminError> {
    if LOCALES.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(AdminError::invalid(
            "default_locale",
            format!("must be one of {}", LOCALES.join(", ")),
        ))
    }
}

/// Applies `check` to a field that is set and not empty.
fn field<T>(
    value: Option<&str>,
    check: impl FnOnce(&str) -> Result<T, AdminError>,
) -> Result<Option<T>, AdminError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => check(v).map(Some),
    }
}

/// Sets (replaces) a tenant's branding.
pub fn put(ctx: &Ctx<'_>, slug: &str, input: &BrandingInput) -> Result<BrandingView, AdminError> {
    let tenant = ctx.tenant(slug)?;
    let branding = Branding {
        tenant_uid: tenant.uid,
        logo: field(input.logo.as_deref(), logo)?,
        accent_color: field(input.accent_color.as_deref(), accent_color)?,
        support_url: field(input.support_url.as_deref(), |u| {
            validate::https_url("support_url", u)
        })?,
        support_email: field(input.support_email.as_deref(), support_email)?,
        footer_text: validate::optional_text(
            "footer_text",
            input.footer_text.as_deref(),
            MAX_FOOTER_CHARS,
        )?,
        default_locale: field(input.default_locale.as_deref(), default_locale)?,
    };
    // The detail names what is set, never the logo's bytes.
    let detail = match &branding.logo {
        Some(l) => format!("logo {} {}x{}", l.kind.media_type(), l.width, l.height),
        None => "no logo".to_owned(),
    };
    let event = AuditEvent::new(ctx.now, AuditKind::BrandingSet, &ctx.actor)
        .tenant(slug)
        .detail(&detail);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        tx.put_branding(&branding)?;
        tx.audit(&event)
    })?;
    Ok(view(&branding))
}

/// A tenant's branding, or 404 when it has none.
pub fn get(ctx: &Ctx<'_>, slug: &str) -> Result<BrandingView, AdminError> {
    let tenant = ctx.tenant(slug)?;
    ctx.store
        .branding(tenant.uid)?
        .map(|b| view(&b))
        .ok_or_else(|| AdminError::NotFound(format!("tenant `{slug}` has no branding")))
}

/// Removes a tenant's branding.
pub fn delete(ctx: &Ctx<'_>, slug: &str) -> Result<(), AdminError> {
    let tenant = ctx.tenant(slug)?;
    let event = AuditEvent::new(ctx.now, AuditKind::BrandingDeleted, &ctx.actor).tenant(slug);
    ctx.store.transaction(|tx| {
        still_there(tx, &tenant)?;
        if tx.remove_branding::<AdminError>(tenant.uid)?.is_none() {
            return Err(TxError::abort(AdminError::NotFound(format!(
                "tenant `{slug}` has no branding"
            ))));
        }
        tx.audit(&event)
    })
}

#[cfg(test)]
#[path = "branding_tests.rs"]
mod tests;
