//! Reading the admin UI's form fields into the management operations' inputs.

use super::Fields;
use crate::admin::{AdminError, settings};
use crate::ui::admin::FormState;

pub(super) fn field(fields: &Fields, name: &str) -> String {
    fields.get(name).cloned().unwrap_or_default()
}

/// A field left empty is absent.
pub(super) fn optional(fields: &Fields, name: &str) -> Option<String> {
    fields.get(name).filter(|v| !v.trim().is_empty()).cloned()
}

/// A whole number field; empty is absent.
pub(super) fn number(fields: &Fields, name: &'static str) -> Result<Option<u64>, AdminError> {
    optional(fields, name)
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| AdminError::invalid(name, "must be a whole number"))
        })
        .transpose()
}

pub(super) fn introspection_input(
    fields: &Fields,
) -> Result<settings::IntrospectionInput, AdminError> {
    Ok(settings::IntrospectionInput {
        url: field(fields, "url"),
        client_id: field(fields, "client_id"),
        client_secret: optional(fields, "client_secret"),
        account_id_pointer: optional(fields, "account_id_pointer"),
        timeout_ms: number(fields, "timeout_ms")?,
        ca_pem: optional(fields, "ca_pem"),
        expected_issuer: optional(fields, "expected_issuer"),
        expected_audience: optional(fields, "expected_audience"),
        cache_ttl_secs: number(fields, "cache_ttl_secs")?,
    })
}

pub(super) fn upstream_input(fields: &Fields) -> settings::UpstreamInput {
    settings::UpstreamInput {
        configuration_url: field(fields, "configuration_url"),
        client_id: field(fields, "client_id"),
        client_secret: optional(fields, "client_secret"),
        logout_url: optional(fields, "logout_url"),
        scopes: optional(fields, "scopes").map(|s| words(&s, &[' ', ','])),
        username_claim: optional(fields, "username_claim"),
        redirect_uri: optional(fields, "redirect_uri"),
        ca_pem: optional(fields, "ca_pem"),
    }
}

/// The fields worth showing again: never the CSRF token or a password.
pub(super) fn kept(fields: &Fields) -> Fields {
    fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "password" | "client_secret" | "token"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Splits a text field into words (spaces, commas or lines).
pub(super) fn words(text: &str, separators: &[char]) -> Vec<String> {
    text.split(|c: char| separators.contains(&c) || c == '\n' || c == '\r')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `form` as refused, or else a form showing `current` values.
pub(super) fn or_current(form: FormState, current: &[(&str, Option<String>)]) -> FormState {
    if !form.values.is_empty() {
        return form;
    }
    FormState {
        values: current
            .iter()
            .filter_map(|(k, v)| v.clone().map(|v| ((*k).to_owned(), v)))
            .collect(),
        ..form
    }
}
