//! The account import's CSV and NDJSON readers.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| latchkey::fuzzing::account_file(data));
