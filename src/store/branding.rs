//! A tenant's branding: logo bytes with their detected format, accent colour, support
//! contact, footer and default language. Keyed by the tenant incarnation, so a tenant
//! deleted and created again under the same name starts unbranded.

use super::codec::Record;
use super::{Store, StoreError, TreeId, Tx, TxError};
use crate::types::image::ImageKind;
use serde::{Deserialize, Serialize};

/// The logo as stored: the bytes checked at upload and the format found in them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Logo {
    /// The format the bytes have (never the type the upload declared).
    pub kind: ImageKind,
    /// The image file, at most 64 KiB.
    #[serde(with = "byte_string")]
    pub bytes: Vec<u8>,
    /// Width in pixels, as the header says.
    pub width: u32,
    /// Height in pixels, as the header says.
    pub height: u32,
}

/// What a tenant's end-user pages look like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Branding {
    /// The tenant incarnation.
    pub tenant_uid: u64,
    /// The logo, if set.
    pub logo: Option<Logo>,
    /// `#rrggbb`, lower case.
    pub accent_color: Option<String>,
    /// Where users get help (https).
    pub support_url: Option<String>,
    /// Whom users write to for help.
    pub support_email: Option<String>,
    /// Plain text shown at the foot of every page.
    pub footer_text: Option<String>,
    /// The language of pages when the browser asks for none latchkey has.
    pub default_locale: Option<String>,
}

/// Stores bytes as one CBOR byte string rather than an array of numbers (twice the size).
mod byte_string {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }
        d.deserialize_byte_buf(Bytes)
    }
}

impl Record for Branding {
    const TREE: TreeId = TreeId::Branding;
    fn key(&self) -> Vec<u8> {
        self.tenant_uid.to_be_bytes().to_vec()
    }
}

impl Store {
    /// The branding of tenant incarnation `uid`.
    pub fn branding(&self, uid: u64) -> Result<Option<Branding>, StoreError> {
        self.get(&uid.to_be_bytes())
    }
}

impl Tx<'_> {
    /// Sets (replaces) a tenant's branding.
    pub fn put_branding<E: From<StoreError>>(&self, b: &Branding) -> Result<(), TxError<E>> {
        self.put(b)
    }

    /// Removes a tenant's branding.
    pub fn remove_branding<E: From<StoreError>>(
        &self,
        uid: u64,
    ) -> Result<Option<Branding>, TxError<E>> {
        self.remove(&uid.to_be_bytes())
    }
}
