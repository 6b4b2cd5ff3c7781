//! The tenant page's account import (SPEC "Admin UI": CSV import): the uploaded file
//! goes through the same operation as `POST /v2/admin/tenants/{t}/accounts/import`,
//! and its report is shown on a page.

use super::forms::field;
use super::{Answer, Fields, Signed};
use crate::admin::file_import::{self, Format};
use serde_json::json;

/// Imports the uploaded `file` in the chosen `format` into tenant `t`.
pub(super) async fn upload(s: &Signed<'_>, t: &str, fields: Fields) -> Answer {
    let format = match field(&fields, "format").as_str() {
        "ndjson" => Format::Ndjson,
        _ => Format::Csv,
    };
    let ctx = s.ctx();
    let report = file_import::run(&ctx, t, ctx.reach(), format, &field(&fields, "file")).await?;
    s.state.store.flush_durable().await?;
    Ok(s.page(
        "admin/import_report.html",
        format!("Import into {t}"),
        "tenants",
        None,
        json!({"tenant": t, "report": report}),
    ))
}
