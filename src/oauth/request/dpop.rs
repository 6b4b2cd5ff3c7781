//! The `DPoP` request header as the edge reads it (RFC 9449 §4.3, check 1): absent, or
//! exactly one value of bounded size holding printable ASCII; anything else is refused
//! before a proof is judged.

/// The longest proof read, in bytes: a proof signed with an 8192-bit RSA key, whose
/// modulus and signature are 1366 characters each, fits with room to spare.
pub const MAX_PROOF_BYTES: usize = 8 * 1024;

/// What a request's `DPoP` headers hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DpopHeader {
    /// No `DPoP` header.
    Absent,
    /// One `DPoP` header: a proof to check.
    One(String),
    /// Headers that cannot be a proof (two of them, too long, not text), and why.
    Refused(&'static str),
}

impl DpopHeader {
    /// Reads the values of every `DPoP` header of a request.
    pub fn from_values<'a>(mut values: impl Iterator<Item = &'a [u8]>) -> DpopHeader {
        let Some(first) = values.next() else {
            return DpopHeader::Absent;
        };
        if values.next().is_some() {
            return DpopHeader::Refused("exactly one DPoP header is allowed");
        }
        if first.len() > MAX_PROOF_BYTES {
            return DpopHeader::Refused("the DPoP proof is too long");
        }
        match std::str::from_utf8(first) {
            Ok(text) if text.bytes().all(|b| b.is_ascii_graphic()) && !text.is_empty() => {
                DpopHeader::One(text.to_owned())
            }
            _ => DpopHeader::Refused("the DPoP proof is not a compact JWS"),
        }
    }

    /// Whether the request carried any `DPoP` header.
    pub fn is_present(&self) -> bool {
        !matches!(self, DpopHeader::Absent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(values: &[&str]) -> DpopHeader {
        DpopHeader::from_values(values.iter().map(|v| v.as_bytes()))
    }

    #[test]
    fn one_bounded_text_value_is_a_proof_and_anything_else_is_refused() {
        assert_eq!(read(&[]), DpopHeader::Absent);
        assert_eq!(read(&["a.b.c"]), DpopHeader::One("a.b.c".into()));
        assert!(matches!(read(&["a.b.c", "a.b.c"]), DpopHeader::Refused(m) if m.contains("one")));
        assert!(matches!(
            read(&[&"a".repeat(MAX_PROOF_BYTES + 1)]),
            DpopHeader::Refused(_)
        ));
        assert!(read(&[&"a".repeat(MAX_PROOF_BYTES)]).is_present());
        assert!(matches!(read(&["a b.c"]), DpopHeader::Refused(_)));
        assert!(matches!(read(&[""]), DpopHeader::Refused(_)));
        assert!(matches!(
            DpopHeader::from_values([&b"\xff.b.c"[..]].into_iter()),
            DpopHeader::Refused(_)
        ));
    }
}
