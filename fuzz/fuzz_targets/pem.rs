//! PEM certificate and key loading, and the certificate expiry DER walk.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| latchkey::fuzzing::pem(data));
