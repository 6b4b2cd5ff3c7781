//! Views of the admin UI's pages. Each page is an [`AdminPage`] around its own body;
//! forms carry a [`FormState`], so a refused form comes back with the user's input and
//! the message next to the field it is about.

use crate::admin::AdminError;
use serde::Serialize;
use std::collections::BTreeMap;

/// The frame every signed-in page shares.
#[derive(Debug, Serialize)]
pub struct AdminPage<T: Serialize> {
    /// The page title (and `h1`).
    pub title: String,
    /// Which navigation entry is current.
    pub nav: &'static str,
    /// Who is signed in.
    pub who: String,
    /// The session's CSRF token, for every form.
    pub csrf: String,
    /// A success notice.
    pub notice: Option<&'static str>,
    /// Whether an appliance admin is signed in: tenant admins get no links to what
    /// they may not use (keys, creating tenants, the appliance's health).
    pub appliance: bool,
    /// The page's own content.
    pub body: T,
}

/// A form's input and what was wrong with it.
#[derive(Debug, Default, Serialize)]
pub struct FormState {
    /// The values as the user typed them (never a password).
    pub values: BTreeMap<String, String>,
    /// Messages by field name.
    pub errors: BTreeMap<String, String>,
    /// A message about the form as a whole.
    pub general: Option<String>,
}

impl FormState {
    /// A form refused with `e`, keeping `values`. A validation error goes next to its
    /// field when the form has that field, else above the form.
    pub fn refused(values: BTreeMap<String, String>, e: &AdminError) -> FormState {
        let mut form = FormState {
            values,
            ..FormState::default()
        };
        match e {
            AdminError::Invalid { field, message }
                if form.values.contains_key(base_name(field)) =>
            {
                form.errors
                    .insert(base_name(field).to_owned(), message.clone());
            }
            other => form.general = Some(other.public_message()),
        }
        form
    }
}

/// `redirect_uris` for `redirect_uris[1]`: the form field an API field name came from.
fn base_name(field: &str) -> &str {
    field.split('[').next().unwrap_or(field)
}

/// The login page.
#[derive(Debug, Serialize)]
pub struct AdminLoginView {
    /// The double-submit CSRF token.
    pub csrf: String,
    /// The username to keep.
    pub username: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// A one-time reveal of a new secret.
#[derive(Debug, Serialize)]
pub struct SecretView {
    /// What it is, in a sentence.
    pub what: String,
    /// The field's label.
    pub label: &'static str,
    /// The secret.
    pub value: String,
    /// Where to go afterwards.
    pub back: String,
}
