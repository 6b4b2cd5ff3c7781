//! What a tenant's logo really is: PNG, JPEG or WebP, found from its bytes (never from
//! a declared type) by reading the format's header structure far enough to know the
//! image's width and height. A small parser of our own: no image-decoding library sees
//! bytes an admin uploaded, and nothing past the header is interpreted.

use serde::{Deserialize, Serialize};

/// The largest width or height accepted: a logo is small, and a header claiming more is
/// more likely a decompression bomb than a logo.
pub const MAX_DIMENSION: u32 = 16_384;

/// An image format a logo may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageKind {
    /// PNG (ISO/IEC 15948).
    Png,
    /// JPEG (ITU-T T.81, JFIF or Exif).
    Jpeg,
    /// WebP (RIFF container, VP8, VP8L or VP8X).
    Webp,
}

impl ImageKind {
    /// The media type the logo is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
        }
    }
}

/// An image whose header was read: its format and size in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    /// The format the bytes have.
    pub kind: ImageKind,
    /// Width in pixels, 1 to [`MAX_DIMENSION`].
    pub width: u32,
    /// Height in pixels, 1 to [`MAX_DIMENSION`].
    pub height: u32,
}

/// Why bytes are not an acceptable image.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// No PNG, JPEG or WebP signature (SVG, GIF, text, …).
    #[error("is not a PNG, JPEG or WebP image")]
    UnknownFormat,
    /// The signature is there but the header structure is broken.
    #[error("is a damaged {0} image: {1}")]
    Damaged(&'static str, &'static str),
    /// The header names a size of 0 or above [`MAX_DIMENSION`].
    #[error("has a size of {0}x{1} pixels (each side must be 1 to {MAX_DIMENSION})")]
    BadSize(u32, u32),
}

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Reads the format and size of `bytes`.
pub fn inspect(bytes: &[u8]) -> Result<ImageInfo, ImageError> {
    let kind = if bytes.starts_with(PNG_SIGNATURE) {
        ImageKind::Png
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ImageKind::Jpeg
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        ImageKind::Webp
    } else {
        return Err(ImageError::UnknownFormat);
    };
    let (width, height) = match kind {
        ImageKind::Png => png(bytes)?,
        ImageKind::Jpeg => jpeg(bytes)?,
        ImageKind::Webp => webp(bytes)?,
    };
    if !(1..=MAX_DIMENSION).contains(&width) || !(1..=MAX_DIMENSION).contains(&height) {
        return Err(ImageError::BadSize(width, height));
    }
    Ok(ImageInfo {
        kind,
        width,
        height,
    })
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn le_u24(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], 0])
}

/// CRC-32 (ISO-HDLC, as PNG uses), bit by bit: it runs over 17 bytes once per upload.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// PNG: the signature, then the IHDR chunk first, 13 bytes with a correct CRC and a
/// valid bit depth for its colour type.
fn png(b: &[u8]) -> Result<(u32, u32), ImageError> {
    let damaged = |why| ImageError::Damaged("PNG", why);
    let chunk = b
        .get(8..8 + 4 + 4 + 13 + 4)
        .ok_or(damaged("it is cut short"))?;
    if be32(&chunk[..4]) != 13 || &chunk[4..8] != b"IHDR" {
        return Err(damaged("it does not start with an IHDR chunk"));
    }
    if be32(&chunk[21..25]) != crc32(&chunk[4..21]) {
        return Err(damaged("the IHDR checksum is wrong"));
    }
    let ihdr = &chunk[8..21];
    let (depth, colour) = (ihdr[8], ihdr[9]);
    let depth_ok = match colour {
        0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
        3 => matches!(depth, 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(depth, 8 | 16),
        _ => false,
    };
    if !depth_ok || ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] > 1 {
        return Err(damaged("the IHDR fields are invalid"));
    }
    Ok((be32(&ihdr[..4]), be32(&ihdr[4..8])))
}

/// Whether `marker` starts a frame (SOF0–SOF15 except DHT, JPG and DAC).
fn is_start_of_frame(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// JPEG: SOI, then marker segments up to the first start-of-frame, whose header holds
/// the size. A scan, or the end of the image, before any frame is damage.
fn jpeg(b: &[u8]) -> Result<(u32, u32), ImageError> {
    let damaged = |why| ImageError::Damaged("JPEG", why);
    let mut at = 2;
    loop {
        if b.get(at) != Some(&0xFF) {
            return Err(damaged("a segment does not start with a marker"));
        }
        while b.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *b.get(at).ok_or(damaged("it is cut short"))?;
        at += 1;
        match marker {
            0x01 | 0xD0..=0xD7 => continue,
            0x00 | 0xD8 | 0xD9 | 0xDA => {
                return Err(damaged("it has no frame header before its data"));
            }
            _ => {}
        }
        let len = b
            .get(at..at + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
            .ok_or(damaged("it is cut short"))?;
        let segment = b
            .get(at + 2..at + len.max(2))
            .filter(|_| len >= 2)
            .ok_or(damaged("a segment runs past the end"))?;
        if is_start_of_frame(marker) {
            if segment.len() < 6 {
                return Err(damaged("the frame header is too short"));
            }
            let height = u16::from_be_bytes([segment[1], segment[2]]);
            let width = u16::from_be_bytes([segment[3], segment[4]]);
            return Ok((u32::from(width), u32::from(height)));
        }
        at += len;
    }
}

/// WebP: a RIFF container of type WEBP whose first chunk is VP8 (lossy), VP8L
/// (lossless) or VP8X (extended), each with the size where its format puts it.
fn webp(b: &[u8]) -> Result<(u32, u32), ImageError> {
    let damaged = |why| ImageError::Damaged("WebP", why);
    let riff_len = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    if riff_len < 4 + 8 || riff_len.saturating_add(8) > b.len() {
        return Err(damaged("the RIFF size does not match the data"));
    }
    let header = b.get(12..20).ok_or(damaged("it is cut short"))?;
    let chunk_len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    let data = b
        .get(20..20usize.saturating_add(chunk_len))
        .ok_or(damaged("the first chunk runs past the end"))?;
    match &header[..4] {
        b"VP8 " => {
            if data.len() < 10 || data[0] & 1 != 0 || data[3..6] != [0x9D, 0x01, 0x2A] {
                return Err(damaged("the VP8 key frame header is invalid"));
            }
            let width = u16::from_le_bytes([data[6], data[7]]) & 0x3FFF;
            let height = u16::from_le_bytes([data[8], data[9]]) & 0x3FFF;
            Ok((u32::from(width), u32::from(height)))
        }
        b"VP8L" => {
            if data.len() < 5 || data[0] != 0x2F {
                return Err(damaged("the VP8L header is invalid"));
            }
            let bits = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
            if bits >> 29 != 0 {
                return Err(damaged("the VP8L version is unknown"));
            }
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            if data.len() < 10 {
                return Err(damaged("the VP8X header is too short"));
            }
            Ok((le_u24(&data[4..7]) + 1, le_u24(&data[7..10]) + 1))
        }
        _ => Err(damaged("its first chunk is not VP8, VP8L or VP8X")),
    }
}

#[cfg(test)]
#[path = "image_tests.rs"]
mod tests;
