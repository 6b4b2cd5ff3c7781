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
    ciborium::into_writer(value, &mut out).map_err(|e| StoreError::Codec(encode_error(&e)))?;
    Ok(out)
}

/// Decodes a CBOR value; a damaged record is an error, never a panic.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    ciborium::from_reader(bytes).map_err(|e| StoreError::Codec(decode_error(&e)))
}

/// What ciborium's decoder found, in words: its own `Display` prints Rust `Debug` text,
/// and these messages reach people (a restore, `verify-backup`).
pub(super) fn decode_error(e: &ciborium::de::Error<std::io::Error>) -> String {
    use ciborium::de::Error;
    match e {
        Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the data ends in the middle of an item".to_owned()
        }
        Error::Io(io) => format!("it could not be read: {io}"),
        Error::Syntax(offset) => format!("it is not CBOR (at byte {offset} of an item)"),
        Error::Semantic(_, message) => message.clone(),
        Error::RecursionLimitExceeded => "its items are nested too deeply".to_owned(),
    }
}

/// What ciborium's encoder found, in words (see [`decode_error`]).
pub(super) fn encode_error(e: &ciborium::ser::Error<std::io::Error>) -> String {
    match e {
        ciborium::ser::Error::Io(io) => io.to_string(),
        ciborium::ser::Error::Value(message) => message.clone(),
    }
}

/// Decodes `bytes` as each kind `T` and, where that works, checks that encoding is
/// stable across a second round trip.
#[cfg(any(test, fuzzing))]
fn decode_and_round_trip<T: Serialize + DeserializeOwned>(bytes: &[u8]) {
    let Ok(value) = decode::<T>(bytes) else {
        return;
    };
    let once = encode(&value).unwrap_or_default();
    let again = decode::<T>(&once).and_then(|v| encode(&v));
    assert_eq!(
        again.ok().as_deref(),
        Some(once.as_slice()),
        "a decoded record does not survive a round trip"
    );
}

/// Decodes `bytes` as every record kind the store keeps: a damaged record must be an
/// error, never a panic, and what decodes must re-encode stably. The entry point of the
/// CBOR fuzz target.
#[cfg(any(test, fuzzing))]
pub fn decode_as_every_record(bytes: &[u8]) {
    use super::*;
    decode_and_round_trip::<admin_tokens::AdminToken>(bytes);
    decode_and_round_trip::<clients::Client>(bytes);
    decode_and_round_trip::<revoked::RevokedJti>(bytes);
    decode_and_round_trip::<sessions::SsoSession>(bytes);
    decode_and_round_trip::<pending::PendingAuthorization>(bytes);
    decode_and_round_trip::<codes::AuthCode>(bytes);
    decode_and_round_trip::<refresh::RefreshToken>(bytes);
    decode_and_round_trip::<refresh::RefreshFamily>(bytes);
    decode_and_round_trip::<consents::Consent>(bytes);
    decode_and_round_trip::<flights::BrokerFlight>(bytes);
    decode_and_round_trip::<pushed::PushedRequest>(bytes);
    decode_and_round_trip::<seen_jtis::SeenJti>(bytes);
    decode_and_round_trip::<deliveries::Delivery>(bytes);
    decode_and_round_trip::<ceremonies::Ceremony>(bytes);
    decode_and_round_trip::<recovery_links::RecoveryLink>(bytes);
    decode_and_round_trip::<members::Membership>(bytes);
    decode_and_round_trip::<audit::StoredEvent>(bytes);
    decode_and_round_trip::<accounts::Account>(bytes);
    decode_and_round_trip::<settings::IntrospectionSettings>(bytes);
    decode_and_round_trip::<settings::UpstreamSettings>(bytes);
    decode_and_round_trip::<tenants::Tenant>(bytes);
    decode_and_round_trip::<api_keys::ApiKey>(bytes);
    decode_and_round_trip::<signing_keys::SigningKeyRecord>(bytes);
    decode_and_round_trip::<scim::ScimToken>(bytes);
    decode_and_round_trip::<scim::ScimGroup>(bytes);
    decode_and_round_trip::<branding::Branding>(bytes);
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
