//! Cursor pagination shared by every list: `?limit=&after=` in, `{items, next}` out.

use super::AdminError;
use serde::Serialize;

/// Items when `limit` is not given.
const DEFAULT_LIMIT: usize = 50;
/// The largest `limit` accepted.
const MAX_LIMIT: usize = 500;

/// A validated page request.
#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    /// How many items at most.
    pub limit: usize,
    /// The cursor: the key of the last item of the previous page.
    pub after: Option<String>,
}

impl PageRequest {
    /// Validates raw `limit` and `after` query values.
    pub fn parse(limit: Option<&str>, after: Option<&str>) -> Result<Self, AdminError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    AdminError::invalid(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_LIMIT}"),
                    )
                })?,
        };
        Ok(PageRequest {
            limit,
            after: after.filter(|a| !a.is_empty()).map(str::to_owned),
        })
    }
}

/// One page of a list, as every list call answers it.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// The items, in key order.
    pub items: Vec<T>,
    /// The cursor for the next page, or `null` on the last one.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched items; the extra one only proves there is more.
    pub fn from_fetched(mut fetched: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Self {
        let more = fetched.len() > limit;
        fetched.truncate(limit);
        let next = if more { fetched.last().map(key) } else { None };
        Page {
            items: fetched,
            next,
        }
    }

    /// Converts each item, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_bounded_and_next_only_when_more() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert!(PageRequest::parse(Some("0"), None).is_err());
        assert!(PageRequest::parse(Some("501"), None).is_err());
        assert!(PageRequest::parse(Some("x"), None).is_err());
        let p = Page::from_fetched(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!((p.items, p.next), (vec![1, 2], Some("2".into())));
        let p = Page::from_fetched(vec![1, 2], 2, |n| n.to_string());
        assert_eq!(p.next, None);
    }
}
