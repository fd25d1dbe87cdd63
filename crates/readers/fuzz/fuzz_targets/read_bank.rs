//! Any bytes to the bank readers (camt.053 / camt.054 and CFONB 120) and their inspection JSON.
//! Seeds: `fuzz/seed.sh` (the corpus bank files).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let result = encours_readers::bank::read_bank_bytes("fuzz.bank", data);
    let _ = encours_readers::bank::inspect_json("fuzz.bank", &result);
});
