//! Compact JWS parsing and verification, JWK import, and the sign/verify round trip.
#![no_main]

use latchkey::crypto::jose::SigningKey;
use latchkey::types::Alg;
use std::sync::OnceLock;

fn keys() -> &'static [SigningKey] {
    static KEYS: OnceLock<Vec<SigningKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [Alg::ES256, Alg::RS256]
            .into_iter()
            .map(|alg| SigningKey::generate(alg).expect("key generation").0)
            .collect()
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| latchkey::fuzzing::jws(keys(), data));
