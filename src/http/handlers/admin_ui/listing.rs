//! Paging, sorting and searching the admin UI's lists from the URL's query
//! (`?q=&sort=name|created&page=N`), and the links that move through them: plain
//! links, so no JavaScript is needed and every view can be bookmarked.

use super::Fields;
use crate::admin::AdminError;
use crate::admin::browse::{Slice, Sort, Window};
use serde::Serialize;

/// Items on one page of an admin list.
pub(super) const PER_PAGE: usize = 50;

/// The search, order and page a list was asked for.
pub(super) struct Asked {
    window: Window,
    /// The page, from 1.
    page: usize,
}

impl Asked {
    /// Reads `q`, `sort` and `page`; anything else in the query is ignored.
    pub(super) fn parse(query: &Fields) -> Result<Asked, AdminError> {
        let sort = match query.get("sort").map(String::as_str) {
            None | Some("" | "name") => Sort::Name,
            Some("created") => Sort::Created,
            Some(_) => return Err(AdminError::invalid("sort", "is name or created")),
        };
        let page = match query.get("page").map(|p| p.trim()) {
            None | Some("") => 1,
            Some(p) => p
                .parse::<usize>()
                .ok()
                .filter(|p| (1..=1_000_000).contains(p))
                .ok_or_else(|| AdminError::invalid("page", "is a page number from 1"))?,
        };
        let q = query
            .get("q")
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty());
        Ok(Asked {
            window: Window {
                sort,
                offset: (page - 1) * PER_PAGE,
                limit: PER_PAGE,
                q,
            },
            page,
        })
    }

    /// The window to fetch.
    pub(super) fn window(&self) -> &Window {
        &self.window
    }

    /// The pager of `slice` on the list at `base`.
    pub(super) fn pager<T>(&self, base: &str, slice: &Slice<T>) -> Pager {
        let sort = match self.window.sort {
            Sort::Name => "name",
            Sort::Created => "created",
        };
        let from = (self.window.offset + 1).min(slice.total);
        let to = self.window.offset + slice.items.len();
        let href = |page: usize, sort: &str| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            if let Some(q) = &self.window.q {
                query.append_pair("q", q);
            }
            query.append_pair("sort", sort);
            if page > 1 {
                query.append_pair("page", &page.to_string());
            }
            format!("{base}?{}", query.finish())
        };
        Pager {
            from,
            to,
            total: slice.total,
            q: self.window.q.clone().unwrap_or_default(),
            sort,
            previous: (self.page > 1).then(|| href(self.page - 1, sort)),
            next: (to < slice.total).then(|| href(self.page + 1, sort)),
            by_name: href(1, "name"),
            by_created: href(1, "created"),
        }
    }
}

/// Where a list page stands and the links to move on.
#[derive(Debug, Serialize)]
pub(super) struct Pager {
    /// The first item shown, from 1 (0 when there is none).
    from: usize,
    /// The last item shown.
    to: usize,
    /// How many items the (searched) list has.
    total: usize,
    /// The search, empty for none.
    q: String,
    /// `name` or `created`.
    sort: &'static str,
    /// The previous page, if any.
    previous: Option<String>,
    /// The next page, if any.
    next: Option<String>,
    /// The first page sorted by name.
    by_name: String,
    /// The first page sorted newest first.
    by_created: String,
}
