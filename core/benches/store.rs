//! Store benchmark: `cargo bench -p fieldcase-core --bench store` prints a table for 10,000
//! realistic records: create time, size on disk, open time, ledger list, search and single
//! edit latency (median and p95), peak memory. RECORDS=N changes the count.

use std::time::{Duration, Instant};

use fieldcase_core::model::{Kind, Record, RiskLevel};
use fieldcase_core::{LedgerQuery, Role, Store};
use serde_json::{json, Value};

/// xorshift: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗",
];
const GIVEN: &[&str] = &[
    "强", "伟", "芳", "娜", "敏", "静", "丽", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建国",
    "志强", "海燕",
];
const PLACES: &[&str] = &[
    "青浦",
    "华新",
    "白鹤",
    "朱家角",
    "练塘",
    "金泽",
    "赵巷",
    "徐泾",
    "重固",
    "香花桥",
];
const TRADES: &[&str] = &[
    "物流",
    "制衣",
    "建筑劳务",
    "电子",
    "机械",
    "食品",
    "包装",
    "装饰工程",
    "仓储",
    "模具",
];
const TOWNSHIPS: &[&str] = &["华新镇", "白鹤镇", "徐泾镇", "赵巷镇"];

fn name(r: &mut Rng) -> String {
    format!("{}{}", r.pick(SURNAMES), r.pick(GIVEN))
}

fn company(r: &mut Rng) -> String {
    format!(
        "上海{}{}{}有限公司",
        r.pick(PLACES),
        ["宏达", "恒通", "鑫盛", "振华", "瑞丰", "永安"][r.below(6) as usize],
        r.pick(TRADES)
    )
}

fn resident_id(r: &mut Rng) -> String {
    let body = format!(
        "310118{}{:02}{:02}{:03}",
        1960 + r.below(40),
        1 + r.below(12),
        1 + r.below(28),
        r.below(1000)
    );
    let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(w).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!(
        "{body}{}",
        ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize]
    )
}

fn phone(r: &mut Rng) -> String {
    format!("1{}{:09}", 3 + r.below(7), r.below(1_000_000_000))
}

fn record(r: &mut Rng) -> (Kind, Value) {
    let township = r.pick(TOWNSHIPS);
    let roll = r.below(100);
    let kind = match roll {
        0..=39 => Kind::Case,
        40..=54 => Kind::Employer,
        55..=64 => Kind::Project,
        65..=74 => Kind::Inspection,
        75..=84 => Kind::Interview,
        85..=94 => Kind::Incident,
        _ => Kind::Mediation,
    };
    let mut v = Record::example(kind).to_json();
    v["township"] = json!(township);
    let risk = [RiskLevel::High, RiskLevel::Medium, RiskLevel::Low][r.below(3) as usize];
    match kind {
        Kind::Case => {
            let emp = company(r);
            v["subject"] = json!(format!("{emp}拖欠{}名工人工资", 3 + r.below(60)));
            v["employer_name"] = json!(emp);
            v["risk_level"] = json!(risk);
            v["responsible_person"] = json!(name(r));
            v["amount_owed_fen"] = json!(r.below(50_000_000));
            v["filed_on"] = json!(format!("2026-{:02}-{:02}", 1 + r.below(9), 1 + r.below(28)));
            let claims: Vec<Value> = (0..1 + r.below(3))
                .map(|_| json!({"worker_name": name(r), "resident_id": resident_id(r), "phone": phone(r), "amount_owed_fen": r.below(3_000_000)}))
                .collect();
            v["wage_claims"] = json!(claims);
        }
        Kind::Employer => {
            v["name"] = json!(company(r));
            v["legal_representative"] = json!(name(r));
            v["contact"] = json!({"name": name(r), "phone": phone(r)});
            v["risk_level"] = json!(risk);
        }
        Kind::Project => v["name"] = json!(format!("{}{}号地块工程", r.pick(PLACES), r.below(300))),
        Kind::Interview => {
            v["interviewee"]["name"] = json!(name(r));
            v["interviewee"]["resident_id"] = json!(resident_id(r));
            v["interviewee"]["phone"] = json!(phone(r));
        }
        Kind::Incident => {
            v["employer_name"] = json!(company(r));
            v["representatives"][0] = json!({"name": name(r), "resident_id": resident_id(r), "phone": phone(r)});
        }
        Kind::Mediation => {
            v["employer"]["name"] = json!(company(r));
            let w = name(r);
            v["workers"][0]["name"] = json!(w.clone());
            v["agreement"]["signatures"]["workers"][0]["name"] = json!(w);
            v["workers"][0]["resident_id"] = json!(resident_id(r));
        }
        Kind::Inspection => v["site_name"] = json!(format!("{}{}号地块工程", r.pick(PLACES), r.below(300))),
    }
    (kind, v)
}

fn percentiles(mut xs: Vec<Duration>) -> (f64, f64) {
    xs.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(xs[xs.len() / 2]), ms(xs[(xs.len() * 95 / 100).min(xs.len() - 1)]))
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        dir_size(&e.path())
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing and expects quick exit.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path().join("store");
    let key = [9u8; 32];
    let mut rng = Rng(0x5EED_F1E1_DCA5);
    let store = Store::create(&dir, &key, "华新镇", "基准", Role::Office).unwrap();
    store.set_now(Some("2026-06-01T00:00:00Z".parse().unwrap()));

    let t = Instant::now();
    let mut ids = vec![];
    let mut names = vec![];
    for _ in 0..n {
        let (kind, v) = record(&mut rng);
        if kind == Kind::Case {
            names.push(v["wage_claims"][0]["worker_name"].as_str().unwrap().to_string());
        }
        ids.push((kind, store.create_json(kind, v).unwrap().id));
    }
    let create = t.elapsed();
    drop(store);
    let size = dir_size(&dir);

    let mut opens = vec![];
    for _ in 0..10 {
        let t = Instant::now();
        let s = Store::open(&dir, &key).unwrap();
        opens.push(t.elapsed());
        drop(s);
    }
    let store = Store::open(&dir, &key).unwrap();
    store.set_now(Some("2026-06-01T00:00:00Z".parse().unwrap()));

    let queries = [
        LedgerQuery {
            kind: Some(Kind::Case),
            township: Some("华新镇".into()),
            limit: Some(100),
            ..Default::default()
        },
        LedgerQuery {
            overdue: true,
            limit: Some(100),
            ..Default::default()
        },
        LedgerQuery {
            kind: Some(Kind::Case),
            risk: Some(RiskLevel::High),
            status: Some("in_progress".into()),
            limit: Some(100),
            ..Default::default()
        },
        LedgerQuery {
            due_within_days: Some(14),
            limit: Some(100),
            ..Default::default()
        },
    ];
    let mut list = vec![];
    let mut list_all = vec![];
    for i in 0..400 {
        let t = Instant::now();
        let rows = store.list(&queries[i % queries.len()]).unwrap();
        list.push(t.elapsed());
        assert!(!rows.is_empty() || i % queries.len() == 3);
    }
    for _ in 0..20 {
        let t = Instant::now();
        let rows = store
            .list(&LedgerQuery {
                kind: Some(Kind::Case),
                ..Default::default()
            })
            .unwrap();
        list_all.push(t.elapsed());
        assert!(rows.len() > n / 4);
    }
    let mut search2 = vec![];
    let mut search3 = vec![];
    for i in 0..300 {
        let who = &names[i % names.len()];
        let t = Instant::now();
        let hits = store.search(who, 50).unwrap();
        if who.chars().count() == 2 {
            search2.push(t.elapsed())
        } else {
            search3.push(t.elapsed())
        }
        assert!(!hits.is_empty(), "{who}");
        let q = ["宏达物流", "恒通制衣", "138", "朱家角", "310118197"][i % 5];
        let t = Instant::now();
        store.search(q, 50).unwrap();
        search3.push(t.elapsed());
    }
    let mut edits = vec![];
    for i in 0..500 {
        let (_, id) = ids.iter().filter(|(k, _)| *k == Kind::Case).nth(i % 200).unwrap();
        let t = Instant::now();
        store
            .edit(id, &[("amount_owed_fen".into(), json!(1_000_000 + i))])
            .unwrap();
        edits.push(t.elapsed());
    }
    let (open_med, open_p95) = percentiles(opens);
    let (list_med, list_p95) = percentiles(list);
    let (all_med, all_p95) = percentiles(list_all);
    let (s2_med, s2_p95) = percentiles(search2);
    let (s3_med, s3_p95) = percentiles(search3);
    let (edit_med, edit_p95) = percentiles(edits);
    println!(
        "Fieldcase store, {n} records (release build, {} cases)",
        ids.iter().filter(|(k, _)| *k == Kind::Case).count()
    );
    println!("| measure | median | p95 | target |");
    println!("|---|---|---|---|");
    println!(
        "| create all ({:.0} records/s) | {:.1} s total | | |",
        n as f64 / create.as_secs_f64(),
        create.as_secs_f64()
    );
    println!(
        "| store size on disk | {:.1} MiB ({:.0} bytes/record) | | |",
        size as f64 / 1048576.0,
        size as f64 / n as f64
    );
    println!("| open | {open_med:.2} ms | {open_p95:.2} ms | < 200 ms |");
    println!("| ledger list, first 100 rows (4 filters) | {list_med:.2} ms | {list_p95:.2} ms | < 10 ms p95 |");
    println!("| ledger list, every case | {all_med:.2} ms | {all_p95:.2} ms | |");
    println!("| search, 2-character name | {s2_med:.2} ms | {s2_p95:.2} ms | < 10 ms p95 |");
    println!("| search, 3+ characters / digits | {s3_med:.2} ms | {s3_p95:.2} ms | < 10 ms p95 |");
    println!("| single edit, persisted | {edit_med:.2} ms | {edit_p95:.2} ms | < 5 ms p95 |");
    println!("| peak memory (RSS) | {:.0} MiB | | |", peak_rss_mib());
}
