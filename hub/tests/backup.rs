//! A hub restored from an older backup loses nothing: devices notice its new epoch at their
//! next sync and send it everything they hold, the changes it had confirmed after the backup
//! among them; then everyone converges again.

mod support;

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{LedgerQuery, Role, Store};
use fieldcase_hub::Hub;
use serde_json::json;
use tempfile::TempDir;

const KEY: [u8; 32] = [8; 32];

fn sync(s: &Store) -> fieldcase_core::sync::SyncReport {
    support::try_sync(s, &SyncOptions::default()).unwrap()
}

fn ids(s: &Store) -> Vec<String> {
    let mut v: Vec<String> = s
        .ledger()
        .list(&LedgerQuery::default())
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    v.sort();
    v
}

#[test]
fn a_hub_restored_from_an_older_backup_gets_back_what_it_lost_from_the_devices() {
    let dir = TempDir::new().unwrap();
    let hub_dir = dir.path().join("hub");
    let hub_store = Store::create(&hub_dir, &KEY, "青浦区", "办公室", Role::Office).unwrap();
    let hub = Hub::start(hub_store, "127.0.0.1:0".parse().unwrap()).unwrap();
    let office = Store::open(&hub_dir, &KEY).unwrap();
    let device = |name: &str| {
        let code = office.hub().enroll("华新镇", Role::Inspector, name).unwrap().code;
        support::join(&dir.path().join(name), &KEY, &hub.url(), &code)
    };
    let (a, b) = (device("张丽"), device("吴军"));
    let first = a
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap()
        .id;
    sync(&a);
    // The office takes a backup while the hub serves.
    let backup = dir.path().join("hub-2026-04-01.fcbak");
    office.backup_to(&backup).unwrap();
    let mode = std::fs::metadata(&backup).unwrap().permissions();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
    assert!(office.backup_to(&backup).is_err(), "a backup never overwrites");
    // After the backup: A edits and adds, B adds; the hub confirms all of it.
    a.writer()
        .edit(&first, &[("amount_owed_fen".into(), json!(99_000))])
        .unwrap();
    let second = a
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap()
        .id;
    let third = b
        .writer()
        .create_json(Kind::Incident, json!({"township": "华新镇", "headcount": 9}))
        .unwrap()
        .id;
    sync(&a);
    sync(&b);
    sync(&a);
    assert_eq!(ids(&office).len(), 3);
    // The hub's disk fails; the office restores last night's backup.
    let epoch_before = office.hub().epoch().unwrap();
    drop(office);
    hub.stop();
    Store::restore_from(&hub_dir, &KEY, &backup).unwrap();
    let restored = Store::open(&hub_dir, &KEY).unwrap();
    assert_eq!(
        ids(&restored),
        std::slice::from_ref(&first),
        "the backup holds only what it held"
    );
    assert_ne!(restored.hub().epoch().unwrap(), epoch_before);
    drop(restored);
    let hub = Hub::start(Store::open(&hub_dir, &KEY).unwrap(), "127.0.0.1:0".parse().unwrap()).unwrap();
    for s in [&a, &b] {
        s.sync().set_hub_url(&hub.url()).unwrap();
    }
    // B syncs first: it notices, and sends everything it holds (A's records too).
    let r = sync(&b);
    assert!(r.hub_restored);
    assert_eq!(r.round_trips, 2);
    let r = sync(&a);
    assert!(r.hub_restored);
    sync(&b);
    let office = Store::open(&hub_dir, &KEY).unwrap();
    let mut want = vec![first.clone(), second, third];
    want.sort();
    assert_eq!(ids(&office), want, "nothing a device thought confirmed is lost");
    assert_eq!(
        office.records().get(&first).unwrap().record.to_json()["amount_owed_fen"],
        99_000
    );
    assert_eq!(ids(&a), ids(&b));
    // And the next session is an ordinary one.
    assert!(!sync(&a).hub_restored);
}

#[test]
fn a_damaged_backup_is_refused_and_the_store_left_as_it_was() {
    let dir = TempDir::new().unwrap();
    let s = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
    s.writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap();
    let backup = dir.path().join("b.fcbak");
    s.backup_to(&backup).unwrap();
    drop(s);
    let mut bytes = std::fs::read(&backup).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&backup, &bytes).unwrap();
    assert!(Store::restore_from(&dir.path().join("hub"), &KEY, &backup).is_err());
    assert!(Store::restore_from(&dir.path().join("hub"), &[1; 32], &dir.path().join("hub/fieldcase.db")).is_err());
    let s = Store::open(&dir.path().join("hub"), &KEY).unwrap();
    assert_eq!(s.count().unwrap(), 1);
}
