//! CBOR decoding of every store record kind.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| latchkey::fuzzing::cbor(data));
