//! The lines of an import file read into rows: a CSV file with a header row naming its
//! columns, or NDJSON with one object per line. A header that cannot be used stops the
//! whole import; a line that cannot be read fails alone.

use super::csv;
use crate::admin::AdminError;
use serde::Deserialize;

/// The columns an import file may have; `username` is the one it must have.
pub const COLUMNS: [&str; 6] = [
    "username",
    "email",
    "name",
    "password",
    "scopes",
    "external_authentication_provider_id",
];

/// One line of the file. Absent and empty values mean "not given". No `Debug`: it
/// holds a password.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Row {
    pub username: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub external_authentication_provider_id: Option<String>,
}

/// A line's number in the file and its row, or why it is unreadable.
pub(super) type Numbered = (usize, Result<Row, String>);

/// The rows of a CSV file: its first record names the columns, in any order, each at
/// most once, `username` among them.
pub(super) fn from_csv(text: &str) -> Result<Vec<Numbered>, AdminError> {
    let mut records = csv::records(text).into_iter();
    let Some(header) = records.next() else {
        return Err(AdminError::invalid("file", "the file is empty"));
    };
    let columns = header_columns(header.fields)?;
    Ok(records
        .map(|r| (r.line, r.fields.and_then(|f| row(&columns, f))))
        .collect())
}

fn header_columns(fields: Result<Vec<String>, String>) -> Result<Vec<usize>, AdminError> {
    let expected = || {
        format!(
            "the header row names the columns, from: {}",
            COLUMNS.join(",")
        )
    };
    let names = fields.map_err(|e| AdminError::invalid("header", format!("line 1: {e}")))?;
    let mut columns = Vec::with_capacity(names.len());
    for name in &names {
        let name = name.trim();
        let Some(index) = COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(name)) else {
            let shown: String = name.chars().take(64).collect();
            return Err(AdminError::invalid(
                "header",
                format!("unknown column `{shown}`: {}", expected()),
            ));
        };
        if columns.contains(&index) {
            return Err(AdminError::invalid(
                "header",
                format!("the column `{}` appears twice", COLUMNS[index]),
            ));
        }
        columns.push(index);
    }
    if !columns.contains(&0) {
        return Err(AdminError::invalid(
            "header",
            format!("the column `username` is required: {}", expected()),
        ));
    }
    Ok(columns)
}

/// A CSV record as a row; `scopes` are space-separated.
fn row(columns: &[usize], fields: Vec<String>) -> Result<Row, String> {
    if fields.len() != columns.len() {
        return Err(format!(
            "{} fields where the header names {}",
            fields.len(),
            columns.len()
        ));
    }
    let mut row = Row::default();
    for (&column, value) in columns.iter().zip(fields) {
        let given = (!value.trim().is_empty()).then_some(value);
        match column {
            0 => row.username = given.unwrap_or_default(),
            1 => row.email = given,
            2 => row.name = given,
            3 => row.password = given,
            4 => row.scopes = given.map(|s| s.split_whitespace().map(str::to_owned).collect()),
            _ => row.external_authentication_provider_id = given,
        }
    }
    Ok(row)
}

/// The rows of an NDJSON file: one JSON object per line, `scopes` an array of strings.
pub(super) fn from_ndjson(text: &str) -> Vec<Numbered> {
    text.split('\n')
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, json_row(l)))
        .collect()
}

fn json_row(line: &str) -> Result<Row, String> {
    if !line.trim_start().starts_with('{') {
        return Err("the line must be a JSON object ({...})".into());
    }
    let mut de = serde_json::Deserializer::from_str(line);
    let row: Row = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => without_value(&path, &inner.to_string()),
            _ => format!("malformed JSON: {inner}"),
        }
    })?;
    de.end().map_err(|e| format!("malformed JSON: {e}"))?;
    Ok(row)
}

/// serde's "invalid type: string \"…\", expected …" quotes the value, which may be a
/// password sent in the wrong shape: keep only the field and what was expected.
fn without_value(path: &str, message: &str) -> String {
    let quotes_value = ["invalid type", "invalid value", "invalid length"]
        .iter()
        .any(|p| message.starts_with(p));
    match message.split_once(", expected ") {
        Some((_, expected)) if quotes_value => {
            format!("{path}: wrong type or value, expected {expected}")
        }
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_may_be_reordered_and_left_out() {
        let rows = from_csv("Email,username,scopes\nA@x.example,alice,read  write\n").unwrap();
        let (line, row) = &rows[0];
        let row = row.as_ref().ok().unwrap();
        assert_eq!(*line, 2);
        assert_eq!(row.username, "alice");
        assert_eq!(row.email.as_deref(), Some("A@x.example"));
        assert_eq!(row.scopes.clone().unwrap(), ["read", "write"]);
        assert!(row.password.is_none());
    }

    #[test]
    fn a_header_that_cannot_be_used_stops_the_import() {
        for (text, says) in [
            ("", "empty"),
            ("username,mail\n", "unknown column `mail`"),
            ("username,email,email\n", "twice"),
            ("email,name\n", "`username` is required"),
            ("\"username\n", "not closed"),
        ] {
            let e = from_csv(text).err().unwrap().to_string();
            assert!(e.contains(says), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_short_csv_line_fails_alone() {
        let rows = from_csv("username,email\nbob\ncarol,c@x.example\n").unwrap();
        assert!(rows[0].1.as_ref().err().unwrap().contains("1 fields"));
        assert!(rows[1].1.is_ok());
    }

    #[test]
    fn ndjson_lines_are_objects_and_wrong_values_are_not_echoed() {
        let rows = from_ndjson(
            "{\"username\":\"a\",\"scopes\":[\"read\"]}\r\n\n[1]\n{\"username\":\"b\",\"password\":12345678}\n{\"username\":\"c\",\"role\":1}\n{",
        );
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0].0, 1);
        assert_eq!(
            rows[0].1.as_ref().ok().unwrap().scopes.clone().unwrap(),
            ["read"]
        );
        assert_eq!(rows[1].0, 3);
        assert!(rows[1].1.as_ref().err().unwrap().contains("JSON object"));
        let wrong = rows[2].1.as_ref().err().unwrap();
        assert!(wrong.contains("password: wrong type"), "{wrong}");
        assert!(!wrong.contains("12345678"), "{wrong}");
        assert!(
            rows[3]
                .1
                .as_ref()
                .err()
                .unwrap()
                .contains("unknown field `role`")
        );
        assert!(
            rows[4]
                .1
                .as_ref()
                .err()
                .unwrap()
                .starts_with("malformed JSON")
        );
    }
}
