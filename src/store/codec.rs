//! CBOR encoding of records, and the trait that ties a record type to its tree.

use super::{StoreError, TreeId};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A record kind stored in one tree under a key it derives from itself.
pub(super) trait Record: Serialize + DeserializeOwned {
    /// The tree holding this kind.
    const TREE: TreeId;
    /// The record's primary key.
    fn key(&self) -> Vec<u8>;
}

/// Encodes a value as CBOR.
pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| StoreError::Codec(e.to_string()))?;
    Ok(out)
}

/// Decodes a CBOR value; a damaged record is an error, never a panic.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    ciborium::from_reader(bytes).map_err(|e| StoreError::Codec(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Sample {
        name: String,
        n: u64,
    }

    #[test]
    fn round_trips_and_refuses_garbage() -> Result<(), StoreError> {
        let s = Sample {
            name: "x".into(),
            n: 7,
        };
        assert_eq!(decode::<Sample>(&encode(&s)?)?, s);
        assert!(decode::<Sample>(&[0xff, 0x00, 0x13]).is_err());
        assert!(decode::<Sample>(&[]).is_err());
        Ok(())
    }
}
