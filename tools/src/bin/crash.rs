//! Crash runs: `crash --rounds 1000 [--seed S]` kills writers with SIGKILL at random moments —
//! local edits, a bundle import, a sync applied on a device, an upload applied at the hub — and
//! checks after each kill that the store opens, SQLite's integrity check passes, no edit the
//! writer had acknowledged is lost, and a later sync converges. Prints a table; exits non-zero
//! on any failure. Each writer is this program run as a child (`crash worker ...`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldcase_core::model::Kind;
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{LedgerQuery, Role, Store};
use fieldcase_hub::{HttpTransport, Hub};
use serde_json::json;

const KEY: [u8; 32] = [0x5c; 32];
const PASS: &str = "crash-run-passphrase";
const PER_BUNDLE: usize = 100;

fn ack(line: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The writers, each in its own process until killed.
fn worker(args: &[String]) {
    let dir = PathBuf::from(&args[1]);
    match args[0].as_str() {
        // Edits amounts upward from BASE; acknowledges each after it returned.
        "edit" => {
            let s = Store::open(&dir, &KEY).unwrap();
            let base: i64 = args[2].parse().unwrap();
            let ids: Vec<String> = s
                .ledger()
                .list(&LedgerQuery::default())
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            for i in 0.. {
                let id = &ids[i % ids.len()];
                let value = base + i as i64;
                s.writer()
                    .edit(id, &[("amount_owed_fen".into(), json!(value))])
                    .unwrap();
                ack(format!("{id} {value}"));
            }
        }
        // Imports the bundles given, acknowledging each.
        "import" => {
            let s = Store::open(&dir, &KEY).unwrap();
            for (i, file) in args[2..].iter().enumerate() {
                s.bundles().import(&std::fs::read(file).unwrap(), PASS).unwrap();
                ack(i);
            }
            std::thread::sleep(Duration::from_secs(60));
        }
        // A first sync, acknowledging the records held after each frame.
        "device-sync" => {
            let s = Store::open(&dir, &KEY).unwrap();
            let t = HttpTransport::for_store(&s).unwrap();
            let progress = |p: &fieldcase_core::sync::Progress| {
                if p.phase == fieldcase_core::sync::SyncPhase::Records {
                    ack(u64::try_from(p.done).unwrap_or(0));
                }
            };
            s.sync()
                .run(
                    &t,
                    &SyncOptions {
                        progress: Some(&progress),
                        cancel: None,
                    },
                )
                .unwrap();
            ack("done");
            std::thread::sleep(Duration::from_secs(60));
        }
        // A hub over DIR.
        "hub" => {
            let s = Store::open(&dir, &KEY).unwrap();
            fieldcase_hub::run(s, "127.0.0.1:0".parse().unwrap(), None, |addr| {
                ack(format!("http://{addr}/"))
            })
            .unwrap();
        }
        w => panic!("no worker {w}"),
    }
}

struct Running {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: std::thread::JoinHandle<()>,
}

fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("worker")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(vec![]));
    let sink = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    Running { child, lines, reader }
}

impl Running {
    fn wait_for_line(&self, within: Duration) -> Option<String> {
        let t = Instant::now();
        while t.elapsed() < within {
            if let Some(l) = self.lines.lock().unwrap().first() {
                return Some(l.clone());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    /// SIGKILL; returns every line the writer acknowledged and whether it had stopped by itself.
    fn kill(mut self) -> (Vec<String>, bool) {
        let exited = self.child.try_wait().ok().flatten().is_some();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self.reader.join();
        let lines = self.lines.lock().unwrap().clone();
        (lines, exited)
    }
}

#[derive(Default)]
struct Tally {
    rounds: u64,
    killed_writing: u64,
    opened: u64,
    intact: u64,
    lost: u64,
    converged: u64,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, round: u64, dir: &Path) -> Option<Store> {
        match Store::open(dir, &KEY) {
            Ok(s) => {
                self.opened += 1;
                if s.integrity_ok().unwrap_or(false) {
                    self.intact += 1;
                } else {
                    self.failures.push(format!("round {round}: integrity check failed"));
                }
                Some(s)
            }
            Err(e) => {
                self.failures
                    .push(format!("round {round}: the store does not open: {e}"));
                None
            }
        }
    }
}

fn make_cases(s: &Store, rng: &mut fieldcase_core::sample::Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let mut v = fieldcase_core::sample::case(rng);
            v["township"] = json!("华新镇");
            s.writer().create_json(Kind::Case, v).unwrap().id
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("worker") {
        return worker(&args[2..]);
    }
    let arg = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let rounds = arg("--rounds", 1000);
    let seed = arg("--seed", 0xC4A5);
    let mut rng = fieldcase_core::sample::Rng(seed | 1);
    let mut sample = fieldcase_core::sample::Rng(seed | 1);
    let tmp = tempfile::TempDir::new().unwrap();
    let root = tmp.path();
    let started = Instant::now();

    // Local edits: one store, edited across rounds.
    let edit_dir = root.join("edit");
    {
        let s = Store::create(&edit_dir, &KEY, "华新镇", "张丽", Role::Inspector).unwrap();
        make_cases(&s, &mut sample, 40);
    }
    // Bundle import: eight bundles of 100 records each from separate phones.
    let mut bundles = vec![];
    for i in 0..8 {
        let s = Store::create(
            &root.join(format!("source{i}")),
            &KEY,
            "华新镇",
            "吴军",
            Role::Inspector,
        )
        .unwrap();
        make_cases(&s, &mut sample, PER_BUNDLE);
        let file = root.join(format!("b{i}.fcb"));
        std::fs::write(&file, s.bundles().export(None, PASS).unwrap().0).unwrap();
        bundles.push(file);
    }
    // Sync applied on a device: a hub with 1,000 records.
    let hub_dir = root.join("hub");
    let hub = {
        let h = Store::create(&hub_dir, &KEY, "青浦区", "办公室", Role::Office).unwrap();
        make_cases(&h, &mut sample, 1000);
        Hub::start(h, "127.0.0.1:0".parse().unwrap()).unwrap()
    };
    let office = Store::open(&hub_dir, &KEY).unwrap();
    let hub_total = office.count().unwrap();

    let kinds = [
        "local edits",
        "bundle import",
        "sync applied on a device",
        "upload applied at the hub",
    ];
    let mut tallies: Vec<Tally> = (0..4).map(|_| Tally::default()).collect();
    for round in 0..rounds {
        let k = (round % 4) as usize;
        let t = &mut tallies[k];
        t.rounds += 1;
        match k {
            0 => {
                let base = (round as i64 + 1) * 1_000_000;
                let w = spawn(&["edit", edit_dir.to_str().unwrap(), &base.to_string()]);
                w.wait_for_line(Duration::from_secs(5));
                std::thread::sleep(Duration::from_millis(rng.below(150)));
                let (acks, exited) = w.kill();
                t.killed_writing += u64::from(!exited);
                if let Some(s) = t.check(round, &edit_dir) {
                    let mut last = std::collections::HashMap::new();
                    for l in &acks {
                        let (id, v) = l.split_once(' ').unwrap();
                        last.insert(id.to_string(), v.parse::<i64>().unwrap());
                    }
                    for (id, v) in last {
                        let now = s
                            .records()
                            .get(&id)
                            .map(|r| r.record.to_json()["amount_owed_fen"].as_i64().unwrap_or(0));
                        if now.as_ref().map(|n| *n < v).unwrap_or(true) {
                            t.lost += 1;
                            t.failures
                                .push(format!("round {round}: acknowledged {id}={v}, store has {now:?}"));
                        }
                    }
                    t.converged += 1;
                }
            }
            1 => {
                let dir = root.join(format!("import{round}"));
                Store::create(&dir, &KEY, "华新镇", "李华", Role::Inspector).unwrap();
                let mut args = vec!["import".to_string(), dir.display().to_string()];
                args.extend(bundles.iter().map(|b| b.display().to_string()));
                let w = spawn(&args.iter().map(String::as_str).collect::<Vec<_>>());
                std::thread::sleep(Duration::from_millis(rng.below(900)));
                let (acks, exited) = w.kill();
                t.killed_writing += u64::from(acks.len() < bundles.len() && !exited);
                if let Some(s) = t.check(round, &dir) {
                    let want = PER_BUNDLE * acks.len();
                    let have = s.count().unwrap();
                    if have < want {
                        t.lost += (want - have) as u64;
                        t.failures.push(format!(
                            "round {round}: {} bundles acknowledged, {have} records",
                            acks.len()
                        ));
                    }
                    // Importing again after the kill finishes the job.
                    for b in &bundles {
                        s.bundles().import(&std::fs::read(b).unwrap(), PASS).unwrap();
                    }
                    if s.count().unwrap() == PER_BUNDLE * bundles.len() {
                        t.converged += 1;
                    }
                }
                let _ = std::fs::remove_dir_all(&dir);
            }
            2 => {
                let dir = root.join(format!("device{round}"));
                let code = office
                    .hub()
                    .enroll("华新镇", Role::Inspector, &format!("张{round}"))
                    .unwrap()
                    .code;
                let transport = HttpTransport::new(&hub.url(), None).unwrap();
                Store::create_by_joining(&dir, &KEY, &transport, &hub.url(), None, &code).unwrap();
                let w = spawn(&["device-sync", dir.to_str().unwrap()]);
                std::thread::sleep(Duration::from_millis(rng.below(700)));
                let (acks, exited) = w.kill();
                t.killed_writing += u64::from(!acks.iter().any(|a| a == "done") && !exited);
                if let Some(s) = t.check(round, &dir) {
                    let acked: usize = acks.iter().filter_map(|a| a.parse().ok()).max().unwrap_or(0);
                    let have = s.count().unwrap();
                    if have < acked {
                        t.lost += (acked - have) as u64;
                        t.failures
                            .push(format!("round {round}: {acked} records acknowledged, {have} held"));
                    }
                    s.sync().run(&transport, &SyncOptions::default()).unwrap();
                    if s.count().unwrap() == hub_total {
                        t.converged += 1;
                    } else {
                        t.failures.push(format!(
                            "round {round}: {} of {hub_total} after a later sync",
                            s.count().unwrap()
                        ));
                    }
                }
                let _ = std::fs::remove_dir_all(&dir);
            }
            _ => {
                // A hub of its own, in a child process, and a phone with 120 records to upload.
                let hdir = root.join(format!("hub{round}"));
                let h = Store::create(&hdir, &KEY, "青浦区", "办公室", Role::Office).unwrap();
                h.hub().register().unwrap();
                let code = h.hub().enroll("华新镇", Role::Inspector, "张丽").unwrap().code;
                drop(h);
                let w = spawn(&["hub", hdir.to_str().unwrap()]);
                let url = w.wait_for_line(Duration::from_secs(10)).expect("the hub starts");
                let transport = HttpTransport::new(&url, None).unwrap();
                let pdir = root.join(format!("phone{round}"));
                let (phone, _) = Store::create_by_joining(&pdir, &KEY, &transport, &url, None, &code).unwrap();
                let made = make_cases(&phone, &mut sample, 120);
                let delay = Duration::from_millis(rng.below(400));
                let syncing = std::thread::scope(|sc| {
                    let p = &phone;
                    let tr = &transport;
                    let handle = sc.spawn(move || p.sync().run(tr, &SyncOptions::default()));
                    std::thread::sleep(delay);
                    let (_, _) = w.kill();
                    handle.join().unwrap()
                });
                t.killed_writing += u64::from(syncing.is_err());
                if let Some(s) = t.check(round, &hdir) {
                    drop(s);
                    let w = spawn(&["hub", hdir.to_str().unwrap()]);
                    let url = w.wait_for_line(Duration::from_secs(10)).expect("the hub starts again");
                    phone.sync().set_hub_url(&url).unwrap();
                    let transport = HttpTransport::new(&url, None).unwrap();
                    let again = phone.sync().run(&transport, &SyncOptions::default());
                    let _ = w.kill();
                    let hub_now = Store::open(&hdir, &KEY).unwrap();
                    let lost = made.iter().filter(|id| hub_now.records().get(id).is_err()).count();
                    if again.is_ok() && lost == 0 {
                        t.converged += 1;
                    } else {
                        t.lost += lost as u64;
                        t.failures.push(format!(
                            "round {round}: after a later sync the hub lacks {lost} records ({again:?})"
                        ));
                    }
                }
                let _ = std::fs::remove_dir_all(&hdir);
                let _ = std::fs::remove_dir_all(&pdir);
            }
        }
    }
    println!(
        "Crash runs: {rounds} rounds, seed {seed:#x}, {:.0} s (each writer killed with SIGKILL at a random moment)",
        started.elapsed().as_secs_f64()
    );
    println!("| writer killed | rounds | killed mid-write | store opens | integrity_check ok | acknowledged lost | converged after |");
    println!("|---|---|---|---|---|---|---|");
    let mut failed = false;
    for (k, t) in tallies.iter().enumerate() {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            kinds[k], t.rounds, t.killed_writing, t.opened, t.intact, t.lost, t.converged
        );
        failed |= !t.failures.is_empty();
    }
    for t in &tallies {
        for f in t.failures.iter().take(10) {
            eprintln!("FAILED {f}");
        }
    }
    if failed {
        std::process::exit(1);
    }
}
