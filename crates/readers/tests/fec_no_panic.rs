//! Never a panic, and never a broken balance: the corpus's FEC files, truncated and mutated
//! (seeded, bounded), go through `looks_like_fec`, `read_fec_bytes` and `rebuild`; whenever a
//! mutant still reads, the rebuild's balance check must hold for every client. This is the
//! stable-toolchain companion of the fuzz target `fuzz/fuzz_targets/read_fec.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};

use encours_readers::fec::{looks_like_fec, read_fec_bytes, rebuild, RebuildOptions};

mod common;
use common::Rng;

/// Lines kept from the two large files, so that many mutants run quickly in a debug build; the
/// two smaller files are taken whole (line 779 of `111…` holds the 0xF8 byte).
const HEAD_LINES: usize = 600;

fn inputs() -> Vec<(String, Vec<u8>)> {
    common::corpus_files("fec", 5)
        .into_iter()
        .filter(|(n, _)| n.to_ascii_uppercase().contains("FEC2"))
        .map(|(name, bytes)| {
            if bytes.len() < 300_000 {
                return (name, bytes);
            }
            let mut cut = 0;
            for _ in 0..HEAD_LINES {
                match bytes[cut..].iter().position(|b| *b == b'\n') {
                    Some(p) => cut += p + 1,
                    None => break,
                }
            }
            (name, bytes[..cut].to_vec())
        })
        .collect()
}

/// Reads, rebuilds and checks; true when the bytes still read as an FEC.
fn read_and_check(name: &str, bytes: &[u8]) -> bool {
    let _ = looks_like_fec(bytes);
    let Ok(f) = read_fec_bytes(name, bytes) else { return false };
    {
        let r = rebuild(&f, &RebuildOptions::default());
        let bad: Vec<String> = r
            .check_balances()
            .into_iter()
            .filter(|c| !c.agrees())
            .map(|c| format!("{}: {:?}", c.key, c.problems))
            .collect();
        assert!(bad.is_empty(), "{name}: balance check fails: {bad:?}");
    }
    true
}

#[test]
fn truncated_and_mutated_files_never_panic_and_always_balance() {
    let read = AtomicUsize::new(0);
    let runs = common::assert_never_panics(&inputs(), 30, 0x5EED_F3C0_0000_0001, |name, bytes| {
        if read_and_check(name, bytes) {
            read.fetch_add(1, Ordering::Relaxed);
        }
    });
    assert!(runs >= 4 * 37, "{runs} inputs");
    // Most mutants still read, so the balance check above is exercised, not vacuous.
    let read = read.into_inner();
    assert!(read * 2 > runs, "only {read} of {runs} inputs read");
}

/// Bytes an FEC's grammar cares about: separators, line ends, signs and decimal marks, digits
/// where text was, a BOM, an invalid UTF-8 byte, an amount too large, dates of every form.
const SPLICES: &[&[u8]] = &[
    b"\t",
    b"|",
    b"\r",
    b"\n",
    b"\r\r\n",
    b",",
    b".",
    b"-",
    b"+",
    b" ",
    b"0",
    b"9",
    b"\xEF\xBB\xBF",
    b"\xF8",
    b"\xC3",
    b"99999999999999999999,99",
    b"0,0000001",
    b"20231301",
    b"2023-01-01",
    b"31/12/2023",
    b"411",
    b"512",
    b"706",
    b"4457",
    b"101",
    b"AN",
    b"AA",
    b"D",
    b"C",
    b"-1",
];

#[test]
fn fec_specific_splices_never_panic_and_always_balance() {
    let files = inputs();
    let mut rng = Rng(0xF3C0_5EED);
    let mut failures = Vec::new();
    let (mut runs, mut read) = (0, 0);
    for (name, bytes) in &files {
        for _ in 0..30 {
            let mut b = bytes.clone();
            for _ in 0..=rng.below(6) {
                let at = rng.below(b.len());
                let what = SPLICES[rng.below(SPLICES.len())];
                if rng.below(3) == 0 {
                    // Overwrite instead of inserting: zones keep their count, values change.
                    let end = (at + what.len()).min(b.len());
                    b.splice(at..end, what.iter().copied());
                } else {
                    b.splice(at..at, what.iter().copied());
                }
            }
            runs += 1;
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_and_check(name, &b))) {
                Ok(true) => read += 1,
                Ok(false) => {}
                Err(_) => failures.push(format!("{name} run {runs}")),
            }
        }
    }
    assert!(failures.is_empty(), "{} of {runs} panicked:\n{}", failures.len(), failures.join("\n"));
    assert!(read * 2 > runs, "only {read} of {runs} inputs read");
}
