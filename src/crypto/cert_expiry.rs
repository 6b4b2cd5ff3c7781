//! The validity dates of an X.509 certificate (RFC 5280 §4.1.2.5), read with a minimal DER
//! walk: enough for the dashboard's and the log's expiry warnings, without an X.509
//! dependency. Anything unexpected reads as "unknown", never as a panic.

use crate::clock::{UnixTime, days_from_civil};

/// One DER element: its tag, its content, and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*input.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    Some((tag, input.get(header..end)?, input.get(end..)?))
}

/// When the DER certificate `der` expires.
pub fn not_after(der: &[u8]) -> Option<UnixTime> {
    validity(der).map(|(_, after)| after)
}

/// The DER certificate's `notBefore` and `notAfter`.
pub fn validity(der: &[u8]) -> Option<(UnixTime, UnixTime)> {
    let (_, certificate, _) = element(der).filter(|e| e.0 == 0x30)?;
    let (_, tbs, _) = element(certificate).filter(|e| e.0 == 0x30)?;
    let (tag, _, mut rest) = element(tbs)?;
    if tag == 0xa0 {
        rest = element(rest)?.2;
    }
    let rest = element(rest)?.2;
    let rest = element(rest)?.2;
    let (_, validity, _) = element(rest).filter(|e| e.0 == 0x30)?;
    let (before_tag, before, rest) = element(validity)?;
    let (after_tag, after, _) = element(rest)?;
    Some((
        parse_time(before_tag, std::str::from_utf8(before).ok()?)?,
        parse_time(after_tag, std::str::from_utf8(after).ok()?)?,
    ))
}

/// UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn parse_time(tag: u8, text: &str) -> Option<UnixTime> {
    let text = text.strip_suffix('Z')?;
    let (year, rest) = match (tag, text.len()) {
        (0x17, 12) => {
            let yy: i64 = text.get(..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, text.get(2..)?)
        }
        (0x18, 14) => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    let num = |i: usize| -> Option<u8> { rest.get(i..i + 2)?.parse().ok() };
    let days = days_from_civil(year, num(0)?, num(2)?);
    let secs =
        days * 86_400 + i64::from(num(4)?) * 3600 + i64::from(num(6)?) * 60 + i64::from(num(8)?);
    UnixTime::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_expiry_rcgen_wrote() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.not_after = rcgen::date_time_ymd(2031, 7, 4);
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(not_after(cert.der()), Some(1_940_889_600));
        params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.not_after = rcgen::date_time_ymd(2051, 1, 2);
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(
            not_after(cert.der()),
            Some(2_556_230_400),
            "GeneralizedTime past 2049"
        );
    }

    #[test]
    fn garbage_is_unknown() {
        assert_eq!(not_after(b""), None);
        assert_eq!(not_after(&[0x30, 0x82, 0xff]), None);
        assert_eq!(not_after(&[0x30, 0x03, 0x30, 0x01, 0x00]), None);
    }
}
