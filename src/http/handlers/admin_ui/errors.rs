//! Errors of a signed-in admin request, shown inside the admin layout (navigation,
//! sign-out) with a way back, instead of the bare error page sign-in gets.

use super::Signed;
use crate::admin::AdminError;
use crate::http::respond::{self, Body};
use crate::types::ErrorKind;
use hyper::{Response, StatusCode};
use serde_json::json;

/// The page for an operation that refused or failed; an internal error's cause goes to
/// the log only.
pub(super) fn refused(s: &Signed<'_>, segments: &[&str], e: &AdminError) -> Response<Body> {
    match e.kind() {
        ErrorKind::Internal => {
            tracing::error!("{e} req={}", s.log.id());
            page(
                s,
                segments,
                StatusCode::INTERNAL_SERVER_ERROR,
                "The operation failed; see the log.",
            )
        }
        kind => page(s, segments, respond::status_of(kind), &e.public_message()),
    }
}

/// An error page with `status` and `text`, in the admin frame.
pub(super) fn page(
    s: &Signed<'_>,
    segments: &[&str],
    status: StatusCode,
    text: &str,
) -> Response<Body> {
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        s if s.is_server_error() => "Something went wrong",
        _ => "Not accepted",
    };
    let mut resp = s.page(
        "admin/error.html",
        title.to_owned(),
        nav_of(segments),
        None,
        json!({
            "message": text,
            "reference": s.log.id(),
            "back": back(segments, status),
        }),
    );
    *resp.status_mut() = status;
    resp
}

fn nav_of(segments: &[&str]) -> &'static str {
    match segments.first() {
        Some(&"tenants") => "tenants",
        Some(&"accounts") => "accounts",
        Some(&"keys") => "keys",
        Some(&"audit") => "audit",
        _ => "dashboard",
    }
}

/// Where "Back" leads: the record the request was about, or its list when that record
/// is what was not found.
fn back(segments: &[&str], status: StatusCode) -> String {
    match segments {
        [list @ ("tenants" | "accounts"), id, _, ..] if status != StatusCode::NOT_FOUND => {
            format!("/admin/{list}/{id}")
        }
        [list @ ("tenants" | "accounts" | "keys" | "audit"), ..] => format!("/admin/{list}"),
        _ => "/admin".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_leads_to_the_record_or_its_list() {
        let bad = StatusCode::BAD_REQUEST;
        let gone = StatusCode::NOT_FOUND;
        assert_eq!(
            back(&["tenants", "acme", "rename"], bad),
            "/admin/tenants/acme"
        );
        assert_eq!(back(&["tenants", "acme", "rename"], gone), "/admin/tenants");
        assert_eq!(back(&["audit"], bad), "/admin/audit");
        assert_eq!(back(&["nothing", "here"], gone), "/admin");
        assert_eq!(back(&[], gone), "/admin");
    }
}
