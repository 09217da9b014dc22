//! First sync of a new phone: `cargo bench -p fieldcase-core --bench first_sync` makes a
//! township of RECORDS case records (default 10,000) at a hub, then a new phone joins and
//! takes them all in one session, through the in-memory hub (no network, so the figures are
//! the phone's work and the hub's). It prints the hub's time to answer, the phone's time to
//! apply, and the ledger list's latency measured from another thread while the phone applies.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldcase_core::sample::{case, Rng};
use fieldcase_core::sync::memory::MemoryHub;
use fieldcase_core::sync::{HubRequest, HubTransport, ResponseSink, SyncOptions};
use fieldcase_core::{Kind, LedgerQuery, Role, Store};

const KEY: [u8; 32] = [3; 32];

fn percentile(xs: &mut [Duration], p: usize) -> f64 {
    xs.sort();
    xs.get((xs.len() * p / 100).min(xs.len().saturating_sub(1)))
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Collects the hub's whole answer first (the hub's time), then hands it to the phone's
/// session (the phone's time): the two are timed apart.
struct Timed<'a> {
    hub: &'a MemoryHub,
    hub_time: std::cell::Cell<Duration>,
    phone_time: std::cell::Cell<Duration>,
}

impl HubTransport for Timed<'_> {
    fn send(&self, request: &HubRequest, response: &mut dyn ResponseSink) -> fieldcase_core::Result<()> {
        let t = Instant::now();
        let (status, pieces) = self.hub.answer(request);
        self.hub_time.set(self.hub_time.get() + t.elapsed());
        let t = Instant::now();
        response.status(status)?;
        for p in pieces {
            response.data(&p?)?;
        }
        self.phone_time.set(self.phone_time.get() + t.elapsed());
        Ok(())
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let tmp = tempfile::TempDir::new().unwrap();
    // HUB_DIR keeps the hub's store between runs (for profiling the phone's part alone).
    let kept = std::env::var_os("HUB_DIR").map(std::path::PathBuf::from);
    let hub_dir = kept.clone().unwrap_or_else(|| tmp.path().join("hub"));
    let made = hub_dir.join("fieldcase.db").exists();
    let hub = Arc::new(if made {
        Store::open(&hub_dir, &KEY).unwrap()
    } else {
        Store::create(&hub_dir, &KEY, "青浦区", "办公室", Role::Office).unwrap()
    });
    hub.hub().register().unwrap();
    let memory = MemoryHub::new(hub.clone());
    let join = |name: &str| {
        let code = hub.hub().enroll("华新镇", Role::Inspector, name).unwrap().code;
        Store::create_by_joining(&tmp.path().join(name), &KEY, &memory, "https://hub.test/", None, &code)
            .unwrap()
            .0
    };

    if !made {
        let t = Instant::now();
        let a = join("张丽");
        let mut rng = Rng(0xF1F5_7511);
        for _ in 0..n {
            let mut record = case(&mut rng);
            record["township"] = "华新镇".into();
            a.writer().create_json(Kind::Case, record).unwrap();
        }
        a.sync().run(&memory, &SyncOptions::default()).unwrap();
        eprintln!("made {n} records at the hub in {:.1} s", t.elapsed().as_secs_f64());
    }

    let b = Arc::new(join("吴军"));
    let timed = Timed {
        hub: &memory,
        hub_time: Default::default(),
        phone_time: Default::default(),
    };
    // The ledger as a screen reads it (up to 50 times a second), from another thread, while
    // the phone applies.
    let applying = Arc::new(AtomicBool::new(true));
    let lister = {
        let (b, applying) = (b.clone(), applying.clone());
        std::thread::spawn(move || {
            let q = LedgerQuery {
                kind: Some(Kind::Case),
                limit: Some(100),
                ..Default::default()
            };
            let mut times = vec![];
            // LIST=0 leaves the ledger alone (for profiling the apply by itself).
            let list = std::env::var("LIST").map(|v| v != "0").unwrap_or(true);
            while list && applying.load(Ordering::SeqCst) {
                let t = Instant::now();
                b.ledger().list(&q).unwrap();
                times.push(t.elapsed());
                std::thread::sleep(Duration::from_millis(20));
            }
            times
        })
    };
    let t = Instant::now();
    let report = b.sync().run(&timed, &SyncOptions::default()).unwrap();
    let total = t.elapsed();
    applying.store(false, Ordering::SeqCst);
    let mut lists = lister.join().unwrap();
    assert_eq!(report.records_received as usize, n);
    assert_eq!(b.count().unwrap(), n);

    let phone = timed.phone_time.get().as_secs_f64();
    println!("| records | hub answers | phone applies | per record | session in all | list (first 100) during apply: median / p95 / max ({} reads) |", lists.len());
    println!("|---|---|---|---|---|---|");
    let (median, p95, max) = (
        percentile(&mut lists, 50),
        percentile(&mut lists, 95),
        percentile(&mut lists, 100),
    );
    println!(
        "| {n} | {:.2} s | {:.2} s | {:.3} ms | {:.2} s | {median:.2} / {p95:.2} / {max:.2} ms |",
        timed.hub_time.get().as_secs_f64(),
        phone,
        phone * 1000.0 / n as f64,
        total.as_secs_f64(),
    );
}
