//! The legal rules hold for what travels through the hub: a merged state that breaks a rule is
//! a rule conflict on every device and at the hub, and the office's calendar reaches every
//! phone so that all count the same deadlines.

mod support;

use fieldcase_core::model::{Kind, Record, WorkCalendar};
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{LedgerQuery, Role, Store};
use fieldcase_hub::Hub;
use serde_json::{json, Value};
use tempfile::TempDir;

const KEY: [u8; 32] = [6; 32];

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

    fn device(&self, name: &str, role: Role) -> Store {
        let hub = Store::open(&self.dir.path().join("hub"), &KEY).unwrap();
        let code = hub.hub().enroll("华新镇", role, name).unwrap().code;
        let s = support::join(&self.dir.path().join(name), &KEY, &self.hub.url(), &code);
        s.set_now(Some("2026-04-01T02:00:00Z".parse().unwrap()));
        s
    }
}

fn sync(s: &Store) -> fieldcase_core::sync::SyncReport {
    support::try_sync(s, &SyncOptions::default()).unwrap()
}

fn row(s: &Store, id: &str) -> fieldcase_core::LedgerRow {
    s.ledger()
        .list(&LedgerQuery::default())
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap()
}

#[test]
fn a_case_closed_on_one_phone_while_another_clears_its_resolution_is_a_rule_conflict_everywhere() {
    let t = Township::new();
    let a = t.device("张丽", Role::Inspector);
    let b = t.device("吴军", Role::Inspector);
    let paid = json!({"kind": "paid_in_full", "on": "2026-03-30", "amount_paid_fen": 100});
    let id = a
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap()
        .id;
    a.writer().edit(&id, &[("resolution".into(), paid.clone())]).unwrap();
    sync(&a);
    sync(&b);
    a.writer().close(&id, paid).unwrap();
    b.writer().edit(&id, &[("resolution".into(), Value::Null)]).unwrap();
    sync(&a);
    sync(&b);
    sync(&a);
    let hub = Store::open(&t.dir.path().join("hub"), &KEY).unwrap();
    for s in [&a, &b, &hub] {
        let rule: Vec<_> = s
            .records()
            .conflicts()
            .unwrap()
            .into_iter()
            .filter(|c| c.rule.is_some())
            .collect();
        assert_eq!(rule.len(), 1, "{rule:?}");
        assert_eq!(rule[0].rule.as_deref(), Some("resolution_before_close"));
        let r = row(s, &id);
        assert_eq!((r.status.as_str(), r.rule_conflict), ("in_progress", true));
    }
    assert_eq!(a.records().get(&id).unwrap(), b.records().get(&id).unwrap());
}

#[test]
fn the_office_s_calendar_reaches_every_phone_and_phones_cannot_change_it() {
    let t = Township::new();
    let office = t.device("周明", Role::Office);
    let phone = t.device("张丽", Role::Inspector);
    let mut v = Record::example(Kind::Case).to_json();
    v["filed_on"] = json!("2026-11-20");
    let id = phone.writer().create_json(Kind::Case, v).unwrap().id;
    sync(&phone);
    assert!(row(&phone, &id).deadline_warning.is_some());
    let y = WorkCalendar {
        year: 2027,
        holidays: vec!["2027-01-01".parse().unwrap()],
        ..WorkCalendar::default()
    };
    office.writer().set_work_calendar(y).unwrap();
    sync(&office);
    sync(&office);
    sync(&phone);
    assert_eq!(phone.calendar().years(), [2026, 2027]);
    let r = row(&phone, &id);
    assert_eq!(r.deadline_warning, None);
    assert_eq!(
        Some(r.due_on),
        office
            .ledger()
            .list(&LedgerQuery::default())
            .unwrap()
            .iter()
            .find(|x| x.id == id)
            .map(|x| x.due_on)
    );
    // A phone that crafts a change to the calendar is refused by the hub.
    let cal_id = WorkCalendar::record_id(2027);
    let token = phone.sync().link().unwrap().unwrap().token;
    let doc = phone.records().document_bytes(&cal_id).unwrap();
    let req = support::upload(
        &cal_id,
        Kind::Calendar,
        support::crafted_put(&phone, &doc, "monitoring_days", 1i64),
    );
    let (status, frames, _) = support::post_sync(&t.hub.url(), &token, &req);
    assert_eq!(status, 200);
    let refused = support::refusals(&frames);
    assert_eq!(refused.len(), 1);
    assert!(refused[0].1.contains("office"), "{}", refused[0].1);
    let hub = Store::open(&t.dir.path().join("hub"), &KEY).unwrap();
    assert_eq!(hub.calendar().monitoring_days(2027), 30);
}
