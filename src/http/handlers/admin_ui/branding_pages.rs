//! The branding panel of a tenant's admin page: the form that sets it (the logo pasted
//! as a `data:` URL, since the admin UI reads only URL-encoded forms), and removal
//! behind a confirmation page.

use super::forms::{field, kept, optional};
use super::tenant_pages::{TenantForms, tenant_page};
use super::{Answer, Fields, Signed, written};
use crate::admin::AdminError;
use crate::admin::branding::{self, BrandingInput, BrandingView};
use crate::ui::admin::FormState;
use serde_json::json;

/// The largest branding form: a 64 KiB logo in base64, URL-encoded (where `+`, `/` and
/// `=` take three bytes each), and 16 KiB for the other fields.
pub(super) const FORM_LIMIT: usize = branding::MAX_LOGO_BYTES.div_ceil(3) * 4 * 3 + 16 * 1024;

/// The form's values: what was typed, else the stored branding (the logo left out: the
/// page previews it, and an empty logo field keeps it).
pub(super) fn form(form: FormState, stored: Option<&BrandingView>) -> FormState {
    let value = |f: fn(&BrandingView) -> &Option<String>| stored.and_then(|b| f(b).clone());
    super::forms::or_current(
        form,
        &[
            ("logo", None),
            ("accent_color", value(|b| &b.accent_color)),
            ("support_url", value(|b| &b.support_url)),
            ("support_email", value(|b| &b.support_email)),
            ("footer_text", value(|b| &b.footer_text)),
            ("default_locale", value(|b| &b.default_locale)),
        ],
    )
}

/// The branding the form asks for: an empty logo field keeps the stored logo unless
/// `remove_logo` is ticked.
fn input(fields: &Fields, stored: Option<BrandingView>) -> BrandingInput {
    let kept_logo = match field(fields, "remove_logo").as_str() {
        "yes" => None,
        _ => stored.and_then(|b| b.logo),
    };
    BrandingInput {
        logo: optional(fields, "logo").or(kept_logo),
        accent_color: optional(fields, "accent_color"),
        support_url: optional(fields, "support_url"),
        support_email: optional(fields, "support_email"),
        footer_text: optional(fields, "footer_text"),
        default_locale: optional(fields, "default_locale"),
    }
}

/// `POST /admin/tenants/{t}/branding[/delete]`.
pub(super) async fn post(s: &Signed<'_>, t: &str, action: &[&str], fields: Fields) -> Answer {
    let ctx = s.ctx();
    match action {
        [] => {
            let stored = match branding::get(&ctx, t) {
                Ok(b) => Some(b),
                Err(AdminError::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            match branding::put(&ctx, t, &input(&fields, stored)) {
                Ok(_) => written(s, &format!("/admin/tenants/{t}?done=branding-saved")).await,
                Err(e) => {
                    // A refused logo is not typed back: it is long, and may be the wrong file.
                    let mut values = kept(&fields);
                    values.insert("logo".into(), String::new());
                    let mut forms = TenantForms::default();
                    forms.branding = FormState::refused(values, &e);
                    tenant_page(s, t, None, forms)
                }
            }
        }
        ["delete"] => {
            branding::delete(&ctx, t)?;
            written(s, &format!("/admin/tenants/{t}?done=branding-removed")).await
        }
        _ => Err(AdminError::NotFound("no such action".into())),
    }
}

/// `GET /admin/tenants/{t}/branding/delete`: asks before removing the branding.
pub(super) fn delete_page(s: &Signed<'_>, t: &str) -> Answer {
    branding::get(&s.ctx(), t)?;
    Ok(s.page(
        "admin/branding_delete.html",
        format!("Remove the branding of {t}"),
        "tenants",
        None,
        json!({"tenant": t}),
    ))
}
