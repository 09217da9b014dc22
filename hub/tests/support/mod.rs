#![allow(dead_code)] // each test binary uses part of it

pub mod browser;
pub mod postgres;
pub mod proxy;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc, ROOT};
use fieldcase_core::sync::wire::{decompress, Frame, RecordChanges, SyncRequest};
use fieldcase_core::Kind;

/// What an attacker with a copy of automerge and an enrolled phone can do: change a record's
/// document directly as that phone (`by`: its store), bypassing every check of the store, and
/// return the new changes' bytes.
pub fn crafted(
    by: &fieldcase_core::Store,
    doc: &[u8],
    f: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &automerge::ObjId),
) -> Vec<u8> {
    let mut doc = Automerge::load(doc).unwrap();
    doc.set_actor(automerge::ActorId::from(
        hex::decode(by.identity().actor.clone()).unwrap(),
    ));
    let before = doc.get_heads();
    let record = match doc.get(ROOT, "record").unwrap() {
        Some((automerge::Value::Object(_), id)) => id,
        _ => panic!("no record in the document"),
    };
    let mut tx = doc.transaction();
    f(&mut tx, &record);
    tx.commit();
    doc.save_after(&before)
}

/// Puts a value on the record's top level, in a crafted change.
pub fn crafted_put(
    by: &fieldcase_core::Store,
    doc: &[u8],
    key: &str,
    value: impl Into<automerge::ScalarValue>,
) -> Vec<u8> {
    let value = value.into();
    crafted(by, doc, |tx, record| tx.put(record, key, value).unwrap())
}

/// Posts a sync request as a device would, with its credential; returns the status and, on
/// success, the frames of the answer.
pub fn post_sync(hub_url: &str, token: &str, req: &SyncRequest) -> (u16, Vec<Frame>, String) {
    let resp = reqwest::blocking::Client::new()
        .post(format!("{hub_url}v1/sync"))
        .bearer_auth(token)
        .body(req.encode())
        .send()
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.bytes().unwrap();
    if status != 200 {
        return (status, vec![], String::from_utf8_lossy(&body).to_string());
    }
    let raw = decompress(&body, 1 << 30).unwrap();
    let mut input = &raw[..];
    let mut frames = vec![];
    while let Some(f) = Frame::read_from(&mut input).unwrap() {
        frames.push(f);
    }
    (status, frames, String::new())
}

/// An upload of crafted changes to one record.
pub fn upload(id: &str, kind: Kind, bytes: Vec<u8>) -> SyncRequest {
    SyncRequest {
        cursor: 0,
        uploads: vec![RecordChanges {
            id: id.into(),
            kind,
            whole: false,
            heads: vec![],
            bytes,
        }],
        ..Default::default()
    }
}

/// The refusals of an answer's receipt.
pub fn refusals(frames: &[Frame]) -> Vec<(String, String)> {
    match frames.first() {
        Some(Frame::Receipt { refused, .. }) => refused.iter().map(|r| (r.id.clone(), r.reason.clone())).collect(),
        _ => vec![],
    }
}

/// A new device store made by joining the hub at `url` with an enrolment code.
pub fn join(dir: &std::path::Path, key: &[u8; 32], url: &str, code: &str) -> fieldcase_core::Store {
    let transport = fieldcase_hub::HttpTransport::new(url, None).unwrap();
    fieldcase_core::Store::create_by_joining(dir, key, &transport, url, None, code)
        .unwrap()
        .0
}

/// One sync session over HTTP.
pub fn try_sync(
    s: &fieldcase_core::Store,
    opts: &fieldcase_core::sync::SyncOptions<'_>,
) -> Result<fieldcase_core::sync::SyncReport, fieldcase_core::Error> {
    let transport = fieldcase_hub::HttpTransport::for_store(s)?;
    s.sync().run(&transport, opts)
}
