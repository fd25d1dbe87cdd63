//! Import throughput into an encrypted dossier.
//!
//! `cargo run --release -p encours-app --example bench_import -- [COUNT] [CORPUS_DIR]`
//!
//! Takes every readable CII and UBL invoice of the corpus as templates, makes COUNT distinct
//! invoices by rewriting their number (BT-1), writes them to a temporary folder, then imports the
//! folder into a new SQLCipher dossier the way `encours import` does (each file in its own
//! savepoint, groups of files per commit, a second thread reading, parsing and zipping ahead), and
//! prints files per second (also counting the close, which copies the WAL's last pages into the
//! file), the CPU time per file and the dossier's size. Default COUNT is 20,000.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use encours_app::KeySource;
use encours_store::DossierKey;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let corpus = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));

    // Templates: readable XML invoices whose number appears once, so it can be rewritten.
    let mut templates = Vec::new();
    for folder in ["cii", "ubl"] {
        let mut names: Vec<PathBuf> =
            std::fs::read_dir(corpus.join(folder)).expect("corpus folder").map(|e| e.unwrap().path()).collect();
        names.sort();
        for path in names {
            let Ok(read) = encours_readers::einvoice::read_path(&path) else { continue };
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(_) => continue,
            };
            let number = read.invoice.number.clone();
            let tagged = [format!(">{number}</ram:ID>"), format!(">{number}</cbc:ID>")];
            if let Some(tag) = tagged.iter().find(|t| text.matches(t.as_str()).count() == 1) {
                templates.push((text.clone(), tag.clone(), number));
            }
        }
    }
    assert!(!templates.is_empty(), "no usable template in {}", corpus.display());

    let work = tempfile::tempdir().expect("temp dir");
    let inbox = work.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    for i in 0..count {
        let (text, tag, number) = &templates[i % templates.len()];
        let new_number = format!("{number}-B{i:07}");
        let body = text.replacen(tag.as_str(), &tag.replace(number.as_str(), &new_number), 1);
        std::fs::write(inbox.join(format!("inv-{i:07}.xml")), body).unwrap();
    }

    // Reading alone, for comparison: what the import costs beyond parsing.
    let started = Instant::now();
    let mut parsed = 0;
    for entry in std::fs::read_dir(&inbox).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        if encours_readers::einvoice::read_bytes("x.xml", &bytes).is_ok() {
            parsed += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!("read only: {parsed} files in {secs:.2} s = {:.0} files/s", f64::from(parsed) / secs);

    let keys = KeySource::Environment(DossierKey::from_hex(&"5a".repeat(32)).unwrap());
    let now = "2026-11-23T12:00:00".parse().unwrap();
    let mut dossier =
        encours_app::create_dossier(&work.path().join("bench.encours"), "552081317", "Bench", &keys, now).unwrap();
    let cancel = AtomicBool::new(false);
    let cpu_before = cpu_ticks();
    let started = Instant::now();
    let report = encours_app::import_paths(&mut dossier, &[inbox], now, &mut |_| {}, &cancel).unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} files from {} templates: {} imported, {} duplicates, {} failed in {:.2} s = {:.0} invoices/s",
        count,
        templates.len(),
        report.imported,
        report.duplicates,
        report.failed,
        secs,
        f64::from(report.imported) / secs
    );
    // What the import left in the WAL is copied into the file when the dossier closes: timed too,
    // so that deferred work is not left out of the figure.
    let closing = Instant::now();
    drop(dossier);
    let close_secs = closing.elapsed().as_secs_f64();
    println!(
        "closing the dossier (last WAL checkpoint): {close_secs:.2} s; import and close: {:.0} invoices/s",
        f64::from(report.imported) / (secs + close_secs)
    );
    let imported = u64::from(report.imported.max(1));
    if let Some(cpu) = cpu_ticks() {
        // Ticks of 10 ms: a coarse figure, fine over seconds.
        let per_file = (cpu - cpu_before.unwrap_or(0)) * 10_000 / imported;
        println!("CPU time of the import (both threads): {per_file} µs per invoice");
    }
    let size = std::fs::metadata(work.path().join("bench.encours")).map(|m| m.len()).unwrap_or(0);
    let tenths = size * 10 / 1024 / imported;
    println!("dossier size {} MiB ({}.{} KiB per invoice)", size / (1024 * 1024), tenths / 10, tenths % 10);
}

/// User + system CPU time of this process, in clock ticks (Linux `/proc`; `None` elsewhere).
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}
