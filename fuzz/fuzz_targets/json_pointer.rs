//! JSON Pointer lookups in an introspection answer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| latchkey::fuzzing::json_pointer(data));
