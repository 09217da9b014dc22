//! Early warning with a known answer: four employers, two months of figures; the ones the rules
//! flag and why; bad rows reported with their line numbers and the rest imported; a case opened
//! from a warning.

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::warning::{read_csv, Rules};
use fieldcase_core::{sample, Role, Store};
use serde_json::json;
use tempfile::TempDir;

#[test]
fn the_rules_flag_the_employers_whose_figures_fall_and_say_why() {
    let dir = TempDir::new().unwrap();
    let s = Store::create(&dir.path().join("hub"), &[6; 32], "青浦区", "办公室", Role::Office).unwrap();
    let mut rng = sample::Rng(0xE4A1);
    let mut uscc = vec![];
    for name in ["甲物流有限公司", "乙制造有限公司", "丙建筑有限公司", "丁服务有限公司"] {
        let code = sample::uscc(&mut rng);
        s.writer()
            .create_json(
                Kind::Employer,
                json!({"township": "华新镇", "name": name, "uscc": code}),
            )
            .unwrap();
        uscc.push(code);
    }
    let [a, b, c, d] = [&uscc[0], &uscc[1], &uscc[2], &uscc[3]];
    // A real code of an employer nobody recorded, and 甲's code with its check character mistyped.
    let unknown = sample::uscc(&mut rng);
    let typo = {
        let last = a.chars().last().unwrap();
        format!("{}{}", &a[..a.len() - 1], if last == '0' { '1' } else { '0' })
    };
    let csv = format!(
        "\u{feff}统一社会信用代码,月份,参保人数,纳税额,用电量,用水量,社保欠费\n\
         {a},2026-09,100,5000.50,20000,300,否\n\
         {a},2026-10,60,4000,19000,290,否\n\
         {b},2026-09,80,3000,10000,100,否\n\
         {b},2026-10,78,2900,4000,95,否\n\
         {c},2026-09,50,1000,5000,80,是\n\
         {c},2026-10,50,1000,5000,80,是\n\
         {d},2026-09,40,800,3000,50,否\n\
         {d},2026-10,38,790,2900,48,否\n\
         {d},2026-13,38,790,2900,48,否\n\
         {unknown},2026-10,1,1,1,1,否\n\
         {a},2026-08,很多,1,1,1,否\n\
         {typo},2026-10,1,1,1,1,否\n"
    );
    let (rows, problems) = read_csv(&csv);
    assert_eq!(rows.len(), 10);
    let report = s.writer().import_indicators(&rows, problems).unwrap();
    assert_eq!((report.rows, report.employers), (8, 4));
    let lines: Vec<usize> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [10, 11, 12, 13], "{:?}", report.problems);
    assert!(report.problems[0].problem.contains("月份"));
    assert!(report.problems[1].problem.contains("没有统一社会信用代码为"));
    assert!(report.problems[2].problem.contains("很多"));
    // A mistyped code is said to be one, not an unknown employer.
    assert!(
        report.problems[3].problem.contains("校验位"),
        "{:?}",
        report.problems[3]
    );

    let warnings = s.ledger().warnings(None, &Rules::default()).unwrap();
    let by_name: Vec<(&str, Vec<&str>)> = warnings
        .iter()
        .map(|w| (w.name.as_str(), w.reasons.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        by_name,
        // By township and name (in character order).
        [
            ("丙建筑有限公司", vec!["社保连续2个月欠费（自2026年9月起）"]),
            (
                "乙制造有限公司",
                vec!["用电量环比下降60%（2026年9月10000千瓦时，2026年10月4000千瓦时）"]
            ),
            (
                "甲物流有限公司",
                vec!["参保人数环比下降40%（2026年9月100人，2026年10月60人）"]
            ),
        ]
    );
    // Stricter rules flag fewer.
    let strict = Rules {
        headcount_drop_pct: 50,
        electricity_drop_pct: 70,
        arrears_months: 3,
    };
    assert!(s.ledger().warnings(None, &strict).unwrap().is_empty());
    // Another township's office sees none of them.
    assert!(s
        .ledger()
        .warnings(Some("赵巷镇"), &Rules::default())
        .unwrap()
        .is_empty());

    // Importing the same month again replaces it, never doubles it.
    let (rows, problems) = read_csv(&csv);
    s.writer().import_indicators(&rows, problems).unwrap();
    let jia = warnings.iter().find(|w| w.name == "甲物流有限公司").unwrap();
    let Record::Employer(e) = s.records().record(&jia.employer_id).unwrap() else {
        panic!()
    };
    assert_eq!(e.indicators.len(), 2 * 5, "two months of five figures");
    assert_eq!(
        e.indicators.iter().find(|i| i.name == "tax_paid_fen").unwrap().value,
        Some(500_050)
    );

    let case = s.writer().open_case_from_warning(jia).unwrap();
    let Record::Case(c) = s.records().record(&case).unwrap() else {
        panic!()
    };
    assert_eq!(c.employer_id.as_deref(), Some(jia.employer_id.as_str()));
    assert_eq!(
        c.resolution_plan.as_deref(),
        Some("参保人数环比下降40%（2026年9月100人，2026年10月60人）")
    );
    // Filed today, so its clock runs and the weekly report counts it as new.
    assert!(c.filed_on.is_some(), "a case from a warning has its filing date");
    assert!(s.records().get(&case).unwrap().deadline.is_some(), "and its deadline");
    // A second click is the same case, and the warning says a case is open.
    assert_eq!(s.writer().open_case_from_warning(jia).unwrap(), case);
    let again = s.ledger().warnings(None, &Rules::default()).unwrap();
    let jia_again = again.iter().find(|w| w.name == "甲物流有限公司").unwrap();
    assert_eq!(jia_again.open_case.as_deref(), Some(case.as_str()));
    assert!(again
        .iter()
        .filter(|w| w.name != "甲物流有限公司")
        .all(|w| w.open_case.is_none()));
}
