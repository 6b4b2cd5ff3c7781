//! A tenant's `scope_descriptions` (SPEC "Branding and languages"): the consent page's
//! sentence for each of its own scopes, per language, checked before it is stored.

use super::{AdminError, validate};
use crate::store::tenants::ScopeDescriptions;
use crate::types::is_scope_token;
use crate::ui::Locale;

/// The most scopes a tenant may describe.
pub const MAX_SCOPES: usize = 100;
/// The longest scope token described.
pub const MAX_SCOPE_LEN: usize = 128;
/// The longest description, in characters.
pub const MAX_TEXT: usize = 300;

const FIELD: &str = "scope_descriptions";

/// `value` checked: scope tokens per RFC 6749 §3.3, languages among those the pages
/// speak, each text 1 to [`MAX_TEXT`] characters without control characters (trimmed),
/// and at most [`MAX_SCOPES`] scopes, each with at least one text.
pub fn check(value: &ScopeDescriptions) -> Result<ScopeDescriptions, AdminError> {
    if value.len() > MAX_SCOPES {
        return Err(AdminError::invalid(
            FIELD,
            format!("describes more than {MAX_SCOPES} scopes"),
        ));
    }
    let mut checked = ScopeDescriptions::new();
    for (scope, texts) in value {
        if !is_scope_token(scope) || scope.len() > MAX_SCOPE_LEN {
            return Err(AdminError::invalid(
                FIELD,
                format!(
                    "`{scope}` is not a scope token (RFC 6749 §3.3) of at most {MAX_SCOPE_LEN} bytes"
                ),
            ));
        }
        if texts.is_empty() {
            return Err(AdminError::invalid(
                FIELD,
                format!("`{scope}` has no text in any language"),
            ));
        }
        let mut by_locale = std::collections::BTreeMap::new();
        for (tag, text) in texts {
            if !Locale::ALL.iter().any(|l| l.tag() == tag) {
                return Err(AdminError::invalid(
                    FIELD,
                    format!("`{tag}` (under `{scope}`) is not one of en, de, fr, nl, es"),
                ));
            }
            by_locale.insert(tag.clone(), validate::text(FIELD, text, MAX_TEXT)?);
        }
        checked.insert(scope.clone(), by_locale);
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(scope: &str, tag: &str, text: &str) -> ScopeDescriptions {
        let mut inner = std::collections::BTreeMap::new();
        inner.insert(tag.to_owned(), text.to_owned());
        let mut outer = ScopeDescriptions::new();
        outer.insert(scope.to_owned(), inner);
        outer
    }

    #[test]
    fn good_descriptions_are_kept_trimmed() {
        let checked = check(&map("orders:read", "de", "  Ihre Bestellungen lesen ")).unwrap();
        assert_eq!(checked["orders:read"]["de"], "Ihre Bestellungen lesen");
    }

    #[test]
    fn each_kind_of_bad_description_is_refused() {
        assert!(check(&map("bad scope", "en", "x")).is_err());
        assert!(check(&map("a\"b", "en", "x")).is_err());
        assert!(check(&map(&"s".repeat(129), "en", "x")).is_err());
        assert!(check(&map("orders", "it", "x")).is_err());
        assert!(check(&map("orders", "EN", "x")).is_err());
        assert!(check(&map("orders", "en", "")).is_err());
        assert!(check(&map("orders", "en", &"x".repeat(301))).is_err());
        assert!(check(&map("orders", "en", "a\u{7}b")).is_err());
        let mut empty = ScopeDescriptions::new();
        empty.insert("orders".into(), std::collections::BTreeMap::new());
        assert!(check(&empty).is_err());
        let many: ScopeDescriptions = (0..=MAX_SCOPES)
            .map(|i| (format!("s{i}"), map("x", "en", "t").remove("x").unwrap()))
            .collect();
        assert!(check(&many).is_err());
    }
}
