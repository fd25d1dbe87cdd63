//! Reads every file of a folder (or one file) in a loop, for a profiler (`perf record`); prints the
//! fastest round's time per file, a quick figure to compare two builds (`bench_read` is the benchmark).
//!
//! ```text
//! cargo build --release -p encours-readers --example profile_read
//! perf record -g target/release/examples/profile_read ../shared/corpus/facturx 200
//! ```

use encours_readers::einvoice;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "../shared/corpus/facturx".to_owned());
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(100);
    let paths: Vec<std::path::PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => vec![std::path::PathBuf::from(&dir)], // a single file
    };
    let mut files: Vec<(String, Vec<u8>)> =
        paths.into_iter().filter_map(|p| Some((p.display().to_string(), std::fs::read(&p).ok()?))).collect();
    files.sort();
    let mut ok = 0usize;
    let mut fastest = std::time::Duration::MAX;
    for _ in 0..rounds {
        let started = std::time::Instant::now();
        for (name, bytes) in &files {
            ok += usize::from(std::hint::black_box(einvoice::read_bytes(name, bytes)).is_ok());
        }
        fastest = fastest.min(started.elapsed());
    }
    // The fastest round is the least disturbed by the rest of the machine.
    let per_file = fastest / u32::try_from(files.len().max(1)).unwrap_or(u32::MAX);
    println!("{} files, {rounds} rounds, {ok} reads succeeded; fastest round {per_file:?} per file", files.len());
}
