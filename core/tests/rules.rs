//! The legal rules of domain.md hold on every path a record takes: local edits, resolving a
//! conflict, and changes merged from another device. One test per finding of the review
//! (issue "The legal rules hold on every path"), numbered as there.

use fieldcase_core::model::{Kind, Record, WorkCalendar};
use fieldcase_core::report::ZerosQuery;
use fieldcase_core::{Error, ErrorKind, LedgerQuery, Role, Store};
use serde_json::{json, Value};
use tempfile::TempDir;

/// The passphrase two field workers agreed on for their bundles.
const PASS: &str = "华新镇-2026-春";

const KEY: [u8; 32] = [11; 32];

/// A device of 华新镇 enrolled at the district's hub (so that its seals are honoured by the
/// others), with a fixed clock.
fn store(dir: &TempDir, user: &str, role: Role) -> Store {
    let district = fieldcase_core::sample::District::at(dir.path(), &KEY).unwrap();
    let s = district.enrol(user, "华新镇", user, role).unwrap();
    s.set_now(Some("2026-04-01T02:00:00Z".parse().unwrap()));
    s
}

fn example(kind: Kind) -> Value {
    Record::example(kind).to_json()
}

fn exchange(a: &Store, b: &Store) {
    let (bytes, _) = a.bundles().export(Some(&b.identity().device), PASS).unwrap();
    b.bundles().import(&bytes, PASS).unwrap();
    let (bytes, _) = b.bundles().export(Some(&a.identity().device), PASS).unwrap();
    a.bundles().import(&bytes, PASS).unwrap();
}

fn rules_of(e: &Error) -> Vec<String> {
    e.problems().iter().map(|p| p.rule.clone()).collect()
}

fn edit(s: &Store, id: &str, edits: &[(&str, Value)]) -> Result<(), Error> {
    let edits: Vec<(String, Value)> = edits.iter().map(|(p, v)| (p.to_string(), v.clone())).collect();
    s.writer().edit(id, &edits).map(|_| ())
}

fn paid() -> Value {
    json!({"kind": "paid_in_full", "on": "2026-03-30", "amount_paid_fen": 18_600_000})
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
fn finding_1a_an_empty_resolution_does_not_close_a_case() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "张丽", Role::Inspector);
    let id = s.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    let e = edit(&s, &id, &[("resolution", json!({})), ("status", json!("closed"))]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Refused);
    assert_eq!(rules_of(&e), ["resolution_kind", "resolution_date"]);
    let e = s
        .writer()
        .close(&id, json!({"kind": "paid_in_full", "on": "2026-03-30"}))
        .unwrap_err();
    assert_eq!(rules_of(&e), ["amount_paid"]);
    let e = s
        .writer()
        .close(&id, json!({"kind": "transferred", "on": "2026-03-30"}))
        .unwrap_err();
    assert_eq!(rules_of(&e), ["handover_before_transfer"]);
    assert_eq!(s.records().get(&id).unwrap().record.status(), "in_progress");
}

#[test]
fn finding_1b_only_the_responsible_person_or_the_office_closes_and_the_sign_off_is_theirs() {
    let dir = TempDir::new().unwrap();
    let grid = store(&dir, "李华", Role::Grid);
    let mut v = example(Kind::Case);
    v["responsible_person"] = Value::Null;
    let id = grid.writer().create_json(Kind::Case, v).unwrap().id;
    // A typed name is refused whoever it names.
    let e = edit(
        &grid,
        &id,
        &[("sign_off", json!({"by": "", "at": "2026-03-30T08:00:00Z"}))],
    )
    .unwrap_err();
    assert_eq!(rules_of(&e), ["sign_off_by_closing"]);
    // With no responsible person, only the office closes.
    let e = grid.writer().close(&id, paid()).unwrap_err();
    assert_eq!(rules_of(&e), ["close_by_responsible_person"]);
    let office = store(&dir, "周明", Role::Office);
    exchange(&grid, &office);
    office.writer().close(&id, paid()).unwrap();
    let c = office.records().get(&id).unwrap();
    let sign_off = c.record.as_case().unwrap().sign_off.clone().unwrap();
    assert_eq!((sign_off.by.as_str(), sign_off.role), ("周明", Some(Role::Office)));
    assert_eq!(sign_off.device.as_deref(), Some(office.identity().device.as_str()));
}

#[test]
fn finding_1c_resolving_a_status_conflict_to_closed_is_closing() {
    let dir = TempDir::new().unwrap();
    let a = store(&dir, "张丽", Role::Inspector);
    let b = store(&dir, "吴军", Role::Inspector);
    let office = store(&dir, "周明", Role::Office);
    let id = a.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    edit(&a, &id, &[("resolution", paid())]).unwrap();
    exchange(&a, &b);
    exchange(&a, &office);
    // Concurrently: the responsible person closes; the office takes the case back to "open"
    // and clears the resolution it no longer believes.
    a.writer().close(&id, paid()).unwrap();
    edit(&office, &id, &[("status", json!("open")), ("resolution", Value::Null)]).unwrap();
    exchange(&a, &office);
    exchange(&a, &b);
    let conflicts = b.records().conflicts().unwrap();
    assert!(
        conflicts.iter().any(|c| c.path == "status" && c.rule.is_none()),
        "{conflicts:?}"
    );
    // 吴军 is not the responsible person: choosing "closed" is closing, and refused.
    let e = b.writer().resolve(&id, "status", json!("closed")).unwrap_err();
    assert!(rules_of(&e).contains(&"close_by_responsible_person".to_string()), "{e}");
    // The responsible person choosing "closed" needs the resolution the other change cleared.
    let e = a.writer().resolve(&id, "status", json!("closed")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Refused);
    assert!(rules_of(&e).contains(&"resolution_before_close".to_string()), "{e}");
    edit(&a, &id, &[("resolution", paid())]).unwrap();
    a.writer().resolve(&id, "status", json!("closed")).unwrap();
    let c = a.records().get(&id).unwrap();
    assert_eq!(c.ledger_status.as_str(), "closed");
    assert_eq!(c.record.as_case().unwrap().sign_off.as_ref().unwrap().by, "张丽");
    assert!(
        a.records().conflicts().unwrap().is_empty(),
        "{:?}",
        a.records().conflicts().unwrap()
    );
}

#[test]
fn finding_1d_a_merge_that_closes_without_a_resolution_is_a_rule_conflict_and_stays_open() {
    let dir = TempDir::new().unwrap();
    let a = store(&dir, "张丽", Role::Inspector);
    let b = store(&dir, "吴军", Role::Inspector);
    let id = a.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    edit(&a, &id, &[("resolution", paid())]).unwrap();
    exchange(&a, &b);
    // Phone A closes properly; phone B, offline, clears the resolution.
    a.writer().close(&id, paid()).unwrap();
    edit(&b, &id, &[("resolution", Value::Null)]).unwrap();
    exchange(&a, &b);
    for s in [&a, &b] {
        let c = s.records().get(&id).unwrap();
        assert_eq!(c.record.status(), "closed", "what was received is kept");
        assert!(c.record.as_case().unwrap().resolution.is_none());
        let rule: Vec<_> = s
            .records()
            .conflicts()
            .unwrap()
            .into_iter()
            .filter(|c| c.rule.is_some())
            .collect();
        assert_eq!(rule.len(), 1, "{rule:?}");
        assert_eq!(rule[0].rule.as_deref(), Some("resolution_before_close"));
        assert_eq!(rule[0].changes.len(), 1, "the change that cleared it is named");
        let r = row(s, &id);
        assert_eq!(r.status.as_str(), "in_progress", "the ledger keeps it open");
        assert!(r.rule_conflict);
        assert_eq!(r.deadline_rule.as_deref(), Some("inspection_60_working_days"));
    }
    assert_eq!(a.records().conflicts().unwrap(), b.records().conflicts().unwrap());
    // A person settles it: restoring the resolution ends the rule conflict.
    a.writer().resolve(&id, "resolution", paid()).unwrap();
    assert!(a.records().conflicts().unwrap().is_empty());
    assert_eq!(row(&a, &id).status.as_str(), "closed");
    exchange(&a, &b);
    assert!(b.records().conflicts().unwrap().is_empty());
}

#[test]
fn finding_2_one_calendar_for_every_device() {
    let dir = TempDir::new().unwrap();
    let office = store(&dir, "周明", Role::Office);
    let phone = store(&dir, "张丽", Role::Inspector);
    // The official 2026 calendar is there from the start.
    assert_eq!(phone.calendar().years(), [2026]);
    assert!(!phone.calendar().is_working_day("2026-10-05".parse().unwrap()));
    // A misspelt key and contradictory dates are refused.
    let mut v = example(Kind::Calendar);
    v["holydays"] = json!(["2027-01-01"]);
    let e = Record::from_json(Kind::Calendar, v).unwrap_err();
    assert_eq!(e.problems()[0].rule, "known_field");
    let contradiction = WorkCalendar {
        year: 2027,
        holidays: vec!["2027-02-06".parse().unwrap()],
        working_weekends: vec!["2027-02-06".parse().unwrap(), "2027-02-08".parse().unwrap()],
        ..WorkCalendar::default()
    };
    let e = office.writer().set_work_calendar(contradiction).unwrap_err();
    // 2027-02-06 is a Saturday listed as both; 2027-02-08 is a Monday.
    assert_eq!(
        rules_of(&e),
        ["calendar_contradiction", "working_weekend_is_weekend"].map(String::from)
    );
    // Only the office keeps it.
    let e = phone
        .writer()
        .set_work_calendar(WorkCalendar {
            year: 2027,
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(rules_of(&e), ["role_may_create"]);
    // A case filed in late 2026 runs into 2027, which has no calendar yet: a warning.
    let mut v = example(Kind::Case);
    v["filed_on"] = json!("2026-11-20");
    let id = office.writer().create_json(Kind::Case, v).unwrap().id;
    exchange(&office, &phone);
    let warned = row(&phone, &id);
    assert!(warned.deadline_warning.as_deref().unwrap().contains("2027"));
    // The office adds 2027; the phone counts with it after the next exchange, like the office.
    let y2027 = WorkCalendar {
        year: 2027,
        holidays: [
            "2027-01-01",
            "2027-02-05",
            "2027-02-08",
            "2027-02-09",
            "2027-02-10",
            "2027-02-11",
        ]
        .iter()
        .map(|d| d.parse().unwrap())
        .collect(),
        working_weekends: vec!["2027-02-06".parse().unwrap()],
        ..Default::default()
    };
    office.writer().set_work_calendar(y2027).unwrap();
    exchange(&office, &phone);
    assert_eq!(phone.calendar().years(), [2026, 2027]);
    let (o, p) = (row(&office, &id), row(&phone, &id));
    assert_eq!(o.due_on, p.due_on);
    assert_eq!(o.deadline_warning, None);
    assert_eq!(p.deadline_warning, None);
    assert_ne!(p.due_on, warned.due_on, "the 2027 holidays moved the deadline");
}

#[test]
fn finding_3_the_mediation_clock_counts_whole_days_and_skips_a_holiday_last_day() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "陈芳", Role::Mediator);
    s.set_now(Some("2026-09-23T00:00:00Z".parse().unwrap()));
    let mut v = example(Kind::Mediation);
    v["status"] = json!("applied");
    v["application"]["received_at"] = json!("2026-09-22T02:00:00Z"); // 10:00 Shanghai
    v["agreement"] = Value::Null;
    v["sessions"] = json!([]);
    let id = s.writer().create_json(Kind::Mediation, v).unwrap().id;
    let d = s.records().get(&id).unwrap().deadline.unwrap();
    assert_eq!(d.rule, "mediation_15_days");
    // Day 15 is 2026-10-07, in the National Day holiday: the period ends with October 8.
    assert_eq!(d.due_on.to_string(), "2026-10-08");
    assert_eq!(d.at.to_rfc3339(), "2026-10-08T16:00:00+00:00");
    assert_eq!(row(&s, &id).deadline_local.as_deref(), Some("2026-10-08 24:00"));
}

#[test]
fn finding_4_the_review_runs_from_the_agreement_taking_effect_and_is_recorded_after_sealing() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "陈芳", Role::Mediator);
    let mut v = example(Kind::Mediation);
    // The organisation sealed last, three days after the others.
    v["agreement"]["signatures"]["organisation_seal"]["signed_at"] = json!("2026-03-23T02:00:00Z");
    let id = s.writer().create_json(Kind::Mediation, v).unwrap().id;
    s.set_now(Some("2026-03-25T00:00:00Z".parse().unwrap()));
    s.writer().seal(&id).unwrap();
    let d = s.records().get(&id).unwrap().deadline.unwrap();
    assert_eq!(
        (d.rule.as_str(), d.due_on.to_string().as_str()),
        ("arbitration_review_15_days", "2026-04-07")
    );
    // The review cannot go into the signed agreement...
    let e = edit(&s, &id, &[("arbitration_review", json!({"applied_on": "2026-03-30"}))]).unwrap_err();
    assert!(matches!(e, Error::Sealed { .. }));
    // ...it is recorded after sealing, and must be joint.
    s.set_now(Some("2026-03-31T00:00:00Z".parse().unwrap()));
    let e = s
        .writer()
        .record_after_seal(&id, |a| {
            a.arbitration_review = Some(fieldcase_core::model::ArbitrationReview {
                applied_on: "2026-03-30".parse().ok(),
                ..Default::default()
            });
            Ok(())
        })
        .unwrap_err();
    assert_eq!(rules_of(&e), ["review_applied_jointly"]);
    s.writer()
        .record_after_seal(&id, |a| {
            a.arbitration_review = Some(fieldcase_core::model::ArbitrationReview {
                applied_on: "2026-03-30".parse().ok(),
                joint_application: true,
                ..Default::default()
            });
            Ok(())
        })
        .unwrap();
    let r = s.records().get(&id).unwrap();
    assert!(r.seal.unwrap().intact, "the seal still holds");
    assert_eq!(r.deadline.unwrap().rule, "agreement_payment");
    // Once performed, no clock runs.
    s.writer()
        .record_after_seal(&id, |a| {
            a.performance.push(fieldcase_core::model::Performance {
                on: "2026-03-31".parse().ok(),
                amount_paid_fen: Some(1_550_000),
                ..Default::default()
            });
            Ok(())
        })
        .unwrap();
    assert!(s.records().get(&id).unwrap().deadline.is_none());
    assert!(row(&s, &id).deadline.is_none());
    // What was recorded after sealing reaches another device, and the seal holds there.
    let office = store(&dir, "周明", Role::Office);
    exchange(&s, &office);
    let there = office.records().get(&id).unwrap();
    assert!(there.seal.unwrap().intact);
    assert_eq!(there.after_seal.performance.len(), 1);
    assert!(office.bundles().refused().unwrap().is_empty());
}

#[test]
fn finding_5_an_extension_needs_an_approver_before_the_sixty_days_run_out() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "周明", Role::Office);
    let id = s.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    s.set_now(Some("2026-06-20T00:00:00Z".parse().unwrap()));
    let e = edit(&s, &id, &[("extension", json!({"approved_on": "2026-06-09"}))]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Refused);
    assert_eq!(rules_of(&e), ["extension_approver", "extension_before_clock_ends"]);
    edit(
        &s,
        &id,
        &[(
            "extension",
            json!({"approved_by": "俞藕英", "approved_on": "2026-06-05"}),
        )],
    )
    .unwrap();
    assert_eq!(
        row(&s, &id).deadline_rule.as_deref(),
        Some("inspection_90_working_days_extended")
    );
}

#[test]
fn finding_6_the_escalation_timeline_is_in_order_to_close_an_incident() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "张丽", Role::Inspector);
    let mut v = example(Kind::Incident);
    v["escalation"]["grid_assistant_arrived_at"] = json!("2026-06-18T01:00:00Z"); // before the report
    v["escalation"]["inspector_arrived_at"] = json!("2026-06-18T01:30:00Z"); // before being notified
    s.set_now(Some("2026-06-19T00:00:00Z".parse().unwrap()));
    let saved = s.writer().create_json(Kind::Incident, v).unwrap();
    let warned: Vec<_> = saved.warnings.iter().map(|w| w.rule.as_str()).collect();
    assert_eq!(
        warned,
        ["escalation_order", "escalation_order"],
        "a warning while drafting"
    );
    let e = edit(&s, &saved.id, &[("status", json!("closed"))]).unwrap_err();
    assert_eq!(
        rules_of(&e),
        ["escalation_order", "escalation_order"],
        "an error at closing"
    );
    edit(
        &s,
        &saved.id,
        &[
            ("escalation.grid_assistant_arrived_at", json!("2026-06-18T01:35:00Z")),
            ("escalation.inspector_arrived_at", json!("2026-06-18T02:10:00Z")),
            ("status", json!("closed")),
        ],
    )
    .unwrap();
}

#[test]
fn finding_7_sealing_stops_an_inspection_that_is_wrong() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "张丽", Role::Inspector);
    let seal_rules = |v: Value| {
        let id = s.writer().create_json(Kind::Inspection, v).unwrap().id;
        rules_of(&s.writer().seal(&id).unwrap_err())
    };
    let mut v = example(Kind::Inspection);
    v["findings"] = Value::Null;
    v["correction_order"] = Value::Null;
    assert_eq!(
        seal_rules(v),
        ["findings_for_non_compliance", "correction_order_for_non_compliance"]
    );
    let mut v = example(Kind::Inspection);
    v["signatures"]["inspectors"][1]["signed_at"] = json!("2026-03-10T01:00:00Z");
    assert_eq!(seal_rules(v), ["signed_after_start"]);
    let mut v = example(Kind::Inspection);
    v["started_at"] = json!("2026-05-10T02:00:00Z");
    v["ended_at"] = json!("2026-05-10T03:00:00Z");
    v["signatures"]["inspectors"] = json!([
        {"name": "张丽", "signed_at": "2026-05-10T03:10:00Z"},
        {"name": "吴军", "signed_at": "2026-05-10T03:10:00Z"}
    ]);
    v["signatures"]["employer_representative"]["signed_at"] = json!("2026-05-10T03:10:00Z");
    v["correction_order"]["deadline"] = json!("2026-05-20");
    let r = seal_rules(v);
    assert!(r.iter().all(|r| r == "not_in_future") && r.len() == 5, "{r:?}");
    let mut v = example(Kind::Inspection);
    v["correction_order"]["deadline"] = json!("2026-03-01");
    assert_eq!(seal_rules(v), ["correction_after_inspection"]);
    // The example itself seals.
    let id = s
        .writer()
        .create_json(Kind::Inspection, example(Kind::Inspection))
        .unwrap()
        .id;
    assert!(s.writer().seal(&id).unwrap().intact);
}

#[test]
fn finding_8_a_transfer_period_over_a_month_is_recorded_and_flagged() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "张丽", Role::Inspector);
    let mut v = example(Kind::Project);
    v["labour_cost_transfer_period_days"] = json!(45);
    let saved = s.writer().create_json(Kind::Project, v).unwrap();
    assert_eq!(saved.warnings.len(), 1);
    assert_eq!(saved.warnings[0].rule, "transfer_period_one_month");
    assert_eq!(
        s.records().get(&saved.id).unwrap().record.to_json()["labour_cost_transfer_period_days"],
        45
    );
}

#[test]
fn finding_9_blacklisting_is_the_office_s_with_an_entry_for_three_years() {
    let dir = TempDir::new().unwrap();
    let office = store(&dir, "周明", Role::Office);
    let id = office
        .writer()
        .create_json(Kind::Employer, example(Kind::Employer))
        .unwrap()
        .id;
    let e = edit(&office, &id, &[("status", json!("blacklisted"))]).unwrap_err();
    assert_eq!(rules_of(&e), ["blacklist_entry"]);
    let e = edit(
        &office,
        &id,
        &[
            ("status", json!("blacklisted")),
            (
                "blacklist",
                json!({"listed_on": "2026-03-01", "reason": "拒不支付", "until": "2026-04-01"}),
            ),
        ],
    )
    .unwrap_err();
    assert_eq!(rules_of(&e), ["blacklist_three_years"]);
    let e = edit(
        &office,
        &id,
        &[("blacklist", json!({"listed_on": "2026-03-01", "until": "2026-02-01"}))],
    )
    .unwrap_err();
    assert_eq!(rules_of(&e), ["period_order"]);
    edit(
        &office,
        &id,
        &[
            ("status", json!("blacklisted")),
            (
                "blacklist",
                json!({"listed_on": "2026-03-01", "reason": "拒不支付劳动报酬，经责令仍不支付", "until": "2029-02-28"}),
            ),
        ],
    )
    .unwrap();
    let inspector = store(&dir, "张丽", Role::Inspector);
    let other = inspector
        .writer()
        .create_json(Kind::Employer, example(Kind::Employer))
        .unwrap()
        .id;
    let e = edit(&inspector, &other, &[("status", json!("blacklisted"))]).unwrap_err();
    assert_eq!(rules_of(&e), ["role_may_blacklist"]);
}

#[test]
fn finding_10_a_grid_assistant_neither_closes_another_s_case_nor_seals_an_inspection() {
    let dir = TempDir::new().unwrap();
    let inspector = store(&dir, "张丽", Role::Inspector);
    let grid = store(&dir, "李华", Role::Grid);
    let case = inspector
        .writer()
        .create_json(Kind::Case, example(Kind::Case))
        .unwrap()
        .id;
    let inspection = inspector
        .writer()
        .create_json(Kind::Inspection, example(Kind::Inspection))
        .unwrap()
        .id;
    exchange(&inspector, &grid);
    let e = grid.writer().close(&case, paid()).unwrap_err();
    assert_eq!(rules_of(&e), ["close_by_responsible_person"]);
    let e = grid.writer().seal(&inspection).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Refused);
    assert_eq!(rules_of(&e), ["role_may_seal"]);
    let e = grid
        .writer()
        .create_json(Kind::Inspection, example(Kind::Inspection))
        .unwrap_err();
    assert_eq!(rules_of(&e), ["role_may_create"]);
    // The seal carries the sealing store's user, not a name typed into the record.
    let seal = inspector.writer().seal(&inspection).unwrap();
    assert_eq!(
        (seal.seal.user.as_str(), seal.seal.device.as_str()),
        ("张丽", inspector.identity().device.as_str())
    );
}

#[test]
fn finding_12_a_phone_keeps_its_own_township_and_organisations_may_have_landlines() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "张丽", Role::Inspector);
    let mut v = example(Kind::Case);
    v["township"] = json!("白鹤镇");
    let e = s.writer().create_json(Kind::Case, v).unwrap_err();
    assert_eq!(rules_of(&e), ["township_of_device"]);
    let mut v = example(Kind::Employer);
    v["contact"]["phone"] = json!("021-69791234");
    s.writer().create_json(Kind::Employer, v).unwrap();
    let mut v = example(Kind::Project);
    v["general_contractor"]["phone"] = json!("021-69791234");
    s.writer().create_json(Kind::Project, v).unwrap();
    // A worker's phone is a mobile.
    let mut v = example(Kind::Case);
    v["wage_claims"][0]["phone"] = json!("021-69791234");
    assert_eq!(
        s.writer().create_json(Kind::Case, v).unwrap_err().problems()[0].rule,
        "mobile"
    );
}

#[test]
fn finding_12_due_within_seven_days_includes_a_case_due_at_the_end_of_day_seven() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "张丽", Role::Inspector);
    let id = s.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    // Due 2026-06-08 (24:00). On 2026-06-01 at 23:00 Shanghai, that is day 7.
    s.set_now(Some("2026-06-01T15:00:00Z".parse().unwrap()));
    let due = |days| {
        s.ledger()
            .list(&LedgerQuery {
                due_within_days: Some(days),
                ..Default::default()
            })
            .unwrap()
            .iter()
            .any(|r| r.id == id)
    };
    assert!(due(7));
    assert!(!due(6));
    // Overdue from 24:00 of the last day.
    s.set_now(Some("2026-06-08T15:59:59Z".parse().unwrap()));
    assert!(!row(&s, &id).overdue);
    s.set_now(Some("2026-06-08T16:00:00Z".parse().unwrap()));
    assert!(row(&s, &id).overdue);
}

#[test]
fn finding_13_last_updated_by_is_the_same_on_every_device() {
    let dir = TempDir::new().unwrap();
    let a = store(&dir, "张丽", Role::Inspector);
    let b = store(&dir, "吴军", Role::Inspector);
    let id = a.writer().create_json(Kind::Case, example(Kind::Case)).unwrap().id;
    exchange(&a, &b);
    // Concurrent edits; B's phone clock is behind.
    edit(&a, &id, &[("workers_involved", json!(20))]).unwrap();
    b.set_now(Some("2026-03-30T00:00:00Z".parse().unwrap()));
    edit(&b, &id, &[("amount_owed_fen", json!(100))]).unwrap();
    exchange(&a, &b);
    let (ra, rb) = (a.records().get(&id).unwrap(), b.records().get(&id).unwrap());
    assert_eq!(ra.updated, rb.updated);
    assert_eq!(ra.updated.unwrap().user, "张丽", "the later change by time");
    assert_eq!(ra.created, rb.created);
    // The same changes in the same order, naming the same people. (Whether a name is
    // vouched for depends on what each store knows: its own changes, and registered devices.)
    let who = |s: &Store| -> Vec<(String, String, String, String)> {
        s.records()
            .history(&id)
            .unwrap()
            .into_iter()
            .map(|h| (h.change, h.user, h.device, h.action))
            .collect()
    };
    assert_eq!(who(&a), who(&b));
    assert_eq!(row(&a, &id).updated_at, row(&b, &id).updated_at);
}

#[test]
fn the_three_zeros_are_numbers_the_core_computes() {
    let dir = TempDir::new().unwrap();
    let s = store(&dir, "周明", Role::Office);
    s.set_now(Some("2026-06-30T08:00:00Z".parse().unwrap()));
    // Two high-risk employers: one followed up two weeks ago, one never.
    let mut followed = example(Kind::Employer);
    followed["name"] = json!("上海青浦宏达物流有限公司");
    s.writer().create_json(Kind::Employer, followed).unwrap();
    let mut quiet = example(Kind::Employer);
    quiet["name"] = json!("上海鑫盛包装有限公司");
    let quiet_id = s.writer().create_json(Kind::Employer, quiet).unwrap().id;
    let mut case = example(Kind::Case);
    case["follow_ups"][0]["at"] = json!("2026-06-16T02:00:00Z");
    s.writer().create_json(Kind::Case, case).unwrap();
    // Two incidents in June, one with a threat of extreme acts; one in May with none.
    for (reported, grid, extreme) in [
        ("2026-06-18T01:20:00Z", Some("2026-06-18T01:35:00Z"), true),
        ("2026-06-20T01:00:00Z", None, false),
        ("2026-05-20T01:00:00Z", Some("2026-05-20T01:10:00Z"), false),
        // An arrival typed months before the report: not a response time.
        ("2026-06-25T05:00:00Z", Some("2026-01-01T00:00:00Z"), false),
    ] {
        let mut v = example(Kind::Incident);
        v["reported_at"] = json!(reported);
        v["escalation"] = json!({"grid_assistant_arrived_at": grid});
        v["risk_signs"] = if extreme {
            json!(["threats_of_extreme_acts"])
        } else {
            json!([])
        };
        s.writer().create_json(Kind::Incident, v).unwrap();
    }
    let z = s
        .ledger()
        .zeros(&ZerosQuery {
            township: Some("华新镇".into()),
            from: "2026-05-01".parse().ok(),
            to: "2026-06-30".parse().ok(),
        })
        .unwrap();
    assert_eq!(z.monitoring.quiet_days, 30);
    assert_eq!(z.monitoring.high_risk_employers, 2);
    assert_eq!(z.monitoring.out_of_monitoring.len(), 1);
    assert_eq!(z.monitoring.out_of_monitoring[0].id, quiet_id);
    assert_eq!(z.response.incidents.len(), 4);
    assert_eq!(z.response.without_grid_assistant, 1);
    // The median is of the times that are response times (15 and 10), never negative; the
    // mistyped one is counted for correcting.
    assert_eq!(z.response.median_minutes_to_grid_assistant, Some(15));
    assert_eq!(z.response.times_to_check, 1);
    let months: Vec<(String, u32)> = z
        .extreme_acts
        .by_month
        .iter()
        .map(|m| (m.month.clone(), m.count))
        .collect();
    assert_eq!(months, [("2026-05".to_string(), 0), ("2026-06".to_string(), 1)]);
    assert!(z.extreme_acts.growth);
}

/// The status buttons the phones draw come from the core: what the record may become now,
/// who may, and why not; giving one of them is checked like any edit.
#[test]
fn status_choices_say_what_a_record_may_become_and_by_whom() {
    use fieldcase_core::model::LedgerStatus;
    use fieldcase_core::rules::{status_choices, StatusAction};
    let dir = TempDir::new().unwrap();
    let grid = store(&dir, "李华", Role::Grid);
    let mut v = example(Kind::Case);
    v["status"] = json!("open");
    v["responsible_person"] = json!("张丽");
    let id = grid.writer().create_json(Kind::Case, v).unwrap().id;
    let record = grid.records().get(&id).unwrap().record;
    let choices = status_choices(&record, Role::Grid, "李华");
    let to: Vec<(LedgerStatus, StatusAction, bool)> = choices.iter().map(|c| (c.to, c.action, c.allowed)).collect();
    assert!(
        to.contains(&(LedgerStatus::InProgress, StatusAction::Change, true)),
        "{to:?}"
    );
    // Closing is offered, but not to a grid assistant who is not the responsible person.
    let close = choices.iter().find(|c| c.action == StatusAction::Close).unwrap();
    assert!(!close.allowed);
    assert_eq!(
        close.why_not.as_deref(),
        Some(fieldcase_core::words::sentence("close_by_responsible_person", "status"))
    );
    assert!(status_choices(&record, Role::Grid, "张丽").iter().all(|c| c.allowed));

    grid.writer().set_status(&id, LedgerStatus::InProgress).unwrap();
    assert_eq!(row(&grid, &id).status, LedgerStatus::InProgress);
    // A status of another kind, and closing without a resolution, are refused by name.
    let e = grid.writer().set_status(&id, LedgerStatus::Reported).unwrap_err();
    assert_eq!(rules_of(&e), ["known_status"]);
    let e = grid.writer().set_status(&id, LedgerStatus::Closed).unwrap_err();
    assert_eq!(rules_of(&e), ["close_a_case"]);
}
