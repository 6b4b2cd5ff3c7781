//! Authorization request parsing against a provisioned sandbox appliance.
#![no_main]

use latchkey::sandbox::Sandbox;
use std::sync::OnceLock;

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new().expect("sandbox"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| latchkey::fuzzing::authorize(sandbox(), data));
