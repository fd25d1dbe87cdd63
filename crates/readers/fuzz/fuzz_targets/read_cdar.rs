//! Any bytes to the CDAR lifecycle reader and its inspection JSON. Seeds: `fuzz/seed.sh` (the
//! corpus lifecycle messages).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let result = encours_readers::lifecycle::read_cdar_bytes("fuzz.xml", data);
    let _ = encours_readers::lifecycle::inspect_json("fuzz.xml", &result);
});
