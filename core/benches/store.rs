//! Store benchmark: `cargo bench -p fieldcase-core --bench store` prints a table for 10,000
//! realistic records of the office's store: create time, size on disk, open time, ledger list
//! (first page, every case page by page, a page deep in the ledger), search and single edit
//! latency (median and p95), peak memory. RECORDS=N changes the count (100000 for a district);
//! STORE_DIR=DIR keeps the store to run the queries again without making it.

use std::time::{Duration, Instant};

use fieldcase_core::model::{Kind, RiskLevel};
use fieldcase_core::sample::{record, Rng};
use fieldcase_core::{LedgerQuery, Role, Store};
use serde_json::json;

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
    // STORE_DIR keeps the store between runs (made once, for trying the queries again); the
    // records are the same for a given RECORDS, so the names searched for are too.
    let kept = std::env::var_os("STORE_DIR").map(std::path::PathBuf::from);
    let dir = kept.unwrap_or_else(|| tmp.path().join("store"));
    let made = dir.join("fieldcase.db").exists();
    let key = [9u8; 32];
    let mut rng = Rng(0x5EED_F1E1_DCA5);
    let store = if made {
        Store::open(&dir, &key).unwrap()
    } else {
        Store::create(&dir, &key, "华新镇", "基准", Role::Office).unwrap()
    };
    store.set_now(Some("2026-06-01T00:00:00Z".parse().unwrap()));

    let t = Instant::now();
    let mut ids = vec![];
    let mut names = vec![];
    for _ in 0..n {
        // The office's store: every kind it creates (inspections and interviews are made on an
        // inspector's phone and arrive by sync).
        let (kind, v) = loop {
            let (kind, v) = record(&mut rng);
            if !matches!(kind, Kind::Inspection | Kind::Interview) {
                break (kind, v);
            }
        };
        if kind == Kind::Case {
            names.push(v["wage_claims"][0]["worker_name"].as_str().unwrap().to_string());
        }
        if !made {
            ids.push((kind, store.writer().create_json(kind, v).unwrap().id));
        }
    }
    if made {
        let every = LedgerQuery {
            limit: Some(fieldcase_core::store::MAX_PAGE),
            ..Default::default()
        };
        let mut after = None;
        loop {
            let page = store.ledger().list(&LedgerQuery { after, ..every.clone() }).unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.cursor.clone());
            ids.extend(page.into_iter().map(|r| (r.kind, r.id)));
        }
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
            status: Some(fieldcase_core::model::LedgerStatus::InProgress),
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
        let rows = store.ledger().list(&queries[i % queries.len()]).unwrap();
        list.push(t.elapsed());
        assert!(!rows.is_empty() || i % queries.len() == 3);
    }
    // Every case, page after page of 500 (the default page), and one page deep in the ledger:
    // a keyset page costs what the first does.
    let mut cases = 0;
    let mut deep_cursor = None;
    for round in 0..5 {
        let t = Instant::now();
        let mut after: Option<String> = None;
        let mut n_rows = 0;
        loop {
            let page = store
                .ledger()
                .list(&LedgerQuery {
                    kind: Some(Kind::Case),
                    after: after.clone(),
                    ..Default::default()
                })
                .unwrap();
            let Some(last) = page.last() else { break };
            n_rows += page.len();
            if round == 0 && deep_cursor.is_none() && n_rows >= n * 3 / 10 {
                deep_cursor = Some(last.cursor.clone());
            }
            after = Some(last.cursor.clone());
        }
        list_all.push(t.elapsed());
        cases = n_rows;
    }
    assert!(cases > n / 4, "{cases} cases of {n} records");
    let mut deep = vec![];
    for _ in 0..100 {
        let t = Instant::now();
        let rows = store
            .ledger()
            .list(&LedgerQuery {
                kind: Some(Kind::Case),
                after: deep_cursor.clone(),
                limit: Some(100),
                ..Default::default()
            })
            .unwrap();
        deep.push(t.elapsed());
        assert_eq!(rows.len(), 100);
    }
    let mut search2 = vec![];
    let mut search3 = vec![];
    for i in 0..300 {
        let who = &names[i % names.len()];
        let t = Instant::now();
        let hits = store.ledger().search(who, 50).unwrap();
        if who.chars().count() == 2 {
            search2.push(t.elapsed())
        } else {
            search3.push(t.elapsed())
        }
        assert!(!hits.is_empty(), "{who}");
        let q = ["宏达物流", "恒通制衣", "138", "朱家角", "310118197"][i % 5];
        let t = Instant::now();
        store.ledger().search(q, 50).unwrap();
        search3.push(t.elapsed());
    }
    let mut edits = vec![];
    for i in 0..500 {
        let (_, id) = ids.iter().filter(|(k, _)| *k == Kind::Case).nth(i % 200).unwrap();
        let t = Instant::now();
        store
            .writer()
            .edit(id, &[("amount_owed_fen".into(), json!(1_000_000 + i))])
            .unwrap();
        edits.push(t.elapsed());
    }
    let (open_med, open_p95) = percentiles(opens);
    let (list_med, list_p95) = percentiles(list);
    let (all_med, all_p95) = percentiles(list_all);
    let (deep_med, deep_p95) = percentiles(deep);
    let (s2_med, s2_p95) = percentiles(search2);
    let (s3_med, s3_p95) = percentiles(search3);
    let (edit_med, edit_p95) = percentiles(edits);
    println!(
        "Fieldcase store, {n} records (release build, {} cases)",
        ids.iter().filter(|(k, _)| *k == Kind::Case).count()
    );
    println!("| measure | median | p95 | target |");
    println!("|---|---|---|---|");
    if made {
        println!("| create all | (the store in STORE_DIR was made before) | | |");
    } else {
        println!(
            "| create all ({:.0} records/s) | {:.1} s total | | |",
            n as f64 / create.as_secs_f64(),
            create.as_secs_f64()
        );
    }
    println!(
        "| store size on disk | {:.1} MiB ({:.0} bytes/record) | | |",
        size as f64 / 1048576.0,
        size as f64 / n as f64
    );
    println!("| open | {open_med:.2} ms | {open_p95:.2} ms | < 200 ms |");
    println!("| ledger list, first 100 rows (4 filters) | {list_med:.2} ms | {list_p95:.2} ms | < 10 ms p95 |");
    println!("| ledger list, every case ({cases} rows, pages of 500) | {all_med:.2} ms | {all_p95:.2} ms | |");
    println!(
        "| ledger list, 100 rows from 30 % deep (keyset page) | {deep_med:.2} ms | {deep_p95:.2} ms | < 10 ms p95 |"
    );
    println!("| search, 2-character name | {s2_med:.2} ms | {s2_p95:.2} ms | < 10 ms p95 |");
    println!("| search, 3+ characters / digits | {s3_med:.2} ms | {s3_p95:.2} ms | < 10 ms p95 |");
    println!("| single edit, persisted | {edit_med:.2} ms | {edit_p95:.2} ms | < 5 ms p95 |");
    println!("| peak memory (RSS) | {:.0} MiB | | |", peak_rss_mib());
}
