//! What the readers' integration tests share: the corpus beside the repository, its truth files,
//! and a seeded mutation harness that checks a reader never panics.
#![allow(dead_code)] // each test binary uses part of it

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use serde_json::Value;

/// `../shared/corpus/<folder>` beside the repository; fails (never skips) when it is missing.
pub fn corpus(folder: &str) -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus"));
    assert!(
        p.join(folder).is_dir(),
        "the shared corpus is missing at {} (see /work/shared/corpus/README.md)",
        p.display()
    );
    p.join(folder)
}

/// Every file of a corpus folder as `(name, bytes)`, sorted by name; at least `at_least` of them.
pub fn corpus_files(folder: &str, at_least: usize) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus(folder))
        .expect("corpus folder readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).expect("readable")))
        .collect();
    out.sort();
    assert!(out.len() >= at_least, "expected {at_least} files in {folder}/, found {}", out.len());
    out
}

/// The truth file of a corpus file (`truth/<name>.json`).
pub fn truth(name: &str) -> Value {
    let p = corpus("truth").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .expect("truth is JSON")
}

/// xorshift64*: a tiny deterministic generator, enough to pick positions and bytes.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

/// Bytes the XML and PDF grammars care about, to make mutants that reach deep code paths.
const INTERESTING: &[&[u8]] = &[
    b"<",
    b">",
    b"/",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"<!DOCTYPE a>",
    b"]]>",
    b"<![CDATA[",
    b"\"",
    b"'",
    b"-",
    b"9999999999999999999999999999999",
    b"0.0000000000000000000000000001",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xC3",
    b"stream",
    b"endstream",
    b"obj",
    b"endobj",
    b" R ",
    b"<<",
    b">>",
    b"/FlateDecode",
    b"/Kids",
    b"xref",
];

pub fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(b.len());
        match rng.below(5) {
            0 => {
                if let Some(x) = b.get_mut(at) {
                    *x ^= 1 << rng.below(8);
                }
            }
            1 => b.truncate(at),
            2 => {
                let end = (at + rng.below(64)).min(b.len());
                b.drain(at..end);
            }
            3 => {
                let what = INTERESTING[rng.below(INTERESTING.len())];
                let at = at.min(b.len());
                b.splice(at..at, what.iter().copied());
            }
            _ => {
                // Duplicate a slice: repeated elements, nested starts.
                let end = (at + rng.below(256)).min(b.len());
                let copy = b[at.min(end)..end].to_vec();
                b.splice(at.min(b.len())..at.min(b.len()), copy);
            }
        }
    }
    b
}

/// Feeds `read` with truncations and `mutants` seeded mutations of every file and fails, listing
/// them, if any panicked. Returns how many inputs were tried.
pub fn assert_never_panics(files: &[(String, Vec<u8>)], mutants: u64, seed: u64, read: impl Fn(&str, &[u8])) -> usize {
    let mut panics = Vec::new();
    let mut runs = 0;
    for (i, (name, bytes)) in files.iter().enumerate() {
        let n = bytes.len();
        let cuts = [0, 1, 2, 50, n / 3, n / 2, n.saturating_sub(1)].map(|c| bytes[..c.min(n)].to_vec());
        let mutated = (0..mutants).map(|m| {
            let seed = seed ^ ((i as u64) << 32) ^ m;
            (seed, mutate(bytes, &mut Rng(seed)))
        });
        for (seed, input) in cuts.into_iter().map(|c| (0, c)).chain(mutated) {
            runs += 1;
            if catch_unwind(AssertUnwindSafe(|| read(name, &input))).is_err() {
                panics.push(format!("{name} (seed {seed:#x}, {} bytes)", input.len()));
            }
        }
    }
    assert!(panics.is_empty(), "{} of {runs} inputs panicked:\n{}", panics.len(), panics.join("\n"));
    runs
}
