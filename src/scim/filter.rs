//! The SCIM filter language (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): a small
//! parser into typed trees, and their evaluation against a rendered resource. Attribute
//! names and operators are case-insensitive; so are comparisons of `userName` and
//! `emails.value` (SPEC), other strings compare exactly.

use super::{ScimError, ScimType};
use serde_json::Value;

/// The longest filter or path accepted, in bytes.
const MAX_LEN: usize = 4096;
/// How deeply groups and `not` may nest, so a hostile filter cannot exhaust the stack.
const MAX_DEPTH: usize = 32;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Contains.
    Co,
    /// Starts with.
    Sw,
    /// Ends with.
    Ew,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

/// An attribute path without schema URN: `userName`, `name.givenName` (lower-cased).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrPath {
    /// The attribute, lower-cased.
    pub attr: String,
    /// The sub-attribute, lower-cased, if any.
    pub sub: Option<String>,
}

/// A parsed filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// Both hold.
    And(Box<Filter>, Box<Filter>),
    /// Either holds.
    Or(Box<Filter>, Box<Filter>),
    /// The inner filter does not hold.
    Not(Box<Filter>),
    /// The attribute has a value.
    Present(AttrPath),
    /// The attribute compares to a literal.
    Compare(AttrPath, Op, Value),
    /// Some value of a multi-valued attribute matches the inner filter: `emails[type eq "work"]`.
    ValuePath(String, Box<Filter>),
}

/// A PATCH path: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchPath {
    /// The attribute, lower-cased.
    pub attr: String,
    /// Which values of a multi-valued attribute it selects.
    pub filter: Option<Filter>,
    /// The sub-attribute, lower-cased.
    pub sub: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Word(String),
    Str(String),
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::InvalidFilter, detail)
}

fn lex(text: &str) -> Result<Vec<Token>, ScimError> {
    if text.len() > MAX_LEN {
        return Err(invalid(format!("a filter is at most {MAX_LEN} bytes")));
    }
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => tokens.push(Token::Str(string(&mut chars)?)),
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "()[]\"".contains(c) {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

/// A JSON string literal, quotes included, read with JSON's escapes.
fn string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, ScimError> {
    let mut raw = String::new();
    raw.push('"');
    chars.next();
    let mut escaped = false;
    for c in chars.by_ref() {
        raw.push(c);
        match (escaped, c) {
            (false, '\\') => escaped = true,
            (false, '"') => {
                return serde_json::from_str(&raw).map_err(|_| invalid("a bad string literal"));
            }
            _ => escaped = false,
        }
    }
    Err(invalid("a string literal is not closed"))
}

/// Parses a filter (`?filter=`).
pub fn parse(text: &str) -> Result<Filter, ScimError> {
    let tokens = lex(text)?;
    let mut p = Parser { tokens, at: 0 };
    let f = p.or(0)?;
    match p.next() {
        None => Ok(f),
        Some(t) => Err(invalid(format!("unexpected {}", shown(&t)))),
    }
}

/// Parses a PATCH `path`; a malformed one is 400 `invalidPath`.
pub fn parse_path(text: &str) -> Result<PatchPath, ScimError> {
    let as_path = |e: ScimError| ScimError::bad(ScimType::InvalidPath, e.public_message());
    let tokens = lex(text).map_err(as_path)?;
    let mut p = Parser { tokens, at: 0 };
    let Some(Token::Word(w)) = p.next() else {
        return Err(ScimError::bad(
            ScimType::InvalidPath,
            "a path starts with an attribute",
        ));
    };
    let path = attr_path(&w).map_err(as_path)?;
    if p.peek() != Some(&Token::OpenBracket) {
        return match p.next() {
            None => Ok(PatchPath {
                attr: path.attr,
                filter: None,
                sub: path.sub,
            }),
            Some(t) => Err(ScimError::bad(
                ScimType::InvalidPath,
                format!("unexpected {}", shown(&t)),
            )),
        };
    }
    if path.sub.is_some() {
        return Err(ScimError::bad(
            ScimType::InvalidPath,
            "a value filter follows an attribute",
        ));
    }
    p.next();
    let filter = p.or(0).map_err(as_path)?;
    if p.next() != Some(Token::CloseBracket) {
        return Err(ScimError::bad(
            ScimType::InvalidPath,
            "a value filter ends with `]`",
        ));
    }
    let sub = match p.next() {
        None => None,
        Some(Token::Word(w)) if w.starts_with('.') && w.len() > 1 && !w[1..].contains('.') => {
            Some(w[1..].to_ascii_lowercase())
        }
        Some(t) => {
            return Err(ScimError::bad(
                ScimType::InvalidPath,
                format!("unexpected {}", shown(&t)),
            ));
        }
    };
    match p.next() {
        None => Ok(PatchPath {
            attr: path.attr,
            filter: Some(filter),
            sub,
        }),
        Some(t) => Err(ScimError::bad(
            ScimType::InvalidPath,
            format!("unexpected {}", shown(&t)),
        )),
    }
}

fn shown(t: &Token) -> String {
    match t {
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::OpenBracket => "`[`".into(),
        Token::CloseBracket => "`]`".into(),
        Token::Word(w) => format!("`{}`", w.chars().take(40).collect::<String>()),
        Token::Str(_) => "a string".into(),
    }
}

/// An attribute path, with a schema URN prefix (`urn:…:User:userName`) dropped.
pub fn attr_path(word: &str) -> Result<AttrPath, ScimError> {
    let bare = match word.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("urn:") => {
            let split = word.rfind(':').unwrap_or(0);
            &word[split + 1..]
        }
        _ => word,
    };
    let lower = bare.to_ascii_lowercase();
    let (attr, sub) = match lower.split_once('.') {
        Some((a, s)) => (a.to_owned(), Some(s.to_owned())),
        None => (lower, None),
    };
    let name_ok = |n: &str| {
        n.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-$".contains(c))
    };
    if !name_ok(&attr) || !sub.as_deref().is_none_or(name_ok) {
        return Err(invalid(format!(
            "`{}` is not an attribute path",
            word.chars().take(40).collect::<String>()
        )));
    }
    Ok(AttrPath { attr, sub })
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(k))
    }

    fn or(&mut self, depth: usize) -> Result<Filter, ScimError> {
        let mut left = self.and(depth)?;
        while self.keyword("or") {
            self.next();
            left = Filter::Or(Box::new(left), Box::new(self.and(depth)?));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Filter, ScimError> {
        let mut left = self.unary(depth)?;
        while self.keyword("and") {
            self.next();
            left = Filter::And(Box::new(left), Box::new(self.unary(depth)?));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Filter, ScimError> {
        if depth >= MAX_DEPTH {
            return Err(invalid("the filter nests too deeply"));
        }
        if self.keyword("not") {
            self.next();
            return Ok(Filter::Not(Box::new(self.group(depth + 1)?)));
        }
        if self.peek() == Some(&Token::Open) {
            return self.group(depth + 1);
        }
        self.attr_exp(depth)
    }

    fn group(&mut self, depth: usize) -> Result<Filter, ScimError> {
        if self.next() != Some(Token::Open) {
            return Err(invalid("`not` is followed by `(`"));
        }
        let inner = self.or(depth)?;
        match self.next() {
            Some(Token::Close) => Ok(inner),
            _ => Err(invalid("a `(` is not closed")),
        }
    }

    fn attr_exp(&mut self, depth: usize) -> Result<Filter, ScimError> {
        let word = match self.next() {
            Some(Token::Word(w)) => w,
            Some(t) => {
                return Err(invalid(format!(
                    "expected an attribute, found {}",
                    shown(&t)
                )));
            }
            None => return Err(invalid("the filter ends too early")),
        };
        let path = attr_path(&word)?;
        if self.peek() == Some(&Token::OpenBracket) {
            if path.sub.is_some() {
                return Err(invalid("a value filter follows an attribute"));
            }
            self.next();
            let inner = self.or(depth + 1)?;
            if self.next() != Some(Token::CloseBracket) {
                return Err(invalid("a `[` is not closed"));
            }
            return Ok(Filter::ValuePath(path.attr, Box::new(inner)));
        }
        let op = match self.next() {
            Some(Token::Word(w)) => w.to_ascii_lowercase(),
            _ => return Err(invalid(format!("`{word}` needs an operator"))),
        };
        let op = match op.as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => {
                return Err(invalid(format!(
                    "`{}` is not an operator",
                    op.chars().take(20).collect::<String>()
                )));
            }
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Value::String(s),
            Some(Token::Word(w)) => literal(&w)?,
            _ => return Err(invalid("an operator needs a value")),
        };
        let ordered = matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le);
        let textual = matches!(op, Op::Co | Op::Sw | Op::Ew);
        if (ordered && !(value.is_string() || value.is_number())) || (textual && !value.is_string())
        {
            return Err(invalid("this operator compares strings (or numbers) only"));
        }
        Ok(Filter::Compare(path, op, value))
    }
}

fn literal(word: &str) -> Result<Value, ScimError> {
    match word.to_ascii_lowercase().as_str() {
        "true" => Ok(Value::Bool(true)),
        "false" => Ok(Value::Bool(false)),
        "null" => Ok(Value::Null),
        _ => word
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .map_err(|_| invalid("a value is a quoted string, a number, true, false or null")),
    }
}

/// The member of `obj` named `name`, compared case-insensitively.
pub fn member<'v>(obj: &'v Value, name: &str) -> Option<&'v Value> {
    obj.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

impl Filter {
    /// Whether `resource` (a rendered SCIM resource, or one value of a multi-valued
    /// attribute inside a value filter) matches; `outer` is the enclosing attribute
    /// inside a value filter, so `emails[value eq …]` compares like `emails.value`.
    pub fn matches(&self, resource: &Value) -> bool {
        self.eval(resource, None)
    }

    fn eval(&self, obj: &Value, outer: Option<&str>) -> bool {
        match self {
            Filter::And(a, b) => a.eval(obj, outer) && b.eval(obj, outer),
            Filter::Or(a, b) => a.eval(obj, outer) || b.eval(obj, outer),
            Filter::Not(f) => !f.eval(obj, outer),
            Filter::Present(path) => values(obj, path).iter().any(|v| present(v)),
            Filter::Compare(path, op, want) => {
                let folded = folds(outer, path);
                let found = values(obj, path);
                match op {
                    Op::Ne => !found.iter().any(|v| compare(v, Op::Eq, want, folded)),
                    _ => found.iter().any(|v| compare(v, *op, want, folded)),
                }
            }
            Filter::ValuePath(attr, inner) => match member(obj, attr) {
                Some(Value::Array(items)) => items.iter().any(|i| inner.eval(i, Some(attr))),
                Some(v) => inner.eval(v, Some(attr)),
                None => false,
            },
        }
    }
}

/// Whether comparisons on `path` ignore case (SPEC: `userName` and `emails.value`).
fn folds(outer: Option<&str>, path: &AttrPath) -> bool {
    matches!(
        (outer, path.attr.as_str(), path.sub.as_deref()),
        (None, "username", None)
            | (None, "emails", Some("value"))
            | (Some("emails"), "value", None)
    )
}

/// The values `path` names in `obj`: each element of a multi-valued attribute.
fn values<'v>(obj: &'v Value, path: &AttrPath) -> Vec<&'v Value> {
    let Some(top) = member(obj, &path.attr) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match top {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    match &path.sub {
        None => items,
        Some(sub) => items.into_iter().filter_map(|i| member(i, sub)).collect(),
    }
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn compare(have: &Value, op: Op, want: &Value, folded: bool) -> bool {
    if let (Value::String(h), Value::String(w)) = (have, want) {
        let (h, w) = match folded {
            true => (h.to_lowercase(), w.to_lowercase()),
            false => (h.clone(), w.clone()),
        };
        return match op {
            Op::Eq | Op::Ne => h == w,
            Op::Co => h.contains(&w),
            Op::Sw => h.starts_with(&w),
            Op::Ew => h.ends_with(&w),
            Op::Gt => h > w,
            Op::Ge => h >= w,
            Op::Lt => h < w,
            Op::Le => h <= w,
        };
    }
    if let (Some(h), Some(w)) = (have.as_f64(), want.as_f64()) {
        return match op {
            Op::Eq | Op::Ne => h == w,
            Op::Gt => h > w,
            Op::Ge => h >= w,
            Op::Lt => h < w,
            Op::Le => h <= w,
            Op::Co | Op::Sw | Op::Ew => false,
        };
    }
    matches!(op, Op::Eq | Op::Ne) && have == want
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
