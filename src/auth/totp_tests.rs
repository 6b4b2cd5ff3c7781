use super::*;

/// RFC 6238 Appendix B's SHA-1 seed: the ASCII digits "1234567890" twice.
fn rfc_secret() -> TotpSecret {
    TotpSecret(*b"12345678901234567890")
}

#[test]
fn rfc_6238_appendix_b_vectors_truncated_to_six_digits() {
    // (time, the 8-digit SHA-1 value from the RFC's table)
    let vectors = [
        (59u64, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];
    let secret = rfc_secret();
    for (t, eight) in vectors {
        assert_eq!(secret.code(step_at(t)), eight[2..], "time {t}");
    }
}

#[test]
fn agrees_with_an_independent_implementation() {
    for _ in 0..20 {
        let secret = TotpSecret::generate().expect("random");
        for t in [0u64, 59, 1_700_000_000, 1_700_000_029, 4_000_000_000] {
            let theirs = totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, secret.as_bytes(), t);
            assert_eq!(secret.code(step_at(t)), theirs, "time {t}");
        }
    }
}

#[test]
fn accepts_one_step_either_way_and_no_further() {
    let secret = rfc_secret();
    let now = 1_700_000_015;
    let step = step_at(now);
    for s in [step - 1, step, step + 1] {
        assert_eq!(secret.verify(&secret.code(s), now, None), Some(s));
    }
    assert_eq!(secret.verify(&secret.code(step - 2), now, None), None);
    assert_eq!(secret.verify(&secret.code(step + 2), now, None), None);
}

#[test]
fn refuses_a_step_not_later_than_the_last_accepted() {
    let secret = rfc_secret();
    let now = 1_700_000_015;
    let step = step_at(now);
    let code = secret.code(step);
    assert_eq!(secret.verify(&code, now, Some(step)), None);
    assert_eq!(secret.verify(&code, now, Some(step + 1)), None);
    assert_eq!(secret.verify(&code, now, Some(step - 1)), Some(step));
    assert_eq!(
        secret.verify(&secret.code(step - 1), now, Some(step - 1)),
        None
    );
}

#[test]
fn refuses_malformed_codes() {
    let secret = rfc_secret();
    let now = 1_700_000_015;
    let code = secret.code(step_at(now));
    for bad in ["", "12345", "1234567", "abcdef", "12 456", "１２３４５６"] {
        assert_eq!(secret.verify(bad, now, None), None, "{bad:?}");
    }
    assert_eq!(
        secret.verify(&format!(" {code} "), now, None),
        Some(step_at(now))
    );
}

#[test]
fn base32_matches_rfc_4648_vectors() {
    assert_eq!(base32(b""), "");
    assert_eq!(base32(b"f"), "MY");
    assert_eq!(base32(b"fo"), "MZXQ");
    assert_eq!(base32(b"foo"), "MZXW6");
    assert_eq!(base32(b"foob"), "MZXW6YQ");
    assert_eq!(base32(b"fooba"), "MZXW6YTB");
    assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    assert_eq!(rfc_secret().base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

#[test]
fn the_uri_carries_the_secret_and_parameters() {
    let uri = rfc_secret().otpauth_uri("Acme Inc", "ann@example.com");
    assert_eq!(
        uri,
        "otpauth://totp/Acme%20Inc:ann%40example%2Ecom?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20Inc&algorithm=SHA1&digits=6&period=30"
    );
    assert!(!format!("{:?}", rfc_secret()).contains("GEZ"));
}
