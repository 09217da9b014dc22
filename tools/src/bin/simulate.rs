//! Runs the deterministic simulation (`fieldcase_tools::simulation`) for many seeds and prints a
//! table. Usage: simulate [--seeds 10000] [--from 0] [--steps 60] [--seed S --log]
//! A failing seed is printed with the command that runs it again.

use std::time::Instant;

use fieldcase_tools::simulation;

fn arg(args: &[String], name: &str) -> Option<u64> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number, not {v}")))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let steps = arg(&args, "--steps").unwrap_or(60) as usize;
    let log = args.iter().any(|a| a == "--log");
    let seeds: Vec<u64> = match arg(&args, "--seed") {
        Some(s) => vec![s],
        None => {
            let from = arg(&args, "--from").unwrap_or(0);
            (from..from + arg(&args, "--seeds").unwrap_or(10_000)).collect()
        }
    };
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let start = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let outcomes = std::sync::Mutex::new(vec![]);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(&seed) = seeds.get(i) else { break };
                let o = simulation::run(seed, steps);
                if let Some(f) = &o.failure {
                    eprintln!("seed {seed} FAILED: {f}\n  again: scripts/simulate --seed {seed} --steps {steps} --log");
                }
                if log {
                    for line in &o.log {
                        eprintln!("{line}");
                    }
                }
                if i % 500 == 499 {
                    eprintln!("{} seeds run", i + 1);
                }
                outcomes.lock().unwrap().push(o);
            });
        }
    });
    let outcomes = outcomes.into_inner().unwrap();
    let failed: Vec<u64> = outcomes
        .iter()
        .filter(|o| o.failure.is_some())
        .map(|o| o.seed)
        .collect();
    let slowest = outcomes.iter().max_by_key(|o| o.elapsed).expect("at least one seed");
    let faults: u64 = outcomes.iter().map(|o| o.faults).sum();
    let acked: usize = outcomes.iter().map(|o| o.acknowledged).sum();
    println!("| seeds | steps each | faults injected | edits acknowledged | failures | slowest seed | wall time |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {} | {steps} | {faults} | {acked} | {} | {} ({:.2} s) | {:.0} s |",
        outcomes.len(),
        if failed.is_empty() {
            "0".to_string()
        } else {
            format!("{} (seeds {failed:?})", failed.len())
        },
        slowest.seed,
        slowest.elapsed.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
