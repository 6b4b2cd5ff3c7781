//! Server-rendered pages: a minijinja environment over the templates embedded from
//! `web/templates` (strict undefined, HTML auto-escaping), and the embedded stylesheet.

pub mod account;
pub mod admin;
pub mod mfa;
pub mod password;

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

/// The stylesheet served at `/static/style.css`.
pub const STYLESHEET: &str = include_str!("../../web/static/style.css");

/// The admin UI's progressive enhancement (copy buttons), served at `/static/admin.js`.
pub const ADMIN_SCRIPT: &str = include_str!("../../web/static/admin.js");

/// The script that submits a `form_post` answer, served at `/static/form_post.js`.
pub const FORM_POST_SCRIPT: &str = include_str!("../../web/static/form_post.js");
/// The passkey ceremonies of the sign-in pages, served at `/static/webauthn.js`.
pub const WEBAUTHN_SCRIPT: &str = include_str!("../../web/static/webauthn.js");

const TEMPLATES: [(&str, &str); 29] = [
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
        "admin/error.html",
        include_str!("../../web/templates/admin/error.html"),
    ),
    (
        "admin/listing.html",
        include_str!("../../web/templates/admin/listing.html"),
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
        "admin/recovery_link.html",
        include_str!("../../web/templates/admin/recovery_link.html"),
    ),
    (
        "admin/confirm.html",
        include_str!("../../web/templates/admin/confirm.html"),
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
];

/// The template environment, built once.
pub struct Ui {
    env: Environment<'static>,
}

/// A template that could not be rendered: a bug, reported as a 500.
#[derive(Debug, thiserror::Error)]
#[error("template {0}: {1}")]
pub struct RenderError(&'static str, String);

impl Ui {
    /// Loads every embedded template; a broken one is an error at start, not at use.
    pub fn new() -> Result<Ui, RenderError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| RenderError(name, e.to_string()))?;
        }
        Ok(Ui { env })
    }

    /// Renders `name` with `view`.
    pub fn render<T: Serialize>(
        &self,
        name: &'static str,
        view: &T,
    ) -> Result<String, RenderError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(view))
            .map_err(|e| RenderError(name, e.to_string()))
    }
}

/// The login page's view.
#[derive(Debug, Serialize)]
pub struct LoginView {
    /// The tenant's display name.
    pub tenant_name: String,
    /// Where the form posts.
    pub action: String,
    /// The CSRF token (also in the CSRF cookie).
    pub csrf: String,
    /// The pending authorization request.
    pub request_id: String,
    /// The username to prefill.
    pub username: String,
    /// A failure message, if the last attempt failed.
    pub error: Option<String>,
    /// What the page offers besides the password.
    pub passkey: PasskeyOffer,
}

/// Whether a page offers a passkey ceremony: its options (JSON for the page's script),
/// or the sentence saying passkeys are unavailable on this public URL.
#[derive(Debug, Default, Serialize)]
pub struct PasskeyOffer {
    /// The options for `navigator.credentials`, when offered.
    pub options: Option<String>,
    /// True when the public URL's host is an IP address.
    pub unavailable: bool,
}

/// The `form_post` page's view.
#[derive(Debug, Serialize)]
pub struct FormPostView {
    /// The client's redirect URI.
    pub action: String,
    /// The answer's parameters.
    pub fields: Vec<(String, String)>,
}

/// The consent page's view.
#[derive(Debug, Serialize)]
pub struct ConsentView {
    /// The tenant's display name.
    pub tenant_name: String,
    /// The client's name.
    pub client_name: String,
    /// The scopes it would get.
    pub scopes: Vec<String>,
    /// Where the form posts.
    pub action: String,
    /// The CSRF token (also in the CSRF cookie).
    pub csrf: String,
    /// The pending authorization request.
    pub request_id: String,
}

/// The logout confirmation page's view.
#[derive(Debug, Serialize)]
pub struct LogoutView {
    /// The tenant's display name.
    pub tenant_name: String,
    /// Where the form posts.
    pub action: String,
    /// The CSRF token (also in the CSRF cookie).
    pub csrf: String,
    /// The client, if named.
    pub client_id: String,
    /// Where to go afterwards, if asked.
    pub post_logout_redirect_uri: String,
    /// The client's state.
    pub state: String,
}

/// The view of the error and information pages.
#[derive(Debug, Serialize)]
pub struct MessageView {
    /// The headline.
    pub title: String,
    /// What went wrong, for the user.
    pub message: String,
    /// The request id an error page shows, for the user to quote to support.
    pub reference: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_renders_under_strict_undefined_and_escapes() {
        let ui = Ui::new().unwrap();
        let login = ui
            .render(
                "login.html",
                &LoginView {
                    tenant_name: "<Acme>".into(),
                    action: "/t/acme/login".into(),
                    csrf: "c".into(),
                    request_id: "r".into(),
                    username: "alice".into(),
                    error: Some("Wrong".into()),
                    passkey: PasskeyOffer {
                        options: Some("{\"publicKey\":\"<x>\"}".into()),
                        unavailable: false,
                    },
                },
            )
            .unwrap();
        assert!(login.contains("&lt;Acme&gt;") && !login.contains("<Acme>"));
        assert!(login.contains("name=\"username\"") && login.contains("name=\"password\""));
        assert!(login.contains("data-options=\"{&quot;publicKey&quot;:&quot;&lt;x&gt;&quot;}\""));
        assert!(login.contains("<script src=\"/static/webauthn.js\"></script>"));
        let error = ui
            .render(
                "error.html",
                &MessageView {
                    title: "T".into(),
                    message: "M".into(),
                    reference: Some("req-7".into()),
                },
            )
            .unwrap();
        assert!(error.contains("<h1>T</h1>") && error.contains("req-7"));
        let form = ui
            .render(
                "form_post.html",
                &FormPostView {
                    action: "https://a.example/cb".into(),
                    fields: vec![("code".into(), "c\"x".into())],
                },
            )
            .unwrap();
        assert!(form.contains("name=\"code\" value=\"c&quot;x\""), "{form}");
        let consent = ui
            .render(
                "consent.html",
                &ConsentView {
                    tenant_name: "Acme".into(),
                    client_name: "Reports".into(),
                    scopes: vec!["openid".into(), "orders".into()],
                    action: "/t/acme/consent".into(),
                    csrf: "c".into(),
                    request_id: "r".into(),
                },
            )
            .unwrap();
        assert!(consent.contains("<code>orders</code>") && consent.contains("value=\"deny\""));
        let info = ui
            .render(
                "info.html",
                &MessageView {
                    title: "Signed out".into(),
                    message: "Bye".into(),
                    reference: None,
                },
            )
            .unwrap();
        assert!(info.contains("Bye"));
        let chosen = ui
            .render(
                "new_password.html",
                &password::NewPasswordView {
                    tenant_name: "Acme".into(),
                    heading: "Choose a new password".into(),
                    intro: "Your administrator asks for it.".into(),
                    action: "/t/acme/password".into(),
                    csrf: "c".into(),
                    hidden: vec![("request".into(), "r\"1".into())],
                    username: "alice".into(),
                    min_length: 10,
                    error: Some("The two passwords are not the same.".into()),
                    enrol: Some(password::TotpSetup {
                        qr_svg: "<svg></svg>".into(),
                        secret: "JBSWY3DP".into(),
                        uri: "otpauth://totp/x".into(),
                    }),
                },
            )
            .unwrap();
        assert!(
            chosen.contains("name=\"request\" value=\"r&quot;1\"")
                && chosen.contains("name=\"confirm\"")
                && chosen.contains("not the same")
                && chosen.contains("name=\"code\""),
            "{chosen}"
        );
        let recovered = ui
            .render(
                "recovered.html",
                &password::RecoveredView {
                    tenant_name: "Acme".into(),
                    codes: vec!["abcd-efgh".into()],
                },
            )
            .unwrap();
        assert!(recovered.contains("<code>abcd-efgh</code>"), "{recovered}");
        let logout = ui
            .render(
                "logout.html",
                &LogoutView {
                    tenant_name: "Acme".into(),
                    action: "/t/acme/logout".into(),
                    csrf: "c".into(),
                    client_id: String::new(),
                    post_logout_redirect_uri: "https://a.example/bye".into(),
                    state: String::new(),
                },
            )
            .unwrap();
        assert!(
            logout.contains("name=\"post_logout_redirect_uri\"")
                && !logout.contains("name=\"state\"")
        );
    }
}
