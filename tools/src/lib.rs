//! Shared pieces of the reliability runs: percentiles, the peak memory of a process, the
//! `fieldcase` program beside them. (Their random source is `fieldcase_core::sample::Rng`.) `simulation` is the seeded
//! simulation of a district.

pub mod simulation;

/// (median, p95, max) of durations in milliseconds.
pub fn percentiles(mut ms: Vec<f64>) -> (f64, f64, f64) {
    if ms.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| ms[((ms.len() as f64 * q) as usize).min(ms.len() - 1)];
    (at(0.5), at(0.95), ms[ms.len() - 1])
}

/// Peak resident memory (VmHWM) of process `pid`, in MiB.
pub fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// The `fieldcase` program built beside this one (same profile), for running a hub as its own
/// process.
pub fn fieldcase_binary() -> std::path::PathBuf {
    let me = std::env::current_exe().expect("this program's path");
    me.with_file_name("fieldcase")
}
