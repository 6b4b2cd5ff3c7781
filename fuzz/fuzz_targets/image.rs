//! The logo check: PNG, JPEG and WebP header reading, and the `data:` URL around it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| latchkey::fuzzing::image(data));
