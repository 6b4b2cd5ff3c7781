//! The message catalogs of the end-user pages (`web/locales/*.toml`, compiled in): one
//! key per message, `{name}` placeholders, and the `t` function templates call to say
//! a message in the language the page renders in.

use super::locale::Locale;
use minijinja::value::{Kwargs, Value, ValueKind};
use std::collections::BTreeMap;

/// The catalogs' sources, in the order of [`Locale::ALL`].
const SOURCES: [(Locale, &str); 5] = [
    (Locale::En, include_str!("../../web/locales/en.toml")),
    (Locale::De, include_str!("../../web/locales/de.toml")),
    (Locale::Fr, include_str!("../../web/locales/fr.toml")),
    (Locale::Nl, include_str!("../../web/locales/nl.toml")),
    (Locale::Es, include_str!("../../web/locales/es.toml")),
];

/// Every language's messages, by flattened key (`[login] title` is `login.title`).
#[derive(Debug)]
pub struct Catalogs {
    by_locale: Vec<(Locale, BTreeMap<String, String>)>,
}

/// A catalog that does not parse: a bug caught at start and by the unit tests.
#[derive(Debug, thiserror::Error)]
#[error("catalog {0}: {1}")]
pub struct CatalogError(&'static str, String);

impl Catalogs {
    /// Parses the compiled-in catalogs.
    pub fn load() -> Result<Catalogs, CatalogError> {
        let mut by_locale = Vec::new();
        for (locale, source) in SOURCES {
            let table: toml::Table =
                toml::from_str(source).map_err(|e| CatalogError(locale.tag(), e.to_string()))?;
            let mut flat = BTreeMap::new();
            flatten("", &table, &mut flat).map_err(|e| CatalogError(locale.tag(), e))?;
            by_locale.push((locale, flat));
        }
        Ok(Catalogs { by_locale })
    }

    /// The messages of `locale`.
    pub fn messages(&self, locale: Locale) -> Option<&BTreeMap<String, String>> {
        self.by_locale
            .iter()
            .find(|(l, _)| *l == locale)
            .map(|(_, m)| m)
    }

    /// `key` in `locale`, its placeholders filled from `args`; an error names an unknown
    /// key or a placeholder without a value.
    pub fn say(
        &self,
        locale: Locale,
        key: &str,
        args: &[(String, String)],
    ) -> Result<String, String> {
        let message = self
            .messages(locale)
            .and_then(|m| m.get(key))
            .ok_or_else(|| format!("no message `{key}` in {}", locale.tag()))?;
        fill(message, args).map_err(|name| format!("message `{key}` needs `{name}`"))
    }

    /// The template function `t`: `t("key", name=value)` says a catalog message; a
    /// message or text value handed over by code (see [`super::text`]) is said too.
    pub fn function(
        &self,
        state: &minijinja::State,
        what: &Value,
        kwargs: &Kwargs,
    ) -> Result<String, minijinja::Error> {
        let locale = state
            .lookup("lang")
            .and_then(|l| l.as_str().and_then(Locale::from_tag))
            .unwrap_or_default();
        let mut args = Vec::new();
        for name in kwargs.args() {
            args.push((name.to_owned(), kwargs.get::<Value>(name)?.to_string()));
        }
        let key = match what.kind() {
            ValueKind::String => what.to_string(),
            ValueKind::Map => {
                let plain = what.get_attr("plain")?;
                if !plain.is_undefined() {
                    return Ok(plain.to_string());
                }
                let msg = what.get_attr("msg")?;
                let msg = if msg.is_undefined() {
                    what.clone()
                } else {
                    msg
                };
                for pair in msg.get_attr("args")?.try_iter()? {
                    let name = pair.get_item(&Value::from(0))?.to_string();
                    args.push((name, pair.get_item(&Value::from(1))?.to_string()));
                }
                msg.get_attr("key")?.to_string()
            }
            _ => return Err(bad(format!("t() cannot say {what}"))),
        };
        self.say(locale, &key, &args).map_err(bad)
    }
}

fn bad(detail: String) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, detail)
}

/// Adds `table`'s strings to `out` under `prefix`; anything but strings and tables is
/// refused.
fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            _ => return Err(format!("`{key}` is neither a message nor a section")),
        }
    }
    Ok(())
}

/// `message` with each `{name}` replaced by its value in `args`; `Err(name)` for a
/// placeholder without one.
fn fill(message: &str, args: &[(String, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return Ok(out);
        };
        let name = &after[..close];
        let value = args
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| name.to_owned())?;
        out.push_str(&value.1);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
