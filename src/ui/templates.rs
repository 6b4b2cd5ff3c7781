//! The page templates: those compiled in from `web/templates`, and the end-user ones a
//! `[ui] templates_dir` replaces by file name (the admin UI's are not replaceable: it
//! stays as shipped, in English).

use std::path::Path;

/// Every template, by name.
pub const TEMPLATES: [(&str, &str); 34] = [
    (
        "account.html",
        include_str!("../../web/templates/account.html"),
    ),
    (
        "admin/account.html",
        include_str!("../../web/templates/admin/account.html"),
    ),
    (
        "admin/base.html",
        include_str!("../../web/templates/admin/base.html"),
    ),
    (
        "admin/macros.html",
        include_str!("../../web/templates/admin/macros.html"),
    ),
    (
        "admin/login.html",
        include_str!("../../web/templates/admin/login.html"),
    ),
    (
        "admin/dashboard.html",
        include_str!("../../web/templates/admin/dashboard.html"),
    ),
    (
        "admin/events.html",
        include_str!("../../web/templates/admin/events.html"),
    ),
    (
        "admin/tenants.html",
        include_str!("../../web/templates/admin/tenants.html"),
    ),
    (
        "admin/tenant.html",
        include_str!("../../web/templates/admin/tenant.html"),
    ),
    (
        "admin/secret.html",
        include_str!("../../web/templates/admin/secret.html"),
    ),
    (
        "admin/confirm.html",
        include_str!("../../web/templates/admin/confirm.html"),
    ),
    (
        "admin/error.html",
        include_str!("../../web/templates/admin/error.html"),
    ),
    (
        "admin/listing.html",
        include_str!("../../web/templates/admin/listing.html"),
    ),
    (
        "admin/branding_delete.html",
        include_str!("../../web/templates/admin/branding_delete.html"),
    ),
    (
        "admin/import_report.html",
        include_str!("../../web/templates/admin/import_report.html"),
    ),
    (
        "admin/recovery_link.html",
        include_str!("../../web/templates/admin/recovery_link.html"),
    ),
    (
        "admin/accounts.html",
        include_str!("../../web/templates/admin/accounts.html"),
    ),
    (
        "admin/keys.html",
        include_str!("../../web/templates/admin/keys.html"),
    ),
    (
        "admin/audit.html",
        include_str!("../../web/templates/admin/audit.html"),
    ),
    (
        "form_post.html",
        include_str!("../../web/templates/form_post.html"),
    ),
    (
        "consent.html",
        include_str!("../../web/templates/consent.html"),
    ),
    ("base.html", include_str!("../../web/templates/base.html")),
    ("login.html", include_str!("../../web/templates/login.html")),
    (
        "mfa_code.html",
        include_str!("../../web/templates/mfa_code.html"),
    ),
    (
        "mfa_enrol.html",
        include_str!("../../web/templates/mfa_enrol.html"),
    ),
    (
        "mfa_recovery_codes.html",
        include_str!("../../web/templates/mfa_recovery_codes.html"),
    ),
    (
        "recovered.html",
        include_str!("../../web/templates/recovered.html"),
    ),
    (
        "new_password.html",
        include_str!("../../web/templates/new_password.html"),
    ),
    ("error.html", include_str!("../../web/templates/error.html")),
    ("info.html", include_str!("../../web/templates/info.html")),
    (
        "logout.html",
        include_str!("../../web/templates/logout.html"),
    ),
    (
        "passkey_problem.html",
        include_str!("../../web/templates/passkey_problem.html"),
    ),
    (
        "totp_setup.html",
        include_str!("../../web/templates/totp_setup.html"),
    ),
    (
        "recovery_codes.html",
        include_str!("../../web/templates/recovery_codes.html"),
    ),
];

/// True for the templates end users see: everything outside `admin/`.
pub fn is_end_user(name: &str) -> bool {
    !name.starts_with("admin/")
}

/// An override that cannot be used: named in one sentence by the start.
#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    /// The directory or a file in it cannot be read.
    #[error("[ui] templates_dir: cannot read {0}: {1}")]
    Unreadable(String, String),
    /// A file names no end-user template.
    #[error("[ui] templates_dir: {0} is not the name of an end-user template")]
    UnknownName(String),
}

/// The `.html` files of `dir`, by template name; each must name an end-user template.
pub fn overrides(dir: &Path) -> Result<Vec<(String, String)>, OverrideError> {
    let unreadable = |path: &Path, e: std::io::Error| {
        OverrideError::Unreadable(path.display().to_string(), e.to_string())
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| unreadable(dir, e))? {
        let path = entry.map_err(|e| unreadable(dir, e))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !TEMPLATES.iter().any(|(n, _)| *n == name && is_end_user(n)) {
            return Err(OverrideError::UnknownName(path.display().to_string()));
        }
        let source = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
        found.push((name, source));
    }
    found.sort();
    Ok(found)
}
