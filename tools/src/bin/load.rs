//! Load: one hub (the `fieldcase` program, in its own process so its memory is its own) and
//! many enrolled devices at once on this machine.
//!
//! 1. `--devices` (500) devices do no-change sessions at the same moment;
//! 2. `--first-syncs` (50) new devices each download the township's `--records` (1,000) records
//!    while the others keep doing no-change sessions.
//!
//! Each session is a real request (the device's credential, its cursor, its epoch) and the
//! whole answer read. Prints latencies (median, p95, max), failures and the hub's peak memory.
//! Targets: no-change p95 under 1 s in both phases, every session succeeds.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use fieldcase_core::model::Kind;
use fieldcase_core::signing::DeviceKey;
use fieldcase_core::sync::hub::JoinRequest;
use fieldcase_core::sync::wire::{decompress, Frame, SyncRequest};
use fieldcase_core::{Role, Store};
use fieldcase_tools::{fieldcase_binary, peak_rss_mib, percentiles};
use serde_json::json;

const KEY: [u8; 32] = [0x10; 32];

struct Device {
    token: String,
    epoch: String,
    cursor: u64,
    registry: u64,
}

/// One session; returns how long it took and the records that came, or why it failed.
fn session(http: &reqwest::blocking::Client, url: &str, d: &Device) -> Result<(f64, usize, u64, String, u64), String> {
    let req = SyncRequest {
        epoch: d.epoch.clone(),
        cursor: d.cursor,
        registry_seq: d.registry,
        ..Default::default()
    };
    let t = Instant::now();
    let resp = http
        .post(format!("{url}v1/sync"))
        .bearer_auth(&d.token)
        .body(req.encode())
        .send()
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.bytes().map_err(|e| e.to_string())?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    if status != 200 {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    let raw = decompress(&body, 1 << 30).map_err(|e| e.to_string())?;
    let (mut records, mut cursor, mut epoch, mut registry) = (0, d.cursor, d.epoch.clone(), d.registry);
    let mut input = &raw[..];
    while let Some(f) = Frame::read_from(&mut input).map_err(|e| e.to_string())? {
        match f {
            Frame::Receipt {
                epoch: e, registry: r, ..
            } => {
                epoch = e;
                registry = r.iter().map(|(s, _)| *s).max().unwrap_or(registry);
            }
            Frame::Records { records: r, .. } => records += r.len(),
            Frame::End { cursor: c } => cursor = c,
        }
    }
    Ok((ms, records, cursor, epoch, registry))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (n_quiet, n_first, n_records) = (arg("--devices", 500), arg("--first-syncs", 50), arg("--records", 1000));
    let tmp = tempfile::TempDir::new().unwrap();
    let hub_dir = tmp.path().join("hub");
    // The hub's store: the township's records, written before the hub starts.
    {
        let s = Store::create(&hub_dir, &KEY, "青浦区", "办公室", Role::Office).unwrap();
        let mut rng = fieldcase_core::sample::Rng(0x10AD);
        for _ in 0..n_records {
            let mut v = fieldcase_core::sample::case(&mut rng);
            v["township"] = json!("华新镇");
            s.writer().create_json(Kind::Case, v).unwrap();
        }
    }
    std::fs::write(hub_dir.join("key"), hex::encode(KEY)).unwrap();
    let mut hub = Command::new(fieldcase_binary())
        .args([
            "--store",
            hub_dir.to_str().unwrap(),
            "serve",
            "--plain",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run the fieldcase program (cargo build --release -p fieldcase-cli)");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(hub.stdout.take().unwrap()), &mut line).unwrap();
    let url = serde_json::from_str::<serde_json::Value>(&line).unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let pid = hub.id();
    let office = Store::open(&hub_dir, &KEY).unwrap();
    let http = reqwest::blocking::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    // Enrol every device (each with its own key and actor) and bring the quiet ones up to date.
    let enrol = |i: usize| -> Device {
        let code = office
            .hub()
            .enroll("华新镇", Role::Inspector, &format!("检查员{i}"))
            .unwrap()
            .code;
        let key = DeviceKey::generate().unwrap();
        let join = JoinRequest {
            code,
            device: format!("load{i:05}"),
            actor: format!("{:032x}", i + 1),
            public_key: key.public_hex(),
        };
        let joined: serde_json::Value = http
            .post(format!("{url}v1/join"))
            .json(&join)
            .send()
            .unwrap()
            .json()
            .unwrap();
        Device {
            token: joined["token"].as_str().unwrap().to_string(),
            epoch: String::new(),
            cursor: 0,
            registry: 0,
        }
    };
    let t = Instant::now();
    let mut quiet: Vec<Device> = (0..n_quiet).map(enrol).collect();
    let first: Vec<Device> = (n_quiet..n_quiet + n_first).map(enrol).collect();
    for d in &mut quiet {
        // Up to date: its cursor at the end of the feed (a device that has synced before).
        d.cursor = u64::MAX >> 1;
        let (_, _, cursor, epoch, registry) = session(&http, &url, d).unwrap();
        (d.cursor, d.epoch, d.registry) = (cursor, epoch, registry);
    }
    eprintln!(
        "enrolled {} devices in {:.1} s",
        n_quiet + n_first,
        t.elapsed().as_secs_f64()
    );
    let url = Arc::new(url);
    let quiet = Arc::new(quiet);

    // Phase 1: every quiet device at the same moment.
    let barrier = Arc::new(Barrier::new(n_quiet));
    let results = Arc::new(Mutex::new(vec![]));
    std::thread::scope(|s| {
        for i in 0..n_quiet {
            let (barrier, results, quiet, url) = (barrier.clone(), results.clone(), quiet.clone(), url.clone());
            s.spawn(move || {
                let http = reqwest::blocking::Client::new();
                barrier.wait();
                let r = session(&http, &url, &quiet[i]);
                results.lock().unwrap().push(r.map(|r| r.0));
            });
        }
    });
    let phase1: Vec<Result<f64, String>> = std::mem::take(&mut *results.lock().unwrap());
    // Phase 2: the first syncs, while the quiet devices keep syncing.
    let stop = Arc::new(AtomicBool::new(false));
    let first_results = Arc::new(Mutex::new(vec![]));
    std::thread::scope(|s| {
        for i in 0..n_quiet {
            let (stop, results, quiet, url) = (stop.clone(), results.clone(), quiet.clone(), url.clone());
            s.spawn(move || {
                let http = reqwest::blocking::Client::new();
                std::thread::sleep(Duration::from_millis((i % 100) as u64 * 10));
                while !stop.load(Ordering::SeqCst) {
                    let r = session(&http, &url, &quiet[i]);
                    results.lock().unwrap().push(r.map(|r| r.0));
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
        let handles: Vec<_> = first
            .iter()
            .map(|d| {
                let (first_results, url) = (first_results.clone(), url.clone());
                s.spawn(move || {
                    let http = reqwest::blocking::Client::new();
                    let r = session(&http, &url, d);
                    first_results.lock().unwrap().push(r.map(|(ms, n, ..)| (ms, n)));
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        stop.store(true, Ordering::SeqCst);
    });
    let phase2: Vec<Result<f64, String>> = std::mem::take(&mut *results.lock().unwrap());
    let firsts: Vec<Result<(f64, usize), String>> = std::mem::take(&mut *first_results.lock().unwrap());
    let peak = peak_rss_mib(pid);
    let _ = hub.kill();
    let _ = hub.wait();

    let row = |what: &str, rs: &[Result<f64, String>]| {
        let ok: Vec<f64> = rs.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
        let (med, p95, max) = percentiles(ok.clone());
        println!(
            "| {what} | {} | {} | {med:.0} ms | {p95:.0} ms | {max:.0} ms |",
            rs.len(),
            rs.len() - ok.len()
        );
        for e in rs.iter().filter_map(|r| r.as_ref().err()).take(3) {
            eprintln!("failed: {e}");
        }
    };
    println!(
        "Load on one hub ({} records in the township), this machine's {} cores; devices and hub on one machine",
        n_records,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!("| sessions | count | failed | median | p95 | max |");
    println!("|---|---|---|---|---|---|");
    row(
        &format!("{n_quiet} devices, no-change sessions at the same moment"),
        &phase1,
    );
    row(
        &format!("no-change sessions while {n_first} devices first-sync"),
        &phase2,
    );
    let f: Vec<Result<f64, String>> = firsts
        .iter()
        .map(|r| match r {
            Ok((ms, n)) if *n == n_records => Ok(*ms),
            Ok((_, n)) => Err(format!("{n} of {n_records} records")),
            Err(e) => Err(e.clone()),
        })
        .collect();
    row(&format!("{n_first} first syncs of {n_records} records each"), &f);
    println!("| hub peak memory (RSS) | {peak:.0} MiB | | | | |");
}
