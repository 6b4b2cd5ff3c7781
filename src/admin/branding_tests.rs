use super::*;
use crate::types::image::ImageKind;

const PNG: &[u8] = include_bytes!("../../tests/data/images/logo-4x3.png");
const JPEG: &[u8] = include_bytes!("../../tests/data/images/logo-5x2.jpg");

fn message(e: AdminError) -> String {
    e.public_message()
}

#[test]
fn a_logo_keeps_the_type_its_bytes_have_not_the_declared_one() {
    let declared_png = format!("data:image/png;base64,{}", STANDARD.encode(JPEG));
    let logo = logo(&declared_png).unwrap();
    assert_eq!(logo.kind, ImageKind::Jpeg);
    assert_eq!(logo.bytes, JPEG);
    assert_eq!((logo.width, logo.height), (5, 2));
    assert!(data_url(&logo).starts_with("data:image/jpeg;base64,/9j/"));
    let bare = format!("DATA:;base64,{}", STANDARD.encode(PNG));
    assert_eq!(super::logo(&bare).unwrap().kind, ImageKind::Png);
}

#[test]
fn a_logo_that_is_not_a_base64_raster_image_is_refused_by_rule() {
    let svg = format!(
        "data:image/svg+xml;base64,{}",
        STANDARD.encode(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
    );
    let refused = message(logo(&svg).unwrap_err());
    assert!(
        refused.starts_with("logo: is not a PNG, JPEG or WebP image"),
        "{refused}"
    );
    assert!(refused.contains("SVG"), "{refused}");
    let plain = message(logo("data:image/png,%89PNG").unwrap_err());
    assert!(plain.contains(";base64,"), "{plain}");
    let not_data = message(logo("https://example.com/logo.png").unwrap_err());
    assert!(not_data.contains("data: URL"), "{not_data}");
    let bad_base64 = message(logo("data:image/png;base64,iVBOR*").unwrap_err());
    assert!(bad_base64.contains("not valid base64"), "{bad_base64}");
    let mut big = PNG.to_vec();
    big.resize(MAX_LOGO_BYTES + 1, 0);
    let oversize = format!("data:image/png;base64,{}", STANDARD.encode(&big));
    assert!(message(logo(&oversize).unwrap_err()).contains("too large"));
    let mut at_limit = PNG.to_vec();
    at_limit.resize(MAX_LOGO_BYTES, 0);
    let exactly = format!("data:image/png;base64,{}", STANDARD.encode(&at_limit));
    assert_eq!(logo(&exactly).unwrap().bytes.len(), MAX_LOGO_BYTES);
}

#[test]
fn colours_are_six_hex_digits_only() {
    assert_eq!(accent_color("#A1b2C3").unwrap(), "#a1b2c3");
    for bad in [
        "red",
        "#fff",
        "#12345g",
        "#1234567",
        "123456",
        "#12345",
        "#１２３４５６",
    ] {
        assert!(
            message(accent_color(bad).unwrap_err()).contains("#rrggbb"),
            "{bad}"
        );
    }
}

#[test]
fn support_addresses_are_plausible_and_safe_in_a_mailto_link() {
    assert_eq!(
        support_email("help.desk+acme@mail.example.com").unwrap(),
        "help.desk+acme@mail.example.com"
    );
    for bad in [
        "help",
        "@example.com",
        "help@localhost",
        "help@exa mple.com",
        "help@-example.com",
        "help?subject=x@example.com",
        "a@b@example.com",
        "help@example.com?cc=x@evil.example",
        "<help@example.com>",
    ] {
        assert!(support_email(bad).is_err(), "{bad}");
    }
    let long = format!("{}@example.com", "a".repeat(65));
    assert!(support_email(&long).is_err());
}

#[test]
fn locales_are_the_five_of_spec() {
    for l in LOCALES {
        assert_eq!(default_locale(l).unwrap(), l);
    }
    let refused = message(default_locale("it").unwrap_err());
    assert_eq!(refused, "default_locale: must be one of en, de, fr, nl, es");
    assert!(default_locale("EN").is_err());
}
