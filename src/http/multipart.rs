//! `multipart/form-data` bodies (RFC 7578), as a browser sends a form with a file input:
//! each part's name, and its content as text. Only what the admin UI's upload needs.

/// One part of the body.
#[derive(Debug, PartialEq, Eq)]
pub struct Part {
    /// The form field's name.
    pub name: String,
    /// Its content.
    pub data: Vec<u8>,
}

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let media = params.next()?.trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.find_map(|p| {
        let (key, value) = p.split_once('=')?;
        let value = value.trim().trim_matches('"');
        (key.trim().eq_ignore_ascii_case("boundary") && (1..=70).contains(&value.len()))
            .then(|| value.to_owned())
    })
}

/// The parts of `body`, split at `boundary`; a body that is not well-formed is an error
/// saying what is wrong.
pub fn parts(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let Some(first) = find(body, &delimiter, 0) else {
        return Err("the form data has no boundary".into());
    };
    let mut at = first + delimiter.len();
    let mut parts = Vec::new();
    let closing = format!("\r\n--{boundary}").into_bytes();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err("the form data is malformed".into());
        }
        let head_start = at + 2;
        let head_end = find(body, b"\r\n\r\n", head_start)
            .ok_or_else(|| "a part of the form data has no end of headers".to_owned())?;
        let name = field_name(&body[head_start..head_end])?;
        let data_start = head_end + 4;
        let data_end = find(body, &closing, data_start)
            .ok_or_else(|| "the form data is not closed".to_owned())?;
        parts.push(Part {
            name,
            data: body[data_start..data_end].to_vec(),
        });
        at = data_end + closing.len();
    }
}

/// The `name` of a part's `Content-Disposition: form-data; name="…"` header.
fn field_name(head: &[u8]) -> Result<String, String> {
    let head = std::str::from_utf8(head).map_err(|_| "a part's headers are not UTF-8")?;
    head.split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("name"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .ok_or_else(|| "a part of the form data has no name".into())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_files_as_browsers_send_them() {
        let ct = "multipart/form-data; boundary=----WebKitFormBoundaryX7";
        let b = boundary(ct).unwrap();
        assert_eq!(b, "----WebKitFormBoundaryX7");
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\
             Content-Type: text/csv\r\n\r\nusername\r\nalice\r\n\r\n--{b}--\r\n"
        );
        let got = parts(body.as_bytes(), &b).unwrap();
        assert_eq!(
            got,
            [
                Part {
                    name: "csrf".into(),
                    data: b"tok".to_vec()
                },
                Part {
                    name: "file".into(),
                    data: b"username\r\nalice\r\n".to_vec()
                },
            ]
        );
    }

    #[test]
    fn refuses_other_types_and_broken_bodies() {
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(boundary("multipart/form-data"), None);
        assert_eq!(
            boundary("multipart/form-data; boundary=\"q\"").as_deref(),
            Some("q")
        );
        assert!(parts(b"no boundary here", "b").is_err());
        assert!(
            parts(
                b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nopen",
                "b"
            )
            .is_err()
        );
        assert!(parts(b"--b\r\nX: y\r\n\r\nv\r\n--b--", "b").is_err());
        assert!(parts(b"--bjunk", "b").is_err());
    }
}
