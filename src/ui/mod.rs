//! Server-rendered pages: a minijinja environment over the templates embedded from
//! `web/templates` (strict undefined, HTML auto-escaping), and the embedded stylesheet.

pub mod account;
pub mod admin;
pub mod catalog;
pub mod locale;
pub mod mfa;
pub mod password;
pub mod templates;
pub mod text;

pub use locale::Locale;
pub use templates::{TEMPLATES, is_end_user};
pub use text::{Msg, Text};

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The stylesheet served at `/static/style.css`.
pub const STYLESHEET: &str = include_str!("../../web/static/style.css");

/// The admin UI's progressive enhancement (copy buttons), served at `/static/admin.js`.
pub const ADMIN_SCRIPT: &str = include_str!("../../web/static/admin.js");

/// The script that submits a `form_post` answer, served at `/static/form_post.js`.
pub const FORM_POST_SCRIPT: &str = include_str!("../../web/static/form_post.js");
/// The passkey ceremonies of the sign-in pages, served at `/static/webauthn.js`.
pub const WEBAUTHN_SCRIPT: &str = include_str!("../../web/static/webauthn.js");

/// The template environment, built once, with the message catalogs its `t` function
/// says messages from.
pub struct Ui {
    env: Environment<'static>,
}

/// A template that could not be rendered: a bug, reported as a 500.
#[derive(Debug, thiserror::Error)]
#[error("template {0}: {1}")]
pub struct RenderError(&'static str, String);

/// Why the pages cannot be served: said in one sentence when the start stops.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// A shipped template or catalog is broken: a bug.
    #[error("template {0} does not compile: {1}")]
    Shipped(&'static str, String),
    /// A catalog does not parse: a bug.
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    /// An override is not usable.
    #[error(transparent)]
    Override(#[from] templates::OverrideError),
    /// An override does not compile.
    #[error("[ui] templates_dir: {0} does not compile: {1}")]
    Broken(String, String),
}

impl Ui {
    /// Loads every embedded template, then the overrides in `templates_dir`; a broken
    /// one is an error at start, not at use.
    pub fn new(templates_dir: Option<&Path>) -> Result<Ui, UiError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let catalogs = Arc::new(catalog::Catalogs::load()?);
        env.add_function(
            "t",
            move |state: &minijinja::State, what: Value, kwargs: Kwargs| {
                catalogs.function(state, &what, &kwargs)
            },
        );
        for (name, source) in templates::TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| UiError::Shipped(name, e.to_string()))?;
        }
        if let Some(dir) = templates_dir {
            for (name, source) in templates::overrides(dir)? {
                let shown = dir.join(&name).display().to_string();
                env.add_template_owned(name, source)
                    .map_err(|e| UiError::Broken(shown, e.to_string()))?;
            }
        }
        Ok(Ui { env })
    }

    /// Renders `name` with `view` in English: the admin UI's pages.
    pub fn render<T: Serialize>(
        &self,
        name: &'static str,
        view: &T,
    ) -> Result<String, RenderError> {
        self.render_in(name, Locale::En, view)
    }

    /// Renders `name` with `view` in `lang`, which the page's `t` calls and
    /// `<html lang>` follow.
    pub fn render_in<T: Serialize>(
        &self,
        name: &'static str,
        lang: Locale,
        view: &T,
    ) -> Result<String, RenderError> {
        self.render_branded(name, lang, view, None)
    }

    /// Renders a tenant's page in `lang`: `view` plus, as `brand`, what the page shows
    /// of the tenant (`base.html` leaves it out when there is none).
    pub fn render_branded<T: Serialize>(
        &self,
        name: &'static str,
        lang: Locale,
        view: &T,
        brand: Option<&Brand>,
    ) -> Result<String, RenderError> {
        let view = Value::from_serialize(view);
        let ctx = match brand {
            Some(brand) => minijinja::context! { lang => lang.tag(), brand, ..view },
            None => minijinja::context! { lang => lang.tag(), ..view },
        };
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| RenderError(name, e.to_string()))
    }
}

/// What a tenant's end-user pages show of it (SPEC "Branding and languages"): its name
/// always, the rest when its branding sets it.
#[derive(Debug, Default, Serialize)]
pub struct Brand {
    /// The tenant's slug, for the logo's and stylesheet's paths.
    pub slug: String,
    /// The tenant's display name: the logo's alternative text.
    pub name: String,
    /// Whether a logo is served at `/t/{slug}/branding/logo`.
    pub logo: bool,
    /// Whether `/t/{slug}/branding.css` sets an accent colour.
    pub accent: bool,
    /// Where users get help (https).
    pub support_url: Option<String>,
    /// Whom users write to for help.
    pub support_email: Option<String>,
    /// Plain text for the foot of the page.
    pub footer: Option<String>,
}

/// The login page's view.
#[derive(Debug, Serialize)]
pub struct LoginView {
    /// The tenant's display name.
    pub tenant_name: String,
    /// The registered name of the client the sign-in continues to, if any.
    pub client_name: Option<String>,
    /// Where the form posts.
    pub action: String,
    /// The CSRF token (also in the CSRF cookie).
    pub csrf: String,
    /// The pending authorization request.
    pub request_id: String,
    /// The username to prefill.
    pub username: String,
    /// A failure message, if the last attempt failed.
    pub error: Option<Msg>,
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
    /// The scopes it would get, a sentence each.
    pub scopes: Vec<ScopeLine>,
    /// Where the form posts.
    pub action: String,
    /// The CSRF token (also in the CSRF cookie).
    pub csrf: String,
    /// The pending authorization request.
    pub request_id: String,
}

/// One scope on the consent page: a catalog sentence for the scopes latchkey defines,
/// else the tenant's own description in the page's language (or English), else the
/// scope's name.
#[derive(Debug, Serialize)]
pub struct ScopeLine {
    /// The scope token.
    pub scope: String,
    /// The catalog key of a scope latchkey defines.
    pub key: Option<&'static str>,
    /// What to show for any other scope.
    pub text: String,
}

impl ScopeLine {
    /// The line for `scope` in `lang`, from the catalog or the tenant's `descriptions`.
    pub fn new(
        scope: String,
        descriptions: &BTreeMap<String, BTreeMap<String, String>>,
        lang: Locale,
    ) -> ScopeLine {
        let key = match scope.as_str() {
            "openid" => Some("scope.openid"),
            "profile" => Some("scope.profile"),
            "email" => Some("scope.email"),
            "offline_access" => Some("scope.offline_access"),
            _ => None,
        };
        let text = descriptions
            .get(&scope)
            .and_then(|d| d.get(lang.tag()).or_else(|| d.get(Locale::En.tag())))
            .cloned()
            .unwrap_or_else(|| scope.clone());
        ScopeLine { scope, key, text }
    }
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
    /// The client's `ui_locales`, so the answer to the form speaks the same language.
    pub ui_locales: String,
}

/// The view of the error and information pages.
#[derive(Debug, Serialize)]
pub struct MessageView {
    /// The headline.
    pub title: Text,
    /// What went wrong, for the user.
    pub message: Text,
    /// A technical detail in English (a protocol error's description), for whoever
    /// builds the application that sent the user here.
    pub detail: Option<String>,
    /// The request id an error page shows, for the user to quote to support.
    pub reference: Option<String>,
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
