//! RFC 4180 records: fields separated by commas, quoted fields that hold commas, line
//! breaks and doubled quotes, records ended by CRLF or LF. Each record knows the line
//! it starts on, as a user counts lines in the file.

use std::iter::Peekable;
use std::str::Chars;

/// The most fields a record may have: the import knows six columns, and a line of
/// commas must not become millions of strings.
const MAX_FIELDS: usize = 32;

/// One record of the file, or why it could not be read.
pub(crate) struct Record {
    /// The line the record starts on (1-based).
    pub line: usize,
    /// Its fields, unquoted.
    pub fields: Result<Vec<String>, String>,
}

/// The records of `text`; blank lines are skipped.
pub(crate) fn records(text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let fields = record(&mut chars, &mut line);
        let blank = matches!(&fields, Ok(f) if f.len() == 1 && f[0].trim().is_empty());
        if !blank {
            out.push(Record {
                line: start,
                fields,
            });
        }
    }
    out
}

/// Reads one record, its line end included; a broken record is skipped to its line end.
fn record(chars: &mut Peekable<Chars<'_>>, line: &mut usize) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    loop {
        let field = match chars.peek() {
            Some('"') => {
                chars.next();
                quoted(chars, line)
            }
            _ => unquoted(chars),
        };
        match field {
            Ok(_) if fields.len() == MAX_FIELDS => {
                skip_line(chars, line);
                return Err(format!("more than {MAX_FIELDS} fields"));
            }
            Ok(f) => fields.push(f),
            Err(e) => {
                skip_line(chars, line);
                return Err(e);
            }
        }
        match chars.next() {
            Some(',') => {}
            None => return Ok(fields),
            Some('\n') => {
                *line += 1;
                return Ok(fields);
            }
            Some('\r') => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                *line += 1;
                return Ok(fields);
            }
            Some(_) => {
                skip_line(chars, line);
                return Err(
                    "a closing quote must be followed by a comma or the end of the line".into(),
                );
            }
        }
    }
}

/// A field after its opening quote, up to and including the closing one.
fn quoted(chars: &mut Peekable<Chars<'_>>, line: &mut usize) -> Result<String, String> {
    let mut field = String::new();
    loop {
        match chars.next() {
            None => return Err("a quoted field is not closed".into()),
            Some('"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            Some('"') => return Ok(field),
            Some(c) => {
                if c == '\n' {
                    *line += 1;
                }
                field.push(c);
            }
        }
    }
}

/// A field without quotes, up to the next comma or line end.
fn unquoted(chars: &mut Peekable<Chars<'_>>) -> Result<String, String> {
    let mut field = String::new();
    while let Some(&c) = chars.peek() {
        match c {
            ',' | '\n' | '\r' => break,
            '"' => {
                return Err(
                    "a quote inside a field needs the field quoted and the quote doubled".into(),
                );
            }
            _ => {
                field.push(c);
                chars.next();
            }
        }
    }
    Ok(field)
}

fn skip_line(chars: &mut Peekable<Chars<'_>>, line: &mut usize) {
    for c in chars.by_ref() {
        if c == '\n' {
            *line += 1;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_of_too_many_fields_fails_alone() {
        let text = format!("a,b\n{}\nc,d\n", ",".repeat(100_000));
        let got = records(&text);
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].line, 2);
        assert_eq!(got[1].fields, Err(format!("more than {MAX_FIELDS} fields")));
        assert_eq!(got[2].fields, Ok(vec!["c".to_owned(), "d".to_owned()]));
    }

    fn read(text: &str) -> Vec<(usize, Result<Vec<String>, String>)> {
        records(text)
            .into_iter()
            .map(|r| (r.line, r.fields))
            .collect()
    }

    fn ok(line: usize, fields: &[&str]) -> (usize, Result<Vec<String>, String>) {
        (line, Ok(fields.iter().map(|f| (*f).to_owned()).collect()))
    }

    #[test]
    fn quotes_commas_line_breaks_and_doubled_quotes() {
        let text = "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",z\n\nlast,";
        assert_eq!(
            read(text),
            vec![
                ok(1, &["a", "b"]),
                ok(2, &["x, y", "say \"hi\""]),
                ok(3, &["two\r\nlines", "z"]),
                ok(6, &["last", ""]),
            ]
        );
    }

    #[test]
    fn broken_records_name_their_line_and_the_next_ones_still_read() {
        let got = read("a,b\n\"open,x\"y\nbad\"quote,1\nfine,2\n\"never closed\n");
        assert_eq!(got[0], ok(1, &["a", "b"]));
        assert_eq!(got[1].0, 2);
        assert!(got[1].1.as_ref().unwrap_err().contains("closing quote"));
        assert_eq!(got[2].0, 3);
        assert!(got[2].1.as_ref().unwrap_err().contains("doubled"));
        assert_eq!(got[3], ok(4, &["fine", "2"]));
        assert_eq!(got[4].0, 5);
        assert!(got[4].1.as_ref().unwrap_err().contains("not closed"));
        assert_eq!(got.len(), 5);
    }

    #[test]
    fn empty_text_has_no_records() {
        assert!(read("").is_empty());
        assert!(read("\r\n\n").is_empty());
    }
}
