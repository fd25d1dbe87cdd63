//! Never a panic: every corpus file, truncated and randomly mutated (a bounded, seeded number of
//! times so the test is reproducible and quick), goes through `read_bytes` and `inspect_json`.
//! This is the stable-toolchain companion of the cargo-fuzz targets in `fuzz/`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use encours_readers::einvoice;

const MUTANTS_PER_XML: u64 = 30;
const MUTANTS_PER_PDF: u64 = 4;

/// xorshift64*: a tiny deterministic generator, enough to pick positions and bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
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

fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
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

#[test]
fn mutated_corpus_files_never_panic() {
    let corpus = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus"));
    assert!(corpus.is_dir(), "the test corpus is missing: expected {}", corpus.display());
    let mut panics = Vec::new();
    let mut runs = 0;
    for folder in ["facturx", "cii", "ubl"] {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(corpus.join(folder)).expect("corpus folder").map(|e| e.expect("entry").path()).collect();
        files.sort();
        for (i, path) in files.iter().enumerate() {
            let bytes = std::fs::read(path).expect("corpus file");
            let pdf = bytes.starts_with(b"%PDF");
            let mutants = if pdf { MUTANTS_PER_PDF } else { MUTANTS_PER_XML };
            for m in 0..mutants {
                let seed = 0x9E37_79B9_7F4A_7C15 ^ ((i as u64) << 32) ^ m;
                let mut rng = Rng(seed);
                let mutant = mutate(&bytes, &mut rng);
                runs += 1;
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    let result = einvoice::read_bytes("mutant", &mutant);
                    let _ = einvoice::inspect_json("mutant", &result);
                }));
                if outcome.is_err() {
                    panics.push(format!("{} seed {seed:#x}", path.display()));
                }
            }
        }
    }
    assert!(panics.is_empty(), "{} of {runs} mutants panicked:\n{}", panics.len(), panics.join("\n"));
}
