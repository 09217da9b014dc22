//! Bringing a township's existing ledger in, as an office clerk meets it: the fixtures in
//! `tests/fixtures/ledger` are made like a real office's (a merged title, a header over two
//! rows, columns in the office's order, township cells merged over blocks, amounts and dates
//! written several ways, a total line, GB18030 CSV), 300 rows with five wrong in five ways.
//! `cargo run -p fieldcase-hub --example ledger_fixture` made them and printed the answer held
//! here: 275 open good rows, 8,788 workers, 70,472,770.50 元.

use fieldcase_core::ledger_import::{read_ledger, LedgerImport};
use fieldcase_core::model::{Case, Employer, Kind, Record, Role};
use fieldcase_core::store::OfficeUser;
use fieldcase_core::Store;
use fieldcase_hub::sheets;

const XLSX: &str = "../tests/fixtures/ledger/华新镇台账.xlsx";
const CSV: &str = "../tests/fixtures/ledger/华新镇台账-gb18030.csv";

fn hub(dir: &std::path::Path) -> Store {
    Store::create(&dir.join("hub"), &[7; 32], "华新镇", "华新镇劳动保障所", Role::Office).unwrap()
}

fn clerk(township: &str) -> OfficeUser {
    OfficeUser {
        name: "李娟".into(),
        township: Some(township.into()),
    }
}

fn import(store: &Store, who: &OfficeUser, file: &str, bytes: &[u8], dry_run: bool) -> LedgerImport {
    let rows = sheets::cells(file, bytes).unwrap();
    store
        .as_clerk(who)
        .unwrap()
        .import_ledger(&read_ledger(&rows), dry_run)
        .unwrap()
}

fn blocking(r: &LedgerImport) -> Vec<(usize, Option<String>)> {
    r.problems
        .iter()
        .filter(|p| p.blocking)
        .map(|p| (p.line, p.cell.clone()))
        .collect()
}

/// The fixture's CSV with its five wrong cells put right.
fn fixed_csv() -> Vec<u8> {
    let bytes = std::fs::read(CSV).unwrap();
    let text = sheets::decode_text(&bytes).unwrap();
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    // The CSV has one title line and one header line: row i of the data is line i + 3.
    for (line, wrong, right) in [
        (44, "9131011800012", "91310118MA1K4B2X3H"),
        (90, "约三万", "30000"),
        (136, "十几", "15"),
        (181, "2026-02-30", "2026-02-27"),
        (225, "极高", "高"),
    ] {
        let l = &mut lines[line - 1];
        assert!(l.contains(wrong), "line {line}: {l}");
        *l = l.replace(wrong, right);
    }
    let text = lines.join("\n");
    encoding_rs::GB18030.encode(&text).0.into_owned()
}

#[test]
fn a_check_finds_the_known_rows_totals_and_problems_in_xlsx_and_in_gb18030_csv() {
    let dir = tempfile::tempdir().unwrap();
    let store = hub(dir.path());
    for (file, first_data_line, cells) in [
        (XLSX, 5, ["D46", "G92", "F138", "N183", "E227"]),
        (CSV, 3, ["C44", "H90", "G136", "N181", "F225"]),
    ] {
        let r = import(&store, &clerk("华新镇"), file, &std::fs::read(file).unwrap(), true);
        assert_eq!(r.rows, 300, "{file}");
        assert_eq!((r.cases, r.new_employers, r.closed_rows), (275, 275, 20), "{file}");
        assert_eq!((r.workers, r.owed_fen), (8_788, 7_047_277_050), "{file}");
        assert_eq!(r.owed_yuan, "70,472,770.50");
        let lines: Vec<usize> = [41, 87, 133, 178, 222].iter().map(|i| i + first_data_line).collect();
        assert_eq!(
            blocking(&r),
            lines
                .iter()
                .zip(cells)
                .map(|(l, c)| (*l, Some(c.to_string())))
                .collect::<Vec<_>>(),
            "{file}"
        );
        let said: Vec<&str> = r
            .problems
            .iter()
            .filter(|p| p.blocking)
            .map(|p| p.message.as_str())
            .collect();
        assert!(said[0].contains("统一社会信用代码应为18位"), "{said:?}");
        assert!(said[1].contains("约三万") && said[1].contains("请输入金额"), "{said:?}");
        assert!(said[2].contains("十几"), "{said:?}");
        assert!(said[3].contains("2026-02-30"), "{said:?}");
        assert!(said[4].contains("极高"), "{said:?}");
        // A wrong check character is said, and does not stop the row (early codes fail it).
        let check = r
            .problems
            .iter()
            .find(|p| p.line == 250 + first_data_line && p.column.as_deref() == Some("统一社会信用代码"))
            .unwrap();
        assert!(!check.blocking && check.message.contains("校验位"), "{check:?}");
        assert!(!r.written && r.dry_run);
    }
    let xlsx = import(&store, &clerk("华新镇"), XLSX, &std::fs::read(XLSX).unwrap(), true);
    assert_eq!(xlsx.ignored_columns, vec!["备注".to_string()]);
    assert!(xlsx
        .problems
        .iter()
        .any(|p| p.line == 305 && p.message.contains("合计")));
    assert_eq!(store.count().unwrap(), 0, "a check writes nothing");
}

#[test]
fn a_real_run_writes_every_row_or_none_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = hub(dir.path());
    let who = clerk("华新镇");
    let r = import(&store, &who, XLSX, &std::fs::read(XLSX).unwrap(), false);
    assert_eq!(blocking(&r).len(), 5);
    assert!(!r.written);
    assert_eq!(store.count().unwrap(), 0, "one row wrong: nothing written");

    let fixed = fixed_csv();
    let r = import(&store, &who, "台账.csv", &fixed, false);
    assert!(blocking(&r).is_empty(), "{:?}", blocking(&r));
    assert!(r.written);
    assert_eq!((r.cases, r.new_employers), (280, 280));
    assert_eq!(store.count().unwrap(), 560);
    let mut owed = 0;
    let mut with_dates = 0;
    let all = |kind| fieldcase_core::LedgerQuery {
        kind: Some(kind),
        limit: Some(10_000),
        ..Default::default()
    };
    for row in store.ledger().list(&all(Kind::Case)).unwrap() {
        if let Record::Case(c) = store.records().record(&row.id).unwrap() {
            owed += c.amount_owed_fen.unwrap_or(0);
            with_dates += usize::from(c.filed_on.is_some());
            let Record::Employer(e) = store.records().record(c.employer_id.as_deref().unwrap()).unwrap() else {
                panic!("a case's employer is an employer");
            };
            assert_eq!(e.name, c.employer_name);
        }
    }
    assert_eq!(owed, r.owed_fen, "what is kept is what the import said");
    // The known 275 rows, and the five put right (30,000 元 on line 90 among them).
    let fixed_lines = read_ledger(&sheets::cells("台账.csv", &fixed).unwrap());
    let five: i64 = fixed_lines
        .lines
        .iter()
        .filter(|l| [44, 90, 136, 181, 225].contains(&l.line))
        .map(|l| l.owed_fen.unwrap_or(0))
        .sum();
    assert!(five > 3_000_000);
    assert_eq!(owed, 7_047_277_050 + five);
    assert_eq!(with_dates, 280);

    let again = import(&store, &who, "台账.csv", &fixed, false);
    assert!(!again.written);
    assert_eq!((again.cases, again.new_employers, again.already_there), (0, 0, 280));
    assert_eq!(store.count().unwrap(), 560, "the same file again changes nothing");
}

#[test]
fn employers_are_matched_by_uscc_then_by_name_and_kept_amounts_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = hub(dir.path());
    let who = clerk("华新镇");
    let rows = sheets::cells(CSV, &std::fs::read(CSV).unwrap()).unwrap();
    let reading = read_ledger(&rows);
    let (first, second, third) = (&reading.lines[0], &reading.lines[1], &reading.lines[2]);
    let w = store.as_clerk(&who).unwrap();
    // The first row's employer known by its USCC under another name; the second's by name.
    w.create_record(Record::Employer(Employer {
        township: "华新镇".into(),
        name: Some("旧名称有限公司".into()),
        uscc: first.uscc.clone(),
        ..Default::default()
    }))
    .unwrap();
    w.create_record(Record::Employer(Employer {
        township: "华新镇".into(),
        name: Some(second.employer.replace('（', " (").replace('）', ")")),
        ..Default::default()
    }))
    .unwrap();
    // The third's employer already has a case, with an amount the office corrected.
    let third_id = w
        .create_record(Record::Employer(Employer {
            township: "华新镇".into(),
            name: Some(third.employer.clone()),
            ..Default::default()
        }))
        .unwrap()
        .id;
    let case = w
        .create_record(Record::Case(Case {
            township: "华新镇".into(),
            employer_id: Some(third_id.clone()),
            employer_name: third.employer.clone().into(),
            amount_owed_fen: Some(1),
            ..Default::default()
        }))
        .unwrap()
        .id;
    let r = import(&store, &who, "台账.csv", &fixed_csv(), false);
    assert!(r.written);
    assert_eq!(r.known_employers, 3);
    assert_eq!(r.already_there, 1);
    assert_eq!((r.cases, r.new_employers), (279, 277));
    assert!(r
        .problems
        .iter()
        .any(|p| p.line == first.line && p.message.contains("旧名称有限公司")));
    let Record::Case(kept) = store.records().record(&case).unwrap() else {
        panic!()
    };
    assert_eq!(
        kept.amount_owed_fen,
        Some(1),
        "a spreadsheet never overwrites a kept amount"
    );
    let employers = fieldcase_core::LedgerQuery {
        kind: Some(Kind::Employer),
        limit: Some(10_000),
        ..Default::default()
    };
    assert_eq!(store.ledger().list(&employers).unwrap().len(), 280);
}

#[test]
fn a_township_office_imports_only_its_own_township() {
    let dir = tempfile::tempdir().unwrap();
    let store = hub(dir.path());
    let r = import(&store, &clerk("白鹤镇"), "台账.csv", &fixed_csv(), false);
    assert!(!r.written);
    let walls = r
        .problems
        .iter()
        .filter(|p| p.blocking && p.message.contains("只导入白鹤镇"))
        .count();
    assert_eq!(walls, 300, "every row, closed or not, is another township's");
    assert_eq!(store.count().unwrap(), 0);
}
