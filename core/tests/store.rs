//! Behaviour of the store through its public API: what a field worker or the office sees.

use fieldcase_core::model::{Kind, Record, RecordKind, WorkCalendar};
use fieldcase_core::{Error, ErrorKind, LedgerQuery, Role, Store};
use serde_json::{json, Value};
use tempfile::TempDir;

/// The passphrase two field workers agreed on for their bundles.
const PASS: &str = "华新镇-2026-春";

const KEY: [u8; 32] = [7; 32];

fn store(dir: &TempDir, name: &str, user: &str, role: Role) -> Store {
    Store::create(&dir.path().join(name), &KEY, "华新镇", user, role).unwrap()
}

/// A device of 华新镇 enrolled at the district's hub, so that the others honour its seals.
fn enrolled(dir: &TempDir, name: &str, user: &str, role: Role) -> Store {
    let district = fieldcase_core::sample::District::at(dir.path(), &KEY).unwrap();
    district.enrol(name, "华新镇", user, role).unwrap()
}

fn example(kind: Kind) -> Value {
    Record::example(kind).to_json()
}

fn exchange(from: &Store, to: &Store) {
    let (bytes, _) = from.bundles().export(Some(&to.identity().device), PASS).unwrap();
    to.bundles().import(&bytes, PASS).unwrap();
}

fn content(s: &Store, id: &str) -> Value {
    s.records().get(id).unwrap().record.to_json()
}

#[test]
fn a_record_survives_closing_and_reopening_and_a_wrong_key_is_refused() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "a", "张丽", Role::Inspector);
    let id = s.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    s.writer()
        .edit(&id, &[("amount_owed_fen".into(), json!(123_400))])
        .unwrap();
    drop(s);
    let s = Store::open(&dir.path().join("a"), &KEY).unwrap();
    assert_eq!(content(&s, &id)["amount_owed_fen"], 123_400);
    drop(s);
    let e = Store::open(&dir.path().join("a"), &[8; 32]).err().unwrap();
    assert!(matches!(e, Error::WrongKey { .. }), "{e}");
    // The database file holds no plain text.
    let raw = std::fs::read(dir.path().join("a/fieldcase.db")).unwrap();
    assert!(!raw.windows("宏达物流".len()).any(|w| w == "宏达物流".as_bytes()));
}

#[test]
fn bad_values_name_the_field_and_the_rule_and_save_nothing() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "a", "李华", Role::Grid);
    let mut v = example(Kind::Incident);
    v["representatives"][0]["resident_id"] = json!("110105194912310021");
    let e = s.writer().create_json(Kind::Incident, v).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert_eq!(e.field().as_deref(), Some("representatives.0.resident_id"));
    assert_eq!(e.problems()[0].rule, "resident_id_check_char");
    assert_eq!(s.count().unwrap(), 0);

    let id = s
        .writer()
        .create_json(Kind::Incident, json!({"township": "华新镇", "headcount": 30}))
        .unwrap()
        .id;
    let e = s
        .writer()
        .edit(&id, &[("representatives.0.phone".into(), json!("12345"))])
        .unwrap_err();
    assert_eq!(e.field().as_deref(), Some("representatives.0.phone"));
    let e = s
        .writer()
        .edit(&id, &[("amount_claimed_fen".into(), json!(12.5))])
        .unwrap_err();
    assert_eq!(e.field().as_deref(), Some("amount_claimed_fen"));
    assert_eq!(content(&s, &id)["representatives"], json!([]));
    // An early USCC that fails its check character is saved, with a warning.
    let mut emp = example(Kind::Employer);
    emp["uscc"] = json!("91350100M000100Y42");
    let saved = s.writer().create_json(Kind::Employer, emp).unwrap();
    assert_eq!(saved.warnings[0].field, "uscc");
}

#[test]
fn signing_seals_and_every_later_change_is_refused() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "a", "张丽", Role::Inspector);
    let mut draft = example(Kind::Inspection);
    draft["inspectors"] = json!([{"name": "张丽", "credential_number": "沪劳监0112"}]);
    let id = s.writer().create_json(Kind::Inspection, draft).unwrap().id;
    // Sealing checks everything: one inspector is not enough.
    let e = s.writer().seal(&id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.problems().iter().any(|p| p.rule == "two_inspectors"), "{e}");
    s.writer()
        .edit(
            &id,
            &[(
                "inspectors.1".into(),
                json!({"name": "吴军", "credential_number": "沪劳监0135"}),
            )],
        )
        .unwrap();
    let seal = s.writer().seal(&id).unwrap();
    assert!(seal.intact);
    let shown = s.records().get(&id).unwrap();
    assert_eq!(shown.record.status(), "signed");
    assert!(shown.seal.unwrap().intact);
    let e = s.writer().edit(&id, &[("findings".into(), json!("改了"))]).unwrap_err();
    assert!(matches!(e, Error::Sealed { .. }));
    assert_eq!(e.kind(), ErrorKind::Refused);
    assert!(matches!(s.writer().seal(&id).unwrap_err(), Error::Sealed { .. }));
    assert!(matches!(
        s.attachments()
            .attach(&id, b"photo", "p.jpg", "image/jpeg", None)
            .unwrap_err(),
        Error::Sealed { .. }
    ));
    // A correction is a new record that refers to the sealed one.
    let mut correction = example(Kind::Inspection);
    correction["links"] = json!([{"id": id, "kind": "inspection", "relation": "corrects"}]);
    s.writer().create_json(Kind::Inspection, correction).unwrap();
    // Status "signed" cannot be reached by an edit.
    let other = s
        .writer()
        .create_json(Kind::Interview, example(Kind::Interview))
        .unwrap()
        .id;
    let e = s
        .writer()
        .edit(&other, &[("status".into(), json!("signed"))])
        .unwrap_err();
    assert_eq!(e.problems()[0].rule, "status_set_by_signing");
}

#[test]
fn a_mediation_agreement_is_effective_only_when_everyone_has_signed() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "a", "陈芳", Role::Mediator);
    let mut v = example(Kind::Mediation);
    v["agreement"]["signatures"]["organisation_seal"] = Value::Null;
    let id = s.writer().create_json(Kind::Mediation, v).unwrap().id;
    let e = s.writer().seal(&id).unwrap_err();
    assert_eq!(e.problems()[0].rule, "agreement_fully_signed");
    s.writer()
        .edit(
            &id,
            &[(
                "agreement.signatures.organisation_seal".into(),
                json!({"name": "华新镇调解中心", "signed_at": "2026-03-20T03:10:00Z"}),
            )],
        )
        .unwrap();
    s.set_now(Some("2026-03-20T04:00:00Z".parse().unwrap()));
    s.writer().seal(&id).unwrap();
    let r = s.records().get(&id).unwrap();
    assert!(r.record.as_mediation().unwrap().all_signed());
    assert_eq!(r.record.status(), "agreed");
    // The arbitration-review window runs 15 days from the day it took effect (the last
    // signature, 2026-03-20): day 15 is Saturday 2026-04-04, in the Qingming holiday, so the
    // window ends with Tuesday 2026-04-07.
    let d = r.deadline.unwrap();
    assert_eq!(d.rule, "arbitration_review_15_days");
    assert_eq!(d.due_on.to_string(), "2026-04-07");
    assert_eq!(d.at.to_rfc3339(), "2026-04-07T16:00:00+00:00");
}

#[test]
fn cases_close_only_when_resolved_and_signed_off() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "a", "张丽", Role::Inspector);
    s.set_now(Some("2026-04-01T00:00:00Z".parse().unwrap()));
    let id = s.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    let e = s.writer().edit(&id, &[("status".into(), json!("closed"))]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Refused);
    let paid = json!({"kind": "paid_in_full", "on": "2026-03-30", "amount_paid_fen": 18_600_000});
    // The sign-off is never typed: the store writes its own user when the case closes.
    let e = s
        .writer()
        .edit(
            &id,
            &[
                ("resolution".into(), paid.clone()),
                ("sign_off".into(), json!({"by": "张丽", "at": "2026-03-30T08:00:00Z"})),
                ("status".into(), json!("closed")),
            ],
        )
        .unwrap_err();
    assert_eq!(e.problems()[0].rule, "sign_off_by_closing");
    s.writer().close(&id, paid).unwrap();
    let closed = s.records().get(&id).unwrap();
    assert_eq!(closed.record.status(), "closed");
    let sign_off = closed.record.as_case().unwrap().sign_off.clone().unwrap();
    assert_eq!((sign_off.by.as_str(), sign_off.role), ("张丽", Some(Role::Inspector)));
    assert_eq!(sign_off.at, "2026-04-01T00:00:00Z".parse().ok());
    // A closed case has no running clock.
    assert!(closed.deadline.is_none());
    let e = s
        .writer()
        .create_json(Kind::Case, json!({"township": "华新镇", "status": "closed"}))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Refused);
}

#[test]
fn the_ledger_filters_sorts_by_deadline_and_finds_overdue_cases() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "a", "张丽", Role::Office);
    let mut ids = vec![];
    for (filed, risk, who) in [
        ("2026-03-11", "high", "张丽"),
        ("2026-01-05", "low", "吴军"),
        ("2026-06-01", "high", "张丽"),
    ] {
        let mut v = example(Kind::Case);
        v["filed_on"] = json!(filed);
        v["risk_level"] = json!(risk);
        v["responsible_person"] = json!(who);
        ids.push(s.writer().create_json(Kind::Case, v).unwrap().id);
    }
    s.writer().create_json(Kind::Employer, example(Kind::Employer)).unwrap();
    s.set_now(Some("2026-05-01T00:00:00Z".parse().unwrap()));
    let all = s
        .ledger()
        .list(&LedgerQuery {
            kind: Some(Kind::Case),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        all.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        [ids[1].clone(), ids[0].clone(), ids[2].clone()]
    );
    let overdue = s
        .ledger()
        .list(&LedgerQuery {
            overdue: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].id, ids[1]);
    assert!(overdue[0].overdue);
    let high = s
        .ledger()
        .list(&LedgerQuery {
            risk: Some(fieldcase_core::model::RiskLevel::High),
            kind: Some(Kind::Case),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(high.len(), 2);
    let mine = s
        .ledger()
        .list(&LedgerQuery {
            responsible: Some("吴军".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(mine.len(), 1);
    let soon = s
        .ledger()
        .list(&LedgerQuery {
            due_within_days: Some(40),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(soon.len(), 2, "overdue plus the one due 2026-06-08");
    assert_eq!(
        s.ledger()
            .list(&LedgerQuery {
                township: Some("白鹤镇".into()),
                ..Default::default()
            })
            .unwrap()
            .len(),
        0
    );
    // The office's calendar moves the clock: a day off added on the last day.
    let row = |s: &Store| {
        s.ledger()
            .list(&LedgerQuery::default())
            .unwrap()
            .into_iter()
            .find(|r| r.id == ids[0])
            .unwrap()
    };
    assert_eq!(row(&s).due_on, "2026-06-08".parse().ok());
    let mut year = WorkCalendar::example();
    year.holidays.push("2026-06-08".parse().unwrap());
    s.writer().set_work_calendar(year).unwrap();
    assert_eq!(row(&s).due_on, "2026-06-09".parse().ok());
    assert_eq!(row(&s).deadline_local.as_deref(), Some("2026-06-09 24:00"));
}

#[test]
fn search_finds_two_character_names_company_names_and_numbers() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "a", "张丽", Role::Office);
    let case = s.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    let emp = s
        .writer()
        .create_json(Kind::Employer, example(Kind::Employer))
        .unwrap()
        .id;
    let mut v = example(Kind::Incident);
    v["representatives"][0]["phone"] = json!("186 1234 5678");
    let inc = s.writer().create_json(Kind::Incident, v).unwrap().id;
    let ids = |q: &str| {
        s.ledger()
            .search(q, 50)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("刘强"), vec![case.clone()]);
    assert_eq!(ids("马超"), vec![inc.clone()]);
    assert!(ids("宏达物流").contains(&emp) && ids("宏达物流").contains(&case));
    assert_eq!(ids("91350100M000100Y43"), vec![emp.clone()]);
    assert_eq!(ids("11010519491231002x").len(), 2, "ID numbers, any case of X");
    assert_eq!(
        ids("18612345678"),
        vec![inc.clone()],
        "phone typed with spaces, found by digits"
    );
    assert_eq!(ids("612345678"), vec![inc.clone()]);
    assert_eq!(
        ids("2345678").len(),
        3,
        "the case, employer and incident phones all end so"
    );
    assert_eq!(ids("刘强 宏达"), vec![case.clone()], "every word must match");
    assert!(ids("不存在的公司").is_empty());
    assert!(s.ledger().search("  ", 10).is_err());
}

#[test]
fn two_phones_editing_the_same_case_merge_and_list_the_same_conflict() {
    let dir = TempDir::new().unwrap();
    let a = store(&dir, "a", "张丽", Role::Inspector);
    let b = store(&dir, "b", "吴军", Role::Inspector);
    let id = a.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    exchange(&a, &b);
    a.writer()
        .edit(
            &id,
            &[
                ("amount_owed_fen".into(), json!(20_000_000)),
                ("workers_involved".into(), json!(13)),
            ],
        )
        .unwrap();
    b.writer()
        .edit(
            &id,
            &[
                ("amount_owed_fen".into(), json!(21_000_000)),
                ("resolution_plan".into(), json!("申请保障金垫付")),
            ],
        )
        .unwrap();
    exchange(&a, &b);
    exchange(&b, &a);
    assert_eq!(content(&a, &id), content(&b, &id));
    let merged = content(&a, &id);
    assert_eq!(merged["workers_involved"], 13);
    assert_eq!(merged["resolution_plan"], "申请保障金垫付");
    let ca = a.records().conflicts().unwrap();
    assert_eq!(ca, b.records().conflicts().unwrap());
    assert_eq!(ca.len(), 1);
    assert_eq!(ca[0].path, "amount_owed_fen");
    let mut values = ca[0].values.clone();
    values.sort_by_key(|v| v.as_i64());
    assert_eq!(values, [json!(20_000_000), json!(21_000_000)]);
    // Each value with who set it and when, for choosing side by side.
    let by: Vec<(i64, String)> = ca[0]
        .values
        .iter()
        .zip(&ca[0].written_by)
        .map(|(v, w)| (v.as_i64().unwrap(), w.as_ref().expect("a known writer").user.clone()))
        .collect();
    assert_eq!(by.len(), 2);
    assert!(by.contains(&(20_000_000, "张丽".to_string())) && by.contains(&(21_000_000, "吴军".to_string())));
    // And as a person reads it: 元, never raw fen.
    let mut shown = ca[0].shown.clone();
    shown.sort();
    assert_eq!(shown, ["200,000.00 元", "210,000.00 元"]);
    // History says who changed what.
    let h = a.records().history(&id).unwrap();
    assert!(h
        .iter()
        .any(|e| e.user == "吴军" && e.fields.contains(&"resolution_plan".to_string())));
    assert!(h.iter().any(|e| e.user == "张丽" && e.action == "create"));
    // A person resolves; the resolution travels.
    a.writer().resolve(&id, "amount_owed_fen", json!(21_000_000)).unwrap();
    exchange(&a, &b);
    assert!(a.records().conflicts().unwrap().is_empty());
    assert!(b.records().conflicts().unwrap().is_empty());
    assert_eq!(content(&b, &id)["amount_owed_fen"], 21_000_000);
    assert!(
        a.writer().resolve(&id, "amount_owed_fen", json!(1)).is_err(),
        "no conflict left to resolve"
    );
}

#[test]
fn bundles_import_twice_or_in_any_order_with_the_same_result() {
    let dir = TempDir::new().unwrap();
    let a = store(&dir, "a", "张丽", Role::Inspector);
    let b = store(&dir, "b", "吴军", Role::Inspector);
    let c = store(&dir, "c", "周明", Role::Office);
    let id = a.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    let (first, _) = a.bundles().export(None, PASS).unwrap();
    b.bundles().import(&first, PASS).unwrap();
    // b now tells a what it holds, so a's next bundle for b carries only the new change.
    exchange(&b, &a);
    a.writer().edit(&id, &[("workers_involved".into(), json!(14))]).unwrap();
    let (second, summary) = a.bundles().export(Some(&b.identity().device), PASS).unwrap();
    assert_eq!(summary.records, 1);
    assert!(second.len() < first.len());
    // c gets them in the wrong order, and twice.
    let r = c.bundles().import(&second, PASS).unwrap();
    assert_eq!(r.records_new, 0);
    c.bundles().import(&second, PASS).unwrap();
    c.bundles().import(&first, PASS).unwrap();
    c.bundles().import(&first, PASS).unwrap();
    assert_eq!(content(&c, &id)["workers_involved"], 14);
    // c's copy survives reopening with the out-of-order changes applied.
    let path = c.dir().to_path_buf();
    drop(c);
    let c = Store::open(&path, &KEY).unwrap();
    assert_eq!(content(&c, &id), content(&a, &id));
    b.bundles().import(&second, PASS).unwrap();
    b.bundles().import(&second, PASS).unwrap();
    assert_eq!(content(&b, &id), content(&a, &id));
    assert_eq!(b.records().history(&id).unwrap().len(), 2);
}

#[test]
fn a_corrupt_or_foreign_bundle_is_refused_whole() {
    let dir = TempDir::new().unwrap();
    let a = store(&dir, "a", "张丽", Role::Inspector);
    let b = store(&dir, "b", "吴军", Role::Inspector);
    for _ in 0..3 {
        a.writer().create_json(Kind::Case, example(Kind::Case)).unwrap();
    }
    let (bytes, _) = a.bundles().export(None, PASS).unwrap();
    let mut flipped = bytes.clone();
    let n = flipped.len();
    flipped[n - 10] ^= 0x40;
    for (bad, pass, why) in [
        (flipped, PASS, "damaged"),
        (bytes[..bytes.len() / 2].to_vec(), PASS, "damaged"),
        (bytes.clone(), "another passphrase", "passphrase is wrong"),
        (b"PK\x03\x04 a zip file".to_vec(), PASS, "not a Fieldcase bundle"),
        (vec![], PASS, "not a Fieldcase bundle"),
    ] {
        let e = b.bundles().import(&bad, pass).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid);
        assert!(e.to_string().contains(why), "{e}");
        assert_eq!(b.count().unwrap(), 0);
    }
    // A bundle of a format this app does not know is refused, not guessed at.
    let mut future = bytes.clone();
    future[17] = 9;
    let e = b.bundles().import(&future, PASS).unwrap_err();
    assert!(e.to_string().contains("format 9 is not supported"), "{e}");
    assert_eq!(b.count().unwrap(), 0);
    // A passphrase too short to protect anything is refused at export.
    assert_eq!(
        a.bundles().export(None, "1234").unwrap_err().problems()[0].rule,
        "passphrase_length"
    );
    // The contents are not readable without the passphrase.
    assert!(!bytes.windows("宏达物流".len()).any(|w| w == "宏达物流".as_bytes()));
    b.bundles().import(&bytes, PASS).unwrap();
    assert_eq!(b.count().unwrap(), 3);
}

#[test]
fn a_change_made_after_signing_on_another_phone_is_kept_aside_and_reported() {
    let dir = TempDir::new().unwrap();
    let a = enrolled(&dir, "a", "张丽", Role::Inspector);
    let b = enrolled(&dir, "b", "吴军", Role::Inspector);
    let id = a
        .writer()
        .create_json(Kind::Interview, example(Kind::Interview))
        .unwrap()
        .id;
    exchange(&a, &b);
    // Offline: a signs; b, not knowing, edits an answer.
    a.writer().seal(&id).unwrap();
    let signed = content(&a, &id);
    b.writer()
        .edit(&id, &[("questions.1.answer".into(), json!("一共20000元"))])
        .unwrap();
    let report = {
        let (bytes, _) = b.bundles().export(None, PASS).unwrap();
        a.bundles().import(&bytes, PASS).unwrap()
    };
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].id, id);
    assert_eq!(content(&a, &id), signed);
    exchange(&a, &b);
    // b takes the seal and sets its own late edit aside.
    assert_eq!(content(&b, &id), signed);
    assert!(b.records().get(&id).unwrap().seal.unwrap().intact);
    assert_eq!(b.bundles().refused().unwrap().len(), 1);
    assert_eq!(a.bundles().refused().unwrap().len(), 1);
    // Further exchanges change nothing.
    exchange(&b, &a);
    exchange(&a, &b);
    assert_eq!(content(&a, &id), content(&b, &id));
}

#[test]
fn many_edits_fold_into_a_snapshot_and_the_index_rebuilds_to_the_same_rows() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "a", "张丽", Role::Inspector);
    let id = s.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    for i in 0..100 {
        s.writer()
            .edit(&id, &[("follow_ups.0.outcome".into(), json!(format!("第{i}次回访")))])
            .unwrap();
    }
    assert_eq!(content(&s, &id)["follow_ups"][0]["outcome"], "第99次回访");
    assert_eq!(s.records().history(&id).unwrap().len(), 101);
    let before = s.ledger().list(&LedgerQuery::default()).unwrap();
    assert_eq!(s.rebuild_index().unwrap(), 1);
    assert_eq!(s.ledger().list(&LedgerQuery::default()).unwrap(), before);
    let path = s.dir().to_path_buf();
    drop(s);
    let s = Store::open(&path, &KEY).unwrap();
    assert_eq!(content(&s, &id)["follow_ups"][0]["outcome"], "第99次回访");
}

#[test]
fn attachments_are_encrypted_files_named_by_their_hash() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "a", "李华", Role::Grid);
    let id = s
        .writer()
        .create_json(Kind::Incident, json!({"township": "华新镇"}))
        .unwrap()
        .id;
    let photo = b"\xff\xd8\xff\xe0 JPEG of the blocked gate".to_vec();
    let r = s
        .attachments()
        .attach(&id, &photo, "gate.jpg", "image/jpeg", Some("photo"))
        .unwrap();
    assert_eq!(s.attachments().read(&r.sha256).unwrap(), photo);
    let rec = s.records().get(&id).unwrap();
    assert_eq!(rec.record.attachments()[0].sha256, r.sha256);
    let on_disk = std::fs::read(dir.path().join("a/attachments").join(&r.sha256[..2]).join(&r.sha256)).unwrap();
    assert!(!on_disk.windows(10).any(|w| w == b"blocked ga"));
    // The same photo twice is one reference.
    s.attachments()
        .attach(&id, &photo, "gate.jpg", "image/jpeg", Some("photo"))
        .unwrap();
    assert_eq!(s.records().get(&id).unwrap().record.attachments().len(), 1);
    let huge = vec![0u8; fieldcase_core::store::MAX_ATTACHMENT_BYTES as usize + 1];
    let e = s
        .attachments()
        .attach(&id, &huge, "video.mp4", "video/mp4", None)
        .unwrap_err();
    assert_eq!(e.problems()[0].rule, "attachment_size");
    assert!(matches!(
        s.attachments().read(&"0".repeat(64)).unwrap_err(),
        Error::NotFound { .. }
    ));
}

#[test]
fn a_store_of_the_first_layout_is_upgraded_and_its_records_become_searchable() {
    use automerge::transaction::Transactable;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("old");
    std::fs::create_dir_all(&path).unwrap();
    // Build a version-1 database from the frozen layout, with one record in it.
    let conn = rusqlite::Connection::open(path.join("fieldcase.db")).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(KEY)))
        .unwrap();
    conn.execute_batch(include_str!("fixtures/schema_v1.sql")).unwrap();
    let identity = json!({"device": "0ld0ld0ld0ld", "township": "华新镇", "user": "老用户", "role": "office"});
    conn.execute("INSERT INTO meta VALUES ('identity', ?1)", [identity.to_string()])
        .unwrap();
    conn.execute(
        "INSERT INTO meta VALUES ('actor', ?1)",
        [automerge::ActorId::random().to_hex_string()],
    )
    .unwrap();
    let mut doc = automerge::Automerge::new();
    let mut tx = doc.transaction();
    tx.put(automerge::ROOT, "kind", "employer").unwrap();
    let rec = tx
        .put_object(automerge::ROOT, "record", automerge::ObjType::Map)
        .unwrap();
    tx.put(&rec, "township", "华新镇").unwrap();
    tx.put(&rec, "name", "青浦老牌制衣厂").unwrap();
    tx.commit();
    conn.execute(
        "INSERT INTO documents (id, kind, snapshot) VALUES ('old-1', 'employer', ?1)",
        [doc.save()],
    )
    .unwrap();
    drop(conn);

    let s = Store::open(&path, &KEY).unwrap();
    assert_eq!(s.ledger().search("制衣厂", 5).unwrap()[0].id, "old-1");
    assert_eq!(
        s.records().get("old-1").unwrap().record.to_json()["name"],
        "青浦老牌制衣厂"
    );
    s.writer()
        .edit("old-1", &[("risk_level".into(), json!("high"))])
        .unwrap();
}

#[test]
fn the_ledger_pages_by_cursor_in_deadline_order_and_says_what_is_wrong_with_a_page() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "a", "周明", Role::Office);
    s.set_now(Some("2026-07-01T00:00:00Z".parse().unwrap()));
    // Cases filed on different days (different deadlines), a few closed, and records with no
    // clock at all.
    for day in 0..25 {
        let mut case = example(Kind::Case);
        case["filed_on"] = json!(format!("2026-0{}-{:02}", 3 + day % 3, 1 + day));
        let id = s.writer().create_json(Kind::Case, case).unwrap().id;
        if day % 6 == 0 {
            let paid = json!({"kind": "paid_in_full", "on": "2026-05-30", "amount_paid_fen": 100});
            s.writer().close(&id, paid).unwrap();
        }
    }
    for _ in 0..8 {
        s.writer().create_json(Kind::Employer, example(Kind::Employer)).unwrap();
    }
    let everything = s
        .ledger()
        .list(&LedgerQuery {
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(everything.len(), 33);
    // Deadlines first, earliest first; then the records with no running clock.
    let dated: Vec<_> = everything.iter().take_while(|r| r.deadline.is_some()).collect();
    assert_eq!(dated.len(), 25 - 5, "five closed cases have no running clock");
    assert!(dated.windows(2).all(|w| w[0].deadline <= w[1].deadline));
    assert!(everything[dated.len()..].iter().all(|r| r.deadline.is_none()));

    let mut paged = vec![];
    let mut after = None;
    loop {
        let page = s
            .ledger()
            .list(&LedgerQuery {
                limit: Some(7),
                after: after.clone(),
                ..Default::default()
            })
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 7);
        after = Some(page.last().unwrap().cursor.clone());
        paged.extend(page);
    }
    assert_eq!(paged, everything, "the pages together are the ledger, each row once");

    // Overdue and by kind page the same way.
    let overdue = s
        .ledger()
        .list(&LedgerQuery {
            overdue: true,
            kind: Some(Kind::Case),
            limit: Some(3),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(overdue.len(), 3);
    assert!(overdue.iter().all(|r| r.overdue));
    let next = s
        .ledger()
        .list(&LedgerQuery {
            overdue: true,
            kind: Some(Kind::Case),
            limit: Some(3),
            after: Some(overdue[2].cursor.clone()),
            ..Default::default()
        })
        .unwrap();
    assert!(next.iter().all(|r| r.overdue && !overdue.contains(r)));

    let bad = |q: LedgerQuery| match s.ledger().list(&q) {
        Err(Error::Invalid(p)) => p[0].field.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        bad(LedgerQuery {
            after: Some("not a cursor".into()),
            ..Default::default()
        }),
        "after"
    );
    assert_eq!(
        bad(LedgerQuery {
            limit: Some(0),
            ..Default::default()
        }),
        "limit"
    );
    assert_eq!(
        bad(LedgerQuery {
            limit: Some(fieldcase_core::store::MAX_PAGE + 1),
            ..Default::default()
        }),
        "limit"
    );
}

#[test]
fn a_draft_typed_but_not_saved_survives_the_store_closing() {
    let dir = TempDir::new().unwrap();
    let fields: std::collections::HashMap<String, String> = [
        ("interviewee.name".to_string(), "刘强".to_string()),
        ("interviewee.resident_id".to_string(), "110105194912310023".to_string()),
    ]
    .into();
    {
        let s = store(&dir, "a", "张丽", Role::Inspector);
        s.drafts().keep("interview", &fields).unwrap();
        assert_eq!(s.count().unwrap(), 0, "a draft is not a record");
    }
    let s = Store::open(&dir.path().join("a"), &KEY).unwrap();
    assert_eq!(s.drafts().get("interview").unwrap(), Some(fields));
    assert_eq!(s.drafts().get("incident").unwrap(), None);
    s.drafts().discard("interview").unwrap();
    assert_eq!(s.drafts().get("interview").unwrap(), None);
}
