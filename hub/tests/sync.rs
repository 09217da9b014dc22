//! A real hub on 127.0.0.1 with several devices: what field workers and the office see when
//! they sync, including over a link that drops.

mod support;

use std::sync::atomic::AtomicBool;

/// The passphrase two field workers agreed on for their bundles.
const PASS: &str = "华新镇-2026-春";

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{Error, LedgerQuery, Role, Store};
use fieldcase_hub::Hub;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};
use serde_json::{json, Value};
use support::proxy::Proxy;
use tempfile::TempDir;

const KEY: [u8; 32] = [5; 32];

struct Township {
    dir: TempDir,
    hub: Hub,
    proxy: Proxy,
}

impl Township {
    fn new() -> Township {
        let dir = TempDir::new().unwrap();
        let store = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
        let hub = Hub::start(store, "127.0.0.1:0".parse().unwrap()).unwrap();
        let proxy = Proxy::start(hub.addr);
        Township { dir, hub, proxy }
    }

    /// The office enrols a device; the device joins through the proxy.
    fn device(&self, name: &str, township: &str, role: Role) -> Store {
        let code = self.hub_store().hub().enroll(township, role, name).unwrap().code;
        support::join(&self.dir.path().join(name), &KEY, &self.proxy.url(), &code)
    }

    /// A second handle on the hub's store (SQLite allows it; the hub keeps serving).
    fn hub_store(&self) -> Store {
        Store::open(&self.dir.path().join("hub"), &KEY).unwrap()
    }

    fn restart(&mut self) {
        let fresh = Hub::start(self.hub_store(), "127.0.0.1:0".parse().unwrap()).unwrap();
        std::mem::replace(&mut self.hub, fresh).stop();
        self.proxy = Proxy::start(self.hub.addr);
    }
}

fn sync(s: &Store) -> fieldcase_core::sync::SyncReport {
    support::try_sync(s, &SyncOptions::default()).unwrap()
}

fn contents(s: &Store) -> Vec<(String, Value)> {
    s.ledger()
        .list(&LedgerQuery {
            limit: Some(fieldcase_core::store::MAX_PAGE),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| (r.id.clone(), s.records().get(&r.id).unwrap().record.to_json()))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect()
}

fn case_in(township: &str) -> Value {
    let mut v = Record::example(Kind::Case).to_json();
    v["township"] = json!(township);
    v
}

#[test]
fn devices_converge_through_the_hub_and_see_the_same_conflict() {
    let t = Township::new();
    let a = t.device("张丽", "华新镇", Role::Inspector);
    let b = t.device("吴军", "华新镇", Role::Inspector);
    let office = t.device("周明", "华新镇", Role::Office);
    let id = a.writer().create_json(Kind::Case, case_in("华新镇")).unwrap().id;
    let r = sync(&a);
    assert_eq!((r.round_trips, r.records_sent), (1, 1));
    assert_eq!(sync(&b).records_received, 1);
    a.writer()
        .edit(&id, &[("amount_owed_fen".into(), json!(20_000_000))])
        .unwrap();
    b.writer()
        .edit(
            &id,
            &[
                ("amount_owed_fen".into(), json!(21_000_000)),
                ("workers_involved".into(), json!(15)),
            ],
        )
        .unwrap();
    sync(&a);
    sync(&b);
    sync(&a);
    sync(&office);
    assert_eq!(contents(&a), contents(&b));
    assert_eq!(contents(&a), contents(&office));
    let conflicts = a.records().conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts, b.records().conflicts().unwrap());
    assert_eq!(conflicts, office.records().conflicts().unwrap());
    assert_eq!(conflicts, t.hub_store().records().conflicts().unwrap());
    // A no-change session sends almost nothing.
    t.proxy.take();
    let r = sync(&a);
    let (up, down) = t.proxy.take();
    assert_eq!((r.records_sent, r.records_received), (0, 0));
    assert!(up + down < 2048, "{up} + {down}");
    let devices = t.hub_store().hub().devices().unwrap();
    assert_eq!(devices.len(), 3);
    assert!(devices.iter().all(|d| d.last_sync_at.is_some()));
}

#[test]
fn a_device_sees_only_its_township_and_cannot_change_another() {
    let t = Township::new();
    let huaxin = t.device("张丽", "华新镇", Role::Inspector);
    let baihe = t.device("马红", "白鹤镇", Role::Grid);
    let id = huaxin.writer().create_json(Kind::Case, case_in("华新镇")).unwrap().id;
    baihe
        .writer()
        .create_json(Kind::Incident, json!({"township": "白鹤镇", "headcount": 12}))
        .unwrap();
    sync(&huaxin);
    sync(&baihe);
    sync(&huaxin);
    assert_eq!(huaxin.ledger().list(&LedgerQuery::default()).unwrap().len(), 1);
    assert_eq!(baihe.ledger().list(&LedgerQuery::default()).unwrap().len(), 1);
    // The 白鹤镇 device gets the 华新镇 case by a bundle: its store refuses to edit it...
    let (bundle, _) = huaxin.bundles().export(None, PASS).unwrap();
    baihe.bundles().import(&bundle, PASS).unwrap();
    let e = baihe
        .writer()
        .edit(&id, &[("amount_owed_fen".into(), json!(1))])
        .unwrap_err();
    assert_eq!(e.problems()[0].rule, "township_of_device");
    // ...and a change crafted with automerge, sent with its credential, is refused by the hub.
    let token = baihe.sync().link().unwrap().unwrap().token;
    let doc = baihe.records().document_bytes(&id).unwrap();
    let req = support::upload(
        &id,
        Kind::Case,
        support::crafted_put(&baihe, &doc, "amount_owed_fen", 1i64),
    );
    let (status, frames, _) = support::post_sync(&t.proxy.url(), &token, &req);
    assert_eq!(status, 200);
    let refused = support::refusals(&frames);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].0, id);
    // The same words whatever the cause: nothing says which township the record is of.
    assert!(
        refused[0].1.contains("not accepted from this device"),
        "{}",
        refused[0].1
    );
    assert!(!refused[0].1.contains("华新镇"), "{}", refused[0].1);
    assert_ne!(
        t.hub_store().records().get(&id).unwrap().record.to_json()["amount_owed_fen"],
        1
    );
    // A device may not move a record out of its township either.
    let e = huaxin
        .writer()
        .edit(&id, &[("township".into(), json!("白鹤镇"))])
        .unwrap_err();
    assert_eq!(e.problems()[0].rule, "township_of_device");
    let token = huaxin.sync().link().unwrap().unwrap().token;
    let doc = huaxin.records().document_bytes(&id).unwrap();
    let req = support::upload(
        &id,
        Kind::Case,
        support::crafted_put(&huaxin, &doc, "township", "白鹤镇"),
    );
    let (_, frames, _) = support::post_sync(&t.proxy.url(), &token, &req);
    assert_eq!(support::refusals(&frames).len(), 1);
    assert_eq!(t.hub_store().records().get(&id).unwrap().record.township(), "华新镇");
}

#[test]
fn a_revoked_device_is_refused_on_its_next_request() {
    let t = Township::new();
    let a = t.device("张丽", "华新镇", Role::Inspector);
    sync(&a);
    let hub = t.hub_store();
    let device = hub.hub().devices().unwrap()[0].id.clone();
    hub.hub().revoke(&device).unwrap();
    a.writer().create_json(Kind::Case, case_in("华新镇")).unwrap();
    let e = support::try_sync(&a, &SyncOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Unauthorised(_)), "{e}");
    assert!(e.to_string().contains("revoked"), "{e}");
    assert_eq!(hub.count().unwrap(), 0);
    // An enrolment code works once.
    let code = hub.hub().enroll("华新镇", Role::Grid, "李华").unwrap().code;
    support::join(&t.dir.path().join("once"), &KEY, &t.proxy.url(), &code);
    let transport = fieldcase_hub::HttpTransport::new(&t.proxy.url(), None).unwrap();
    let again = Store::create_by_joining(
        &t.dir.path().join("twice"),
        &KEY,
        &transport,
        &t.proxy.url(),
        None,
        &code,
    );
    assert!(matches!(again.err().unwrap(), Error::Unauthorised(_)));
    assert!(
        !t.dir.path().join("twice/fieldcase.db").exists(),
        "nothing is left of a refused join"
    );
}

#[test]
fn corrupt_hostile_or_replayed_bodies_change_nothing() {
    let t = Township::new();
    let a = t.device("张丽", "华新镇", Role::Inspector);
    a.writer().create_json(Kind::Case, case_in("华新镇")).unwrap();
    sync(&a);
    let token = a.sync().link().unwrap().unwrap().token;
    let before = contents(&t.hub_store());
    let http = reqwest::blocking::Client::new();
    let post = |body: Vec<u8>| {
        http.post(format!("{}v1/sync", t.proxy.url()))
            .bearer_auth(&token)
            .body(body)
            .send()
            .unwrap()
    };
    // epoch "", cursor 0, registry 0, then a count of uploads larger than the message.
    let mut lying = b"FCS2".to_vec();
    lying.extend_from_slice(&[0, 0, 0, 0xff, 0xff, 0xff, 0x7f]);
    // One upload of id "abcd", a case, whose changes are not automerge's.
    let mut damaged_record = b"FCS2\x00\x00\x00\x01".to_vec();
    damaged_record.extend_from_slice(b"\x04abcd\x02\x00\x00\x05hello\x00\x00");
    for (body, why) in [
        (b"garbage".to_vec(), "brotli"),
        (fieldcase_core::sync::wire::compress(b"XXXX"), "magic"),
        (
            fieldcase_core::sync::wire::compress(b"FCS1\x00\x00\x00\x00"),
            "version 1",
        ),
        (fieldcase_core::sync::wire::compress(&lying), "count"),
        (fieldcase_core::sync::wire::compress(&damaged_record), "damaged"),
        (vec![], "brotli"),
    ] {
        let resp = post(body);
        assert_eq!(resp.status().as_u16(), 400, "{why}");
        let text = resp.text().unwrap();
        assert!(text.contains(why), "{why}: {text}");
    }
    let resp = http.post(format!("{}v1/sync", t.proxy.url())).body("x").send().unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let resp = post(vec![0u8; fieldcase_core::sync::hub::routes::MAX_SYNC_BODY + 1]);
    assert_eq!(resp.status().as_u16(), 413);
    assert_eq!(contents(&t.hub_store()), before);
    // The same valid request twice is the same as once (each answer read to its end, as a
    // device does: a device has one session at a time).
    let req = fieldcase_core::sync::wire::SyncRequest::default().encode();
    for _ in 0..2 {
        let resp = post(req.clone());
        assert!(resp.status().is_success());
        resp.bytes().unwrap();
    }
    assert_eq!(contents(&t.hub_store()), before);
}

#[test]
fn a_cut_download_resumes_without_fetching_again_what_arrived() {
    let t = Township::new();
    let office = t.device("周明", "华新镇", Role::Office);
    let mut rng = fieldcase_core::sample::Rng(0x007E_C04D);
    for _ in 0..700 {
        let mut v = fieldcase_core::sample::case(&mut rng);
        v["township"] = json!("华新镇");
        office.writer().create_json(Kind::Case, v).unwrap();
    }
    sync(&office);
    // How big the whole download is, measured on a first device.
    let first = t.device("陈芳", "华新镇", Role::Mediator);
    t.proxy.take();
    sync(&first);
    let (_, whole) = t.proxy.take();
    let phone = t.device("张丽", "华新镇", Role::Inspector);
    // Two thirds of the bytes: past the first frame (the largest; later frames share brotli's
    // window with it), before the last.
    t.proxy.cut_next_response_after(whole * 2 / 3);
    let e = support::try_sync(&phone, &SyncOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Network(_)), "{e}");
    let got = phone.count().unwrap();
    assert!(
        (200..700).contains(&got),
        "{got} records kept from the cut session: {e}"
    );
    let r = sync(&phone);
    assert_eq!(r.records_received + got as i64, 700, "only what was missing came again");
    assert_eq!(contents(&phone).len(), 700);
    // Cancelling after the first frame keeps what arrived, and the next session finishes.
    let other = t.device("吴军", "华新镇", Role::Inspector);
    let cancel = AtomicBool::new(false);
    let on_progress = |p: &fieldcase_core::sync::Progress| {
        if p.phase == fieldcase_core::sync::SyncPhase::Records {
            cancel.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    };
    let e = support::try_sync(
        &other,
        &SyncOptions {
            progress: Some(&on_progress),
            cancel: Some(&cancel),
        },
    )
    .unwrap_err();
    assert!(matches!(e, Error::Cancelled));
    assert_eq!(other.count().unwrap(), 200);
    assert_eq!(sync(&other).records_received, 500);
}

#[test]
fn the_hub_restarts_and_two_devices_sync_at_once() {
    let mut t = Township::new();
    let a = t.device("张丽", "华新镇", Role::Inspector);
    let b = t.device("吴军", "华新镇", Role::Inspector);
    for _ in 0..20 {
        a.writer().create_json(Kind::Case, case_in("华新镇")).unwrap();
        b.writer()
            .create_json(Kind::Incident, json!({"township": "华新镇", "headcount": 3}))
            .unwrap();
    }
    std::thread::scope(|s| {
        s.spawn(|| sync(&a));
        s.spawn(|| sync(&b));
    });
    t.restart();
    for s in [&a, &b] {
        s.sync().set_hub_url(&t.proxy.url()).unwrap();
    }
    sync(&a);
    sync(&b);
    assert_eq!(contents(&a), contents(&b));
    assert_eq!(a.count().unwrap(), 40);
}

#[test]
fn attachments_travel_apart_and_one_failure_blocks_nothing_else() {
    let t = Township::new();
    let a = t.device("李华", "华新镇", Role::Grid);
    let b = t.device("张丽", "华新镇", Role::Inspector);
    let id = a
        .writer()
        .create_json(Kind::Incident, json!({"township": "华新镇"}))
        .unwrap()
        .id;
    let photo: Vec<u8> = (0..700_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let good = a
        .attachments()
        .attach(&id, &photo, "gate.jpg", "image/jpeg", Some("photo"))
        .unwrap();
    let lost = a
        .attachments()
        .attach(&id, b"a voice note", "note.m4a", "audio/mp4", Some("audio"))
        .unwrap();
    // The voice note's file is lost on the phone: it fails alone.
    let path = a.dir().join("attachments").join(&lost.sha256[..2]).join(&lost.sha256);
    std::fs::remove_file(path).unwrap();
    let r = sync(&a);
    assert_eq!(r.attachments_sent, 1);
    assert_eq!(r.attachments_failed.len(), 1);
    assert_eq!(r.attachments_failed[0].sha256, lost.sha256);
    let r = sync(&b);
    assert_eq!(r.records_received, 1);
    assert_eq!(r.attachments_received, 1);
    assert_eq!(b.attachments().read(&good.sha256).unwrap(), photo);
    assert_eq!(
        b.records().get(&id).unwrap().record.attachments().len(),
        2,
        "the record arrived whole even so"
    );
}

#[derive(Debug, Clone)]
enum Step {
    Edit { device: usize, field: usize, value: u8 },
    Create { device: usize },
    Sync { device: usize, cut: Option<u16> },
    Bundle { from: usize, to: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => (0..3usize, 0..3usize, 0..5u8).prop_map(|(device, field, value)| Step::Edit { device, field, value }),
        1 => (0..3usize).prop_map(|device| Step::Create { device }),
        4 => (0..3usize, proptest::option::of(200..3000u16)).prop_map(|(device, cut)| Step::Sync { device, cut }),
        1 => (0..3usize, 0..3usize).prop_map(|(from, to)| Step::Bundle { from, to }),
    ]
}

proptest! {
    #![proptest_config(Config {
        cases: 6,
        rng_seed: RngSeed::Fixed(0x00C0_FFEE),
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    })]

    /// Random offline edits, syncs over a link that sometimes drops, and the odd bundle;
    /// then everyone syncs until quiet: all hold the same records and the same conflicts.
    #[test]
    fn everyone_converges_whatever_the_faults(steps in proptest::collection::vec(step(), 1..30)) {
        let t = Township::new();
        let devices: Vec<Store> = ["张丽", "吴军", "周明"]
            .iter()
            .map(|n| t.device(n, "华新镇", Role::Inspector))
            .collect();
        devices[0].writer().create_json(Kind::Case, case_in("华新镇")).unwrap();
        for s in steps {
            match s {
                Step::Edit { device, field, value } => {
                    let ids: Vec<String> = devices[device].ledger().list(&LedgerQuery::default()).unwrap().into_iter().map(|r| r.id).collect();
                    if let Some(id) = ids.first() {
                        let (path, v) = match field {
                            0 => ("amount_owed_fen", json!(1_000 + u64::from(value))),
                            1 => ("workers_involved", json!(value)),
                            _ => ("resolution_plan", json!(format!("方案{value}"))),
                        };
                        devices[device].writer().edit(id, &[(path.to_string(), v)]).unwrap();
                    }
                }
                Step::Create { device } => {
                    devices[device].writer().create_json(Kind::Case, case_in("华新镇")).unwrap();
                }
                Step::Sync { device, cut } => {
                    if let Some(n) = cut {
                        t.proxy.cut_next_response_after(u64::from(n));
                    }
                    match support::try_sync(&devices[device], &SyncOptions::default()) {
                        Ok(_) | Err(Error::Network(_)) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
                Step::Bundle { from, to } => {
                    if from != to {
                        let (b, _) = devices[from].bundles().export(None, PASS).unwrap();
                        devices[to].bundles().import(&b, PASS).unwrap();
                    }
                }
            }
        }
        for _ in 0..2 {
            for d in &devices {
                sync(d);
            }
        }
        let reference = contents(&devices[0]);
        prop_assert_eq!(&contents(&t.hub_store()), &reference);
        for d in &devices[1..] {
            prop_assert_eq!(&contents(d), &reference);
            prop_assert_eq!(d.records().conflicts().unwrap(), devices[0].records().conflicts().unwrap());
        }
    }
}
