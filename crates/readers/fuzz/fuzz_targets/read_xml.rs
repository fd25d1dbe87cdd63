//! Any bytes through the XML path: sniffing, decoding (BOM, declared encodings), the bounded tree,
//! CII / ZUGFeRD 1 / UBL extraction, the builder and every check. Seeds: `fuzz/seed.sh`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let result = encours_readers::einvoice::read_bytes("fuzz.xml", data);
    let _ = encours_readers::einvoice::inspect_json("fuzz.xml", &result);
});
