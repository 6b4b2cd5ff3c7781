//! SCIM filters (`?filter=`) and PATCH paths.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| latchkey::fuzzing::scim_filter(data));
