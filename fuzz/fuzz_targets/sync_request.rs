#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fieldcase_core::fuzzing::sync_request(data));
