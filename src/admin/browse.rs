//! The admin UI's lists: one window of what the caller sees, sorted by name or creation
//! time, with the total for "N of M". The API's cursor lists stay in key order; a sort
//! needs the whole (filtered) list, which is a scan the admin UI alone pays for.

use super::{AdminError, Ctx, accounts, tenants};
use crate::clock::UnixTime;

/// How a list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// By name (username, tenant id), case-insensitively.
    #[default]
    Name,
    /// Newest first.
    Created,
}

/// Which part of a sorted list to show.
#[derive(Clone, Debug, Default)]
pub struct Window {
    /// The order.
    pub sort: Sort,
    /// How many items to skip.
    pub offset: usize,
    /// How many items at most.
    pub limit: usize,
    /// A case-insensitive search, if any.
    pub q: Option<String>,
}

/// One window of a list and how long the whole list is.
#[derive(Debug)]
pub struct Slice<T> {
    /// The items in the window.
    pub items: Vec<T>,
    /// How many items the whole (searched) list has.
    pub total: usize,
}

/// Sorts `all`, counts it and keeps the window, before the (costlier) views are made.
fn cut<T>(mut all: Vec<T>, w: &Window, key: impl Fn(&T) -> (String, UnixTime)) -> Vec<T> {
    match w.sort {
        Sort::Name => all.sort_by_cached_key(|t| key(t).0),
        Sort::Created => all.sort_by_cached_key(|t| {
            let (name, created) = key(t);
            (std::cmp::Reverse(created), name)
        }),
    }
    all.into_iter().skip(w.offset).take(w.limit).collect()
}

fn matches(q: Option<&str>, texts: &[Option<&str>]) -> bool {
    q.is_none_or(|q| texts.iter().flatten().any(|t| t.to_lowercase().contains(q)))
}

/// The accounts the caller sees whose username or e-mail contains `w.q`.
pub fn accounts(ctx: &Ctx<'_>, w: &Window) -> Result<Slice<accounts::AccountView>, AdminError> {
    let q = w.q.as_deref().map(str::to_lowercase);
    let all = ctx.store.find_accounts(None, usize::MAX, |a| {
        ctx.sees(a) && matches(q.as_deref(), &[Some(&a.username), a.email.as_deref()])
    })?;
    let total = all.len();
    let items = cut(all, w, |a| (a.username.to_lowercase(), a.created_at))
        .into_iter()
        .map(|a| accounts::view(ctx, a))
        .collect::<Result<_, _>>()?;
    Ok(Slice { items, total })
}

/// The tenants the caller manages whose id or display name contains `w.q`.
pub fn tenants(ctx: &Ctx<'_>, w: &Window) -> Result<Slice<tenants::TenantView>, AdminError> {
    let q = w.q.as_deref().map(str::to_lowercase);
    let mut all = ctx.store.tenants(None, usize::MAX)?;
    all.retain(|t| {
        ctx.role.manages(t.uid)
            && matches(q.as_deref(), &[Some(t.id.as_str()), Some(&t.display_name)])
    });
    let total = all.len();
    let items = cut(all, w, |t| (t.id.to_string(), t.created_at))
        .into_iter()
        .map(|t| tenants::view(ctx, t))
        .collect();
    Ok(Slice { items, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_cut_after_sorting() {
        let all = vec![("b", 1), ("a", 3), ("c", 2)];
        let key = |t: &(&str, UnixTime)| (t.0.to_owned(), t.1);
        let w = |sort, offset| Window {
            sort,
            offset,
            limit: 2,
            q: None,
        };
        assert_eq!(
            cut(all.clone(), &w(Sort::Name, 0), key),
            [("a", 3), ("b", 1)]
        );
        assert_eq!(cut(all.clone(), &w(Sort::Name, 2), key), [("c", 2)]);
        assert_eq!(cut(all, &w(Sort::Created, 0), key), [("a", 3), ("c", 2)]);
        assert!(matches(Some("ob"), &[None, Some("Bob")]));
        assert!(!matches(Some("x"), &[Some("bob"), None]));
    }
}
