//! The online bulk import (SPEC "SCIM 2.0 provisioning"): a CSV or NDJSON file of
//! accounts for one tenant. Each line creates an account with its membership, or
//! updates an existing account (found by username) and its membership here, in one
//! transaction of its own: a failing line changes nothing and the others still apply.

mod apply;
pub(crate) mod csv;
mod rows;

pub use rows::COLUMNS;

use super::reach::Reach;
use super::{AdminError, Ctx};
use crate::audit::{AuditEvent, AuditKind};
use serde::Serialize;

/// The formats a file may come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `text/csv`: a header row, then one account per record (RFC 4180).
    Csv,
    /// `application/x-ndjson`: one JSON object per line.
    Ndjson,
}

/// What an import did.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Accounts created, each with its membership.
    pub created: usize,
    /// Existing accounts updated, with their membership here.
    pub updated: usize,
    /// The lines that changed nothing, in file order.
    pub failed: Vec<Failure>,
}

/// One line that failed.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// Its number in the file (a CSV header is line 1).
    pub line: usize,
    /// Why it failed.
    pub error: String,
}

/// The line numbers of `text`'s rows in `format`, and the reason of each that does not
/// read, without touching the store: what the fuzz target checks.
#[cfg(any(test, fuzzing))]
pub fn read_lines(format: Format, text: &str) -> Result<Vec<(usize, Option<String>)>, AdminError> {
    let rows = match format {
        Format::Csv => rows::from_csv(text)?,
        Format::Ndjson => rows::from_ndjson(text),
    };
    Ok(rows
        .into_iter()
        .map(|(line, row)| (line, row.err()))
        .collect())
}

/// Imports `text` into tenant `slug` for a caller reaching `reach`. A header that
/// cannot be used, or a store failure, fails the whole call; a bad line fails alone.
pub async fn run(
    ctx: &Ctx<'_>,
    slug: &str,
    reach: Reach<'_>,
    format: Format,
    text: &str,
) -> Result<Report, AdminError> {
    let tenant = ctx.tenant(slug)?;
    // Spreadsheets often save UTF-8 with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rows = match format {
        Format::Csv => rows::from_csv(text)?,
        Format::Ndjson => rows::from_ndjson(text),
    };
    let mut report = Report::default();
    let plans = tokio::task::block_in_place(|| apply::check(ctx, reach, rows, &mut report))?;
    let plans = apply::hash_passwords(plans).await?;
    tokio::task::block_in_place(|| apply::write(ctx, &tenant, reach, plans, &mut report))?;
    report.failed.sort_by_key(|f| f.line);
    let summary = AuditEvent::new(ctx.now, AuditKind::AccountsImported, &ctx.actor)
        .tenant(slug)
        .detail(&format!(
            "{} created, {} updated, {} failed",
            report.created,
            report.updated,
            report.failed.len()
        ));
    ctx.store
        .transaction(|tx| tx.audit::<AdminError>(&summary))?;
    Ok(report)
}

#[cfg(test)]
mod tests;
