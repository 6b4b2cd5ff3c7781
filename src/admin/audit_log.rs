//! Reading the audit log: newest first, filtered by tenant, account and kind.

use super::page::{Page, PageRequest};
use super::{AdminError, Ctx};
use crate::audit::Actor;
use crate::clock::{UnixTime, rfc3339};
use serde::Serialize;
use std::collections::HashMap;

/// An audit event as the API shows it.
#[derive(Debug, Serialize)]
pub struct AuditView {
    /// Its id; also the `after` cursor.
    pub id: String,
    /// When it happened.
    pub at: String,
    /// What happened, e.g. `tenant.created`.
    pub kind: String,
    /// Who did it.
    pub actor: Actor,
    /// The tenant concerned.
    pub tenant: Option<String>,
    /// The account concerned.
    pub account: Option<String>,
    /// The record acted on.
    pub target: Option<String>,
    /// Why, for events that say (e.g. a failed exchange).
    pub detail: Option<String>,
    /// How many identical events this one stands for (batched token issuance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// Filters of `GET /audit`.
#[derive(Debug, Default)]
pub struct AuditFilter {
    /// Only this tenant.
    pub tenant: Option<String>,
    /// Only this account.
    pub account: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only events at or after this time.
    pub since: Option<UnixTime>,
    /// Only events before this time.
    pub until: Option<UnixTime>,
}

/// Reads a `since`/`until` day (`YYYY-MM-DD`, UTC): `since` is that day's start, `until`
/// the end of that day, so `since=until=D` is the whole day D.
pub fn parse_day(
    field: &'static str,
    text: &str,
    end_of_day: bool,
) -> Result<UnixTime, AdminError> {
    let bad = || AdminError::invalid(field, "must be a day like 2026-11-23");
    let parts: Vec<&str> = text.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let (y, m, d) = match (y.parse::<i64>(), m.parse::<u8>(), d.parse::<u8>()) {
        (Ok(y), Ok(m), Ok(d))
            if y.abs() < 10_000 && (1..=12).contains(&m) && (1..=31).contains(&d) =>
        {
            (y, m, d)
        }
        _ => return Err(bad()),
    };
    let day = crate::clock::days_from_civil(y, m, d) + i64::from(end_of_day);
    UnixTime::try_from(day * 86_400).map_err(|_| bad())
}

/// What a tenant admin may read of the log: its tenants by slug with their creation
/// time (an event before it belongs to an earlier tenant of the same id), and the
/// accounts it sees with when they joined one of its tenants.
struct Readable {
    tenants: Vec<(String, UnixTime)>,
    members: HashMap<String, UnixTime>,
}

impl Readable {
    fn of(ctx: &Ctx<'_>) -> Result<Option<Self>, AdminError> {
        if ctx.is_appliance() {
            return Ok(None);
        }
        let mut tenants = Vec::new();
        let mut members: HashMap<String, UnixTime> = HashMap::new();
        for t in ctx.store.tenants(None, usize::MAX)? {
            if !ctx.role.manages(t.uid) {
                continue;
            }
            for m in ctx.store.memberships(t.uid, None, usize::MAX)? {
                let seen = ctx
                    .store
                    .account(&m.account_id)?
                    .is_some_and(|a| ctx.sees(&a));
                if seen {
                    let joined = members.entry(m.account_id).or_insert(m.created_at);
                    *joined = (*joined).min(m.created_at);
                }
            }
            tenants.push((t.id.to_string(), t.created_at));
        }
        Ok(Some(Readable { tenants, members }))
    }

    /// An event of one of the tenants, or one about an account (naming no tenant) from
    /// when it has been a member of one of them.
    fn keeps(&self, e: &crate::audit::AuditEvent) -> bool {
        match (&e.tenant, &e.account) {
            (Some(t), _) => self
                .tenants
                .iter()
                .any(|(slug, since)| slug == t && e.at >= *since),
            (None, Some(a)) => self.members.get(a).is_some_and(|joined| e.at >= *joined),
            (None, None) => false,
        }
    }
}

/// Events newest first; `after` is the id of the last event of the previous page. A
/// tenant admin reads only what [`Readable`] keeps.
pub fn list(
    ctx: &Ctx<'_>,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditView>, AdminError> {
    let before =
        match &page.after {
            Some(a) => Some(a.parse::<u64>().map_err(|_| {
                AdminError::invalid("after", "must be the `next` of a previous page")
            })?),
            None => None,
        };
    let readable = Readable::of(ctx)?;
    let fetched = ctx.store.audit_events(before, page.limit + 1, |e| {
        readable.as_ref().is_none_or(|r| r.keeps(e))
            && filter
                .tenant
                .as_ref()
                .is_none_or(|t| e.tenant.as_ref() == Some(t))
            && filter
                .account
                .as_ref()
                .is_none_or(|a| e.account.as_ref() == Some(a))
            && filter.kind.as_ref().is_none_or(|k| e.kind.name() == *k)
            && filter.since.is_none_or(|t| e.at >= t)
            && filter.until.is_none_or(|t| e.at < t)
    })?;
    Ok(
        Page::from_fetched(fetched, page.limit, |e| e.id.to_string()).map(|s| AuditView {
            id: s.id.to_string(),
            at: rfc3339(s.event.at),
            kind: s.event.kind.name(),
            actor: s.event.actor,
            tenant: s.event.tenant,
            account: s.event.account,
            target: s.event.target,
            detail: s.event.detail,
            count: s.event.count,
        }),
    )
}
