//! The dashboard and the audit log.

use super::{Answer, Fields, Signed};
use crate::admin::page::PageRequest;
use crate::admin::{AdminError, audit_log, overview};
use serde_json::json;

pub(super) fn dashboard(s: &Signed<'_>) -> Answer {
    let ctx = s.ctx();
    let now = ctx.now;
    let overview = overview::overview(&ctx)?;
    let events = audit_log::list(
        &ctx,
        &audit_log::AuditFilter::default(),
        &PageRequest::parse(Some("10"), None)?,
    )?;
    let cert = tokio::task::block_in_place(|| s.state.certificate_expiry()).unwrap_or_else(|e| {
        tracing::warn!(
            "cannot read the TLS certificate's expiry: {e} req={}",
            s.log.id()
        );
        None
    });
    Ok(s.page(
        "admin/dashboard.html",
        "Dashboard".into(),
        "dashboard",
        None,
        json!({
            "tenants": overview.tenants,
            "keys": overview.active_keys,
            "events": events.items,
            "sessions": overview.live_sessions,
            "store_size": human_size(overview.store_bytes),
            "cert_expires": cert.map(crate::clock::rfc3339),
            "cert_warning": cert.is_some_and(|c| c < now + 30 * 86_400),
            "last_backup": s.state.metrics.last_backup().map(crate::clock::rfc3339),
            "backups_scheduled": s.state.config.backup.interval_hours > 0,
            "warnings": super::warnings::of(&s.state.config, cert, now),
            "version": concat!(env!("CARGO_PKG_VERSION"), " (", env!("BUILD_GIT_COMMIT"), ")"),
        }),
    ))
}

/// "Download backup": the snapshot `POST /v2/admin/backup` streams, as an attachment.
/// Appliance admins only, which the operation itself enforces.
pub(super) fn backup(s: &Signed<'_>) -> Answer {
    let ctx = s.ctx();
    let dir = s.state.config.data_dir.clone();
    let (file, records) =
        tokio::task::block_in_place(|| crate::admin::backup::snapshot(&ctx, &dir))?;
    tracing::info!("backup: {records} records streamed to the admin UI");
    s.state.metrics.backup_written(ctx.now);
    let mut resp = crate::http::respond::stream_file(file, "application/cbor-seq");
    resp.headers_mut().insert(
        hyper::header::CONTENT_DISPOSITION,
        hyper::header::HeaderValue::from_static("attachment; filename=\"latchkey.backup\""),
    );
    Ok(resp)
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{} KiB", b.div_ceil(1024)),
    }
}

/// The audit filters a query asks for (the page's form, and its CSV export).
pub(super) fn audit_filter(query: &Fields) -> Result<audit_log::AuditFilter, AdminError> {
    let given = |k: &str| {
        query
            .get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Ok(audit_log::AuditFilter {
        tenant: given("tenant"),
        account: given("account"),
        kind: given("kind"),
        since: given("since")
            .map(|d| audit_log::parse_day("since", &d, false))
            .transpose()?,
        until: given("until")
            .map(|d| audit_log::parse_day("until", &d, true))
            .transpose()?,
    })
}

pub(super) fn audit_page(s: &Signed<'_>, query: &Fields) -> Answer {
    let given = |k: &str| {
        query
            .get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let filter = audit_filter(query)?;
    let request = PageRequest::parse(Some("50"), query.get("after").map(String::as_str))?;
    let page = tokio::task::block_in_place(|| audit_log::list(&s.ctx(), &filter, &request))?;
    let names = super::audit_export::usernames(s, &page.items)?;
    let next = page.next.map(|after| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for k in ["tenant", "account", "kind", "since", "until"] {
            if let Some(v) = given(k) {
                q.append_pair(k, &v);
            }
        }
        q.append_pair("after", &after);
        format!("/admin/audit?{}", q.finish())
    });
    Ok(s.page(
        "admin/audit.html",
        "Audit log".into(),
        "audit",
        None,
        json!({
            "events": page.items,
            "tenant": filter.tenant.unwrap_or_default(),
            "account": filter.account.unwrap_or_default(),
            "kind": filter.kind.unwrap_or_default(),
            "since": given("since").unwrap_or_default(),
            "until": given("until").unwrap_or_default(),
            "next": next,
            "names": names,
            "export": export_href(&filter_query(query)),
        }),
    ))
}

/// The filters of `query` again, as a query string.
fn filter_query(query: &Fields) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for k in ["tenant", "account", "kind", "since", "until"] {
        if let Some(v) = query.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            q.append_pair(k, v);
        }
    }
    q.finish()
}

fn export_href(filters: &str) -> String {
    match filters {
        "" => "/admin/audit.csv".to_owned(),
        f => format!("/admin/audit.csv?{f}"),
    }
}
