use super::*;

const PNG: &[u8] = include_bytes!("../../tests/data/images/logo-4x3.png");
const JPEG: &[u8] = include_bytes!("../../tests/data/images/logo-5x2.jpg");
const PROGRESSIVE: &[u8] = include_bytes!("../../tests/data/images/logo-3x3-progressive.jpg");
const LOSSY: &[u8] = include_bytes!("../../tests/data/images/logo-6x7.webp");
const LOSSLESS: &[u8] = include_bytes!("../../tests/data/images/logo-2x9-lossless.webp");
const EXTENDED: &[u8] = include_bytes!("../../tests/data/images/logo-8x5-alpha.webp");

fn info(kind: ImageKind, width: u32, height: u32) -> Result<ImageInfo, ImageError> {
    Ok(ImageInfo {
        kind,
        width,
        height,
    })
}

#[test]
fn reads_real_images_made_by_imagemagick() {
    assert_eq!(inspect(PNG), info(ImageKind::Png, 4, 3));
    assert_eq!(inspect(JPEG), info(ImageKind::Jpeg, 5, 2));
    assert_eq!(inspect(PROGRESSIVE), info(ImageKind::Jpeg, 3, 3));
    assert_eq!(inspect(LOSSY), info(ImageKind::Webp, 6, 7));
    assert_eq!(inspect(LOSSLESS), info(ImageKind::Webp, 2, 9));
    assert_eq!(inspect(EXTENDED), info(ImageKind::Webp, 8, 5));
}

#[test]
fn crc_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

#[test]
fn refuses_other_formats() {
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    for bytes in [
        &svg[..],
        b"GIF89a\x01\x00\x01\x00",
        b"",
        b"RIFF",
        b"\x89PNG",
    ] {
        assert_eq!(inspect(bytes), Err(ImageError::UnknownFormat), "{bytes:?}");
    }
}

#[test]
fn refuses_a_png_signature_followed_by_garbage() {
    let mut bytes = PNG_SIGNATURE.to_vec();
    bytes.extend_from_slice(&[0x41; 40]);
    assert!(matches!(
        inspect(&bytes),
        Err(ImageError::Damaged("PNG", _))
    ));
    assert!(matches!(
        inspect(&PNG[..20]),
        Err(ImageError::Damaged("PNG", "it is cut short"))
    ));
}

#[test]
fn refuses_a_png_whose_ihdr_checksum_or_fields_are_wrong() {
    let mut wrong_crc = PNG.to_vec();
    wrong_crc[29] ^= 1;
    assert_eq!(
        inspect(&wrong_crc),
        Err(ImageError::Damaged("PNG", "the IHDR checksum is wrong"))
    );
    let mut wrong_depth = PNG.to_vec();
    wrong_depth[24] = 3;
    let crc = crc32(&wrong_depth[12..29]);
    wrong_depth[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(
        inspect(&wrong_depth),
        Err(ImageError::Damaged("PNG", "the IHDR fields are invalid"))
    );
}

#[test]
fn refuses_sizes_of_zero_or_past_the_limit() {
    let mut huge = PNG.to_vec();
    huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(inspect(&huge), Err(ImageError::BadSize(100_000, 3)));
    let mut zero = PNG.to_vec();
    zero[20..24].copy_from_slice(&0u32.to_be_bytes());
    let crc = crc32(&zero[12..29]);
    zero[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(inspect(&zero), Err(ImageError::BadSize(4, 0)));
}

#[test]
fn refuses_a_jpeg_without_a_frame_header() {
    assert!(matches!(
        inspect(b"\xFF\xD8\xFF\xD9"),
        Err(ImageError::Damaged("JPEG", _))
    ));
    assert!(matches!(
        inspect(b"\xFF\xD8\xFF\xE0\x00\x10JFIF"),
        Err(ImageError::Damaged("JPEG", "a segment runs past the end"))
    ));
    assert!(matches!(
        inspect(b"\xFF\xD8\xFF\xE0\x00\x01"),
        Err(ImageError::Damaged("JPEG", _))
    ));
    assert!(matches!(
        inspect(b"\xFF\xD8\xFF\xE0\x00\x02garbage"),
        Err(ImageError::Damaged("JPEG", _))
    ));
    let mut cut = JPEG.to_vec();
    cut.truncate(30);
    assert!(matches!(inspect(&cut), Err(ImageError::Damaged("JPEG", _))));
}

#[test]
fn refuses_a_webp_with_a_wrong_size_or_chunk() {
    let mut short_riff = LOSSY.to_vec();
    short_riff.truncate(40);
    assert!(matches!(
        inspect(&short_riff),
        Err(ImageError::Damaged("WebP", _))
    ));
    let mut other_chunk = LOSSY.to_vec();
    other_chunk[12..16].copy_from_slice(b"ALPH");
    assert!(matches!(
        inspect(&other_chunk),
        Err(ImageError::Damaged("WebP", _))
    ));
    let mut not_key_frame = LOSSY.to_vec();
    not_key_frame[20] |= 1;
    assert!(matches!(
        inspect(&not_key_frame),
        Err(ImageError::Damaged("WebP", _))
    ));
    let mut lossless_version = LOSSLESS.to_vec();
    lossless_version[24] |= 0x20;
    assert!(matches!(
        inspect(&lossless_version),
        Err(ImageError::Damaged("WebP", _))
    ));
}

#[test]
fn any_prefix_of_a_real_image_is_refused_or_read_without_panic() {
    for image in [PNG, JPEG, PROGRESSIVE, LOSSY, LOSSLESS, EXTENDED] {
        for end in 0..image.len() {
            let _ = inspect(&image[..end]);
        }
    }
}
