//! Per-file reading time on a corpus, by format, and in the same run the Python reference
//! (`facturx.get_xml_from_pdf`, pypdf + lxml) on the same PDFs.
//!
//! For PDFs: `embedded_xml` (finding and extracting the invoice XML: what the reference does),
//! `read_bytes` (the full read: extraction, XML parsing, domain mapping, every check and
//! diagnostic), and apart the SHA-256 of the file, which `read_bytes` does not compute (an
//! importer hashes the file before reading it, to skip a file it already holds) and
//! `read_bytes_hashed` adds; its ratio to the reference is printed too.
//!
//! ```text
//! cargo run --release -p encours-readers --example bench_read -- ../shared/corpus [--python /path/to/python]
//! ```
//!
//! Files are read into memory first: the figures are parsing, not disk. Each file is read
//! repeatedly (at least 20 times and 50 ms) and its time is the median of those runs; a format's
//! figures are the median and mean over its files, and files/s is 1 / mean. The Python side is
//! `bench/facturx_reference.py --json`, run with `--python` (default `python3`, or `FACTURX_PYTHON`);
//! when it cannot import `facturx` the comparison is skipped with the command to install it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use encours_readers::einvoice;

const MIN_RUNS: usize = 20;
const MIN_TIME: Duration = Duration::from_millis(50);
const MAX_RUNS: usize = 5000;

/// Median time of repeated runs of `f`.
fn time_it(mut f: impl FnMut()) -> Duration {
    let mut runs = Vec::new();
    let started = Instant::now();
    while runs.len() < MIN_RUNS || (started.elapsed() < MIN_TIME && runs.len() < MAX_RUNS) {
        let t = Instant::now();
        f();
        runs.push(t.elapsed());
    }
    runs.sort();
    runs[runs.len() / 2]
}

struct Summary {
    label: &'static str,
    times: Vec<Duration>,
}

impl Summary {
    fn print(&self) {
        if self.times.is_empty() {
            return;
        }
        let mut sorted = self.times.clone();
        sorted.sort();
        let median = sorted[sorted.len() / 2];
        let total: Duration = sorted.iter().sum();
        let mean = total / u32::try_from(sorted.len()).unwrap_or(1);
        let per_sec = 1.0 / mean.as_secs_f64();
        println!(
            "{:<34} {:>5} files   median {:>9.1} µs   mean {:>9.1} µs   max {:>9.1} µs   {:>9.0} files/s",
            self.label,
            sorted.len(),
            micros(median),
            micros(mean),
            micros(sorted[sorted.len() - 1]),
            per_sec
        );
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut corpus = PathBuf::from("../shared/corpus");
    let mut python = std::env::var("FACTURX_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--python" => python = args.next().unwrap_or(python),
            other => corpus = PathBuf::from(other),
        }
    }

    let mut pdf_extract = Summary { label: "PDF: extract the XML (embedded_xml)", times: vec![] };
    let mut pdf_full = Summary { label: "PDF: full read (read_bytes)", times: vec![] };
    let mut pdf_sha = Summary { label: "PDF: SHA-256 of the file", times: vec![] };
    let mut pdf_hashed = Summary { label: "PDF: read_bytes_hashed (both)", times: vec![] };
    let mut cii = Summary { label: "CII XML: full read", times: vec![] };
    let mut ubl = Summary { label: "UBL XML: full read", times: vec![] };
    let mut per_pdf: Vec<(String, Duration, Duration, Duration)> = Vec::new();

    for (folder, summary) in [("cii", &mut cii), ("ubl", &mut ubl)] {
        for path in files(&corpus.join(folder)) {
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let name = path.display().to_string();
            summary.times.push(time_it(|| {
                let _ = std::hint::black_box(einvoice::read_bytes(&name, &bytes));
            }));
        }
    }
    for path in files(&corpus.join("facturx")) {
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let extract = time_it(|| {
            let _ = std::hint::black_box(einvoice::embedded_xml(&name, &bytes));
        });
        let full = time_it(|| {
            let _ = std::hint::black_box(einvoice::read_bytes(&name, &bytes));
        });
        let sha = time_it(|| {
            let _ = std::hint::black_box(einvoice::sha256_hex(&bytes));
        });
        let hashed = time_it(|| {
            let _ = std::hint::black_box(einvoice::read_bytes_hashed(&name, &bytes));
        });
        pdf_extract.times.push(extract);
        pdf_full.times.push(full);
        pdf_sha.times.push(sha);
        pdf_hashed.times.push(hashed);
        per_pdf.push((name, extract, full, hashed));
    }

    println!("encours-readers on {} (release build, per-file median of repeated in-memory reads)", corpus.display());
    for s in [&pdf_extract, &pdf_full, &pdf_sha, &pdf_hashed, &cii, &ubl] {
        s.print();
    }

    // The Python reference on the same PDFs, in the same run.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/facturx_reference.py");
    let output = Command::new(&python).arg(&script).arg("--json").arg(&corpus).output();
    let reference: Option<serde_json::Value> = match output {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).ok(),
        Ok(o) => {
            println!(
                "\nPython reference skipped: {} (install it with `python3 -m venv /tmp/fxvenv && /tmp/fxvenv/bin/pip install factur-x`, then --python /tmp/fxvenv/bin/python)",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            None
        }
        Err(e) => {
            println!("\nPython reference skipped: cannot run {python}: {e}");
            None
        }
    };
    let Some(reference) = reference else { return };
    let library = reference["library"].as_str().unwrap_or("factur-x");
    let mut py_times = Vec::new();
    let mut ratios_extract = Vec::new();
    let mut ratios_full = Vec::new();
    let mut ratios_hashed = Vec::new();
    println!("\nPer PDF: {library} get_xml_from_pdf (check_xsd=False) vs encours-readers");
    println!(
        "{:<52} {:>11} {:>11} {:>11} {:>9} {:>9}",
        "file", "python µs", "extract µs", "full µs", "×extract", "×full"
    );
    for (name, extract, full, hashed) in &per_pdf {
        let Some(py) = reference["files"][name]["median_s"].as_f64() else { continue };
        let py = Duration::from_secs_f64(py);
        let (rx, rf) = (py.as_secs_f64() / extract.as_secs_f64(), py.as_secs_f64() / full.as_secs_f64());
        ratios_hashed.push(py.as_secs_f64() / hashed.as_secs_f64());
        println!(
            "{:<52} {:>11.1} {:>11.1} {:>11.1} {:>8.1}× {:>8.1}×",
            name.chars().take(52).collect::<String>(),
            micros(py),
            micros(*extract),
            micros(*full),
            rx,
            rf
        );
        py_times.push(py);
        ratios_extract.push(rx);
        ratios_full.push(rf);
    }
    Summary { label: "Python get_xml_from_pdf", times: py_times.clone() }.print();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let total = |v: &[Duration]| v.iter().map(Duration::as_secs_f64).sum::<f64>();
    let py_total = total(&py_times);
    println!(
        "speed-up per PDF, extraction vs extraction: median {:.1}×, min {:.1}×, on the total {:.1}×",
        median(&mut ratios_extract.clone()),
        min(&ratios_extract),
        py_total / total(&pdf_extract.times)
    );
    println!(
        "speed-up per PDF, our full read vs their extraction: median {:.1}×, min {:.1}×, on the total {:.1}×",
        median(&mut ratios_full.clone()),
        min(&ratios_full),
        py_total / total(&pdf_full.times)
    );
    println!(
        "speed-up per PDF, our full read with the SHA-256 of the file vs their extraction: median {:.1}×, min {:.1}×, on the total {:.1}×",
        median(&mut ratios_hashed.clone()),
        min(&ratios_hashed),
        py_total / total(&pdf_hashed.times)
    );
}
