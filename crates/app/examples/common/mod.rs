//! What the benchmark examples print with: durations, the machine's load, the process's CPU time.
//! Each example compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// A duration in milliseconds, one decimal (timings are the only floats: printing).
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The load averages over 1, 5 and 15 minutes (Linux `/proc/loadavg`), empty elsewhere.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The CPU time the process has used so far, all threads (Linux /proc/self/stat, in clock ticks
/// of 10 ms), or `None` elsewhere.
pub fn process_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = s.rsplit_once(')')?.1;
    let mut f = after.split_whitespace().skip(11);
    let (user, sys): (u64, u64) = (f.next()?.parse().ok()?, f.next()?.parse().ok()?);
    Some(Duration::from_millis((user + sys) * 10))
}

/// Runs `f` and prints how long it took, after `label`.
pub fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    println!("  {label:<40} {}", ms(started.elapsed()));
    out
}
