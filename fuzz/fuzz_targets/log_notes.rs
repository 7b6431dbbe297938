//! Fuzz target: see `approdo::fuzzing::log_notes` for what it throws and which properties must hold
//! (the same function replays the seeds and regressions in the test suite's fuzz smoke test).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| approdo::fuzzing::log_notes(data));
