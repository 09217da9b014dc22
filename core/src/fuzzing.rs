//! Entry points for fuzzing: every decoder of outside input, fed arbitrary bytes. The
//! cargo-fuzz targets (`fuzz/`) call these, and `core/tests/fuzz_corpus.rs` replays the
//! saved corpora through them as ordinary tests. Each returns normally on any input; a panic
//! is the bug a fuzzer finds.

use automerge::Automerge;
use serde_json::Value;

use crate::model::{Kind, Record};
use crate::sync::wire::{decompress, Frame, SyncRequest, MAX_REQUEST_BYTES};

/// A sync request, compressed (as a hub receives it) and raw.
pub fn sync_request(data: &[u8]) {
    let _ = SyncRequest::decode(data);
    if let Ok(req) = SyncRequest::decode_raw(data) {
        // What decodes encodes back to the same request.
        let again = SyncRequest::decode_raw(&req.encode_raw()).expect("a decoded request encodes");
        assert_eq!(again, req);
    }
}

/// A hub's answer as a device reads it: frames, one after another.
pub fn sync_frames(data: &[u8]) {
    let raw = decompress(data, MAX_REQUEST_BYTES).unwrap_or_else(|_| data.to_vec());
    let mut input = &raw[..];
    while let Ok(Some(_)) = Frame::read_from(&mut input) {}
}

/// A bundle's content once decrypted, and each record's changes as a merge would check them.
pub fn bundle_body(data: &[u8]) {
    if let Ok((_, frames)) = crate::store::bundle::decode_body(data) {
        for (frame, bytes) in frames {
            merge_bytes(&frame.id, frame.kind, &bytes);
        }
    }
}

/// Changes from outside, checked and applied as a merge does (seal enforcement included).
pub fn changes(data: &[u8]) {
    merge_bytes("r", Kind::Inspection, data);
}

fn merge_bytes(id: &str, kind: Kind, bytes: &[u8]) {
    if crate::store::merge::check_bytes(id, bytes).is_err() {
        return;
    }
    let mut doc = Automerge::new();
    if doc.load_incremental(bytes).is_err() {
        return;
    }
    if let Ok((kept, _, _)) = crate::store::seal::enforce(id, kind, doc, None, &|_, _| Ok(())) {
        if let Some(content) = crate::store::doc::read_record(&kept) {
            if let Ok(r) = Record::from_json(kind, content) {
                let _ = r.check(true, crate::validate::timeless_now());
            }
        }
    }
}

/// A record as JSON, of each kind, checked fully.
pub fn record_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for &kind in Kind::ALL {
        if let Ok(r) = Record::from_json(kind, value.clone()) {
            let _ = r.check(true, crate::validate::timeless_now());
            let _ = r.summary();
            // What is read writes back to the same record.
            assert_eq!(Record::from_json(kind, r.to_json()).ok().as_ref(), Some(&r));
        }
    }
}

/// The command line's edit path: `PATH=VALUE` lines applied to an example record (of the kind
/// the first byte picks), then written into its document the way the store does.
pub fn edit(data: &[u8]) {
    let Some((pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let kinds = [
        Kind::Case,
        Kind::Incident,
        Kind::Mediation,
        Kind::Inspection,
        Kind::Employer,
    ];
    {
        let kind = kinds[*pick as usize % kinds.len()];
        let mut current = Record::example(kind).to_json();
        let before = current.clone();
        for line in text.lines().take(16) {
            let Some((path, raw)) = line.split_once('=') else {
                continue;
            };
            let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
            if crate::store::doc::set_path(&mut current, path.trim(), value).is_err() {
                return;
            }
        }
        let Ok(after) = Record::from_json(kind, current) else {
            return;
        };
        let _ = after.check(false, crate::validate::timeless_now());
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        crate::store::doc::put_value(
            &mut tx,
            &automerge::ROOT,
            automerge::Prop::Map("record".into()),
            &before,
        )
        .expect("an example writes");
        tx.commit();
        let obj = crate::store::doc::root_object(&doc, "record").expect("the record object");
        let mut tx = doc.transaction();
        let mut changed = vec![];
        crate::store::doc::reconcile(&mut tx, &obj, &before, &after.to_json(), "", &mut changed).expect("reconcile");
        tx.commit();
        assert_eq!(crate::store::doc::read_record(&doc).as_ref(), Some(&after.to_json()));
    }
}
