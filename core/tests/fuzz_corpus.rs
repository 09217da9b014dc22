//! The fuzzers' corpora (`fuzz/corpus/TARGET/`: the seeds and every input that found new
//! behaviour) replayed through the same entry points as ordinary tests, so CI runs them on
//! every change without a fuzzer.

use std::path::Path;

use fieldcase_core::fuzzing;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} panics", path.display());
        n += 1;
    }
    assert!(n > 0, "no corpus for {target}");
}

#[test]
fn sync_requests() {
    replay("sync_request", fuzzing::sync_request);
}

#[test]
fn sync_frames() {
    replay("sync_frames", fuzzing::sync_frames);
}

#[test]
fn bundle_bodies() {
    replay("bundle_body", fuzzing::bundle_body);
}

#[test]
fn changes() {
    replay("changes", fuzzing::changes);
}

#[test]
fn record_json() {
    replay("record_json", fuzzing::record_json);
}

#[test]
fn edits() {
    replay("edit", fuzzing::edit);
}
