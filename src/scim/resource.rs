//! What every SCIM list shares (RFC 7644 §3.4.2): filtering rendered resources, paging
//! with a 1-based `startIndex` and `count`, and `attributes`/`excludedAttributes`.

use super::filter::{self, Filter};
use super::schema::MAX_RESULTS;
use super::{ScimError, ScimType, list_response};
use serde_json::{Map, Value};

/// The page size when `count` is absent (SPEC).
const DEFAULT_COUNT: usize = 100;

/// The list parameters of a query string, parsed.
#[derive(Debug, Default)]
pub struct Query {
    /// `filter`.
    pub filter: Option<Filter>,
    /// `startIndex`, 1-based.
    pub start_index: usize,
    /// `count`, at most [`MAX_RESULTS`].
    pub count: usize,
    /// `attributes`, lower-cased paths.
    pub attributes: Vec<String>,
    /// `excludedAttributes`, lower-cased paths.
    pub excluded: Vec<String>,
}

fn param<'q>(pairs: &'q [(String, String)], name: &str) -> Option<&'q str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn number(pairs: &[(String, String)], name: &str, default: usize) -> Result<usize, ScimError> {
    match param(pairs, name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map(|n| n.max(0) as usize)
            .map_err(|_| {
                ScimError::bad(
                    ScimType::InvalidValue,
                    format!("`{name}` is a whole number"),
                )
            }),
    }
}

fn paths(pairs: &[(String, String)], name: &str) -> Vec<String> {
    param(pairs, name)
        .map(|v| {
            v.split(',')
                .filter_map(|p| filter::attr_path(p.trim()).ok())
                .map(|p| match p.sub {
                    Some(s) => format!("{}.{s}", p.attr),
                    None => p.attr,
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Query {
    /// Reads `filter`, `startIndex` (below 1 counts as 1), `count` (capped at 200) and
    /// the attribute lists.
    pub fn parse(pairs: &[(String, String)]) -> Result<Query, ScimError> {
        Ok(Query {
            filter: param(pairs, "filter").map(filter::parse).transpose()?,
            start_index: number(pairs, "startIndex", 1)?.max(1),
            count: number(pairs, "count", DEFAULT_COUNT)?.min(MAX_RESULTS),
            attributes: paths(pairs, "attributes"),
            excluded: paths(pairs, "excludedAttributes"),
        })
    }

    /// Reads a SearchRequest body (RFC 7644 §3.4.3) as the same parameters.
    pub fn from_body(body: &Value) -> Result<Query, ScimError> {
        let Value::Object(o) = body else {
            return Err(ScimError::bad(
                ScimType::InvalidSyntax,
                "a SearchRequest is an object",
            ));
        };
        let mut pairs = Vec::new();
        for (k, v) in o {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
                _ => continue,
            };
            pairs.push((k.clone(), text));
        }
        Query::parse(&pairs)
    }

    /// The list response of `all` (rendered resources): filtered, paged, projected.
    /// `always` are the attributes returned whatever is asked (RFC 7643 `returned: always`).
    pub fn answer(&self, all: Vec<Value>, always: &[&str]) -> Value {
        let matching: Vec<Value> = all
            .into_iter()
            .filter(|r| self.filter.as_ref().is_none_or(|f| f.matches(r)))
            .collect();
        let total = matching.len();
        let page = matching
            .into_iter()
            .skip(self.start_index - 1)
            .take(self.count)
            .map(|r| self.project(r, always))
            .collect();
        list_response(page, total, self.start_index)
    }

    /// `resource` with only the attributes asked for (or without the excluded ones).
    pub fn project(&self, resource: Value, always: &[&str]) -> Value {
        let Value::Object(obj) = resource else {
            return resource;
        };
        let kept = |key: &str| {
            let k = key.to_ascii_lowercase();
            let fixed = ["schemas", "id"].contains(&k.as_str())
                || always.iter().any(|a| a.eq_ignore_ascii_case(&k));
            if fixed {
                return true;
            }
            if !self.attributes.is_empty() {
                return self
                    .attributes
                    .iter()
                    .any(|a| a == &k || a.starts_with(&format!("{k}.")));
            }
            !self.excluded.contains(&k)
        };
        let mut out = Map::new();
        for (key, value) in obj {
            if kept(&key) {
                let value = self.project_sub(&key, value);
                out.insert(key, value);
            }
        }
        Value::Object(out)
    }

    /// A complex attribute keeps only the sub-attributes asked for, if any were named.
    fn project_sub(&self, key: &str, value: Value) -> Value {
        let prefix = format!("{}.", key.to_ascii_lowercase());
        let subs: Vec<&str> = self
            .attributes
            .iter()
            .filter_map(|a| a.strip_prefix(&prefix))
            .collect();
        if subs.is_empty() || self.attributes.iter().any(|a| a.eq_ignore_ascii_case(key)) {
            return value;
        }
        let keep = |v: Value| match v {
            Value::Object(o) => Value::Object(
                o.into_iter()
                    .filter(|(k, _)| subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
                    .collect(),
            ),
            other => other,
        };
        match value {
            Value::Array(items) => Value::Array(items.into_iter().map(keep).collect()),
            other => keep(other),
        }
    }
}
