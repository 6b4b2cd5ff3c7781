//! PATCH (RFC 7644 §3.5.2) as directories send it: `op` in any case, booleans as
//! strings, value-filter paths, no `path` with an object of attribute paths or
//! URN-prefixed keys; what latchkey does not store is ignored.

use super::filter::{self, PatchPath, member};
use super::schema::{PATCH_OP, USER};
use super::users::{UserState, boolean, pick_email, text};
use super::{ScimError, ScimType};
use serde_json::{Value, json};

/// A PATCH operation's verb.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verb {
    /// `add`.
    Add,
    /// `replace`.
    Replace,
    /// `remove`.
    Remove,
}

/// One operation: its verb, its path (if any) and its value.
pub(super) struct Operation {
    /// What to do.
    pub verb: Verb,
    /// Where, as sent.
    pub path: Option<String>,
    /// With what.
    pub value: Value,
}

/// The operations of a PatchOp message, in order.
pub(super) fn operations(body: &Value) -> Result<Vec<Operation>, ScimError> {
    let syntax = |d: &str| ScimError::bad(ScimType::InvalidSyntax, d.to_owned());
    let schemas_ok = member(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP)))
        });
    if !schemas_ok {
        return Err(syntax("a PATCH body is a PatchOp message (schemas)"));
    }
    let ops = member(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| syntax("a PATCH body has an `Operations` array"))?;
    ops.iter()
        .map(|op| {
            let verb = match member(op, "op")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("add") => Verb::Add,
                Some("replace") => Verb::Replace,
                Some("remove") => Verb::Remove,
                _ => return Err(syntax("`op` is add, replace or remove")),
            };
            let path = match member(op, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) => Some(p.clone()),
                Some(_) => return Err(ScimError::bad(ScimType::InvalidPath, "`path` is a string")),
            };
            let value = member(op, "value").cloned().unwrap_or(Value::Null);
            if verb != Verb::Remove && path.is_none() && !value.is_object() {
                return Err(ScimError::bad(
                    ScimType::InvalidValue,
                    "without a path, the value is an object",
                ));
            }
            if verb == Verb::Remove && path.is_none() {
                return Err(ScimError::bad(ScimType::NoTarget, "remove needs a path"));
            }
            Ok(Operation { verb, path, value })
        })
        .collect()
}

/// Whether `text` (a path or a key) belongs to the core User schema, not to an
/// extension latchkey does not store.
fn core(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    !lower.starts_with("urn:") || lower.starts_with(&format!("{}:", USER.to_ascii_lowercase()))
}

/// Applies one operation to `state`; `before` is what was stored, for read-only
/// attributes sent with their current value.
pub(super) fn apply_user(
    state: &mut UserState,
    before: &UserState,
    id: &str,
    op: Operation,
) -> Result<(), ScimError> {
    let Some(path) = op.path else {
        let Value::Object(pairs) = op.value else {
            return Ok(());
        };
        for (key, value) in pairs {
            if key.eq_ignore_ascii_case(USER) {
                let inner = Operation {
                    verb: op.verb,
                    path: None,
                    value,
                };
                apply_user(state, before, id, inner)?;
            } else if core(&key) {
                let inner = Operation {
                    verb: op.verb,
                    path: Some(key),
                    value,
                };
                apply_user(state, before, id, inner)?;
            }
        }
        return Ok(());
    };
    if !core(&path) {
        return Ok(());
    }
    let p = filter::parse_path(&path)?;
    set(state, before, id, op.verb, &p, op.value)
}

fn set(
    state: &mut UserState,
    before: &UserState,
    id: &str,
    verb: Verb,
    p: &PatchPath,
    value: Value,
) -> Result<(), ScimError> {
    let removing = verb == Verb::Remove;
    let string = |v: &Value, attr: &str| match removing {
        true => Ok(None),
        false => text(v, attr),
    };
    match (p.attr.as_str(), p.sub.as_deref(), &p.filter) {
        ("username", None, None) => match string(&value, "userName")? {
            Some(u) if !u.trim().is_empty() => state.user_name = u,
            _ => {
                return Err(ScimError::bad(
                    ScimType::InvalidValue,
                    "`userName` is required",
                ));
            }
        },
        ("displayname", None, None) => state.display = string(&value, "displayName")?,
        ("name", None, None) if removing => {
            (state.display, state.given, state.family) = (None, None, None);
        }
        ("name", None, None) => {
            let sub = |k: &str| member(&value, k).map_or(Ok(None), |v| text(v, k));
            if let Some(formatted) = sub("formatted")? {
                state.display = Some(formatted);
            }
            state.given = sub("givenName")?;
            state.family = sub("familyName")?;
        }
        ("name", Some("formatted"), None) => state.display = string(&value, "name.formatted")?,
        // Kept only to make a name of when there is no display name: latchkey stores one.
        ("name", Some("givenname"), None) => state.given = string(&value, "name.givenName")?,
        ("name", Some("familyname"), None) => state.family = string(&value, "name.familyName")?,
        ("emails", None, None) => {
            state.email = match removing {
                true => None,
                false => pick_email(&value)?,
            }
        }
        ("emails", Some("value"), None) => state.email = string(&value, "emails.value")?,
        ("emails", sub, Some(f)) => {
            let current = state
                .email
                .as_ref()
                .map(|e| json!({"value": e, "type": "work", "primary": true}));
            let hit = current.as_ref().is_some_and(|c| f.matches(c));
            match (verb, sub) {
                (Verb::Remove, _) if !hit => {
                    return Err(ScimError::bad(
                        ScimType::NoTarget,
                        "no e-mail matches the filter",
                    ));
                }
                (Verb::Remove, None | Some("value")) => state.email = None,
                (_, Some("value")) => state.email = text(&value, "emails.value")?,
                (_, None) => {
                    if let Some(v) = member(&value, "value") {
                        state.email = text(v, "emails.value")?;
                    }
                }
                _ => {}
            }
        }
        ("emails", Some(_), None) => {}
        ("active", None, None) => match removing {
            true => state.active = before.active,
            false => state.active = boolean(&value, "active")?,
        },
        ("externalid", None, None) => state.external_id = string(&value, "externalId")?,
        ("password", None, None) => state.password = string(&value, "password")?,
        ("id", None, None) if value.as_str() != Some(id) => {
            return Err(ScimError::bad(ScimType::Mutability, "`id` is read-only"));
        }
        ("id" | "schemas" | "meta", _, _) => {}
        ("username" | "displayname" | "active" | "externalid" | "password", _, _) => {
            return Err(ScimError::bad(
                ScimType::InvalidPath,
                format!("`{}` has no such part", p.attr),
            ));
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;
