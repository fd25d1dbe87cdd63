//! Never a panic: every corpus file, truncated and randomly mutated (a bounded, seeded number of
//! times so the test is reproducible and quick), goes through `read_bytes` and `inspect_json`.
//! This is the stable-toolchain companion of the cargo-fuzz targets in `fuzz/`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

mod common;
use common::{mutate, Rng};

use encours_readers::einvoice;

const MUTANTS_PER_XML: u64 = 30;
const MUTANTS_PER_PDF: u64 = 4;

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
