//! What code hands a page to say: a catalog message (a key and its arguments) that the
//! page renders in its language, never an English sentence.

use serde::Serialize;

/// A message of the catalogs (`web/locales/`), with the values of its `{name}`
/// placeholders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Msg {
    /// The catalog key, such as `login.failed`.
    pub key: &'static str,
    /// The placeholders' values, by name.
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    /// A message without placeholders.
    pub const fn new(key: &'static str) -> Msg {
        Msg {
            key,
            args: Vec::new(),
        }
    }

    /// The message with one more placeholder's value.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Msg {
        self.args.push((name, value.to_string()));
        self
    }
}

/// A sentence on a page shared with the admin UI: a catalog message on the end-user
/// pages, plain text where the English-only admin UI renders the same template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Text {
    /// Said in the page's language.
    Msg(Msg),
    /// Said as is.
    Plain(String),
}

impl From<Msg> for Text {
    fn from(m: Msg) -> Text {
        Text::Msg(m)
    }
}
