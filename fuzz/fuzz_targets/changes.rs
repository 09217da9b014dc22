#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fieldcase_core::fuzzing::changes(data));
