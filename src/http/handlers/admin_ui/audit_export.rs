//! The audit view's names beside ids, and its CSV export: the filtered events as
//! RFC 4180 text, every cell a spreadsheet could take for a formula defused.

use super::{Answer, Fields, Signed};
use crate::admin::audit_log::{self, AuditView};
use crate::admin::page::PageRequest;
use crate::audit::Actor;
use crate::http::respond;
use std::collections::BTreeMap;

/// The most events one export holds; a narrower filter gets the rest.
const EXPORT_MAX: usize = 50_000;

/// The usernames of the accounts `events` name (as account or as actor), resolved now;
/// a deleted account is missing, so the page shows its id alone.
pub(super) fn usernames(
    s: &Signed<'_>,
    events: &[AuditView],
) -> Result<BTreeMap<String, String>, crate::admin::AdminError> {
    let mut names = BTreeMap::new();
    for e in events {
        let actor = match &e.actor {
            Actor::Account(id) => Some(id),
            _ => None,
        };
        for id in e.account.iter().chain(actor) {
            if names.contains_key(id) {
                continue;
            }
            if let Some(a) = s.state.store.account(id)? {
                names.insert(id.clone(), a.username);
            }
        }
    }
    Ok(names)
}

/// `GET /admin/audit.csv`: the events the audit page's filters select, newest first, as
/// an attachment.
pub(super) fn csv(s: &Signed<'_>, query: &Fields) -> Answer {
    let filter = super::overview::audit_filter(query)?;
    let ctx = s.ctx();
    let mut rows = vec![row(&[
        "at",
        "kind",
        "actor",
        "actor_name",
        "tenant",
        "account",
        "account_name",
        "target",
        "detail",
        "count",
    ])];
    let mut after: Option<String> = None;
    tokio::task::block_in_place(|| -> Result<(), crate::admin::AdminError> {
        while rows.len() <= EXPORT_MAX {
            let request = PageRequest::parse(Some("500"), after.as_deref())?;
            let page = audit_log::list(&ctx, &filter, &request)?;
            let names = usernames(s, &page.items)?;
            for e in &page.items {
                let actor_id = match &e.actor {
                    Actor::Account(id) => Some(id),
                    _ => None,
                };
                let actor = actor_text(&e.actor);
                let name = |id: Option<&String>| {
                    id.and_then(|id| names.get(id)).cloned().unwrap_or_default()
                };
                rows.push(row(&[
                    &e.at,
                    &e.kind,
                    &actor,
                    &name(actor_id),
                    e.tenant.as_deref().unwrap_or(""),
                    e.account.as_deref().unwrap_or(""),
                    &name(e.account.as_ref()),
                    e.target.as_deref().unwrap_or(""),
                    e.detail.as_deref().unwrap_or(""),
                    &e.count.map(|c| c.to_string()).unwrap_or_default(),
                ]));
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(())
    })?;
    let mut resp = respond::text("text/csv; charset=utf-8", rows.concat());
    resp.headers_mut().insert(
        hyper::header::CONTENT_DISPOSITION,
        hyper::header::HeaderValue::from_static("attachment; filename=\"audit.csv\""),
    );
    Ok(resp)
}

/// An actor as `type id` (or `type` alone), as the audit page shows it.
fn actor_text(actor: &Actor) -> String {
    let v = serde_json::to_value(actor).unwrap_or_default();
    let part = |k: &str| v.get(k).and_then(|p| p.as_str()).unwrap_or("").to_owned();
    format!("{} {}", part("type"), part("id")).trim().to_owned()
}

/// One CSV line, CRLF-terminated (RFC 4180).
fn row(cells: &[&str]) -> String {
    let mut line = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// One cell: a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` so a
/// spreadsheet shows it as text instead of running it; a cell with a comma, quote or
/// line break is quoted, its quotes doubled.
fn cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defused.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_cells_quoted_as_rfc_4180_says() {
        assert_eq!(cell("alice"), "alice");
        assert_eq!(cell(""), "");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("a=b"), "a=b", "only a leading sign counts");
        assert_eq!(row(&["a", "=b"]), "a,'=b\r\n");
    }
}
