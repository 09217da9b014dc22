//! The attacks of the security review, as an attacker holding one enrolled phone (a real
//! credential from joining) and a copy of automerge, against a real hub on 127.0.0.1. Each
//! test is one finding, numbered as in the review.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use fieldcase_core::model::{Kind, Record};
use fieldcase_core::sync::wire::{compress, RecordChanges, SyncRequest};
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{LedgerQuery, Role, Store};
use fieldcase_hub::Hub;
use serde_json::{json, Value};
use tempfile::TempDir;

const KEY: [u8; 32] = [9; 32];

struct Township {
    dir: TempDir,
    hub: Hub,
}

impl Township {
    fn new() -> Township {
        let dir = TempDir::new().unwrap();
        let store = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
        let hub = Hub::start(store, "127.0.0.1:0".parse().unwrap()).unwrap();
        Township { dir, hub }
    }

    fn hub_store(&self) -> Store {
        Store::open(&self.dir.path().join("hub"), &KEY).unwrap()
    }

    fn device(&self, name: &str, township: &str, role: Role) -> Store {
        let code = self.hub_store().hub().enroll(township, role, name).unwrap().code;
        let s = support::join(&self.dir.path().join(name), &KEY, &self.hub.url(), &code);
        s.set_now(Some("2026-04-01T02:00:00Z".parse().unwrap()));
        s
    }
}

fn sync(s: &Store) -> fieldcase_core::sync::SyncReport {
    support::try_sync(s, &SyncOptions::default()).unwrap()
}

fn token(s: &Store) -> String {
    s.sync().link().unwrap().unwrap().token
}

fn sealed_inspection(t: &Township) -> (Store, Store, String) {
    let inspector = t.device("张丽", "华新镇", Role::Inspector);
    let grid = t.device("李华", "华新镇", Role::Grid);
    let id = inspector
        .writer()
        .create_json(Kind::Inspection, Record::example(Kind::Inspection).to_json())
        .unwrap()
        .id;
    inspector.writer().seal(&id).unwrap();
    sync(&inspector);
    sync(&grid);
    (inspector, grid, id)
}

/// A crafted change that edits the sealed content and writes a new seal over it, copying
/// the signer's fields (user, device, time, key and signature).
fn reseal(by: &Store, doc: &[u8]) -> Vec<u8> {
    let mut doc = automerge::Automerge::load(doc).unwrap();
    doc.set_actor(automerge::ActorId::from(
        hex::decode(by.identity().actor.clone()).unwrap(),
    ));
    let before = doc.get_heads();
    let record = match doc.get(ROOT, "record").unwrap() {
        Some((automerge::Value::Object(_), id)) => id,
        _ => panic!(),
    };
    let seal_obj = match doc.get(ROOT, "seal").unwrap() {
        Some((automerge::Value::Object(_), id)) => id,
        _ => panic!(),
    };
    let mut seal = serde_json::Map::new();
    for k in doc.keys(&seal_obj) {
        if let Some((automerge::Value::Scalar(v), _)) = doc.get(&seal_obj, k.as_str()).unwrap() {
            seal.insert(k.clone(), json!(v.to_string().trim_matches('"')));
        }
    }
    let mut tx = doc.transaction();
    tx.put(&record, "findings", "现场检查未发现问题").unwrap();
    tx.commit();
    let content = fieldcase_core::canonical::canonical(&serde_json::to_value(read(&doc)).unwrap());
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&content));
    let mut tx = doc.transaction();
    let new_seal = tx.put_object(ROOT, "seal", automerge::ObjType::Map).unwrap();
    for (k, v) in seal {
        let v = if k == "hash" {
            hash.clone()
        } else {
            v.as_str().unwrap_or_default().to_string()
        };
        tx.put(&new_seal, k.as_str(), v).unwrap();
    }
    tx.commit();
    doc.save_after(&before)
}

fn read(doc: &automerge::Automerge) -> Value {
    fn walk(doc: &automerge::Automerge, obj: &automerge::ObjId) -> Value {
        match doc.object_type(obj).unwrap() {
            automerge::ObjType::List => Value::Array(
                (0..doc.length(obj))
                    .map(|i| match doc.get(obj, i).unwrap().unwrap() {
                        (automerge::Value::Object(_), id) => walk(doc, &id),
                        (automerge::Value::Scalar(s), _) => scalar(&s),
                    })
                    .collect(),
            ),
            _ => Value::Object(
                doc.keys(obj)
                    .map(|k| {
                        let v = match doc.get(obj, k.as_str()).unwrap().unwrap() {
                            (automerge::Value::Object(_), id) => walk(doc, &id),
                            (automerge::Value::Scalar(s), _) => scalar(&s),
                        };
                        (k, v)
                    })
                    .collect(),
            ),
        }
    }
    fn scalar(s: &automerge::ScalarValue) -> Value {
        match s {
            automerge::ScalarValue::Str(s) => json!(s.to_string()),
            automerge::ScalarValue::Int(i) => json!(i),
            automerge::ScalarValue::Uint(u) => json!(u),
            automerge::ScalarValue::F64(f) => json!(f),
            automerge::ScalarValue::Boolean(b) => json!(b),
            _ => Value::Null,
        }
    }
    let record = match doc.get(ROOT, "record").unwrap() {
        Some((automerge::Value::Object(_), id)) => id,
        _ => panic!(),
    };
    walk(doc, &record)
}

#[test]
fn finding_1_a_sealed_record_cannot_be_resealed_or_unsealed_by_any_path() {
    let t = Township::new();
    let (inspector, grid, id) = sealed_inspection(&t);
    let signed = inspector.records().get(&id).unwrap().record.to_json();
    // Re-seal: new content, a new seal with the new hash and the signer's fields copied. From
    // the grid phone it is refused: the seal holds (before its role is even asked about).
    let crafted = reseal(&grid, &grid.records().document_bytes(&id).unwrap());
    let (status, frames, _) = support::post_sync(
        &t.hub.url(),
        &token(&grid),
        &support::upload(&id, Kind::Inspection, crafted),
    );
    assert_eq!(status, 200);
    let refused = support::refusals(&frames);
    assert!(
        refused
            .iter()
            .any(|(_, r)| r.contains("may not change") || r.contains("signed and sealed")),
        "{refused:?}"
    );
    // From an enrolled inspector's phone (whose role may edit inspections) the seal holds.
    let insider = t.device("赵刚", "华新镇", Role::Inspector);
    sync(&insider);
    let crafted = reseal(&insider, &insider.records().document_bytes(&id).unwrap());
    let (_, frames, _) = support::post_sync(
        &t.hub.url(),
        &token(&insider),
        &support::upload(&id, Kind::Inspection, crafted),
    );
    let refused = support::refusals(&frames);
    assert!(
        refused.iter().any(|(_, r)| r.contains("signed and sealed")),
        "the re-seal: {refused:?}"
    );
    // Unseal: a change that deletes the seal.
    let mut doc = automerge::Automerge::load(&insider.records().document_bytes(&id).unwrap()).unwrap();
    doc.set_actor(automerge::ActorId::from(
        hex::decode(insider.identity().actor.clone()).unwrap(),
    ));
    let before = doc.get_heads();
    let mut tx = doc.transaction();
    tx.delete(ROOT, "seal").unwrap();
    tx.commit();
    let unseal = doc.save_after(&before);
    let (_, frames, _) = support::post_sync(
        &t.hub.url(),
        &token(&insider),
        &support::upload(&id, Kind::Inspection, unseal),
    );
    let refused = support::refusals(&frames);
    assert!(
        refused.iter().any(|(_, r)| r.contains("signed and sealed")),
        "the unseal: {refused:?}"
    );
    // The hub and every phone keep the signed content, sealed, signed and verified.
    let other = t.device("吴军", "华新镇", Role::Inspector);
    sync(&other);
    sync(&inspector);
    for s in [&t.hub_store(), &inspector, &other] {
        let r = s.records().get(&id).unwrap();
        assert_eq!(r.record.to_json(), signed);
        let seal = r.seal.unwrap();
        assert!(seal.intact && seal.signed && seal.verified, "{seal:?}");
    }
    assert_eq!(other.records().get(&id).unwrap().seal.unwrap().signer, "registered");
}

#[test]
fn finding_1_a_note_claiming_another_user_does_not_name_them() {
    let t = Township::new();
    let inspector = t.device("张丽", "华新镇", Role::Inspector);
    let grid = t.device("李华", "华新镇", Role::Grid);
    let id = inspector
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap()
        .id;
    sync(&inspector);
    sync(&grid);
    // The grid assistant's change, with a note claiming to be 张丽 on her phone.
    let mut doc = automerge::Automerge::load(&grid.records().document_bytes(&id).unwrap()).unwrap();
    doc.set_actor(automerge::ActorId::from(
        hex::decode(grid.identity().actor.clone()).unwrap(),
    ));
    let before = doc.get_heads();
    let record = match doc.get(ROOT, "record").unwrap() {
        Some((_, id)) => id,
        None => panic!(),
    };
    let mut tx = doc.transaction();
    tx.put(&record, "resolution_plan", "已解决").unwrap();
    let note = json!({"u": "张丽", "d": inspector.identity().device, "a": "edit", "f": ["resolution_plan"]});
    tx.commit_with(automerge::transaction::CommitOptions::default().with_message(note.to_string()));
    let (_, frames, _) = support::post_sync(
        &t.hub.url(),
        &token(&grid),
        &support::upload(&id, Kind::Case, doc.save_after(&before)),
    );
    assert!(support::refusals(&frames).is_empty());
    sync(&inspector);
    let last = inspector.records().history(&id).unwrap().pop().unwrap();
    assert_eq!(
        (last.user.as_str(), last.device.as_str(), last.verified),
        ("李华", grid.identity().device.as_str(), true)
    );
    // A change forged with 张丽's own actor is not taken from the grid phone at all.
    let mut doc = automerge::Automerge::load(&grid.records().document_bytes(&id).unwrap()).unwrap();
    doc.set_actor(automerge::ActorId::from(
        hex::decode(inspector.identity().actor.clone()).unwrap(),
    ));
    let before = doc.get_heads();
    let mut tx = doc.transaction();
    tx.put(&record, "resolution_plan", "张丽说已解决").unwrap();
    tx.commit();
    let (_, frames, _) = support::post_sync(
        &t.hub.url(),
        &token(&grid),
        &support::upload(&id, Kind::Case, doc.save_after(&before)),
    );
    let refused = support::refusals(&frames);
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].1.contains("without that device's signature"),
        "{}",
        refused[0].1
    );
    assert_ne!(
        t.hub_store().records().get(&id).unwrap().record.to_json()["resolution_plan"],
        "张丽说已解决"
    );
}

#[test]
fn finding_2_a_small_request_listing_millions_of_ids_is_refused_at_once() {
    let t = Township::new();
    let grid = t.device("李华", "华新镇", Role::Grid);
    let other = t.device("张丽", "华新镇", Role::Inspector);
    // 55 bytes on the wire, 20 million empty ids inside.
    let mut raw = b"FCS2\x00\x00\x00\x00".to_vec();
    raw.extend_from_slice(&[0x80, 0xda, 0xc4, 0x09]); // varint 20,000,000
    raw.extend(std::iter::repeat_n(0u8, 20_000_000));
    raw.push(0);
    let body = compress(&raw);
    assert!(body.len() < 100, "{}", body.len());
    // Refused for what its first bytes claim: the hub inflates no more than those.
    let (decoded, inflated) = fieldcase_core::sync::wire::SyncRequest::decode_measured(&body);
    assert!(decoded.unwrap_err().to_string().contains("count"));
    assert!(inflated < 64, "inflated {inflated} bytes to refuse it");
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}v1/sync", t.hub.url()))
        .bearer_auth(token(&grid))
        .body(body)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    // Nobody else is held up: the next device's session goes through.
    sync(&other);
}

#[test]
fn finding_3_the_credential_is_checked_before_the_body_is_read() {
    let t = Township::new();
    let mut tcp = TcpStream::connect(t.hub.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // A stranger announces 10 MB and sends ten bytes: the hub answers without waiting.
    write!(
        tcp,
        "POST /v1/sync HTTP/1.1\r\nhost: x\r\nauthorization: Bearer not-a-token\r\ncontent-length: 10000000\r\n\r\n0123456789"
    )
    .unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tcp.read(&mut answer).expect("an answer before the body");
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
}

#[test]
fn finding_4_another_township_s_attachment_cannot_be_read_or_probed() {
    let t = Township::new();
    let huaxin = t.device("张丽", "华新镇", Role::Inspector);
    let baihe = t.device("马红", "白鹤镇", Role::Grid);
    let id = huaxin
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap()
        .id;
    let photo: Vec<u8> = (0..90_000u32).map(|i| (i % 253) as u8).collect();
    let att = huaxin
        .attachments()
        .attach(&id, &photo, "欠条.jpg", "image/jpeg", Some("photo"))
        .unwrap();
    assert_eq!(sync(&huaxin).attachments_sent, 1);
    // 白鹤镇 refers to the SHA from a record of its own.
    let mut v = json!({"township": "白鹤镇", "headcount": 3});
    v["attachments"] = json!([{"sha256": att.sha256, "name": "x.jpg", "mime": "image/jpeg", "size": att.size}]);
    baihe.writer().create_json(Kind::Incident, v).unwrap();
    let r = sync(&baihe);
    assert_eq!(r.attachments_received, 0);
    assert_eq!(r.attachments_failed.len(), 1, "it may not read it");
    let http = reqwest::blocking::Client::new();
    let url = format!("{}v1/attachments/{}/data?offset=0&len=100", t.hub.url(), att.sha256);
    let resp = http.get(url).bearer_auth(token(&baihe)).send().unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let state: Value = http
        .get(format!("{}v1/attachments/{}", t.hub.url(), att.sha256))
        .bearer_auth(token(&baihe))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        state,
        json!({"received": 0, "complete": false}),
        "whether the hub holds it is not told"
    );
    // Offering it in a sync request tells nothing either: the hub asks for it.
    let req = SyncRequest {
        attachments: vec![att.sha256.clone()],
        ..Default::default()
    };
    let (_, frames, _) = support::post_sync(&t.hub.url(), &token(&baihe), &req);
    match &frames[0] {
        fieldcase_core::sync::wire::Frame::Receipt { attachments_wanted, .. } => {
            assert_eq!(attachments_wanted.len(), 1);
            assert_eq!(attachments_wanted[0].received, 0);
        }
        f => panic!("{f:?}"),
    }
    // A device that holds the photo proves it by sending it, and may then read it.
    let put = http
        .put(format!(
            "{}v1/attachments/{}?offset=0&size={}",
            t.hub.url(),
            att.sha256,
            att.size
        ))
        .bearer_auth(token(&baihe))
        .body(photo.clone())
        .send()
        .unwrap();
    assert_eq!(put.status().as_u16(), 200, "{}", put.text().unwrap());
    let got = http
        .get(format!(
            "{}v1/attachments/{}/data?offset=0&len=200000",
            t.hub.url(),
            att.sha256
        ))
        .bearer_auth(token(&baihe))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(got.to_vec(), photo);
}

#[test]
fn finding_5_junk_parts_under_an_attachment_s_sha_lose_nothing() {
    let t = Township::new();
    let honest = t.device("张丽", "华新镇", Role::Inspector);
    let attacker = t.device("李华", "华新镇", Role::Grid);
    let reader = t.device("吴军", "华新镇", Role::Inspector);
    let photo: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&photo));
    // The attacker refers to the SHA with a large claimed size and pre-loads junk parts.
    let mut v = json!({"township": "华新镇", "headcount": 3});
    v["attachments"] = json!([{"sha256": sha, "name": "x", "mime": "image/jpeg", "size": 20_000_000}]);
    attacker.writer().create_json(Kind::Incident, v).unwrap();
    sync(&attacker);
    let http = reqwest::blocking::Client::new();
    let put = |offset: u64, size: u64, body: Vec<u8>| {
        http.put(format!(
            "{}v1/attachments/{sha}?offset={offset}&size={size}",
            t.hub.url()
        ))
        .bearer_auth(token(&attacker))
        .body(body)
        .send()
        .unwrap()
    };
    assert_eq!(put(0, 20_000_000, vec![0xEE; 1 << 20]).status().as_u16(), 200);
    // A size no record in its scope gives is refused.
    assert_eq!(put(1 << 20, 30_000_000, vec![0xEE; 10]).status().as_u16(), 400);
    // The honest phone attaches the real photo and syncs: it reaches the hub whole.
    let id = honest
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap()
        .id;
    honest
        .attachments()
        .attach(&id, &photo, "工资条.jpg", "image/jpeg", Some("photo"))
        .unwrap();
    let r = sync(&honest);
    assert_eq!((r.attachments_sent, r.attachments_failed.len()), (1, 0), "{r:?}");
    // Another phone receives it whole.
    let r = sync(&reader);
    assert_eq!(r.attachments_received, 1, "{r:?}");
    assert_eq!(reader.attachments().read(&sha).unwrap(), photo);
    // Junk that fills the claimed size never becomes the attachment.
    let fake: Vec<u8> = vec![0xAB; 200];
    let fake_sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"something else"));
    let mut v = json!({"township": "华新镇", "headcount": 4});
    v["attachments"] = json!([{"sha256": fake_sha, "name": "y", "mime": "image/jpeg", "size": 200}]);
    attacker.writer().create_json(Kind::Incident, v).unwrap();
    sync(&attacker);
    let resp = http
        .put(format!("{}v1/attachments/{fake_sha}?offset=0&size=200", t.hub.url()))
        .bearer_auth(token(&attacker))
        .body(fake)
        .send()
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        400,
        "a whole that does not match its SHA is thrown away"
    );
    let state: Value = http
        .get(format!("{}v1/attachments/{fake_sha}", t.hub.url()))
        .bearer_auth(token(&attacker))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(state, json!({"received": 0, "complete": false}));
}

#[test]
fn finding_7_changes_from_other_devices_keep_the_field_rules_and_damaged_ones_are_a_400() {
    let t = Township::new();
    let inspector = t.device("张丽", "华新镇", Role::Inspector);
    let grid = t.device("李华", "华新镇", Role::Grid);
    let id = inspector
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap()
        .id;
    sync(&inspector);
    sync(&grid);
    let doc = grid.records().document_bytes(&id).unwrap();
    // A wrong resident ID written straight into the document.
    let bad = support::crafted(&grid, &doc, |tx, record| {
        let claims = match tx.get(record, "wage_claims").unwrap() {
            Some((_, id)) => id,
            None => panic!(),
        };
        let first = match tx.get(&claims, 0).unwrap() {
            Some((_, id)) => id,
            None => panic!(),
        };
        tx.put(&first, "resident_id", "110105194912310021").unwrap();
    });
    let (_, frames, _) = support::post_sync(&t.hub.url(), &token(&grid), &support::upload(&id, Kind::Case, bad));
    let refused = support::refusals(&frames);
    assert_eq!(refused.len(), 1);
    assert!(refused[0].1.contains("resident_id_check_char"), "{}", refused[0].1);
    // Damaged changes refuse the whole request; nothing is applied.
    let mut damaged = support::crafted_put(&grid, &doc, "amount_owed_fen", 5i64);
    let n = damaged.len();
    damaged[n - 3] ^= 0x55;
    let req = SyncRequest {
        uploads: vec![
            RecordChanges {
                id: id.clone(),
                kind: Kind::Case,
                whole: false,
                heads: vec![],
                bytes: support::crafted_put(&grid, &doc, "workers_involved", 77i64),
            },
            RecordChanges {
                id: id.clone(),
                kind: Kind::Case,
                whole: false,
                heads: vec![],
                bytes: damaged,
            },
        ],
        ..Default::default()
    };
    let (status, _, text) = support::post_sync(&t.hub.url(), &token(&grid), &req);
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("damaged"), "{text}");
    assert_ne!(
        t.hub_store().records().get(&id).unwrap().record.to_json()["workers_involved"],
        77
    );
}

#[test]
fn finding_8_empty_documents_are_refused_and_a_kind_mismatch_refuses_one_record_without_telling() {
    let t = Township::new();
    let grid = t.device("李华", "华新镇", Role::Grid);
    let baihe = t.device("马红", "白鹤镇", Role::Grid);
    // Empty bytes for an unknown id: the whole request is refused, nothing inserted.
    let mut raw = b"FCS2\x00\x00\x00".to_vec();
    raw.extend_from_slice(&[0x88, 0x27]); // 5000 uploads
    for i in 0..5000u32 {
        let id = format!("e{i}");
        raw.push(id.len() as u8);
        raw.extend_from_slice(id.as_bytes());
        raw.extend_from_slice(&[2, 1, 0, 0]);
    }
    raw.extend_from_slice(&[0, 0]);
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}v1/sync", t.hub.url()))
        .bearer_auth(token(&grid))
        .body(compress(&raw))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(t.hub_store().count().unwrap(), 0);
    // A record of 华新镇; 白鹤镇 sends the same id as another kind: that record alone is
    // refused, in the same words as for any record it may not change.
    let id = grid
        .writer()
        .create_json(Kind::Incident, json!({"township": "华新镇", "headcount": 8}))
        .unwrap()
        .id;
    sync(&grid);
    let other = Store::create(&t.dir.path().join("scratch"), &KEY, "白鹤镇", "马红", Role::Grid).unwrap();
    let mine = other
        .writer()
        .create_json(
            Kind::Case,
            json!({"township": "白鹤镇", "employer_name": "白鹤纺织有限公司"}),
        )
        .unwrap()
        .id;
    let bytes = other.records().document_bytes(&mine).unwrap();
    let req = SyncRequest {
        uploads: vec![RecordChanges {
            id: id.clone(),
            kind: Kind::Case,
            whole: true,
            heads: vec![],
            bytes,
        }],
        ..Default::default()
    };
    let (status, frames, _) = support::post_sync(&t.hub.url(), &token(&baihe), &req);
    assert_eq!(status, 200);
    let refused = support::refusals(&frames);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].1, format!("record {id} is not accepted from this device"));
    assert_eq!(t.hub_store().records().get(&id).unwrap().kind, Kind::Incident);
}

#[test]
fn finding_9_a_sha_that_is_not_one_is_a_400_never_a_500_or_a_path() {
    let t = Township::new();
    let grid = t.device("李华", "华新镇", Role::Grid);
    let http = reqwest::blocking::Client::new();
    for sha in [
        "ÀÀÀ",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "../../etc",
        "AB".repeat(32).as_str(),
        "0",
    ] {
        for url in [
            format!("{}v1/attachments/{sha}", t.hub.url()),
            format!("{}v1/attachments/{sha}/data?offset=0&len=10", t.hub.url()),
        ] {
            let status = http
                .get(&url)
                .bearer_auth(token(&grid))
                .send()
                .unwrap()
                .status()
                .as_u16();
            assert!(status == 400 || status == 404, "{url}: {status}");
        }
    }
}

#[test]
fn finding_10_refusals_never_name_another_township() {
    let t = Township::new();
    let huaxin = t.device("张丽", "华新镇", Role::Inspector);
    let baihe = t.device("马红", "白鹤镇", Role::Grid);
    let id = huaxin
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap()
        .id;
    sync(&huaxin);
    let doc = huaxin.records().document_bytes(&id).unwrap();
    let (_, frames, _) = support::post_sync(
        &t.hub.url(),
        &token(&baihe),
        &support::upload(
            &id,
            Kind::Case,
            support::crafted_put(&baihe, &doc, "workers_involved", 1i64),
        ),
    );
    for (_, reason) in support::refusals(&frames) {
        assert!(!reason.contains("华新镇"), "{reason}");
    }
    assert_eq!(baihe.ledger().list(&LedgerQuery::default()).unwrap().len(), 0);
}
