//! The deterministic simulation of a district (`fieldcase_tools::simulation`) for a few hundred
//! seeds: drops, cuts, repeats and held-back requests, crashes of devices and of the hub, and
//! concurrent edits, seals, closings and attachments; every store must agree afterwards.
//! `SIM_SEEDS` and `SIM_FROM` choose other seeds; `scripts/simulate` runs ten thousand.

use fieldcase_tools::simulation;

#[test]
fn every_store_agrees_after_faults_and_crashes_for_every_seed() {
    let number = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let from = number("SIM_FROM", 0);
    let seeds: Vec<u64> = (from..from + number("SIM_SEEDS", 200)).collect();
    let failures = std::sync::Mutex::new(vec![]);
    let faults = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for part in seeds.chunks(seeds.len().div_ceil(2)) {
            let (failures, faults) = (&failures, &faults);
            s.spawn(move || {
                for &seed in part {
                    let o = simulation::run(seed, 60);
                    faults.fetch_add(o.faults, std::sync::atomic::Ordering::SeqCst);
                    if let Some(f) = o.failure {
                        failures.lock().unwrap().push(format!(
                            "seed {seed}: {f}\n  again: scripts/simulate --seed {seed} --steps 60 --log"
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The network and the crashes did inject faults (about seven a seed).
    assert!(faults.into_inner() > seeds.len() as u64 * 3);
}
